package io.tapflow.sensor.publish;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.tapflow.schemas.PacketKind;
import io.tapflow.schemas.PacketRecord;
import io.tapflow.sensor.capture.PacketHandler;
import io.tapflow.sensor.decode.DecodeResult;
import io.tapflow.sensor.decode.PacketDecoder;
import io.tapflow.sensor.decode.SkipReason;
import io.tapflow.sensor.decode.TcpSegment;
import io.tapflow.sensor.metrics.SensorMetrics;
import io.tapflow.sensor.redact.PayloadRedactor;
import io.tapflow.sensor.redact.RedactedFields;
import io.tapflow.sensor.redact.WithheldReason;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.BufferExhaustedException;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes captured packets to the packets topic: one {@link PacketRecord} per TCP segment, keyed
 * by the connection key so both directions of a connection share a partition; the only Kafka
 * producer code of the sensor.
 *
 * <p>The producer is idempotent with {@code acks=all}, so records of one connection keep their
 * capture order in their partition even when batches are retried. Each record carries the sensor's
 * run id, a sequence number across the run and one within its partition, so a processor can count
 * records lost in between. Values are written by {@link PacketRecordEncoder} on the calling thread.
 *
 * <p><b>Every packet is accounted for.</b> A packet handed to {@link #onPacket} ends in exactly one
 * of: published (Kafka acknowledged its record); dropped, by reason: a {@link SkipReason} (no TCP
 * segment in it), {@value SensorMetrics#BUFFER_FULL} (the producer's buffer was full, see {@link
 * PublishConfig}), {@value SensorMetrics#PUBLISH_FAILED} (the producer took the record but could
 * not deliver it: delivery timeout, or still buffered when {@link #close} gave up); or pending
 * (taken by the producer, not yet settled). So at any moment {@code captured = published + dropped
 * + pending}, and after {@link #close} {@code pending} is 0 ({@link #accounting()}).
 *
 * <p>A record the producer refuses at once (a full buffer, no metadata for the topic) takes no
 * sequence number, so the numbers on the topic have no gap where the sensor already counted a drop;
 * a gap on the topic is a record the sensor counted as {@code publish_failed}.
 *
 * <p><b>Numbering across restarts.</b> With a state file ({@link PublishConfig#stateFile()}, {@link
 * SensorStateFile}) the publisher starts with the run id and next numbers its predecessor left
 * there, writes them at its start, every {@link PublishConfig#stateInterval()} and, once the
 * producer is closed, at {@link #close} marked clean. So the numbers a stopped run gave records it
 * never delivered show as a gap before the successor's first record of each partition, which the
 * processor counts as lost. After a clean stop the file holds the last numbers given out and the
 * count is exact. After a crash it holds those of its last write: the successor gives out again the
 * numbers its predecessor gave after that write, and a processor that saw some of them takes the
 * successor's copies for redeliveries until it passes them; the records lost uncounted are at most
 * those numbers, per partition (docs/ARCHITECTURE.md, "State").
 *
 * <p><b>Payload.</b> Each segment's record carries the first {@link PayloadMode#kept} bytes of its
 * captured payload ({@link PublishConfig#payload()}) and always its wire length; the bytes left out
 * are counted ({@code tapflow_sensor_payload_withheld_bytes_total}).
 *
 * <p><b>Redaction.</b> With {@link PublishConfig#redactFields()} (and a payload mode that publishes
 * payload at all) each segment first goes through a {@link PayloadRedactor}, which rewrites the
 * configured JSON members' values in its WebSocket text messages in place, or names why the payload
 * must be withheld: then the record carries no payload byte, as with {@code --payload none}, and
 * the segment is counted by reason ({@code tapflow_sensor_redaction_withheld_segments_total},
 * {@code ..._bytes_total}). The values redacted in the records the producer took are counted by
 * field ({@code tapflow_sensor_redactions_total}).
 */
public final class PacketPublisher implements PacketHandler, AutoCloseable {
  private static final Duration AWAIT_PARTITIONS = Duration.ofSeconds(60);
  private static final Logger log = LoggerFactory.getLogger(PacketPublisher.class);

  private final PublishConfig config;
  private final String sensorId;
  private final String topic;
  private final Producer<byte[], byte[]> producer;
  private final SensorMetrics metrics;
  private final PacketDecoder decoder = new PacketDecoder();
  private final String runId;
  private final Start start;
  private final PayloadMode payload;
  private final PacketRecordEncoder encoder;
  private final ConnectionKeyCache keys;
  private final byte[] controlKey;
  private final PayloadRedactor redactor; // guarded by this; null without redaction
  private final CounterDataPoint[] redactions;
  private final CounterDataPoint[] redactionWithheldSegments =
      new CounterDataPoint[WithheldReason.values().length];
  private final CounterDataPoint[] redactionWithheldBytes =
      new CounterDataPoint[WithheldReason.values().length];

  private final CounterDataPoint captured;
  private final CounterDataPoint capturedBytes;
  private final CounterDataPoint truncated;
  private final CounterDataPoint withheld;
  private final CounterDataPoint stateWriteErrors;
  private final CounterDataPoint[] skipped = new CounterDataPoint[SkipReason.values().length];
  private final CounterDataPoint bufferFull;
  private final CounterDataPoint publishFailed;
  private final Delivery[] deliveries = new Delivery[PacketKind.values().length];
  private final AtomicLong pending = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();

  // Guarded by this: the key cache, the numbering of records and the thread inside producer.send.
  private long sequence;
  private long[] partitionSequences = new long[0];
  private Thread sending; // also read by the I/O thread, see Delivery
  private Exception refusal;

  private volatile int partitionCount;
  private volatile long lastTimestampNanos;
  private boolean closed;

  // The state file, its writer thread, and whether the clean state is written (guarded by
  // stateLock, which orders the writes: a write never replaces a later one).
  private final SensorStateFile state;
  private final ScheduledExecutorService stateWriter;
  private final Object stateLock = new Object();
  private boolean stateFinal;
  private boolean stateFailing;

  /**
   * How this publisher's numbering began.
   *
   * @param runId the run id on its records
   * @param origin a new run, or its predecessor's continued
   * @param nextSensorSeq the first {@code sensorSeq} it gives out
   * @param nextPartitionSeqs the first {@code partitionSeq} it gives out in each partition,
   *     partition 0 first (beyond the array: 0)
   * @param reason why a state file's numbering was not continued (the file was absent, unreadable,
   *     or another sensor's or topic's), or null
   */
  public record Start(
      String runId, Origin origin, long nextSensorSeq, long[] nextPartitionSeqs, String reason) {
    public Start {
      nextPartitionSeqs = nextPartitionSeqs.clone();
    }

    @Override
    public long[] nextPartitionSeqs() {
      return nextPartitionSeqs.clone();
    }

    /** One line for the sensor's log. */
    public String describe() {
      return switch (origin) {
        case NEW -> "new run " + runId + (reason == null ? "" : " (" + reason + ")");
        case CONTINUED ->
            "continuing run "
                + runId
                + " after a clean stop at sensorSeq "
                + nextSensorSeq
                + ", partitionSeq "
                + Arrays.toString(nextPartitionSeqs);
        case CONTINUED_AFTER_CRASH ->
            "continuing run "
                + runId
                + " after an unclean stop, from its last state write: sensorSeq "
                + nextSensorSeq
                + ", partitionSeq "
                + Arrays.toString(nextPartitionSeqs)
                + " (records numbered after that write and lost are not counted)";
      };
    }
  }

  /** Where a publisher's numbering comes from. */
  public enum Origin {
    /** A new run id, numbers from 0: no state file, or one that could not be continued. */
    NEW,
    /** The state file of a predecessor that stopped cleanly: exactly where it ended. */
    CONTINUED,
    /** The state file of a predecessor that did not stop cleanly: where its last write was. */
    CONTINUED_AFTER_CRASH
  }

  /**
   * Creates the Kafka producer {@code config} describes.
   *
   * @param interfaceName the capture interface, or the capture file's name
   * @param valueHeader the bytes before each value's Avro body: {@link
   *     PacketRecordEncoder#header(int)}
   */
  public PacketPublisher(
      PublishConfig config,
      String sensorId,
      String interfaceName,
      String topic,
      byte[] valueHeader,
      SensorMetrics metrics) {
    this.config = config;
    this.sensorId = sensorId;
    this.topic = topic;
    this.metrics = metrics;
    this.payload = config.payload();
    SensorStateFile stateFile = null;
    if (config.stateFile() != null) {
      try {
        stateFile = SensorStateFile.open(config.stateFile());
      } catch (IOException e) {
        throw new UncheckedIOException(
            "cannot use the state file " + config.stateFile() + ": " + e.getMessage(), e);
      }
    }
    this.state = stateFile;
    this.start = begin(stateFile, sensorId, topic);
    this.runId = start.runId();
    this.sequence = start.nextSensorSeq();
    this.partitionSequences = start.nextPartitionSeqs();
    this.encoder = new PacketRecordEncoder(valueHeader, sensorId, runId, interfaceName);
    this.keys = new ConnectionKeyCache(sensorId);
    this.controlKey = sensorId.getBytes(StandardCharsets.UTF_8);
    metrics.initialize(sensorId);
    captured = metrics.packetsCaptured.labelValues(sensorId);
    capturedBytes = metrics.bytesCaptured.labelValues(sensorId);
    truncated = metrics.packetsTruncated.labelValues(sensorId);
    withheld = metrics.payloadBytesWithheld.labelValues(sensorId);
    stateWriteErrors = metrics.stateWriteErrors.labelValues(sensorId);
    for (SkipReason reason : SkipReason.values()) {
      skipped[reason.ordinal()] = metrics.packetsDropped.labelValues(sensorId, reason.code());
    }
    if (config.redactFields().isEmpty() || payload.cap() == 0) {
      this.redactor = null; // nothing to redact, or no payload published to redact
      this.redactions = new CounterDataPoint[0];
    } else {
      this.redactor = new PayloadRedactor(new RedactedFields(config.redactFields()));
      List<String> fields = redactor.fields().names();
      metrics.initializeRedaction(sensorId, fields);
      this.redactions = new CounterDataPoint[fields.size()];
      for (int i = 0; i < fields.size(); i++) {
        redactions[i] = metrics.redactions.labelValues(sensorId, fields.get(i));
      }
      for (WithheldReason reason : WithheldReason.values()) {
        redactionWithheldSegments[reason.ordinal()] =
            metrics.redactionWithheldSegments.labelValues(sensorId, reason.code());
        redactionWithheldBytes[reason.ordinal()] =
            metrics.redactionWithheldBytes.labelValues(sensorId, reason.code());
      }
    }
    bufferFull = metrics.packetsDropped.labelValues(sensorId, SensorMetrics.BUFFER_FULL);
    publishFailed = metrics.packetsDropped.labelValues(sensorId, SensorMetrics.PUBLISH_FAILED);
    for (PacketKind kind : PacketKind.values()) {
      deliveries[kind.ordinal()] = new Delivery(kind);
    }
    ScheduledExecutorService writer = null;
    try {
      if (state != null) {
        // Claimed before any number is given out: a crash from now on leaves an unclean file.
        state.write(numbering(false));
        writer =
            Executors.newSingleThreadScheduledExecutor(
                r -> {
                  Thread t = new Thread(r, "tapflow-sensor-state");
                  t.setDaemon(true);
                  return t;
                });
        long interval = config.stateInterval().toNanos();
        writer.scheduleAtFixedRate(this::writeState, interval, interval, TimeUnit.NANOSECONDS);
      }
      this.producer =
          new KafkaProducer<>(
              config.producerProperties(), new ByteArraySerializer(), new ByteArraySerializer());
    } catch (IOException | RuntimeException e) {
      if (writer != null) {
        writer.shutdownNow();
      }
      closeQuietly(state);
      if (e instanceof IOException io) {
        throw new UncheckedIOException(
            "cannot write the state file " + config.stateFile() + ": " + io.getMessage(), io);
      }
      throw (RuntimeException) e;
    }
    this.stateWriter = writer;
    metrics.publishRetries(sensorId, this::retries);
    metrics.packetsPending(sensorId, pending::get);
  }

  /**
   * The numbering to start with: the state file's when it holds this sensor's numbering of this
   * topic, else a new run.
   */
  private static Start begin(SensorStateFile file, String sensorId, String topic) {
    String fresh = UUID.randomUUID().toString();
    if (file == null) {
      return new Start(fresh, Origin.NEW, 0, new long[0], null);
    }
    SensorStateFile.Numbering previous;
    try {
      previous = file.read();
    } catch (IOException e) {
      return new Start(
          fresh, Origin.NEW, 0, new long[0], "the state file was unreadable: " + e.getMessage());
    }
    if (previous == null) {
      return new Start(fresh, Origin.NEW, 0, new long[0], "no state file yet");
    }
    if (!previous.sensorId().equals(sensorId) || !previous.topic().equals(topic)) {
      return new Start(
          fresh,
          Origin.NEW,
          0,
          new long[0],
          "the state file numbered sensor "
              + previous.sensorId()
              + "'s records on "
              + previous.topic());
    }
    return new Start(
        previous.runId(),
        previous.clean() ? Origin.CONTINUED : Origin.CONTINUED_AFTER_CRASH,
        previous.nextSensorSeq(),
        previous.nextPartitionSeqs(),
        null);
  }

  /** How this publisher's numbering began. */
  public Start start() {
    return start;
  }

  /** The numbers given out so far, as the state file keeps them. */
  private synchronized SensorStateFile.Numbering numbering(boolean clean) {
    return new SensorStateFile.Numbering(
        sensorId, topic, runId, clean, sequence, partitionSequences);
  }

  /**
   * Writes the numbers given out so far to the state file (not clean), unless the clean state is
   * written already; a failure is counted and logged, and the next write tries again.
   */
  private void writeState() {
    synchronized (stateLock) {
      if (stateFinal) {
        return;
      }
      try {
        state.write(numbering(false));
        if (stateFailing) {
          stateFailing = false;
          log.warn("writing the state file {} works again", state.path());
        }
      } catch (IOException | RuntimeException e) {
        stateWriteErrors.inc();
        if (!stateFailing) {
          stateFailing = true;
          log.warn(
              "cannot write the state file {} (a crash now would leave older numbers there): {}",
              state.path(),
              e.toString());
        }
      }
    }
  }

  private static void closeQuietly(SensorStateFile file) {
    if (file != null) {
      try {
        file.close();
      } catch (IOException e) {
        // the lock goes with the process anyway
      }
    }
  }

  @Override
  public void onPacket(
      int linkType,
      long timestampNanos,
      boolean nanoPrecision,
      byte[] data,
      int capturedLength,
      int wireLength) {
    captured.inc();
    capturedBytes.inc(capturedLength);
    lastTimestampNanos = timestampNanos;
    DecodeResult result = decoder.decode(linkType, data, capturedLength, wireLength);
    if (result instanceof TcpSegment s) {
      publish(s, linkType, timestampNanos, nanoPrecision, capturedLength, wireLength);
    } else if (result instanceof SkipReason reason) {
      skipped[reason.ordinal()].inc();
    }
  }

  private void publish(
      TcpSegment s, int linkType, long ts, boolean nano, int capturedLength, int wireLength) {
    if (s.isTruncated()) {
      truncated.inc();
    }
    pending.incrementAndGet();
    Exception refused;
    WithheldReason reason = null;
    int kept;
    synchronized (this) {
      if (redactor != null) {
        reason = redactor.redact(s); // rewrites the payload in place, before it is encoded
      }
      kept = reason != null ? 0 : payload.kept(s.payloadLength());
      refused = sendSegment(keys.find(s), s, kept, linkType, ts, nano, capturedLength, wireLength);
      if (refused == null && redactor != null && reason == null) {
        for (int i = 0; i < redactions.length; i++) {
          int n = redactor.redactedValues(i);
          if (n > 0) {
            redactions[i].inc(n);
          }
        }
      }
    }
    if (refused != null) {
      pending.decrementAndGet();
      refused(PacketKind.SEGMENT, refused);
      return;
    }
    if (reason != null) {
      redactionWithheldSegments[reason.ordinal()].inc();
      redactionWithheldBytes[reason.ordinal()].inc(s.payloadLength());
    }
    if (kept < s.payloadLength()) {
      withheld.inc(s.payloadLength() - kept);
    }
  }

  /**
   * Numbers, encodes (with the first {@code kept} payload bytes) and sends one segment; returns why
   * the producer refused it, or null.
   */
  private Exception sendSegment(
      ConnectionKeyCache.Entry key,
      TcpSegment s,
      int kept,
      int linkType,
      long ts,
      boolean nano,
      int capturedLength,
      int wireLength) {
    assert Thread.holdsLock(this);
    int partition;
    try {
      partition = partitionOf(key.hash());
    } catch (RuntimeException e) {
      return e; // no metadata for the topic (live: the producer does not wait for it)
    }
    byte[] value =
        encoder.segment(
            sequence,
            partitionSequence(partition),
            ts,
            nano,
            linkType,
            s,
            kept,
            capturedLength,
            wireLength);
    Exception refused = send(partition, millis(ts), key.key(), value, PacketKind.SEGMENT);
    if (refused == null) {
      sequence++;
      partitionSequences[partition]++;
    }
    return refused;
  }

  /**
   * The partition Kafka's default partitioner gives a key whose murmur2 hash is {@code keyHash},
   * chosen here so that each record can carry its sequence number within that partition.
   */
  private int partitionOf(int keyHash) {
    if (partitionCount == 0) {
      partitionCount = producer.partitionsFor(topic).size();
    }
    return Utils.toPositive(keyHash) % partitionCount;
  }

  /** The number the next record sent to {@code partition} gets. */
  private long partitionSequence(int partition) {
    assert Thread.holdsLock(this);
    if (partition >= partitionSequences.length) {
      partitionSequences = Arrays.copyOf(partitionSequences, partition + 1);
    }
    return partitionSequences[partition];
  }

  /**
   * Hands one record to the producer; returns why it refused it at once (a full buffer, no
   * metadata, closed), or null when it took it. Kafka reports most refusals through the callback,
   * on this thread and before {@code send} returns, rather than by throwing.
   */
  private Exception send(
      int partition, long timestampMillis, byte[] key, byte[] value, PacketKind kind) {
    assert Thread.holdsLock(this);
    sending = Thread.currentThread();
    refusal = null;
    try {
      producer.send(
          new ProducerRecord<>(topic, partition, timestampMillis, key, value),
          deliveries[kind.ordinal()]);
    } catch (RuntimeException e) {
      refusal = e;
    } finally {
      sending = null;
    }
    return refusal;
  }

  /** Counts a record the producer refused at once. */
  private void refused(PacketKind kind, Exception e) {
    failed.incrementAndGet();
    deliveries[kind.ordinal()].errors.inc();
    if (kind == PacketKind.SEGMENT) {
      (e instanceof BufferExhaustedException ? bufferFull : publishFailed).inc();
    }
  }

  /**
   * Counts what becomes of the records of one kind: delivered or failed, on the producer's I/O
   * thread; refused, on the thread inside {@link #send}.
   */
  private final class Delivery implements Callback {
    private final PacketKind kind;
    private final CounterDataPoint published;
    private final CounterDataPoint errors;

    Delivery(PacketKind kind) {
      this.kind = kind;
      this.published =
          metrics.recordsPublished.labelValues(sensorId, SensorMetrics.kindLabel(kind));
      this.errors = metrics.publishErrors.labelValues(sensorId, SensorMetrics.kindLabel(kind));
    }

    @Override
    public void onCompletion(RecordMetadata metadata, Exception exception) {
      // `sending` is only ever a thread inside send(), never the producer's I/O thread: a stale
      // read there cannot be equal, and the sending thread reads its own write.
      if (Thread.currentThread() == sending) {
        refusal = exception; // refused before send returned; send's caller counts it
        return;
      }
      if (exception == null) {
        published.inc();
        if (kind == PacketKind.HEARTBEAT) {
          metrics.heartbeatAcknowledged(sensorId);
        }
      } else {
        failed.incrementAndGet();
        errors.inc();
        if (kind == PacketKind.SEGMENT) {
          publishFailed.inc();
        }
      }
      if (kind == PacketKind.SEGMENT) {
        pending.decrementAndGet();
      }
    }
  }

  /**
   * Tells every partition's processor that this sensor's capture is over, so it ends the open
   * connections of this sensor; used after the last packet of a capture file.
   */
  public void endOfCapture() {
    control(PacketKind.END_OF_CAPTURE, lastTimestampNanos);
  }

  /**
   * Waits until the producer knows the topic's partitions (at most 60 s), then writes a heartbeat
   * (clock 0, which moves no processor clock) to every partition and waits until each is
   * acknowledged. A new topic's partitions can be listed with a leader before that leader accepts
   * writes; an idempotent producer whose first batches then fail with NotLeaderOrFollower while
   * later ones succeed ends in OutOfOrderSequence errors and loses records. One acknowledged write
   * per partition before the capture's records avoids that.
   *
   * @throws TimeoutException when the topic's partitions are not known within 60 s
   */
  public void awaitPartitionsWritable() {
    long deadline = System.nanoTime() + AWAIT_PARTITIONS.toNanos();
    while (true) {
      try {
        partitionCount = producer.partitionsFor(topic).size();
        break;
      } catch (TimeoutException e) {
        // Live, the producer does not wait for metadata (max.block.ms=0): it asks for the topic's
        // and refuses at once; ask again until the answer is there.
        if (System.nanoTime() > deadline) {
          throw e;
        }
        try {
          Thread.sleep(50);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw new InterruptException(interrupted);
        }
      }
    }
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
      Exception refused;
      synchronized (this) {
        int partition = p.partition();
        byte[] value = encoder.control(kind, sequence, partitionSequence(partition), ts);
        refused = send(partition, millis(ts), controlKey, value, kind);
        if (refused == null) {
          sequence++;
          partitionSequences[partition]++;
        }
      }
      if (refused != null) {
        refused(kind, refused);
      }
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

  /**
   * Records the producer took from this publisher so far (segments and control records): the
   * sequence numbers it gave out.
   */
  public synchronized long sent() {
    return sequence - start.nextSensorSeq();
  }

  /** The {@code sensorSeq} the next record gets (the state file's, once closed). */
  public synchronized long nextSensorSeq() {
    return sequence;
  }

  /** Records Kafka acknowledged so far, of every kind. */
  public long delivered() {
    long delivered = 0;
    for (Delivery d : deliveries) {
      delivered += (long) d.published.get();
    }
    return delivered;
  }

  /** Records not delivered: refused at once, or failed after the producer's retries. */
  public long failed() {
    return failed.get();
  }

  /** Waits until every record taken so far is delivered or failed. */
  public void flush() {
    producer.flush();
  }

  /**
   * Closes the producer, waiting at most the configured close timeout for buffered records to be
   * delivered; those still buffered then are failed (and counted). Afterwards nothing is pending.
   * Then, with a state file, writes the numbers given out, marked clean (no number beyond them was
   * given to a record), and releases the file.
   *
   * @throws UncheckedIOException when the clean state cannot be written (the file keeps the last
   *     periodic write, as after a crash)
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    producer.close(config.closeTimeout());
    if (state == null) {
      return;
    }
    stateWriter.shutdownNow();
    try {
      synchronized (stateLock) {
        stateFinal = true;
        // The producer is closed: every record is delivered or failed, and no record can take a
        // number any more (a send is refused), so these are the last numbers of this run.
        state.write(numbering(true));
      }
    } catch (IOException e) {
      stateWriteErrors.inc();
      throw new UncheckedIOException(
          "cannot write the state file " + state.path() + " at stop: " + e.getMessage(), e);
    } finally {
      closeQuietly(state);
    }
  }

  private static long millis(long nanos) {
    return Math.max(0, Math.floorDiv(nanos, 1_000_000L));
  }

  /** The counters at this moment: {@code captured = published + dropped + pending}. */
  public Accounting accounting() {
    Map<String, Long> dropped = new LinkedHashMap<>();
    for (SkipReason reason : SkipReason.values()) {
      dropped.put(reason.code(), (long) skipped[reason.ordinal()].get());
    }
    dropped.put(SensorMetrics.BUFFER_FULL, (long) bufferFull.get());
    dropped.put(SensorMetrics.PUBLISH_FAILED, (long) publishFailed.get());
    return new Accounting(
        (long) captured.get(),
        (long) deliveries[PacketKind.SEGMENT.ordinal()].published.get(),
        dropped,
        pending.get());
  }

  /**
   * What became of the packets handed to the publisher.
   *
   * @param captured packets handed to {@link #onPacket}
   * @param published segments Kafka acknowledged
   * @param dropped packets not published, by reason (every reason, zeros included)
   * @param pending segments the producer holds, neither acknowledged nor failed yet
   */
  public record Accounting(long captured, long published, Map<String, Long> dropped, long pending) {
    public Accounting {
      dropped = Collections.unmodifiableMap(new LinkedHashMap<>(dropped));
    }

    /** Packets dropped for any reason. */
    public long droppedTotal() {
      return dropped.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Whether {@code captured = published + dropped + pending} holds. */
    public boolean balances() {
      return captured == published + droppedTotal() + pending;
    }

    /**
     * {@code captured=N published=N dropped=N (reason=N ...) pending=N}, the reasons that dropped
     * anything in declaration order.
     */
    @Override
    public String toString() {
      StringBuilder sb = new StringBuilder();
      sb.append("captured=").append(captured).append(" published=").append(published);
      sb.append(" dropped=").append(droppedTotal()).append(" (");
      String separator = "";
      for (Map.Entry<String, Long> e : dropped.entrySet()) {
        if (e.getValue() > 0) {
          sb.append(separator).append(e.getKey()).append('=').append(e.getValue());
          separator = " ";
        }
      }
      return sb.append(") pending=").append(pending).toString();
    }
  }
}
