package io.tapflow.processor.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.tapflow.processor.metrics.ProcessorMetrics.ServiceNames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ProcessorMetricsTest {
  private final PrometheusRegistry registry = new PrometheusRegistry();

  @Test
  void aServiceIsNamedByEndpointThenByPortThenByItsPort() {
    ServiceNames names =
        ServiceNames.parse(List.of("chat=7272", "admin=10.0.0.5:7272", "ws6=[::1]:8080"), null);
    assertEquals("admin", names.of("10.0.0.5:7272"));
    assertEquals("chat", names.of("10.0.0.6:7272"));
    assertEquals("ws6", names.of("[::1]:8080"));
    assertEquals("8080", names.of("[::2]:8080"));
    assertEquals("443", names.of("192.0.2.1:443"));
  }

  @Test
  void anUnmappedNameBoundsTheServiceLabel() {
    ServiceNames names = ServiceNames.parse(List.of("chat=7272"), "other");
    assertEquals("chat", names.of("127.0.0.1:7272"));
    assertEquals("other", names.of("127.0.0.1:443"));
  }

  @Test
  void aMappingWithoutANameOrAValidPortIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> ServiceNames.parse(List.of("=7272"), null));
    assertThrows(IllegalArgumentException.class, () -> ServiceNames.parse(List.of("chat"), null));
    assertThrows(
        IllegalArgumentException.class, () -> ServiceNames.parse(List.of("chat=host:x"), null));
    assertThrows(
        IllegalArgumentException.class, () -> ServiceNames.parse(List.of("chat=70000"), null));
  }

  @Test
  void aHandshakeWithItsSynAckTimeFillsTheTotalAndBothLegs() {
    ProcessorMetrics m =
        new ProcessorMetrics(registry, ServiceNames.parse(List.of("chat=7272"), null));
    m.tcpHandshake("s1", "127.0.0.1:7272", 300, 100L);
    m.tcpHandshake("s1", "127.0.0.1:7272", 50, null);
    Labels labels = Labels.of("sensor", "s1", "service", "chat");
    assertEquals(2, histogram("tapflow_tcp_handshake_seconds", labels).getCount());
    assertEquals(350e-6, histogram("tapflow_tcp_handshake_seconds", labels).getSum(), 1e-12);
    assertEquals(1, histogram("tapflow_tcp_handshake_syn_synack_seconds", labels).getCount());
    assertEquals(
        100e-6, histogram("tapflow_tcp_handshake_syn_synack_seconds", labels).getSum(), 1e-12);
    assertEquals(
        200e-6, histogram("tapflow_tcp_handshake_synack_ack_seconds", labels).getSum(), 1e-12);
  }

  @Test
  void lagIsReadFromTheCurrentSourceByPartitionUntilItIsCleared() {
    ProcessorMetrics m = new ProcessorMetrics(registry);
    java.util.function.Supplier<Map<Integer, Long>> first =
        () -> new TreeMap<>(Map.of(0, 5L, 1, 7L));
    java.util.function.Supplier<Map<Integer, Long>> second = () -> Map.of(2, 1L);
    m.lagSource(first);
    assertEquals(
        7.0, gauge("tapflow_processor_records_lag", Labels.of("partition", "1")).getValue());
    m.lagSource(second);
    m.clearLagSource(first); // not the current source: no effect
    assertEquals(
        1.0, gauge("tapflow_processor_records_lag", Labels.of("partition", "2")).getValue());
    m.clearLagSource(second);
    assertEquals(0, snapshot("tapflow_processor_records_lag").getDataPoints().size());
  }

  @Test
  void trackedConnectionsMoveFromOpenToEndedAndAreForgotten() {
    ProcessorMetrics m = new ProcessorMetrics(registry);
    m.connectionOpened("s1", "10.0.0.1:7272");
    m.connectionOpened("s1", "10.0.0.2:7272");
    m.connectionRestored("s1", "10.0.0.3:7272", true);
    m.connectionEnded("s1", "10.0.0.1:7272", "SF", "fin");
    m.connectionForgotten("s1", "10.0.0.3:7272", true);
    Labels open = Labels.of("sensor", "s1", "service", "7272", "state", "open");
    Labels ended = Labels.of("sensor", "s1", "service", "7272", "state", "ended");
    assertEquals(1.0, gauge("tapflow_connections_tracked", open).getValue());
    assertEquals(1.0, gauge("tapflow_connections_tracked", ended).getValue());
    assertEquals(
        2.0, counter("tapflow_connections_opened", Labels.of("sensor", "s1", "service", "7272")));
    assertEquals(
        1.0,
        counter(
            "tapflow_connections_ended",
            Labels.of("sensor", "s1", "service", "7272", "state", "SF", "reason", "fin")));
  }

  @Test
  void redactionsAreCountedByConfiguredFieldFromZeroAndUnparsedTextsApart() {
    ProcessorMetrics m = new ProcessorMetrics(registry);
    m.redactedFields(List.of("content", "nick"));
    assertEquals(0.0, counter("tapflow_redactions", Labels.of("field", "nick")));
    assertEquals(0.0, counter("tapflow_redactions", Labels.of("field", "content")));
    m.redacted("content", 2);
    m.redacted("content", 1);
    m.redactionUnparsed();
    assertEquals(3.0, counter("tapflow_redactions", Labels.of("field", "content")));
    assertEquals(0.0, counter("tapflow_redactions", Labels.of("field", "nick")));
    assertEquals(1.0, counter("tapflow_redaction_unparsed", Labels.EMPTY));
    assertEquals(2, snapshot("tapflow_redactions").getDataPoints().size());
  }

  @Test
  void everyMetricIsListedInDeployMd() throws Exception {
    new ProcessorMetrics(registry);
    String deploy = Files.readString(Path.of("..", "docs", "DEPLOY.md"));
    for (MetricSnapshot s : registry.scrape()) {
      String name = s.getMetadata().getPrometheusName();
      if (s instanceof CounterSnapshot) {
        name += "_total";
      }
      assertTrue(deploy.contains("| `" + name + "` |"), name + " is not in docs/DEPLOY.md");
    }
  }

  private double counter(String name, Labels labels) {
    for (var d :
        ((io.prometheus.metrics.model.snapshots.CounterSnapshot) snapshot(name)).getDataPoints()) {
      if (d.getLabels().equals(labels)) {
        return d.getValue();
      }
    }
    throw new AssertionError("no " + name + labels);
  }

  private MetricSnapshot snapshot(String name) {
    for (MetricSnapshot s : registry.scrape()) {
      if (s.getMetadata().getPrometheusName().equals(name)) {
        return s;
      }
    }
    throw new AssertionError("no metric " + name);
  }

  private DataPointSnapshot point(String name, Labels labels) {
    for (DataPointSnapshot p : snapshot(name).getDataPoints()) {
      if (p.getLabels().equals(labels)) {
        return p;
      }
    }
    throw new AssertionError("no " + name + labels);
  }

  private HistogramDataPointSnapshot histogram(String name, Labels labels) {
    return (HistogramDataPointSnapshot) point(name, labels);
  }

  private GaugeDataPointSnapshot gauge(String name, Labels labels) {
    return (GaugeDataPointSnapshot) point(name, labels);
  }
}
