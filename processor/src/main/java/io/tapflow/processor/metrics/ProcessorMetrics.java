package io.tapflow.processor.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Declares every metric of the processor, in one place.
 *
 * <p>Labels are bounded: sensor, service (mapped from the server endpoint by {@link ServiceNames}),
 * direction, opcode, anomaly code, connection state, partition, redacted field (only configured
 * names); never a client address or a connection id. Times are in seconds and sizes in bytes.
 */
public final class ProcessorMetrics {
  /** Latency buckets from 10 µs to about 5 s, doubling: LAN handshakes to slow WAN upgrades. */
  private static final double[] LATENCY_BUCKETS = exponential(0.00001, 2, 20);

  /** Buckets from 1 ms to about 17 min, quadrupling: how long a client waits before speaking. */
  private static final double[] FIRST_MESSAGE_BUCKETS = exponential(0.001, 4, 11);

  private static final String OPEN = "open";
  private static final String ENDED = "ended";

  private final ServiceNames services;

  // Recorded by ConnectionProcessor through these fields.
  public final Counter packets;
  public final Counter undecodableRecords;
  public final Counter recordsLost;
  public final Counter replayedRecords;
  public final Counter replayRecordsMissing;
  private final Counter connectionsOpened;
  private final Counter connectionsEnded;

  private final Counter messages;
  private final Counter messageBytes;
  private final Counter anomalies;
  private final Counter missedBytes;
  private final Counter redactions;
  private final Counter redactionUnparsed;
  private final Histogram tcpHandshakeSeconds;
  private final Histogram synToSynAckSeconds;
  private final Histogram synAckToAckSeconds;
  private final Histogram upgradeSeconds;
  private final Histogram firstMessageSeconds;
  private final Gauge tracked;
  private final AtomicReference<Supplier<Map<Integer, Long>>> lag = new AtomicReference<>(Map::of);

  /** Declares the metrics in {@code registry}, with services named by their server port. */
  public ProcessorMetrics(PrometheusRegistry registry) {
    this(registry, ServiceNames.BY_PORT);
  }

  /** Declares the metrics in {@code registry}, with services named by {@code services}. */
  public ProcessorMetrics(PrometheusRegistry registry, ServiceNames services) {
    this.services = Objects.requireNonNull(services, "services");
    packets =
        Counter.builder()
            .name("tapflow_processor_packets_total")
            .help(
                "Packet records processed, by sensor and kind (segment, heartbeat, end_of_capture).")
            .labelNames("sensor", "kind")
            .register(registry);
    recordsLost =
        Counter.builder()
            .name("tapflow_processor_records_lost_total")
            .help(
                "Packet records a sensor sent that never reached this processor: gaps in the"
                    + " records' per-partition sequence numbers, by sensor.")
            .labelNames("sensor")
            .register(registry);
    undecodableRecords =
        Counter.builder()
            .name("tapflow_processor_undecodable_records_total")
            .help("Records on the packets topic that could not be decoded and were skipped.")
            .register(registry);
    replayedRecords =
        Counter.builder()
            .name("tapflow_processor_replayed_records_total")
            .help(
                "Packet records read again at a task's start to bring the last checkpoint up to"
                    + " the committed input offset (outputs discarded).")
            .register(registry);
    replayRecordsMissing =
        Counter.builder()
            .name("tapflow_processor_replay_records_missing_total")
            .help(
                "Offsets a task's start-up replay could not read because the packets topic no"
                    + " longer held them (retention shorter than the checkpoint interval): the"
                    + " restored connections miss what those records carried.")
            .register(registry);
    connectionsOpened =
        Counter.builder()
            .name("tapflow_connections_opened_total")
            .help("TCP connections first seen, by sensor.")
            .labelNames("sensor", "service")
            .register(registry);
    connectionsEnded =
        Counter.builder()
            .name("tapflow_connections_ended_total")
            .help(
                "TCP connections ended, by sensor, service, Zeek conn_state (SF, S0, REJ, RSTO, ...)"
                    + " and reason (fin, rst, idle, evicted, end_of_capture).")
            .labelNames("sensor", "service", "state", "reason")
            .register(registry);
    messages =
        Counter.builder()
            .name("tapflow_websocket_messages_total")
            .help("WebSocket messages decoded, by sensor, service, direction and opcode.")
            .labelNames("sensor", "service", "direction", "opcode")
            .register(registry);
    messageBytes =
        Counter.builder()
            .name("tapflow_websocket_message_bytes_total")
            .help(
                "Payload bytes of decoded WebSocket messages (unmasked, reassembled, decompressed),"
                    + " by sensor, service, direction and opcode.")
            .labelNames("sensor", "service", "direction", "opcode")
            .unit(Unit.BYTES)
            .register(registry);
    anomalies =
        Counter.builder()
            .name("tapflow_anomalies_total")
            .help("Protocol anomalies, by sensor, service and stable snake_case code.")
            .labelNames("sensor", "service", "code")
            .register(registry);
    missedBytes =
        Counter.builder()
            .name("tapflow_tcp_missed_bytes_total")
            .help(
                "TCP payload bytes never captured (gaps, as Zeek's missed_bytes), including bytes"
                    + " cut by the snaplen, by sensor and service.")
            .labelNames("sensor", "service")
            .unit(Unit.BYTES)
            .register(registry);
    redactions =
        Counter.builder()
            .name("tapflow_redactions_total")
            .help(
                "Values of configured JSON fields replaced by \"[redacted]\" in text messages"
                    + " before they were published, by field (--redact-field).")
            .labelNames("field")
            .register(registry);
    redactionUnparsed =
        Counter.builder()
            .name("tapflow_redaction_unparsed_total")
            .help(
                "Text messages that redaction could not check because they are not one JSON value"
                    + " (or are nested too deeply): published as they were.")
            .register(registry);
    tcpHandshakeSeconds =
        latency(
            "tapflow_tcp_handshake_seconds",
            "Time from the client's SYN to the ACK that completes the TCP handshake.",
            registry);
    synToSynAckSeconds =
        latency(
            "tapflow_tcp_handshake_syn_synack_seconds",
            "Time from the client's SYN to the server's SYN/ACK (the server-side leg).",
            registry);
    synAckToAckSeconds =
        latency(
            "tapflow_tcp_handshake_synack_ack_seconds",
            "Time from the server's SYN/ACK to the client's ACK (the client-side leg).",
            registry);
    upgradeSeconds =
        latency(
            "tapflow_websocket_upgrade_seconds",
            "Time from the end of the HTTP Upgrade request to the end of the response head.",
            registry);
    firstMessageSeconds =
        Histogram.builder()
            .name("tapflow_websocket_first_message_seconds")
            .help("Time from the end of the 101 response to the first WebSocket message.")
            .labelNames("sensor", "service")
            .classicOnly()
            .classicUpperBounds(FIRST_MESSAGE_BUCKETS)
            .register(registry);
    tracked =
        Gauge.builder()
            .name("tapflow_connections_tracked")
            .help(
                "Connections this processor instance tracks, by sensor, service and state: open,"
                    + " or ended and remembered for the linger time.")
            .labelNames("sensor", "service", "state")
            .register(registry);
    GaugeWithCallback.builder()
        .name("tapflow_processor_records_lag")
        .help(
            "Packet records this instance's consumer is behind the end of each assigned"
                + " partition of the packets topic (Kafka's records-lag).")
        .labelNames("partition")
        .callback(
            cb -> lag.get().get().forEach((p, behind) -> cb.call(behind, Integer.toString(p))))
        .register(registry);
  }

  private static Histogram latency(String name, String help, PrometheusRegistry registry) {
    return Histogram.builder()
        .name(name)
        .help(help + " By sensor and service.")
        .labelNames("sensor", "service")
        .classicOnly()
        .classicUpperBounds(LATENCY_BUCKETS)
        .register(registry);
  }

  /**
   * Counts a connection first seen (a new analyzer) and tracks it as open. Replaces a direct {@code
   * connectionsOpened} increment.
   */
  public void connectionOpened(String sensor, String server) {
    connectionsOpened.labelValues(sensor, service(server)).inc();
    tracked.labelValues(sensor, service(server), OPEN).inc();
  }

  /**
   * Counts a connection that ended in Zeek's conn_state {@code state} for {@code reason} (fin, rst,
   * idle, evicted, end_of_capture) and tracks it as ended.
   */
  public void connectionEnded(String sensor, String server, String state, String reason) {
    connectionsEnded.labelValues(sensor, service(server), state, reason).inc();
    String service = service(server);
    tracked.labelValues(sensor, service, OPEN).dec();
    tracked.labelValues(sensor, service, ENDED).inc();
  }

  /**
   * Tracks a connection that ended while a task replayed input already committed: moved from open
   * to ended, not counted again.
   */
  public void connectionEndedUncounted(String sensor, String server) {
    String service = service(server);
    tracked.labelValues(sensor, service, OPEN).dec();
    tracked.labelValues(sensor, service, ENDED).inc();
  }

  /**
   * Tracks a connection this instance took over from the state store (a task's init), open or
   * {@code ended}; not counted as opened again.
   */
  public void connectionRestored(String sensor, String server, boolean ended) {
    tracked.labelValues(sensor, service(server), ended ? ENDED : OPEN).inc();
  }

  /**
   * Stops tracking a connection, open or {@code ended}: deleted after its linger time or at the end
   * of its capture, or handed over with its task (a task's close).
   */
  public void connectionForgotten(String sensor, String server, boolean ended) {
    tracked.labelValues(sensor, service(server), ended ? ENDED : OPEN).dec();
  }

  /** The service label of the server endpoint {@code server} ("ip:port" or "[ip6]:port"). */
  public String service(String server) {
    return services.of(server);
  }

  /**
   * Observes one connection's TCP handshake, once per connection.
   *
   * @param totalMicros SYN to the ACK completing the handshake
   * @param synToSynAckMicros SYN to SYN/ACK, or null when unknown; the SYN/ACK to ACK leg is the
   *     difference
   */
  public void tcpHandshake(String sensor, String server, long totalMicros, Long synToSynAckMicros) {
    String service = service(server);
    tcpHandshakeSeconds.labelValues(sensor, service).observe(totalMicros / 1e6);
    if (synToSynAckMicros != null) {
      synToSynAckSeconds.labelValues(sensor, service).observe(synToSynAckMicros / 1e6);
      synAckToAckSeconds
          .labelValues(sensor, service)
          .observe((totalMicros - synToSynAckMicros) / 1e6);
    }
  }

  /** Observes the time from the end of an Upgrade request to the end of its response head. */
  public void upgrade(String sensor, String server, long micros) {
    upgradeSeconds.labelValues(sensor, service(server)).observe(micros / 1e6);
  }

  /** Observes the time from a connection's 101 response to its first WebSocket message. */
  public void firstMessage(String sensor, String server, long nanos) {
    firstMessageSeconds.labelValues(sensor, service(server)).observe(nanos / 1e9);
  }

  /** Counts one decoded WebSocket message of {@code payloadBytes} logical payload bytes. */
  public void message(
      String sensor, String server, String direction, String opcode, long payloadBytes) {
    String service = service(server);
    messages.labelValues(sensor, service, direction, opcode).inc();
    messageBytes.labelValues(sensor, service, direction, opcode).inc(payloadBytes);
  }

  /** Counts one anomaly by its stable snake_case {@code code}. */
  public void anomaly(String sensor, String server, String code) {
    anomalies.labelValues(sensor, service(server), code).inc();
  }

  /** Counts TCP payload bytes that were never captured on a connection to {@code server}. */
  public void missedBytes(String sensor, String server, long bytes) {
    missedBytes.labelValues(sensor, service(server)).inc(bytes);
  }

  /**
   * Shows the redaction counter of each configured field from the start, at 0 until a value is
   * redacted.
   */
  public void redactedFields(List<String> fields) {
    for (String field : fields) {
      redactions.labelValues(field);
    }
  }

  /** Counts {@code count} values of the configured field {@code field} redacted in one message. */
  public void redacted(String field, int count) {
    redactions.labelValues(field).inc(count);
  }

  /** Counts one text message that redaction could not check (not JSON). */
  public void redactionUnparsed() {
    redactionUnparsed.inc();
  }

  /**
   * Reads the consumer lag of the packets topic, by partition, from {@code lagByPartition} at each
   * scrape, until another source is set; {@code Map::of} for none.
   */
  public void lagSource(Supplier<Map<Integer, Long>> lagByPartition) {
    lag.set(Objects.requireNonNull(lagByPartition, "lagByPartition"));
  }

  /** Stops reading lag from {@code lagByPartition} if it is the current source. */
  public void clearLagSource(Supplier<Map<Integer, Long>> lagByPartition) {
    lag.compareAndSet(lagByPartition, Map::of);
  }

  private static double[] exponential(double start, double factor, int count) {
    double[] bounds = new double[count];
    double b = start;
    for (int i = 0; i < count; i++) {
      bounds[i] = b;
      b *= factor;
    }
    return bounds;
  }

  /**
   * Maps a server endpoint to the bounded {@code service} label: an explicit name for an endpoint
   * ({@code host:port}) or a port, else the port itself, or one catch-all name when {@code
   * unmapped} is set (for sensors that see many ephemeral servers).
   *
   * @param byEndpoint service names by {@code ip:port} (IPv6 as {@code [addr]:port}, as in the JSON
   *     contract) or by port alone
   * @param unmapped the name of every other server, or null to use its port
   */
  public record ServiceNames(Map<String, String> byEndpoint, String unmapped) {
    /** Every service named by its server port. */
    public static final ServiceNames BY_PORT = new ServiceNames(Map.of(), null);

    public ServiceNames {
      byEndpoint = Map.copyOf(byEndpoint);
    }

    /**
     * Parses mappings of the form {@code NAME=PORT} or {@code NAME=HOST:PORT}.
     *
     * @throws IllegalArgumentException on a mapping without a name or a valid port
     */
    public static ServiceNames parse(List<String> mappings, String unmapped) {
      Map<String, String> byEndpoint = new HashMap<>();
      for (String m : mappings) {
        int eq = m.indexOf('=');
        if (eq <= 0 || eq == m.length() - 1) {
          throw new IllegalArgumentException("service mapping is not NAME=[HOST:]PORT: " + m);
        }
        String name = m.substring(0, eq).trim();
        String endpoint = m.substring(eq + 1).trim();
        String port = endpoint.substring(endpoint.lastIndexOf(':') + 1);
        try {
          int p = Integer.parseInt(port);
          if (p < 0 || p > 65535) {
            throw new NumberFormatException();
          }
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("service mapping has no valid port: " + m, e);
        }
        byEndpoint.put(endpoint, name);
      }
      return new ServiceNames(byEndpoint, unmapped);
    }

    /** The service name of {@code server}, an {@code ip:port} text. */
    public String of(String server) {
      String name = byEndpoint.get(server);
      if (name != null) {
        return name;
      }
      String port = server.substring(server.lastIndexOf(':') + 1);
      name = byEndpoint.get(port);
      if (name != null) {
        return name;
      }
      return unmapped != null ? unmapped : port;
    }
  }
}
