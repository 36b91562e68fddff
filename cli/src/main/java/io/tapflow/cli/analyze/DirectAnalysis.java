package io.tapflow.cli.analyze;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tapflow.processor.analysis.AnalyzerConfig;
import io.tapflow.processor.analysis.ConnectionTable;
import io.tapflow.processor.metrics.ProcessorMetrics;
import io.tapflow.processor.metrics.TableEvents;
import io.tapflow.processor.output.OutputForwarder;
import io.tapflow.processor.tcp.Segment;
import io.tapflow.schemas.Anomaly;
import io.tapflow.schemas.ChatEvent;
import io.tapflow.schemas.ConnectionRecord;
import io.tapflow.schemas.WebSocketMessage;
import io.tapflow.sensor.capture.CaptureConfig;
import io.tapflow.sensor.capture.CaptureException;
import io.tapflow.sensor.capture.PcapSource;
import io.tapflow.sensor.decode.ConnectionKey;
import io.tapflow.sensor.decode.DecodeResult;
import io.tapflow.sensor.decode.PacketDecoder;
import io.tapflow.sensor.decode.SkipReason;
import io.tapflow.sensor.decode.TcpSegment;
import io.tapflow.sensor.metrics.SensorMetrics;
import io.tapflow.sensor.publish.PayloadMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Decodes a capture file in this process with the processor's own analysis, without Kafka: the
 * packets go straight from the sensor's decoder to one {@link ConnectionTable}, as they would reach
 * one partition of the packets topic, and the outputs are collected in order.
 *
 * <p>The table, the analyzers and the output records are the processor's; what the Kafka path adds
 * (the packets topic, exactly-once commits, checkpoints) changes where the records travel, not what
 * they say, so the outputs equal those of {@code analyze} through Kafka with one partition ({@code
 * DirectAnalysisTest} compares them).
 */
public final class DirectAnalysis {
  private DirectAnalysis() {}

  /** Analyses {@code capture} as sensor {@code sensorId} would publish it; keeps every record. */
  public static AnalyzeRun.Result run(Path capture, String sensorId) throws CaptureException {
    return run(capture, sensorId, PayloadMode.FULL, AnalyzerConfig.DEFAULT);
  }

  /** As {@link #run(Path, String)}, with payload mode {@code payload}. */
  public static AnalyzeRun.Result run(Path capture, String sensorId, PayloadMode payload)
      throws CaptureException {
    return run(capture, sensorId, payload, AnalyzerConfig.DEFAULT);
  }

  /** As {@link #run(Path, String)}, analysing as {@code config} says. */
  public static AnalyzeRun.Result run(Path capture, String sensorId, AnalyzerConfig config)
      throws CaptureException {
    return run(capture, sensorId, PayloadMode.FULL, config);
  }

  /**
   * Analyses {@code capture} as sensor {@code sensorId} would publish it with payload mode {@code
   * payload}, as {@code config} says; keeps every record.
   */
  public static AnalyzeRun.Result run(
      Path capture, String sensorId, PayloadMode payload, AnalyzerConfig config)
      throws CaptureException {
    Outputs outputs = new Outputs();
    Counts counts = run(capture, sensorId, payload, config, outputs);
    return new AnalyzeRun.Result(
        outputs.messages,
        outputs.connections,
        outputs.chat,
        outputs.anomalies,
        counts.packetsRead(),
        0,
        0,
        counts.registry());
  }

  /**
   * What a direct run counted besides its records.
   *
   * @param packetsRead frames read from the capture
   * @param registry the run's sensor and processor metrics
   */
  public record Counts(long packetsRead, PrometheusRegistry registry) {}

  /**
   * Analyses {@code capture} as sensor {@code sensorId} would publish it with payload mode {@code
   * payload}, as {@code config} says, handing each output record to {@code sink} as it is made.
   */
  public static Counts run(
      Path capture,
      String sensorId,
      PayloadMode payload,
      AnalyzerConfig config,
      OutputForwarder.Sink sink)
      throws CaptureException {
    PrometheusRegistry registry = new PrometheusRegistry();
    ProcessorMetrics metrics = new ProcessorMetrics(registry);
    metrics.redactedFields(config.redactFields());
    SensorMetrics sensorMetrics = new SensorMetrics(registry);
    sensorMetrics.initialize(sensorId);
    OutputForwarder out = new OutputForwarder(sink, metrics);
    ConnectionTable table = new ConnectionTable(config, new TableEvents(metrics), false);
    PacketDecoder decoder = new PacketDecoder();
    CounterDataPoint captured = sensorMetrics.packetsCaptured.labelValues(sensorId);
    CounterDataPoint capturedBytes = sensorMetrics.bytesCaptured.labelValues(sensorId);
    CounterDataPoint withheld = sensorMetrics.payloadBytesWithheld.labelValues(sensorId);
    long[] last = {0};
    long read;
    // The sensor's first record is a heartbeat at clock 0 (it moves no clock).
    table.heartbeat(sensorId, 0, out);
    try (PcapSource source = PcapSource.open(CaptureConfig.offline(capture))) {
      source.run(
          (linkType, ts, nano, data, caplen, wirelen) -> {
            captured.inc();
            capturedBytes.inc(caplen);
            last[0] = ts;
            DecodeResult result = decoder.decode(linkType, data, caplen, wirelen);
            if (result instanceof TcpSegment t) {
              if (t.isTruncated()) {
                sensorMetrics.packetsTruncated.labelValues(sensorId).inc();
              }
              int kept = payload.kept(t.payloadLength());
              if (kept < t.payloadLength()) {
                withheld.inc(t.payloadLength() - kept);
              }
              table.segment(ConnectionKey.of(sensorId, t), sensorId, toSegment(t, kept, ts), out);
            } else if (result instanceof SkipReason reason) {
              sensorMetrics.packetsDropped.labelValues(sensorId, reason.code()).inc();
            }
          });
      read = source.stats().received();
      sensorMetrics.captureStats(sensorId, source.stats());
    }
    table.endOfCapture(sensorId, last[0], out);
    return new Counts(read, registry);
  }

  /** The processor's view of a segment the sensor decoded, captured at {@code timestampNanos}. */
  public static Segment toSegment(TcpSegment t, long timestampNanos) {
    return toSegment(t, t.payloadLength(), timestampNanos);
  }

  /**
   * The processor's view of a segment the sensor decoded, captured at {@code timestampNanos}, that
   * carries the first {@code payloadKept} of its captured payload bytes.
   */
  public static Segment toSegment(TcpSegment t, int payloadKept, long timestampNanos) {
    return new Segment(
        t.srcAddr(),
        t.srcPort(),
        t.dstAddr(),
        t.dstPort(),
        t.seq(),
        t.ack(),
        t.flags(),
        t.window(),
        Arrays.copyOfRange(t.frame(), t.payloadOffset(), t.payloadOffset() + payloadKept),
        t.payloadWireLength(),
        timestampNanos);
  }

  /** The output records by topic, in the order the analysis sent them. */
  private static final class Outputs implements OutputForwarder.Sink {
    final List<WebSocketMessage> messages = new ArrayList<>();
    final List<ConnectionRecord> connections = new ArrayList<>();
    final List<ChatEvent> chat = new ArrayList<>();
    final List<Anomaly> anomalies = new ArrayList<>();

    @Override
    public void send(String output, String key, SpecificRecordBase value, long timestampMillis) {
      switch (output) {
        case OutputForwarder.MESSAGES -> messages.add((WebSocketMessage) value);
        case OutputForwarder.CONNECTIONS -> connections.add((ConnectionRecord) value);
        case OutputForwarder.CHAT -> chat.add((ChatEvent) value);
        case OutputForwarder.ANOMALIES -> anomalies.add((Anomaly) value);
        default -> throw new IllegalArgumentException("unknown output " + output);
      }
    }
  }
}
