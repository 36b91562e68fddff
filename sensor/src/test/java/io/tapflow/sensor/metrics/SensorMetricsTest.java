package io.tapflow.sensor.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.tapflow.sensor.capture.CaptureStats;
import io.tapflow.sensor.decode.SkipReason;
import io.tapflow.sensor.redact.WithheldReason;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class SensorMetricsTest {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final SensorMetrics metrics = new SensorMetrics(registry);

  @Test
  void initializingASensorStartsEveryDropReasonAndRecordKindAtZero() {
    metrics.initialize("s1");
    List<DataPointSnapshot> drops = points("tapflow_sensor_packets_dropped");
    assertEquals(SkipReason.values().length + 2, drops.size());
    for (DataPointSnapshot p : drops) {
      assertEquals(0.0, ((CounterDataPointSnapshot) p).getValue());
    }
    assertEquals(
        0.0,
        counter(
            "tapflow_sensor_packets_dropped",
            Labels.of("reason", "publish_failed", "sensor", "s1")));
    assertEquals(
        0.0,
        counter(
            "tapflow_sensor_packets_dropped", Labels.of("reason", "buffer_full", "sensor", "s1")));
    assertEquals(3, points("tapflow_sensor_publish_errors").size());
    assertEquals(3, points("tapflow_sensor_records_published").size());
    assertEquals(0.0, counter("tapflow_sensor_payload_withheld_bytes", Labels.of("sensor", "s1")));
    assertEquals(0.0, counter("tapflow_sensor_state_write_errors", Labels.of("sensor", "s1")));
  }

  @Test
  void libpcapCountersAreReportedAsRecorded() {
    metrics.captureStats("s1", new CaptureStats(1000, 12, 3, 988));
    Labels s1 = Labels.of("sensor", "s1");
    assertEquals(1000.0, counter("tapflow_sensor_pcap_received_packets", s1));
    assertEquals(12.0, counter("tapflow_sensor_kernel_dropped_packets", s1));
    assertEquals(3.0, counter("tapflow_sensor_interface_dropped_packets", s1));
  }

  @Test
  void heartbeatAgeCountsFromStartUntilTheFirstAcknowledgementAndFromEachAcknowledgement()
      throws Exception {
    assertEquals(0, points("tapflow_sensor_heartbeat_age_seconds").size());
    metrics.expectHeartbeats("s1");
    Thread.sleep(50);
    double beforeAck = gauge("tapflow_sensor_heartbeat_age_seconds", Labels.of("sensor", "s1"));
    assertTrue(beforeAck >= 0.05, "age " + beforeAck);
    metrics.heartbeatAcknowledged("s1");
    double afterAck = gauge("tapflow_sensor_heartbeat_age_seconds", Labels.of("sensor", "s1"));
    assertTrue(afterAck < beforeAck, afterAck + " < " + beforeAck);
  }

  @Test
  void retriesAreReadFromThePublisherAtEachScrape() {
    double[] retries = {0};
    metrics.publishRetries("s1", () -> retries[0]);
    retries[0] = 4;
    assertEquals(4.0, counter("tapflow_sensor_publish_retries", Labels.of("sensor", "s1")));
  }

  @Test
  void pendingPacketsAreReadFromThePublisherAtEachScrape() {
    long[] pending = {0};
    metrics.packetsPending("s1", () -> pending[0]);
    pending[0] = 1234;
    assertEquals(1234.0, gauge("tapflow_sensor_packets_pending", Labels.of("sensor", "s1")));
    pending[0] = 0;
    assertEquals(0.0, gauge("tapflow_sensor_packets_pending", Labels.of("sensor", "s1")));
  }

  @Test
  void initializingRedactionStartsEveryFieldAndEveryWithheldReasonAtZero() {
    metrics.initializeRedaction("s1", List.of("content", "msg"));
    assertEquals(2, points("tapflow_sensor_redactions").size());
    assertEquals(
        0.0, counter("tapflow_sensor_redactions", Labels.of("field", "msg", "sensor", "s1")));
    assertEquals(
        WithheldReason.values().length,
        points("tapflow_sensor_redaction_withheld_segments").size());
    assertEquals(
        WithheldReason.values().length, points("tapflow_sensor_redaction_withheld_bytes").size());
    assertEquals(
        0.0,
        counter(
            "tapflow_sensor_redaction_withheld_bytes",
            Labels.of("reason", "compressed", "sensor", "s1")));
  }

  @Test
  void everyMetricIsListedInDeployMd() throws Exception {
    String deploy = Files.readString(Path.of("..", "docs", "DEPLOY.md"));
    for (MetricSnapshot s : registry.scrape()) {
      String name = s.getMetadata().getPrometheusName();
      if (s instanceof CounterSnapshot) {
        name += "_total";
      }
      assertTrue(deploy.contains("| `" + name + "` |"), name + " is not in docs/DEPLOY.md");
    }
  }

  private List<DataPointSnapshot> points(String name) {
    for (MetricSnapshot s : registry.scrape()) {
      if (s.getMetadata().getPrometheusName().equals(name)) {
        return List.copyOf(s.getDataPoints());
      }
    }
    throw new AssertionError("no metric " + name);
  }

  private DataPointSnapshot point(String name, Labels labels) {
    return points(name).stream()
        .filter(p -> p.getLabels().equals(labels))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + name + labels));
  }

  private double counter(String name, Labels labels) {
    return ((CounterDataPointSnapshot) point(name, labels)).getValue();
  }

  private double gauge(String name, Labels labels) {
    return ((GaugeDataPointSnapshot) point(name, labels)).getValue();
  }
}
