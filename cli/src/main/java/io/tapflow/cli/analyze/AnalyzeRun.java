package io.tapflow.cli.analyze;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tapflow.cli.Pipeline;
import io.tapflow.cli.broker.EmbeddedBrokerLogs;
import io.tapflow.cli.broker.EmbeddedKafkaBroker;
import io.tapflow.processor.analysis.AnalyzerConfig;
import io.tapflow.schemas.Anomaly;
import io.tapflow.schemas.ChatEvent;
import io.tapflow.schemas.ConnectionRecord;
import io.tapflow.schemas.SchemaRegistrySettings;
import io.tapflow.schemas.Topics;
import io.tapflow.schemas.ValueSerdes;
import io.tapflow.schemas.WebSocketMessage;
import io.tapflow.sensor.capture.CaptureConfig;
import io.tapflow.sensor.capture.CaptureException;
import io.tapflow.sensor.capture.PcapSource;
import io.tapflow.sensor.publish.PayloadMode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

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
   * @param schemaRegistry the registry every value is written through (its wire format), or null
   *     for single-object encoding
   * @param payload what of each segment's payload the sensor side publishes ({@link PayloadMode})
   * @param analyzer the processor's analysis settings (redacted fields among them)
   */
  public record Options(
      Path capture,
      String bootstrapServers,
      Map<String, String> clientProperties,
      String topicPrefix,
      int partitions,
      String sensorId,
      boolean exactlyOnce,
      Duration timeout,
      SchemaRegistrySettings schemaRegistry,
      PayloadMode payload,
      AnalyzerConfig analyzer) {

    /** Options that publish every payload byte and analyse with the defaults. */
    public Options(
        Path capture,
        String bootstrapServers,
        Map<String, String> clientProperties,
        String topicPrefix,
        int partitions,
        String sensorId,
        boolean exactlyOnce,
        Duration timeout,
        SchemaRegistrySettings schemaRegistry) {
      this(
          capture,
          bootstrapServers,
          clientProperties,
          topicPrefix,
          partitions,
          sensorId,
          exactlyOnce,
          timeout,
          schemaRegistry,
          PayloadMode.FULL,
          AnalyzerConfig.DEFAULT);
    }

    /** Options that write single-object encoding. */
    public Options(
        Path capture,
        String bootstrapServers,
        Map<String, String> clientProperties,
        String topicPrefix,
        int partitions,
        String sensorId,
        boolean exactlyOnce,
        Duration timeout) {
      this(
          capture,
          bootstrapServers,
          clientProperties,
          topicPrefix,
          partitions,
          sensorId,
          exactlyOnce,
          timeout,
          null,
          PayloadMode.FULL,
          AnalyzerConfig.DEFAULT);
    }

    public static Options defaults(Path capture) {
      return new Options(capture, null, Map.of(), null, 1, "local", true, Duration.ofMinutes(10));
    }

    /** These options with every value written through {@code registry}. */
    public Options withSchemaRegistry(SchemaRegistrySettings registry) {
      return new Options(
          capture,
          bootstrapServers,
          clientProperties,
          topicPrefix,
          partitions,
          sensorId,
          exactlyOnce,
          timeout,
          registry,
          payload,
          analyzer);
    }

    /** These options with the sensor side publishing payloads as {@code payload} says. */
    public Options withPayload(PayloadMode payload) {
      return new Options(
          capture,
          bootstrapServers,
          clientProperties,
          topicPrefix,
          partitions,
          sensorId,
          exactlyOnce,
          timeout,
          schemaRegistry,
          payload,
          analyzer);
    }

    /** These options with the processor's analysis set to {@code config}. */
    public Options withAnalyzer(AnalyzerConfig config) {
      return new Options(
          capture,
          bootstrapServers,
          clientProperties,
          topicPrefix,
          partitions,
          sensorId,
          exactlyOnce,
          timeout,
          schemaRegistry,
          payload,
          config);
    }

    /** Every option, but only the names of the client properties: their values may be secrets. */
    @Override
    public String toString() {
      return "Options[capture="
          + capture
          + ", bootstrapServers="
          + bootstrapServers
          + ", clientProperties="
          + new TreeSet<>(clientProperties.keySet())
          + ", topicPrefix="
          + topicPrefix
          + ", partitions="
          + partitions
          + ", sensorId="
          + sensorId
          + ", exactlyOnce="
          + exactlyOnce
          + ", timeout="
          + timeout
          + ", schemaRegistry="
          + (schemaRegistry == null ? null : schemaRegistry.url())
          + ", payload="
          + payload
          + ", analyzer="
          + analyzer
          + "]";
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
      long recordsFailed,
      PrometheusRegistry registry) {}

  private AnalyzeRun() {}

  /** The value of a finished read; a read's own failure is thrown as it is. */
  private static <V> V result(Future<V> read) throws InterruptedException, ExecutionException {
    try {
      return read.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw e;
    }
  }

  /** Runs the pipeline on {@code options.capture()} and returns its outputs. */
  public static Result run(Options options)
      throws CaptureException, InterruptedException, ExecutionException {
    EmbeddedKafkaBroker broker = null;
    try {
      String bootstrap = options.bootstrapServers();
      String prefix = options.topicPrefix();
      if (bootstrap == null) {
        EmbeddedBrokerLogs.quietForOneRun();
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
    PrometheusRegistry registry = new PrometheusRegistry();
    Pipeline.Settings settings =
        new Pipeline.Settings(
            bootstrap,
            options.clientProperties(),
            topics,
            options.partitions(),
            embedded ? 1 : -1,
            "tapflow-analyze-" + UUID.randomUUID(),
            options.exactlyOnce(),
            options.sensorId(),
            options.capture().getFileName().toString(),
            options.schemaRegistry(),
            options.payload(),
            options.analyzer());
    try (Pipeline pipeline = Pipeline.create(settings, registry)) {
      pipeline.startProcessor();
      long packetsRead;
      try (PcapSource source = PcapSource.open(CaptureConfig.offline(options.capture()))) {
        source.run(pipeline.publisher());
        packetsRead = source.stats().received();
        pipeline.sensorMetrics().captureStats(options.sensorId(), source.stats());
      }
      pipeline.endOfCapture();
      pipeline.awaitProcessed(options.timeout());
      Duration t = options.timeout();
      ValueSerdes values = pipeline.values();
      // The four topics are read side by side, each by a consumer of its own: one after the other
      // they took 2.9 s of a 14 s run on 215 724 packets, half a second of it each consumer's
      // start (docs/BENCHMARKS.md).
      ExecutorService readers =
          Executors.newFixedThreadPool(
              4,
              r -> {
                Thread th = new Thread(r, "tapflow-analyze-read");
                th.setDaemon(true);
                return th;
              });
      try {
        Future<List<WebSocketMessage>> messages =
            readers.submit(
                () ->
                    pipeline.read(topics.messages(), values.webSocketMessage().deserializer(), t));
        Future<List<ConnectionRecord>> connections =
            readers.submit(
                () ->
                    pipeline.read(
                        topics.connections(), values.connectionRecord().deserializer(), t));
        Future<List<ChatEvent>> chat =
            readers.submit(
                () -> pipeline.read(topics.chat(), values.chatEvent().deserializer(), t));
        Future<List<Anomaly>> anomalies =
            readers.submit(
                () -> pipeline.read(topics.anomalies(), values.anomaly().deserializer(), t));
        return new Result(
            result(messages),
            result(connections),
            result(chat),
            result(anomalies),
            packetsRead,
            pipeline.publisher().sent(),
            pipeline.publisher().failed(),
            registry);
      } finally {
        readers.shutdownNow();
      }
    }
  }

  /** Writes the Prometheus text-format snapshot of {@code registry} to {@code out}. */
  public static void writeMetrics(PrometheusRegistry registry, OutputStream out)
      throws IOException {
    PrometheusTextFormatWriter.create().write(out, registry.scrape());
  }
}
