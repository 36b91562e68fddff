package io.tapflow.cli.analyze;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tapflow.cli.TopicAdmin;
import io.tapflow.cli.TopicReader;
import io.tapflow.cli.broker.EmbeddedKafkaBroker;
import io.tapflow.processor.metrics.ProcessorMetrics;
import io.tapflow.processor.streams.ProcessorApp;
import io.tapflow.processor.streams.ProcessorConfig;
import io.tapflow.schemas.Anomaly;
import io.tapflow.schemas.ChatEvent;
import io.tapflow.schemas.ConnectionRecord;
import io.tapflow.schemas.TapflowSerdes;
import io.tapflow.schemas.Topics;
import io.tapflow.schemas.WebSocketMessage;
import io.tapflow.sensor.capture.CaptureConfig;
import io.tapflow.sensor.capture.CaptureException;
import io.tapflow.sensor.capture.PcapSource;
import io.tapflow.sensor.metrics.SensorMetrics;
import io.tapflow.sensor.publish.PacketPublisher;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Runs the whole pipeline on one capture file through Kafka: sensor (file replay) → packets topic →
 * processor (Kafka Streams) → output topics, then reads the outputs back.
 */
public final class AnalyzeRun {

  /**
   * What to run.
   *
   * @param capture pcap or pcapng file
   * @param bootstrapServers a cluster to use, or null to start an embedded broker
   * @param clientProperties further Kafka client settings (TLS, SASL, ...)
   * @param topicPrefix prefix for every topic name (null: none on the embedded broker, a run id on
   *     an external cluster, so runs do not mix)
   * @param partitions partitions of the topics the run creates
   * @param sensorId the sensor id written on the packet records
   * @param exactlyOnce processing guarantee of the processor
   * @param timeout how long to wait for the processor to catch up
   */
  public record Options(
      Path capture,
      String bootstrapServers,
      Map<String, String> clientProperties,
      String topicPrefix,
      int partitions,
      String sensorId,
      boolean exactlyOnce,
      Duration timeout) {

    public static Options defaults(Path capture) {
      return new Options(capture, null, Map.of(), null, 1, "local", true, Duration.ofMinutes(10));
    }
  }

  /** Everything the run produced, in topic order. */
  public record Result(
      List<WebSocketMessage> messages,
      List<ConnectionRecord> connections,
      List<ChatEvent> chat,
      List<Anomaly> anomalies,
      long packetsRead,
      long recordsPublished,
      PrometheusRegistry registry) {}

  private AnalyzeRun() {}

  /** Runs the pipeline on {@code options.capture()} and returns its outputs. */
  public static Result run(Options options)
      throws CaptureException, InterruptedException, ExecutionException {
    EmbeddedKafkaBroker broker = null;
    try {
      String bootstrap = options.bootstrapServers();
      String prefix = options.topicPrefix();
      if (bootstrap == null) {
        broker = EmbeddedKafkaBroker.start();
        bootstrap = broker.bootstrapServers();
        prefix = prefix == null ? "" : prefix;
      } else if (prefix == null) {
        prefix = "tapflow-analyze-" + UUID.randomUUID() + ".";
      }
      return run(options, bootstrap, prefix, broker != null);
    } finally {
      if (broker != null) {
        broker.close();
      }
    }
  }

  private static Result run(Options options, String bootstrap, String prefix, boolean embedded)
      throws CaptureException, InterruptedException, ExecutionException {
    Topics topics = Topics.DEFAULT.withPrefix(prefix);
    Properties client = new Properties();
    client.put("bootstrap.servers", bootstrap);
    client.putAll(options.clientProperties());
    String appId = "tapflow-analyze-" + UUID.randomUUID();
    PrometheusRegistry registry = new PrometheusRegistry();
    SensorMetrics sensorMetrics = new SensorMetrics(registry);
    ProcessorMetrics processorMetrics = new ProcessorMetrics(registry);
    Path stateDir;
    try {
      stateDir = Files.createTempDirectory("tapflow-state-");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    try (Admin admin = Admin.create(client)) {
      Map<String, String> topicConfig = new HashMap<>();
      // Captures carry old timestamps: keep records regardless of their age.
      topicConfig.put("retention.ms", "-1");
      TopicAdmin.ensure(
          admin, topics, options.partitions(), (short) (embedded ? 1 : -1), topicConfig);
      ProcessorConfig pc =
          ProcessorConfig.builder(bootstrap)
              .applicationId(appId)
              .topics(topics)
              .exactlyOnce(options.exactlyOnce())
              .replicationFactor(embedded ? 1 : -1)
              .stateDir(stateDir.toString())
              .clientProperties(options.clientProperties())
              .build();
      long packetsRead;
      long published;
      try (ProcessorApp processor = new ProcessorApp(pc, processorMetrics)) {
        processor.start();
        Properties producerProps =
            PacketPublisher.producerProperties(bootstrap, options.clientProperties());
        try (PacketPublisher publisher =
                new PacketPublisher(
                    options.sensorId(),
                    options.capture().getFileName().toString(),
                    topics.packets(),
                    PacketPublisher.createProducer(producerProps),
                    sensorMetrics);
            PcapSource source = PcapSource.open(CaptureConfig.offline(options.capture()))) {
          source.run(publisher);
          publisher.endOfCapture();
          publisher.flush();
          packetsRead = source.stats().received();
          published = publisher.sent();
        }
        awaitProcessed(admin, processor.streams(), appId, topics.packets(), options.timeout());
      }
      Duration t = options.timeout();
      return new Result(
          values(
              TopicReader.readAll(
                  client, topics.messages(), TapflowSerdes.webSocketMessage().deserializer(), t)),
          values(
              TopicReader.readAll(
                  client,
                  topics.connections(),
                  TapflowSerdes.connectionRecord().deserializer(),
                  t)),
          values(
              TopicReader.readAll(
                  client, topics.chat(), TapflowSerdes.chatEvent().deserializer(), t)),
          values(
              TopicReader.readAll(
                  client, topics.anomalies(), TapflowSerdes.anomaly().deserializer(), t)),
          packetsRead,
          published,
          registry);
    } finally {
      deleteRecursively(stateDir);
    }
  }

  /** Waits until the processor has committed its position at the end of the packets topic. */
  static void awaitProcessed(
      Admin admin, KafkaStreams streams, String groupId, String topic, Duration timeout)
      throws InterruptedException, ExecutionException {
    List<TopicPartition> partitions =
        admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().stream()
            .map(p -> new TopicPartition(topic, p.partition()))
            .collect(Collectors.toList());
    ListOffsetsResult latest =
        admin.listOffsets(
            partitions.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest())));
    Map<TopicPartition, Long> end = new HashMap<>();
    for (TopicPartition tp : partitions) {
      end.put(tp, latest.partitionResult(tp).get().offset());
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (streams.state() == KafkaStreams.State.ERROR
          || streams.state() == KafkaStreams.State.NOT_RUNNING) {
        throw new IllegalStateException("the processor stopped: " + streams.state());
      }
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get();
      boolean done = true;
      for (TopicPartition tp : partitions) {
        OffsetAndMetadata c = committed.get(tp);
        if (end.get(tp) > 0 && (c == null || c.offset() < end.get(tp))) {
          done = false;
        }
      }
      if (done) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out waiting for the processor to catch up");
      }
      Thread.sleep(100);
    }
  }

  /** Writes the Prometheus text-format snapshot of {@code registry} to {@code out}. */
  public static void writeMetrics(PrometheusRegistry registry, OutputStream out)
      throws IOException {
    PrometheusTextFormatWriter.create().write(out, registry.scrape());
  }

  private static <V> List<V> values(List<ConsumerRecord<String, V>> records) {
    return records.stream().map(ConsumerRecord::value).collect(Collectors.toList());
  }

  private static void deleteRecursively(Path dir) {
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // Temporary state that survives is not worth failing the run for.
    }
  }
}
