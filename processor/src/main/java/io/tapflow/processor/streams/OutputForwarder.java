package io.tapflow.processor.streams;

import io.tapflow.processor.analysis.AnalysisListener;
import io.tapflow.processor.analysis.ConnectionInfo;
import io.tapflow.processor.analysis.ConnectionSummary;
import io.tapflow.processor.app.AppEvent;
import io.tapflow.processor.metrics.ProcessorMetrics;
import io.tapflow.processor.tcp.TcpConnection.Side;
import io.tapflow.processor.websocket.WsMessage;
import io.tapflow.schemas.Anomaly;
import io.tapflow.schemas.ChatEvent;
import io.tapflow.schemas.ConnectionRecord;
import io.tapflow.schemas.Direction;
import io.tapflow.schemas.Opcode;
import io.tapflow.schemas.WebSocketMessage;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/** Turns what the analysis reports into Avro records forwarded to the output topics' sinks. */
final class OutputForwarder implements AnalysisListener {
  static final String MESSAGES = "messages-sink";
  static final String CONNECTIONS = "connections-sink";
  static final String CHAT = "chat-sink";
  static final String ANOMALIES = "anomalies-sink";

  private final ProcessorContext<String, SpecificRecordBase> context;
  private final ProcessorMetrics metrics;

  /** Connections whose handshake latency was observed at a record before their final one. */
  private final Set<String> handshakeObserved = new HashSet<>();

  /** Upgraded connections without a message yet: the capture time of their 101 response. */
  private final Map<String, Long> awaitingFirstMessage = new HashMap<>();

  OutputForwarder(ProcessorContext<String, SpecificRecordBase> context, ProcessorMetrics metrics) {
    this.context = context;
    this.metrics = metrics;
  }

  @Override
  public void onMessage(ConnectionInfo c, Side sender, WsMessage m) {
    Opcode opcode = Opcode.valueOf(m.opcode().name());
    WebSocketMessage.Builder b =
        WebSocketMessage.newBuilder()
            .setConnectionId(c.connectionId())
            .setSensor(c.sensor())
            .setClient(c.client())
            .setServer(c.server())
            .setDirection(direction(sender))
            .setTimestamp(instant(m.timestampNanos()))
            .setOpcode(opcode)
            .setPayloadLength(m.payloadLength())
            .setTruncated(m.truncated())
            .setCompressed(m.compressed())
            .setFragments(m.fragments());
    switch (opcode) {
      case TEXT -> b.setText(m.text());
      case BINARY, PING, PONG -> b.setPayload(ByteBuffer.wrap(m.content()));
      case CLOSE -> b.setCloseCode(m.closeCode()).setCloseReason(m.closeReason());
    }
    metrics.message(
        c.sensor(), c.server(), direction(sender).name(), opcode.name(), m.payloadLength());
    Long upgraded = awaitingFirstMessage.remove(c.connectionId());
    if (upgraded != null) {
      metrics.firstMessage(c.sensor(), c.server(), m.timestampNanos() - upgraded);
    }
    forward(c.key(), b.build(), m.timestampNanos(), MESSAGES);
  }

  @Override
  public void onAppEvent(ConnectionInfo c, Side sender, long ts, AppEvent e) {
    ChatEvent event =
        ChatEvent.newBuilder()
            .setConnectionId(c.connectionId())
            .setTimestamp(instant(ts))
            .setDirection(direction(sender))
            .setType(e.type())
            .setNick(e.nick())
            .setRoom(e.room())
            .setContent(e.content())
            .setFromClientId(e.fromClientId())
            .setToClientId(e.toClientId())
            .build();
    forward(c.key(), event, ts, CHAT);
  }

  @Override
  public void onConnectionRecord(ConnectionSummary s) {
    ConnectionInfo c = s.info();
    observe(s);
    ConnectionRecord record =
        ConnectionRecord.newBuilder()
            .setConnectionId(c.connectionId())
            .setClient(c.client())
            .setServer(c.server())
            .setSensor(c.sensor())
            .setStartTime(instant(s.startTime()))
            .setEndTime(instant(s.endTime()))
            .setTcpHandshakeMicros(s.tcpHandshakeMicros())
            .setHttpStatus(s.httpStatus())
            .setUpgradeLatencyMicros(s.upgradeLatencyMicros())
            .setPath(s.path())
            .setHost(s.host())
            .setOrigin(s.origin())
            .setUserAgent(s.userAgent())
            .setSubprotocol(s.subprotocol())
            .setExtensions(s.extensions())
            .setClientBytes(s.clientBytes())
            .setServerBytes(s.serverBytes())
            .setClientMessages(s.clientMessages())
            .setServerMessages(s.serverMessages())
            .setCloseCode(s.closeCode())
            .setCloseReason(s.closeReason())
            .setFinal$(s.isFinal())
            .build();
    forward(c.key(), record, s.endTime(), CONNECTIONS);
  }

  /**
   * Observes a connection's latencies at its first record (the one sent when the Upgrade response
   * completes, or the final one), so that a long-lived session's handshake is seen when it happens
   * rather than when the session ends.
   */
  private void observe(ConnectionSummary s) {
    ConnectionInfo c = s.info();
    String id = c.connectionId();
    boolean first = s.isFinal() ? !handshakeObserved.remove(id) : handshakeObserved.add(id);
    if (s.isFinal()) {
      awaitingFirstMessage.remove(id);
    }
    if (!first) {
      return;
    }
    if (s.tcpHandshakeMicros() != null) {
      metrics.tcpHandshake(c.sensor(), c.server(), s.tcpHandshakeMicros(), null);
    }
    if (!s.isFinal() && s.upgradeLatencyMicros() != null) {
      metrics.upgrade(c.sensor(), c.server(), s.upgradeLatencyMicros());
    }
    if (!s.isFinal() && s.httpStatus() != null && s.httpStatus() == 101) {
      awaitingFirstMessage.put(id, s.endTime());
    }
  }

  @Override
  public void onAnomaly(ConnectionInfo c, String code, String detail, long ts) {
    metrics.anomaly(c.sensor(), c.server(), code);
    Anomaly anomaly =
        Anomaly.newBuilder()
            .setConnectionId(c.connectionId())
            .setSensor(c.sensor())
            .setClient(c.client())
            .setServer(c.server())
            .setTimestamp(instant(ts))
            .setCode(code)
            .setDetail(detail)
            .build();
    forward(c.key(), anomaly, ts, ANOMALIES);
  }

  private void forward(String key, SpecificRecordBase value, long tsNanos, String sink) {
    context.forward(new Record<>(key, value, Math.max(0, tsNanos / 1_000_000)), sink);
  }

  static Direction direction(Side sender) {
    return sender == Side.CLIENT ? Direction.CLIENT_TO_SERVER : Direction.SERVER_TO_CLIENT;
  }

  static Instant instant(long nanos) {
    return Instant.ofEpochSecond(
        Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
  }
}
