package io.tapflow.cli.analyze;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tapflow.cli.ChatSampleServer;
import io.tapflow.cli.Pipeline;
import io.tapflow.cli.broker.EmbeddedKafkaBroker;
import io.tapflow.schemas.ChatEvent;
import io.tapflow.schemas.ConnectionRecord;
import io.tapflow.schemas.TapflowSerdes;
import io.tapflow.schemas.Topics;
import io.tapflow.sensor.capture.CaptureConfig;
import io.tapflow.sensor.capture.PcapSource;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Live capture on the loopback interface (needs root or CAP_NET_RAW; CI runs as root): real
 * python-websockets peers talk the chat protocol on this test's own port while the sensor captures
 * and publishes to an embedded broker and the processor decodes.
 */
class LiveCaptureEndToEndTest {
  // The server's port, the clients' the next two: below Linux's ephemeral range (32768-60999), so
  // that no other program's client socket can hold them when chat-client.py binds them.
  private static final int SERVER_PORT = 29880;

  @Test
  void aChatSessionOnLoopbackIsCapturedLiveAndDecoded() throws Exception {
    ChatSampleServer server = ChatSampleServer.start(SERVER_PORT); // listening before the capture
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
        Pipeline pipeline =
            Pipeline.create(
                new Pipeline.Settings(
                    broker.bootstrapServers(),
                    Map.of(),
                    Topics.DEFAULT,
                    2,
                    1,
                    "live-test",
                    true,
                    "live",
                    "lo"),
                new PrometheusRegistry());
        PcapSource source =
            PcapSource.open(CaptureConfig.live("lo").withFilter("tcp port " + SERVER_PORT))) {
      pipeline.startProcessor();
      Thread capture =
          new Thread(
              () -> {
                try {
                  source.run(pipeline.publisher());
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      capture.start();
      Thread.sleep(1000); // let libpcap open the handle before the peers start talking

      server.converse(); // from SERVER_PORT + 1 and + 2
      Thread.sleep(500);
      source.stop();
      capture.join(10_000);
      pipeline.endOfCapture();
      pipeline.awaitProcessed(Duration.ofMinutes(2));

      Duration t = Duration.ofMinutes(1);
      // The two connections may lie in different partitions: in capture order across them.
      List<ChatEvent> chatEvents =
          pipeline.read(Topics.DEFAULT.chat(), TapflowSerdes.chatEvent().deserializer(), t).stream()
              .sorted(Comparator.comparing(ChatEvent::getTimestamp))
              .toList();
      assertEquals(
          List.of("mynick: Merhaba, herkes!", "ayse: Günaydın! Çay içelim mi? ğüşiöç ĞÜŞİÖÇ"),
          AnalyzeCommand.chatLines(chatEvents));
      List<ConnectionRecord> finals =
          pipeline
              .read(
                  Topics.DEFAULT.connections(), TapflowSerdes.connectionRecord().deserializer(), t)
              .stream()
              .filter(ConnectionRecord::getFinal$)
              .toList();
      assertEquals(
          List.of("127.0.0.1:29881 101", "127.0.0.1:29882 101"),
          finals.stream().map(c -> c.getClient() + " " + c.getHttpStatus()).sorted().toList());
    } finally {
      server.close();
    }
  }
}
