package io.tapflow.cli.analyze;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tapflow.cli.Pipeline;
import io.tapflow.cli.broker.EmbeddedKafkaBroker;
import io.tapflow.cli.output.JsonLines;
import io.tapflow.schemas.TapflowSerdes;
import io.tapflow.schemas.Topics;
import io.tapflow.sensor.capture.CaptureConfig;
import io.tapflow.sensor.capture.PacketHandler;
import io.tapflow.sensor.capture.PcapSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Stops the processor in the middle of a compressed session, throws its local state away, and
 * starts a new instance that must restore the connections (the inflater windows included) from the
 * changelog: the output topics must equal those of an uninterrupted run.
 */
class ProcessorRestartEndToEndTest {
  private record Frame(int linkType, long ts, boolean nano, byte[] data, int caplen, int len) {}

  @Test
  void aProcessorRestoredFromItsChangelogContinuesExactlyWhereItsCommittedStateLeftOff()
      throws Exception {
    List<Frame> frames = new ArrayList<>();
    try (PcapSource source =
        PcapSource.open(CaptureConfig.offline(Path.of("..", "samples", "chat-deflate.pcap")))) {
      source.run((PacketHandler) (l, t, n, d, c, w) -> frames.add(new Frame(l, t, n, d, c, w)));
    }
    assertEquals(40, frames.size());
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
      List<String> uninterrupted = run(broker, "whole.", frames, frames.size());
      List<String> restarted = run(broker, "split.", frames, 12);
      assertEquals(uninterrupted, restarted);
      assertEquals(17 + 13 + 4, uninterrupted.size()); // messages, chat events, connection records
    }
  }

  /**
   * Publishes the first {@code split} frames, processes them with one processor instance, stops it
   * and deletes its state directory, then publishes the rest and processes them with a second
   * instance of the same application.
   */
  private static List<String> run(
      EmbeddedKafkaBroker broker, String prefix, List<Frame> frames, int split) throws Exception {
    Topics topics = Topics.DEFAULT.withPrefix(prefix);
    Pipeline.Settings settings =
        new Pipeline.Settings(
            broker.bootstrapServers(),
            Map.of(),
            topics,
            1,
            1,
            prefix + "app",
            true,
            "restart",
            "chat-deflate.pcap");
    List<String> lines = new ArrayList<>();
    try (Pipeline pipeline = Pipeline.create(settings, new PrometheusRegistry())) {
      for (int i = 0; i < frames.size(); i++) {
        Frame f = frames.get(i);
        pipeline.publisher().onPacket(f.linkType, f.ts, f.nano, f.data, f.caplen, f.len);
        if (i == split - 1 || i == frames.size() - 1) {
          if (i == frames.size() - 1) {
            pipeline.publisher().endOfCapture();
          }
          pipeline.publisher().flush();
          pipeline.startProcessor();
          pipeline.awaitProcessed(Duration.ofMinutes(2));
          pipeline.stopProcessor(); // the next instance restores from the changelog
        }
      }
      Duration t = Duration.ofMinutes(1);
      pipeline
          .read(topics.messages(), TapflowSerdes.webSocketMessage().deserializer(), t)
          .forEach(m -> lines.add(JsonLines.line(JsonLines.message(m))));
      pipeline
          .read(topics.chat(), TapflowSerdes.chatEvent().deserializer(), t)
          .forEach(e -> lines.add(JsonLines.line(JsonLines.chat(e))));
      pipeline
          .read(topics.connections(), TapflowSerdes.connectionRecord().deserializer(), t)
          .forEach(c -> lines.add(JsonLines.line(JsonLines.connection(c))));
    }
    return lines;
  }
}
