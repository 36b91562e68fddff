package io.tapflow.sensor.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import io.tapflow.schemas.PacketKind;
import io.tapflow.sensor.capture.CaptureStats;
import io.tapflow.sensor.decode.SkipReason;
import io.tapflow.sensor.redact.WithheldReason;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;

/**
 * Declares every metric of the sensor, in one place. Labels are the sensor id and small fixed sets
 * (drop reason, record kind); never an address.
 */
public final class SensorMetrics {
  /**
   * Why the sensor dropped a packet whose record the Kafka producer took but did not deliver (its
   * delivery timeout passed, or the sensor stopped first), or refused for another reason than a
   * full buffer.
   */
  public static final String PUBLISH_FAILED = "publish_failed";

  /** Why the sensor dropped a packet whose record found the producer's buffer full. */
  public static final String BUFFER_FULL = "buffer_full";

  public final Counter packetsCaptured;
  public final Counter bytesCaptured;
  public final Counter packetsDropped;
  public final Counter packetsTruncated;
  public final Counter payloadBytesWithheld;
  public final Counter stateWriteErrors;
  public final Counter redactions;
  public final Counter redactionWithheldSegments;
  public final Counter redactionWithheldBytes;
  public final Counter recordsPublished;
  public final Counter publishErrors;

  private final Map<String, CaptureStats> captureStats = new ConcurrentHashMap<>();
  private final Map<String, DoubleSupplier> publishRetries = new ConcurrentHashMap<>();
  private final Map<String, LongSupplier> packetsPending = new ConcurrentHashMap<>();
  private final Map<String, Long> lastHeartbeatNanos = new ConcurrentHashMap<>();

  public SensorMetrics(PrometheusRegistry registry) {
    packetsCaptured =
        Counter.builder()
            .name("tapflow_sensor_packets_captured_total")
            .help("Packets handed to the sensor by libpcap.")
            .labelNames("sensor")
            .register(registry);
    bytesCaptured =
        Counter.builder()
            .name("tapflow_sensor_captured_bytes_total")
            .help("Bytes of the packets handed to the sensor (captured length).")
            .labelNames("sensor")
            .unit(Unit.BYTES)
            .register(registry);
    packetsDropped =
        Counter.builder()
            .name("tapflow_sensor_packets_dropped_total")
            .help(
                "Packets the sensor itself did not publish, by reason: not_ip, not_tcp,"
                    + " ip_fragment, truncated or bad headers, unsupported_link_type;"
                    + " buffer_full (the producer's buffer was full: the broker is slow or"
                    + " unreachable); publish_failed (Kafka did not deliver the record). Captured"
                    + " = published segments + these + pending.")
            .labelNames("sensor", "reason")
            .register(registry);
    packetsTruncated =
        Counter.builder()
            .name("tapflow_sensor_packets_truncated_total")
            .help("Published TCP segments whose payload was cut by the snaplen.")
            .labelNames("sensor")
            .register(registry);
    payloadBytesWithheld =
        Counter.builder()
            .name("tapflow_sensor_payload_withheld_bytes_total")
            .help(
                "Captured TCP payload bytes the sensor left out of the records it handed to Kafka,"
                    + " by its payload mode (--payload cap:N or none) or withheld by redaction"
                    + " (--redact-field, also in tapflow_sensor_redaction_withheld_bytes_total);"
                    + " the records keep the payload's wire length.")
            .labelNames("sensor")
            .unit(Unit.BYTES)
            .register(registry);
    redactions =
        Counter.builder()
            .name("tapflow_sensor_redactions_total")
            .help(
                "Values of the JSON members named by --redact-field that the sensor redacted in"
                    + " the WebSocket text messages of the payloads it let through, by field.")
            .labelNames("sensor", "field")
            .register(registry);
    redactionWithheldSegments =
        Counter.builder()
            .name("tapflow_sensor_redaction_withheld_segments_total")
            .help(
                "TCP segments whose payload the sensor withheld because, with --redact-field, it"
                    + " could not be sure to redact it, by reason: mid_stream, gap, retransmission,"
                    + " bad_head, not_websocket, unknown_extension, bad_frame, compressed,"
                    + " unparseable. The records keep the headers and the wire length.")
            .labelNames("sensor", "reason")
            .register(registry);
    redactionWithheldBytes =
        Counter.builder()
            .name("tapflow_sensor_redaction_withheld_bytes_total")
            .help(
                "Captured payload bytes of the segments withheld by redaction"
                    + " (tapflow_sensor_redaction_withheld_segments_total), by reason.")
            .labelNames("sensor", "reason")
            .unit(Unit.BYTES)
            .register(registry);
    stateWriteErrors =
        Counter.builder()
            .name("tapflow_sensor_state_write_errors_total")
            .help(
                "Writes of the sensor's state file (--state-file) that failed. While they fail, the"
                    + " file keeps older numbers, and after a crash more lost records go"
                    + " uncounted.")
            .labelNames("sensor")
            .register(registry);
    recordsPublished =
        Counter.builder()
            .name("tapflow_sensor_records_published_total")
            .help(
                "Records the Kafka producer acknowledged, by kind (segment, heartbeat,"
                    + " end_of_capture).")
            .labelNames("sensor", "kind")
            .register(registry);
    publishErrors =
        Counter.builder()
            .name("tapflow_sensor_publish_errors_total")
            .help(
                "Records the Kafka producer did not deliver, by kind: refused at once (buffer"
                    + " full, no metadata) or failed after its retries.")
            .labelNames("sensor", "kind")
            .register(registry);
    CounterWithCallback.builder()
        .name("tapflow_sensor_publish_retries_total")
        .help("Record sends the Kafka producer retried (its record-retry-total).")
        .labelNames("sensor")
        .callback(cb -> publishRetries.forEach((s, retries) -> cb.call(retries.getAsDouble(), s)))
        .register(registry);
    captureCounter(
        registry,
        "tapflow_sensor_pcap_received_packets_total",
        "Packets that passed the capture filter, as libpcap counts them (ps_recv; on lo each"
            + " packet twice).",
        CaptureStats::received);
    captureCounter(
        registry,
        "tapflow_sensor_kernel_dropped_packets_total",
        "Packets the kernel dropped for lack of capture buffer space (libpcap ps_drop).",
        CaptureStats::droppedByKernel);
    captureCounter(
        registry,
        "tapflow_sensor_interface_dropped_packets_total",
        "Packets the network interface or its driver dropped (libpcap ps_ifdrop).",
        CaptureStats::droppedByInterface);
    GaugeWithCallback.builder()
        .name("tapflow_sensor_packets_pending")
        .help(
            "Segments the Kafka producer holds, neither delivered nor failed yet (its buffer and"
                + " requests in flight).")
        .labelNames("sensor")
        .callback(cb -> packetsPending.forEach((s, pending) -> cb.call(pending.getAsLong(), s)))
        .register(registry);
    GaugeWithCallback.builder()
        .name("tapflow_sensor_heartbeat_age_seconds")
        .help(
            "Seconds since Kafka last acknowledged one of this sensor's heartbeats (since it"
                + " started, before the first).")
        .labelNames("sensor")
        .unit(Unit.SECONDS)
        .callback(
            cb ->
                lastHeartbeatNanos.forEach(
                    (s, last) -> cb.call((System.nanoTime() - last) / 1e9, s)))
        .register(registry);
  }

  private void captureCounter(
      PrometheusRegistry registry, String name, String help, ToLongFunction<CaptureStats> value) {
    CounterWithCallback.builder()
        .name(name)
        .help(help)
        .labelNames("sensor")
        .callback(cb -> captureStats.forEach((s, stats) -> cb.call(value.applyAsLong(stats), s)))
        .register(registry);
  }

  /**
   * Starts {@code sensor}'s counters at zero for every drop reason and record kind, so that rates
   * and alerts see a series before the first event.
   */
  public void initialize(String sensor) {
    packetsCaptured.labelValues(sensor);
    bytesCaptured.labelValues(sensor);
    packetsTruncated.labelValues(sensor);
    payloadBytesWithheld.labelValues(sensor);
    stateWriteErrors.labelValues(sensor);
    for (SkipReason reason : SkipReason.values()) {
      packetsDropped.labelValues(sensor, reason.code());
    }
    packetsDropped.labelValues(sensor, BUFFER_FULL);
    packetsDropped.labelValues(sensor, PUBLISH_FAILED);
    for (PacketKind kind : PacketKind.values()) {
      recordsPublished.labelValues(sensor, kindLabel(kind));
      publishErrors.labelValues(sensor, kindLabel(kind));
    }
  }

  /**
   * Starts {@code sensor}'s redaction counters at zero for every configured field and every reason
   * a payload is withheld.
   */
  public void initializeRedaction(String sensor, List<String> fields) {
    for (String field : fields) {
      redactions.labelValues(sensor, field);
    }
    for (WithheldReason reason : WithheldReason.values()) {
      redactionWithheldSegments.labelValues(sensor, reason.code());
      redactionWithheldBytes.labelValues(sensor, reason.code());
    }
  }

  /** The {@code kind} label of records of {@code kind}: {@code segment}, {@code heartbeat}, ... */
  public static String kindLabel(PacketKind kind) {
    return kind.name().toLowerCase(Locale.ROOT);
  }

  /** Records libpcap's counters of {@code sensor}'s capture (cumulative since it was opened). */
  public void captureStats(String sensor, CaptureStats stats) {
    captureStats.put(sensor, stats);
  }

  /** Reads the producer's retry count of {@code sensor} at each scrape. */
  public void publishRetries(String sensor, DoubleSupplier retries) {
    publishRetries.put(sensor, retries);
  }

  /** Reads the number of segments {@code sensor}'s producer holds at each scrape. */
  public void packetsPending(String sensor, LongSupplier pending) {
    packetsPending.put(sensor, pending);
  }

  /**
   * Starts reporting the heartbeat age of {@code sensor}, a sensor that sends heartbeats, counting
   * from now until the first is acknowledged.
   */
  public void expectHeartbeats(String sensor) {
    lastHeartbeatNanos.putIfAbsent(sensor, System.nanoTime());
  }

  /** Notes that Kafka acknowledged a heartbeat of {@code sensor} now. */
  public void heartbeatAcknowledged(String sensor) {
    lastHeartbeatNanos.put(sensor, System.nanoTime());
  }
}
