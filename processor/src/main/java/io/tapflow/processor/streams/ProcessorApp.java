package io.tapflow.processor.streams;

import io.tapflow.processor.metrics.ProcessorMetrics;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;

/** Runs the processor topology as a Kafka Streams application. */
public final class ProcessorApp implements AutoCloseable {
  private final KafkaStreams streams;

  public ProcessorApp(ProcessorConfig config, ProcessorMetrics metrics) {
    this.streams = new KafkaStreams(TapflowTopology.build(config, metrics), properties(config));
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
        LogAndContinueExceptionHandler.class);
    if (config.stateDir() != null) {
      p.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir());
    }
    p.putAll(config.clientProperties());
    return p;
  }

  public KafkaStreams streams() {
    return streams;
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
    streams.close(
        CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
            .withTimeout(Duration.ofSeconds(30)));
  }
}
