package io.tapflow.processor.streams;

import io.tapflow.processor.metrics.ProcessorMetrics;
import io.tapflow.schemas.SchemaRegistryException;
import io.tapflow.schemas.SchemaRegistrySettings;
import io.tapflow.schemas.Topics;
import io.tapflow.schemas.ValueSerdes;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

/** Runs the processor topology as a Kafka Streams application. */
public final class ProcessorApp implements AutoCloseable {
  private final KafkaStreams streams;
  private final ProcessorMetrics metrics;
  private final String packetsTopic;
  private final LiveQueries liveQueries;
  private final Supplier<Map<Integer, Long>> lag = this::packetsLag;

  /**
   * Builds the application; with a schema registry configured, first registers the output values'
   * schemas, so that a registry that cannot be reached or refuses a schema fails here and not at
   * the first record.
   *
   * @throws SchemaRegistryException when the registry cannot be reached or refuses a schema
   */
  public ProcessorApp(ProcessorConfig config, ProcessorMetrics metrics) {
    ValueSerdes values = ValueSerdes.of(Optional.ofNullable(config.schemaRegistry()));
    Topics topics = config.topics();
    values.webSocketMessage().prepareTopic(topics.messages());
    values.connectionRecord().prepareTopic(topics.connections());
    values.chatEvent().prepareTopic(topics.chat());
    values.anomaly().prepareTopic(topics.anomalies());
    Properties props = properties(config);
    props.put(UndecodableRecordHandler.METRICS_CONFIG, metrics);
    this.streams = new KafkaStreams(TapflowTopology.build(config, metrics, values), props);
    this.metrics = metrics;
    this.packetsTopic = config.topics().packets();
    this.liveQueries =
        new LiveQueries(
            streams, packetsTopic, props.getProperty(StreamsConfig.APPLICATION_SERVER_CONFIG));
    metrics.lagSource(lag);
    metrics.redactedFields(config.analyzer().redactFields());
  }

  /**
   * The records this instance's consumer is behind on each assigned partition of the packets topic:
   * the consumer's own {@code records-lag}, updated at every fetch. The consumer also reports it
   * under a deprecated topic tag with '.' written as '_'; that copy is used only when the first is
   * missing.
   */
  private Map<Integer, Long> packetsLag() {
    Map<Integer, Long> lag = new TreeMap<>();
    Map<Integer, Long> legacy = new TreeMap<>();
    for (Map.Entry<MetricName, ? extends Metric> e : streams.metrics().entrySet()) {
      MetricName n = e.getKey();
      String topic = n.tags().get("topic");
      if (n.name().equals("records-lag")
          && n.group().equals("consumer-fetch-manager-metrics")
          && topic != null
          && n.tags().containsKey("partition")
          && e.getValue().metricValue() instanceof Number v
          && !Double.isNaN(v.doubleValue())) {
        Map<Integer, Long> into =
            topic.equals(packetsTopic)
                ? lag
                : topic.equals(packetsTopic.replace('.', '_')) ? legacy : null;
        if (into != null) {
          into.merge(Integer.parseInt(n.tags().get("partition")), v.longValue(), Long::sum);
        }
      }
    }
    return lag.isEmpty() ? legacy : lag;
  }

  /** The Kafka Streams properties for {@code config}. */
  public static Properties properties(ProcessorConfig config) {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    p.put(
        StreamsConfig.PROCESSING_GUARANTEE_CONFIG,
        config.exactlyOnce() ? StreamsConfig.EXACTLY_ONCE_V2 : StreamsConfig.AT_LEAST_ONCE);
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, config.replicationFactor());
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, config.commitIntervalMs());
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.streamThreads());
    p.put(
        StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
        UndecodableRecordHandler.class);
    p.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, config.topics().deadLetters());
    // Outputs compressed in large batches and input fetched in large pieces: in ProcessorBench
    // (docs/BENCHMARKS.md) this took the broker's CPU per input record from 22 to 7 us and the
    // exactly-once processor from 24 000 to 43 000 records/s. Client properties override them.
    p.put(StreamsConfig.producerPrefix("compression.type"), "lz4");
    p.put(StreamsConfig.producerPrefix("batch.size"), 262144);
    // Kafka Streams' own default lingers 100 ms, which an at-least-once output waits out in full
    // when traffic is light; under load batches fill long before 5 ms.
    p.put(StreamsConfig.producerPrefix("linger.ms"), 5);
    p.put(StreamsConfig.consumerPrefix("max.partition.fetch.bytes"), 8 << 20);
    if (config.stateDir() != null) {
      p.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir());
    }
    if (config.applicationServer() != null) {
      p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, config.applicationServer());
    }
    p.putAll(SchemaRegistrySettings.withoutRegistrySettings(config.clientProperties()));
    return p;
  }

  public KafkaStreams streams() {
    return streams;
  }

  /**
   * Interactive queries of the live view (which answers only when {@link
   * ProcessorConfig#liveView()} is on).
   */
  public LiveQueries liveQueries() {
    return liveQueries;
  }

  public void start() {
    streams.start();
  }

  /**
   * Stops the application and leaves the consumer group, so that another instance takes the
   * partitions over at once instead of after the session timeout.
   */
  @Override
  public void close() {
    metrics.clearLagSource(lag);
    streams.close(
        CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
            .withTimeout(Duration.ofSeconds(30)));
  }
}
