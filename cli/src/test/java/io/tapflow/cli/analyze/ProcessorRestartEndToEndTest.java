package io.tapflow.cli.analyze;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tapflow.cli.TopicAdmin;
import io.tapflow.cli.TopicReader;
import io.tapflow.cli.broker.EmbeddedKafkaBroker;
import io.tapflow.cli.output.JsonLines;
import io.tapflow.processor.metrics.ProcessorMetrics;
import io.tapflow.processor.streams.ProcessorApp;
import io.tapflow.processor.streams.ProcessorConfig;
import io.tapflow.schemas.TapflowSerdes;
import io.tapflow.schemas.Topics;
import io.tapflow.sensor.capture.CaptureConfig;
import io.tapflow.sensor.capture.PacketHandler;
import io.tapflow.sensor.capture.PcapSource;
import io.tapflow.sensor.metrics.SensorMetrics;
import io.tapflow.sensor.publish.PacketPublisher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
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
    String bootstrap = broker.bootstrapServers();
    Topics topics = Topics.DEFAULT.withPrefix(prefix);
    Properties client = new Properties();
    client.put("bootstrap.servers", bootstrap);
    String appId = prefix + "app";
    PrometheusRegistry registry = new PrometheusRegistry();
    ProcessorMetrics metrics = new ProcessorMetrics(registry);
    try (Admin admin = Admin.create(client);
        PacketPublisher publisher =
            new PacketPublisher(
                "restart",
                "chat-deflate.pcap",
                topics.packets(),
                PacketPublisher.createProducer(
                    PacketPublisher.producerProperties(bootstrap, Map.of())),
                new SensorMetrics(registry))) {
      TopicAdmin.ensure(admin, topics, 1, (short) 1, Map.of());
      int published = 0;
      for (int part = 0; part < 2; part++) {
        int end = part == 0 ? split : frames.size();
        for (; published < end; published++) {
          Frame f = frames.get(published);
          publisher.onPacket(f.linkType, f.ts, f.nano, f.data, f.caplen, f.len);
        }
        if (part == 1) {
          publisher.endOfCapture();
        }
        publisher.flush();
        Path stateDir = Files.createTempDirectory("tapflow-restart");
        ProcessorConfig config =
            ProcessorConfig.builder(bootstrap)
                .applicationId(appId)
                .topics(topics)
                .replicationFactor(1)
                .stateDir(stateDir.toString())
                .build();
        try (ProcessorApp app = new ProcessorApp(config, metrics)) {
          app.start();
          AnalyzeRun.awaitProcessed(
              admin, app.streams(), appId, topics.packets(), Duration.ofMinutes(2));
        }
        deleteRecursively(stateDir);
      }
    }
    List<String> lines = new ArrayList<>();
    Duration t = Duration.ofMinutes(1);
    TopicReader.readAll(
            client, topics.messages(), TapflowSerdes.webSocketMessage().deserializer(), t)
        .forEach(r -> lines.add(JsonLines.line(JsonLines.message(r.value()))));
    TopicReader.readAll(client, topics.chat(), TapflowSerdes.chatEvent().deserializer(), t)
        .forEach(r -> lines.add(JsonLines.line(JsonLines.chat(r.value()))));
    TopicReader.readAll(
            client, topics.connections(), TapflowSerdes.connectionRecord().deserializer(), t)
        .forEach(r -> lines.add(JsonLines.line(JsonLines.connection(r.value()))));
    return lines;
  }

  private static void deleteRecursively(Path dir) throws Exception {
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
