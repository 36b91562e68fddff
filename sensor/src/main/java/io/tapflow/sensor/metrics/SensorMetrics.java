package io.tapflow.sensor.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;

/** Declares every metric of the sensor, in one place; the only label is the sensor id. */
public final class SensorMetrics {
  public final Counter packetsCaptured;
  public final Counter bytesCaptured;
  public final Counter packetsSkipped;
  public final Counter packetsTruncated;
  public final Counter recordsPublished;
  public final Counter publishErrors;
  public final Gauge kernelDrops;
  public final Gauge interfaceDrops;

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
    packetsSkipped =
        Counter.builder()
            .name("tapflow_sensor_packets_skipped_total")
            .help(
                "Packets not published, by reason (not_tcp, ip_fragment, truncated headers, ...).")
            .labelNames("sensor", "reason")
            .register(registry);
    packetsTruncated =
        Counter.builder()
            .name("tapflow_sensor_packets_truncated_total")
            .help("Published TCP segments whose payload was cut by the snaplen.")
            .labelNames("sensor")
            .register(registry);
    recordsPublished =
        Counter.builder()
            .name("tapflow_sensor_records_published_total")
            .help(
                "Records the Kafka producer acknowledged, by kind (segment, heartbeat, end_of_capture).")
            .labelNames("sensor", "kind")
            .register(registry);
    publishErrors =
        Counter.builder()
            .name("tapflow_sensor_publish_errors_total")
            .help("Records the Kafka producer failed to deliver.")
            .labelNames("sensor")
            .register(registry);
    kernelDrops =
        Gauge.builder()
            .name("tapflow_sensor_kernel_drops")
            .help("Packets dropped by the kernel for lack of buffer space (libpcap ps_drop).")
            .labelNames("sensor")
            .register(registry);
    interfaceDrops =
        Gauge.builder()
            .name("tapflow_sensor_interface_drops")
            .help("Packets dropped by the network interface or its driver (libpcap ps_ifdrop).")
            .labelNames("sensor")
            .register(registry);
  }
}
