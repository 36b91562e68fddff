package io.tapflow.processor.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * Declares every metric of the processor, in one place. Labels are bounded: sensor, direction,
 * opcode, anomaly code, connection state; never a client address or a connection id.
 */
public final class ProcessorMetrics {
  public final Counter packets;
  public final Counter undecodableRecords;
  public final Counter messages;
  public final Counter messageBytes;
  public final Counter connectionsOpened;
  public final Counter connectionsEnded;
  public final Gauge activeConnections;
  public final Counter anomalies;
  public final Counter missedBytes;
  public final Histogram tcpHandshakeSeconds;
  public final Histogram upgradeSeconds;

  public ProcessorMetrics(PrometheusRegistry registry) {
    packets =
        Counter.builder()
            .name("tapflow_processor_packets_total")
            .help(
                "Packet records processed, by sensor and kind (segment, heartbeat, end_of_capture).")
            .labelNames("sensor", "kind")
            .register(registry);
    undecodableRecords =
        Counter.builder()
            .name("tapflow_processor_undecodable_records_total")
            .help("Records on the packets topic that could not be decoded and were skipped.")
            .register(registry);
    messages =
        Counter.builder()
            .name("tapflow_websocket_messages_total")
            .help("WebSocket messages decoded, by sensor, direction and opcode.")
            .labelNames("sensor", "direction", "opcode")
            .register(registry);
    messageBytes =
        Counter.builder()
            .name("tapflow_websocket_message_bytes_total")
            .help("Logical payload bytes of decoded WebSocket messages (after decompression).")
            .labelNames("sensor", "direction", "opcode")
            .unit(io.prometheus.metrics.model.snapshots.Unit.BYTES)
            .register(registry);
    connectionsOpened =
        Counter.builder()
            .name("tapflow_connections_opened_total")
            .help("TCP connections first seen.")
            .labelNames("sensor")
            .register(registry);
    connectionsEnded =
        Counter.builder()
            .name("tapflow_connections_ended_total")
            .help("TCP connections ended, by how they ended.")
            .labelNames("sensor", "reason")
            .register(registry);
    activeConnections =
        Gauge.builder()
            .name("tapflow_connections_active")
            .help("Connections currently tracked by this processor instance.")
            .register(registry);
    anomalies =
        Counter.builder()
            .name("tapflow_anomalies_total")
            .help("Protocol anomalies, by code.")
            .labelNames("sensor", "code")
            .register(registry);
    missedBytes =
        Counter.builder()
            .name("tapflow_tcp_missed_bytes_total")
            .help("TCP payload bytes never captured (gaps), including bytes cut by the snaplen.")
            .labelNames("sensor")
            .unit(io.prometheus.metrics.model.snapshots.Unit.BYTES)
            .register(registry);
    tcpHandshakeSeconds =
        Histogram.builder()
            .name("tapflow_tcp_handshake_seconds")
            .help("Time from the client's SYN to the ACK that completes the TCP handshake.")
            .labelNames("sensor", "service")
            .classicExponentialUpperBounds(0.00001, 2, 20)
            .register(registry);
    upgradeSeconds =
        Histogram.builder()
            .name("tapflow_websocket_upgrade_seconds")
            .help("Time from the end of the HTTP Upgrade request to the end of the response head.")
            .labelNames("sensor", "service")
            .classicExponentialUpperBounds(0.00001, 2, 20)
            .register(registry);
  }
}
