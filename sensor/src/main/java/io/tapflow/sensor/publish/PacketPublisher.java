package io.tapflow.sensor.publish;

import io.tapflow.schemas.PacketKind;
import io.tapflow.schemas.PacketRecord;
import io.tapflow.schemas.TapflowSerdes;
import io.tapflow.schemas.TimestampPrecision;
import io.tapflow.sensor.capture.PacketHandler;
import io.tapflow.sensor.decode.ConnectionKey;
import io.tapflow.sensor.decode.DecodeResult;
import io.tapflow.sensor.decode.PacketDecoder;
import io.tapflow.sensor.decode.SkipReason;
import io.tapflow.sensor.decode.TcpSegment;
import io.tapflow.sensor.metrics.SensorMetrics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;

/**
 * Publishes captured packets to the packets topic: one {@link PacketRecord} per TCP segment, keyed
 * by the connection key so both directions of a connection share a partition; the only Kafka
 * producer code of the sensor.
 *
 * <p>The producer is idempotent with {@code acks=all}, so records of one connection keep their
 * capture order in their partition even when batches are retried. Each record carries the sensor's
 * run id and a sequence number, so a processor can count records lost in between.
 */
public final class PacketPublisher implements PacketHandler, AutoCloseable {
  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

  private final String sensorId;
  private final String interfaceName;
  private final String topic;
  private final Producer<String, PacketRecord> producer;
  private final SensorMetrics metrics;
  private final PacketDecoder decoder = new PacketDecoder();
  private final String runId = UUID.randomUUID().toString();
  private final AtomicLong sequence = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private AtomicLongArray partitionSequences = new AtomicLongArray(0);
  private volatile int partitionCount;
  private volatile long lastTimestampNanos;

  public PacketPublisher(
      String sensorId,
      String interfaceName,
      String topic,
      Producer<String, PacketRecord> producer,
      SensorMetrics metrics) {
    this.sensorId = sensorId;
    this.interfaceName = interfaceName;
    this.topic = topic;
    this.producer = producer;
    this.metrics = metrics;
    metrics.initialize(sensorId);
    metrics.publishRetries(sensorId, this::retries);
  }

  /** The producer settings tapflow uses; {@code overrides} (any Kafka client setting) win. */
  public static Properties producerProperties(
      String bootstrapServers, Map<String, String> overrides) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
    p.putAll(overrides);
    return p;
  }

  /** Creates a Kafka producer with {@link #producerProperties}, writing single-object encoding. */
  public static Producer<String, PacketRecord> createProducer(Properties props) {
    return createProducer(props, TapflowSerdes.packetRecord().serializer());
  }

  /**
   * Creates a Kafka producer with {@link #producerProperties} and {@code values} (the schema
   * registry wire format, for one).
   */
  public static Producer<String, PacketRecord> createProducer(
      Properties props, Serializer<PacketRecord> values) {
    return new KafkaProducer<>(props, new StringSerializer(), values);
  }

  @Override
  public void onPacket(
      int linkType,
      long timestampNanos,
      boolean nanoPrecision,
      byte[] data,
      int capturedLength,
      int wireLength) {
    metrics.packetsCaptured.labelValues(sensorId).inc();
    metrics.bytesCaptured.labelValues(sensorId).inc(capturedLength);
    lastTimestampNanos = timestampNanos;
    DecodeResult result = decoder.decode(linkType, data, capturedLength, wireLength);
    if (result instanceof TcpSegment s) {
      publish(s, linkType, timestampNanos, nanoPrecision, capturedLength, wireLength);
    } else if (result instanceof SkipReason reason) {
      metrics.packetsDropped.labelValues(sensorId, reason.code()).inc();
    }
  }

  private void publish(
      TcpSegment s, int linkType, long ts, boolean nano, int capturedLength, int wireLength) {
    if (s.isTruncated()) {
      metrics.packetsTruncated.labelValues(sensorId).inc();
    }
    PacketRecord record =
        PacketRecord.newBuilder()
            .setKind(PacketKind.SEGMENT)
            .setSensorId(sensorId)
            .setSensorSeq(sequence.getAndIncrement())
            .setSensorRunId(runId)
            .setTimestamp(instant(ts))
            .setTimestampPrecision(nano ? TimestampPrecision.NANO : TimestampPrecision.MICRO)
            .setInterface$(interfaceName)
            .setLinkType(linkType)
            .setVlanIds(Arrays.stream(s.vlanIds()).boxed().toList())
            .setIpVersion(s.ipVersion())
            .setSrcAddr(ByteBuffer.wrap(s.srcAddr()))
            .setDstAddr(ByteBuffer.wrap(s.dstAddr()))
            .setSrcPort(s.srcPort())
            .setDstPort(s.dstPort())
            .setSeq(s.seq())
            .setAck(s.ack())
            .setFlags(s.flags())
            .setWindow(s.window())
            .setPayload(ByteBuffer.wrap(s.payload()))
            .setPayloadWireLength(s.payloadWireLength())
            .setCapturedLength(capturedLength)
            .setWireLength(wireLength)
            .build();
    String key = ConnectionKey.of(sensorId, s);
    send(partitionOf(key), millis(ts), key, record);
  }

  /**
   * The partition Kafka's default partitioner gives {@code key} (murmur2 of its UTF-8 bytes),
   * chosen here so that each record can carry its sequence number within that partition.
   */
  private int partitionOf(String key) {
    if (partitionCount == 0) {
      partitionCount = producer.partitionsFor(topic).size();
    }
    return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitionCount;
  }

  /**
   * Tells every partition's processor that this sensor's capture is over, so it ends the open
   * connections of this sensor; used after the last packet of a capture file.
   */
  public void endOfCapture() {
    control(PacketKind.END_OF_CAPTURE, lastTimestampNanos);
  }

  /**
   * Writes a heartbeat (clock 0, which moves no processor clock) to every partition and waits until
   * each is acknowledged. A new topic's partitions can be listed with a leader before that leader
   * accepts writes; an idempotent producer whose first batches then fail with NotLeaderOrFollower
   * while later ones succeed ends in OutOfOrderSequence errors and loses records. One acknowledged
   * write per partition before the capture's records avoids that.
   */
  public void awaitPartitionsWritable() {
    heartbeat(0);
    producer.flush();
  }

  /** Sends the sensor's capture clock to every partition. */
  public void heartbeat(long clockNanos) {
    control(PacketKind.HEARTBEAT, clockNanos);
  }

  private void control(PacketKind kind, long ts) {
    List<PartitionInfo> partitions = producer.partitionsFor(topic);
    partitionCount = partitions.size();
    for (PartitionInfo p : partitions) {
      PacketRecord record =
          PacketRecord.newBuilder()
              .setKind(kind)
              .setSensorId(sensorId)
              .setSensorSeq(sequence.getAndIncrement())
              .setSensorRunId(runId)
              .setTimestamp(instant(ts))
              .setInterface$(interfaceName)
              .setLinkType(-1)
              .setIpVersion(0)
              .setSrcAddr(EMPTY)
              .setDstAddr(EMPTY)
              .setSrcPort(0)
              .setDstPort(0)
              .setSeq(0)
              .setAck(0)
              .setFlags(0)
              .setWindow(0)
              .setPayload(EMPTY)
              .setPayloadWireLength(0)
              .setCapturedLength(0)
              .setWireLength(0)
              .build();
      send(p.partition(), millis(ts), sensorId, record);
    }
  }

  /**
   * Numbers {@code value} within {@code partition} and sends it; one thread at a time, so the
   * numbers of a partition reach it in order.
   */
  private synchronized void send(
      int partition, long timestampMillis, String key, PacketRecord value) {
    if (partition >= partitionSequences.length()) {
      AtomicLongArray grown = new AtomicLongArray(partition + 1);
      for (int i = 0; i < partitionSequences.length(); i++) {
        grown.set(i, partitionSequences.get(i));
      }
      partitionSequences = grown;
    }
    value.setPartitionSeq(partitionSequences.getAndIncrement(partition));
    send(new ProducerRecord<>(topic, partition, timestampMillis, key, value));
  }

  private void send(ProducerRecord<String, PacketRecord> record) {
    PacketKind kind = record.value().getKind();
    try {
      producer.send(
          record,
          (metadata, error) -> {
            if (error == null) {
              metrics.recordsPublished.labelValues(sensorId, kind.name().toLowerCase()).inc();
              if (kind == PacketKind.HEARTBEAT) {
                metrics.heartbeatAcknowledged(sensorId);
              }
            } else {
              publishFailed(kind);
            }
          });
    } catch (SerializationException e) {
      // The value serializer runs on this (the capture) thread: a schema registry that cannot be
      // reached fails the record at once (its client remembers the failure for a while) and the
      // capture goes on.
      publishFailed(kind);
    }
  }

  private void publishFailed(PacketKind kind) {
    failed.incrementAndGet();
    metrics.publishErrors.labelValues(sensorId, kind.name().toLowerCase()).inc();
    if (kind == PacketKind.SEGMENT) {
      metrics.packetsDropped.labelValues(sensorId, SensorMetrics.PUBLISH_FAILED).inc();
    }
  }

  /** Record sends the producer retried so far (its {@code record-retry-total}). */
  public double retries() {
    double retries = 0;
    for (Map.Entry<MetricName, ? extends Metric> e : producer.metrics().entrySet()) {
      if (e.getKey().name().equals("record-retry-total")
          && e.getKey().group().equals("producer-metrics")
          && e.getValue().metricValue() instanceof Number n) {
        retries += n.doubleValue();
      }
    }
    return retries;
  }

  /** The producer's own metrics, for exposing Kafka client metrics. */
  public Map<MetricName, ? extends Metric> kafkaMetrics() {
    return producer.metrics();
  }

  /** Records sent so far (segments and control records). */
  public long sent() {
    return sequence.get();
  }

  /** Records the producer failed to deliver (after its own retries). */
  public long failed() {
    return failed.get();
  }

  public void flush() {
    producer.flush();
  }

  @Override
  public void close() {
    producer.close();
  }

  private static long millis(long nanos) {
    return Math.max(0, Math.floorDiv(nanos, 1_000_000L));
  }

  private static Instant instant(long nanos) {
    return Instant.ofEpochSecond(
        Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
  }
}
