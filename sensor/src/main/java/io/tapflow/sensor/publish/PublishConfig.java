package io.tapflow.sensor.publish;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Configures a {@link PacketPublisher}: what its records carry, how it hands them to Kafka and
 * where it keeps its numbering; immutable, with every default stated here.
 *
 * <p>The bounded buffer between the capture and the broker is the Kafka producer's own ({@code
 * buffer.memory}, here {@link #bufferBytes}): records wait there, compressed in their batches,
 * until the broker takes them. What happens when it is full depends on where packets come from:
 *
 * <ul>
 *   <li>{@link #live}: the packet is dropped and counted ({@code buffer_full}). The producer is
 *       created with {@code max.block.ms=0}, so {@code send} never waits for room or for metadata:
 *       the capture thread never blocks on Kafka (while it did, the kernel would drop packets that
 *       only libpcap's counters see).
 *   <li>{@link #file}: {@code send} waits for room (up to {@code max.block.ms}, 60 s by default): a
 *       file can wait for the broker.
 * </ul>
 *
 * A record the producer took but could not deliver within {@code delivery.timeout.ms} (120 s by
 * default: a longer broker outage) is counted as {@code publish_failed}; so is every record still
 * buffered when {@link #closeTimeout} runs out at stop.
 *
 * @param bootstrapServers the Kafka cluster
 * @param clientProperties Kafka client settings (TLS, SASL, any producer setting) that override the
 *     defaults of {@link #producerProperties()}; never {@code buffer.memory} (that is {@code
 *     bufferBytes}), and when live never {@code max.block.ms} (blocking is what live capture must
 *     not do)
 * @param bufferBytes the producer's buffer ({@code buffer.memory}), at least {@value
 *     #MIN_BUFFER_BYTES} bytes
 * @param dropWhenFull whether a record that finds the buffer full is dropped at once (live) rather
 *     than waited for (file)
 * @param closeTimeout how long {@link PacketPublisher#close} waits for buffered records to be
 *     delivered before failing them
 * @param payload how much of each segment's captured payload its record carries ({@link
 *     PayloadMode}: full, cap:N, none)
 * @param redactFields JSON member names whose values are redacted in the WebSocket text messages of
 *     the published payloads ({@link io.tapflow.sensor.redact.PayloadRedactor}); payloads the
 *     sensor cannot redact for certain are withheld. Empty for none; nothing to do with {@code
 *     payload} none
 * @param stateFile where the publisher keeps its run id and sequence numbers, so that a restarted
 *     sensor continues them ({@link SensorStateFile}); null for none: every start is a new run
 * @param stateInterval how often the state file is written while the publisher runs (besides at its
 *     start and its close)
 */
public record PublishConfig(
    String bootstrapServers,
    Map<String, String> clientProperties,
    long bufferBytes,
    boolean dropWhenFull,
    Duration closeTimeout,
    PayloadMode payload,
    List<String> redactFields,
    Path stateFile,
    Duration stateInterval) {

  /**
   * Default buffer: 64 MiB. At the about 170 bytes a record of the benchmark's chat traffic takes
   * in an lz4 batch (docs/BENCHMARKS.md, part 4) that is about 390 000 packets: 39 s of a broker
   * outage at 10 000 packets/s, 1.6 s at 250 000; on the heap of the default 1-2 GiB JVM.
   */
  public static final long DEFAULT_BUFFER_BYTES = 64L * 1024 * 1024;

  /** The smallest buffer: 1 MiB, so that one packet of the largest snaplen always fits. */
  public static final long MIN_BUFFER_BYTES = 1024 * 1024;

  /**
   * Default time to deliver what is buffered at stop: 10 s, within the 30 s a Kubernetes pod gets
   * to stop.
   */
  public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(10);

  /** Default payload mode: every captured byte. */
  public static final PayloadMode DEFAULT_PAYLOAD = PayloadMode.FULL;

  /**
   * Default interval between writes of the state file: 1 s. After a crash, the numbers assigned
   * since the last write are the ones whose loss may go uncounted (docs/ARCHITECTURE.md, "State").
   */
  public static final Duration DEFAULT_STATE_INTERVAL = Duration.ofSeconds(1);

  /** Checks the buffer size and, when live, that the client settings leave buffering to it. */
  public PublishConfig {
    Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    clientProperties = Map.copyOf(clientProperties);
    Objects.requireNonNull(closeTimeout, "closeTimeout");
    Objects.requireNonNull(payload, "payload");
    redactFields = List.copyOf(redactFields);
    for (String field : redactFields) {
      if (field.isEmpty()) {
        throw new IllegalArgumentException("a field name to redact cannot be empty");
      }
    }
    Objects.requireNonNull(stateInterval, "stateInterval");
    if (stateInterval.isNegative() || stateInterval.isZero()) {
      throw new IllegalArgumentException("the state interval must be positive: " + stateInterval);
    }
    if (bufferBytes < MIN_BUFFER_BYTES) {
      throw new IllegalArgumentException(
          "the publish buffer must be at least " + MIN_BUFFER_BYTES + " bytes: " + bufferBytes);
    }
    if (clientProperties.containsKey(ProducerConfig.BUFFER_MEMORY_CONFIG)) {
      throw new IllegalArgumentException(
          "buffer.memory is the sensor's publish buffer: set it with --publish-buffer-bytes");
    }
    if (dropWhenFull && clientProperties.containsKey(ProducerConfig.MAX_BLOCK_MS_CONFIG)) {
      throw new IllegalArgumentException(
          "max.block.ms cannot be set for live capture: the sensor never blocks on Kafka, it"
              + " drops and counts what does not fit its publish buffer");
    }
  }

  /** Live capture: a full buffer drops the packet; the default buffer and close timeout. */
  public static PublishConfig live(String bootstrapServers, Map<String, String> clientProperties) {
    return new PublishConfig(
        bootstrapServers,
        clientProperties,
        DEFAULT_BUFFER_BYTES,
        true,
        DEFAULT_CLOSE_TIMEOUT,
        DEFAULT_PAYLOAD,
        List.of(),
        null,
        DEFAULT_STATE_INTERVAL);
  }

  /** A capture file: a full buffer makes the reader wait; the default buffer and close timeout. */
  public static PublishConfig file(String bootstrapServers, Map<String, String> clientProperties) {
    return new PublishConfig(
        bootstrapServers,
        clientProperties,
        DEFAULT_BUFFER_BYTES,
        false,
        DEFAULT_CLOSE_TIMEOUT,
        DEFAULT_PAYLOAD,
        List.of(),
        null,
        DEFAULT_STATE_INTERVAL);
  }

  /** Returns a copy with another buffer size. */
  public PublishConfig withBufferBytes(long bufferBytes) {
    return new PublishConfig(
        bootstrapServers,
        clientProperties,
        bufferBytes,
        dropWhenFull,
        closeTimeout,
        payload,
        redactFields,
        stateFile,
        stateInterval);
  }

  /** Returns a copy with another close timeout. */
  public PublishConfig withCloseTimeout(Duration closeTimeout) {
    return new PublishConfig(
        bootstrapServers,
        clientProperties,
        bufferBytes,
        dropWhenFull,
        closeTimeout,
        payload,
        redactFields,
        stateFile,
        stateInterval);
  }

  /** Returns a copy with another payload mode. */
  public PublishConfig withPayload(PayloadMode payload) {
    return new PublishConfig(
        bootstrapServers,
        clientProperties,
        bufferBytes,
        dropWhenFull,
        closeTimeout,
        payload,
        redactFields,
        stateFile,
        stateInterval);
  }

  /** Returns a copy that redacts the values of the JSON members named {@code redactFields}. */
  public PublishConfig withRedactFields(List<String> redactFields) {
    return new PublishConfig(
        bootstrapServers,
        clientProperties,
        bufferBytes,
        dropWhenFull,
        closeTimeout,
        payload,
        redactFields,
        stateFile,
        stateInterval);
  }

  /** Returns a copy that keeps its numbering in {@code stateFile} (null: none). */
  public PublishConfig withStateFile(Path stateFile) {
    return new PublishConfig(
        bootstrapServers,
        clientProperties,
        bufferBytes,
        dropWhenFull,
        closeTimeout,
        payload,
        redactFields,
        stateFile,
        stateInterval);
  }

  /** Returns a copy that writes its state file every {@code stateInterval}. */
  public PublishConfig withStateInterval(Duration stateInterval) {
    return new PublishConfig(
        bootstrapServers,
        clientProperties,
        bufferBytes,
        dropWhenFull,
        closeTimeout,
        payload,
        redactFields,
        stateFile,
        stateInterval);
  }

  /**
   * The producer settings: idempotent with {@code acks=all} (a connection's records keep their
   * order through retries), lz4, batches of up to 256 KiB that wait up to 5 ms to fill; then {@link
   * #clientProperties}; then the buffer.
   */
  public Properties producerProperties() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
    // Kafka 4's default, rebootstrap, replaces the producer's metadata with the bootstrap servers'
    // as soon as no broker it knows can be reached: the topic's partitions are forgotten, and
    // every record is refused ("not present in metadata") instead of buffered until the cluster
    // is back. Keep the known brokers and partitions through an outage.
    p.put(CommonClientConfigs.METADATA_RECOVERY_STRATEGY_CONFIG, "none");
    p.putAll(clientProperties);
    p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, bufferBytes);
    if (dropWhenFull) {
      p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 0);
    }
    return p;
  }
}
