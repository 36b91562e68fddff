package io.tapflow.processor.output;

import io.tapflow.processor.analysis.AnalysisListener;
import io.tapflow.processor.analysis.ConnectionInfo;
import io.tapflow.processor.analysis.ConnectionSummary;
import io.tapflow.processor.app.AppEvent;
import io.tapflow.processor.metrics.ProcessorMetrics;
import io.tapflow.processor.tcp.TcpConnection.Side;
import io.tapflow.processor.tcp.TcpSummary;
import io.tapflow.processor.websocket.WebSocketCounters;
import io.tapflow.processor.websocket.WsMessage;
import io.tapflow.schemas.Anomaly;
import io.tapflow.schemas.ChatEvent;
import io.tapflow.schemas.ConnectionRecord;
import io.tapflow.schemas.Direction;
import io.tapflow.schemas.Opcode;
import io.tapflow.schemas.WebSocketMessage;
import java.nio.ByteBuffer;
import java.time.Instant;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Turns what the analysis reports into the output topics' Avro records and hands them to a {@link
 * Sink}; observes the metrics they carry on the way.
 */
public final class OutputForwarder implements AnalysisListener {
  /** Where the records go: Kafka Streams' sink nodes, or a local collection. */
  public interface Sink {
    /**
     * Takes {@code value}, keyed by connection key {@code key}, for {@code output} (one of {@link
     * #MESSAGES}, {@link #CONNECTIONS}, {@link #CHAT}, {@link #ANOMALIES}), with its capture time
     * in milliseconds.
     */
    void send(String output, String key, SpecificRecordBase value, long timestampMillis);
  }

  public static final String MESSAGES = "messages-sink";
  public static final String CONNECTIONS = "connections-sink";
  public static final String CHAT = "chat-sink";
  public static final String ANOMALIES = "anomalies-sink";

  private final Sink sink;
  private final ProcessorMetrics metrics;

  public OutputForwarder(Sink sink, ProcessorMetrics metrics) {
    this.sink = sink;
    this.metrics = metrics;
  }

  @Override
  public void onMessage(ConnectionInfo c, Side sender, WsMessage m) {
    WebSocketMessage message = message(c, sender, m);
    metrics.message(
        c.sensor(),
        c.server(),
        message.getDirection().name(),
        message.getOpcode().name(),
        m.payloadLength());
    forward(c.key(), message, m.timestampNanos(), MESSAGES);
  }

  /** The messages-topic record of {@code m}, sent by {@code sender} on connection {@code c}. */
  public static WebSocketMessage message(ConnectionInfo c, Side sender, WsMessage m) {
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
            .setFragments(m.fragments())
            .setMissingBytes(m.missingBytes())
            .setResynchronized(m.resynchronized());
    switch (opcode) {
      case TEXT -> b.setText(m.text());
      case BINARY, PING, PONG -> b.setPayload(ByteBuffer.wrap(m.content()));
      case CLOSE -> b.setCloseCode(m.closeCode()).setCloseReason(m.closeReason());
    }
    return b.build();
  }

  @Override
  public void onAppEvent(ConnectionInfo c, Side sender, long ts, AppEvent e) {
    ChatEvent event =
        ChatEvent.newBuilder()
            .setConnectionId(c.connectionId())
            .setTimestamp(instant(ts))
            .setDirection(direction(sender))
            .setType(e.type())
            .setKind(io.tapflow.schemas.ChatEventKind.valueOf(e.kind().name()))
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
    observe(s);
    forward(s.info().key(), connectionRecord(s), s.tcp().endTime(), CONNECTIONS);
  }

  /** The connections-topic record of {@code s}. */
  public static ConnectionRecord connectionRecord(ConnectionSummary s) {
    ConnectionInfo c = s.info();
    TcpSummary t = s.tcp();
    return ConnectionRecord.newBuilder()
        .setConnectionId(c.connectionId())
        .setClient(c.client())
        .setServer(c.server())
        .setSensor(c.sensor())
        .setStartTime(instant(t.startTime()))
        .setEndTime(instant(t.endTime()))
        .setCommunityId(t.communityId())
        .setState(t.state())
        .setHistory(t.history())
        .setTcpHandshakeMicros(t.handshakeMicros())
        .setSynToSynAckMicros(t.synToSynAckMicros())
        .setSynAckToAckMicros(t.synAckToAckMicros())
        .setSynRetransmissions(t.synRetransmissions())
        .setSynAckRetransmissions(t.synAckRetransmissions())
        .setHttpStatus(s.httpStatus())
        .setUpgradeLatencyMicros(s.upgradeLatencyMicros())
        .setPath(s.path())
        .setHost(s.host())
        .setOrigin(s.origin())
        .setUserAgent(s.userAgent())
        .setSubprotocol(s.subprotocol())
        .setExtensions(s.extensions())
        .setOfferedSubprotocols(s.offeredSubprotocols())
        .setOfferedExtensions(s.offeredExtensions())
        .setMidStream(s.midStream())
        .setClientWebSocket(counters(s.clientCounters()))
        .setServerWebSocket(counters(s.serverCounters()))
        .setClientBytes(t.clientBytes())
        .setServerBytes(t.serverBytes())
        .setClientMessages(s.clientMessages())
        .setServerMessages(s.serverMessages())
        .setClientPackets(t.clientPackets())
        .setServerPackets(t.serverPackets())
        .setRetransmittedPackets(t.retransmittedPackets())
        .setOutOfOrderPackets(t.outOfOrderPackets())
        .setDuplicatePackets(t.duplicatePackets())
        .setMissedBytes(t.missedBytes())
        .setTruncatedBytes(t.truncatedBytes())
        .setDurationMicros(t.durationMicros())
        .setEndReason(s.endReason())
        .setCloseCode(s.closeCode())
        .setCloseReason(s.closeReason())
        .setFinal$(s.isFinal())
        .build();
  }

  /**
   * Observes a connection's latencies at its first record (the one sent when the Upgrade response
   * completes, or the final one), so that a long-lived session's handshake is seen when it happens
   * rather than when the session ends.
   */
  /**
   * Observes a connection's handshake at its first record (the upgrade record of a WebSocket
   * connection, so a long session's handshake counts when it happens) and its upgrade latency at
   * the upgrade record. Which record is first is part of the analyzer's stored state, so a
   * restarted processor observes each connection once.
   */
  private void observe(ConnectionSummary s) {
    ConnectionInfo c = s.info();
    TcpSummary t = s.tcp();
    if (s.firstRecord() && t.handshakeMicros() != null) {
      metrics.tcpHandshake(c.sensor(), c.server(), t.handshakeMicros(), t.synToSynAckMicros());
    }
    if (s.kind() == ConnectionSummary.Kind.UPGRADE && s.upgradeLatencyMicros() != null) {
      metrics.upgrade(c.sensor(), c.server(), s.upgradeLatencyMicros());
    }
  }

  @Override
  public void onFirstMessage(ConnectionInfo c, long nanosSinceUpgrade) {
    metrics.firstMessage(c.sensor(), c.server(), nanosSinceUpgrade);
  }

  @Override
  public void onGap(ConnectionInfo c, Side side, long length, long ts) {
    metrics.missedBytes(c.sensor(), c.server(), length);
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

  @Override
  public void onRedacted(ConnectionInfo c, Side sender, String field, int count) {
    metrics.redacted(field, count);
  }

  @Override
  public void onRedactionUnparsed(ConnectionInfo c, Side sender) {
    metrics.redactionUnparsed();
  }

  private void forward(String key, SpecificRecordBase value, long tsNanos, String output) {
    sink.send(output, key, value, Math.max(0, tsNanos / 1_000_000));
  }

  private static io.tapflow.schemas.WebSocketCounters counters(WebSocketCounters c) {
    if (c == null) {
      return null;
    }
    return io.tapflow.schemas.WebSocketCounters.newBuilder()
        .setTextFrames(c.textFrames())
        .setBinaryFrames(c.binaryFrames())
        .setContinuationFrames(c.continuationFrames())
        .setCloseFrames(c.closeFrames())
        .setPingFrames(c.pingFrames())
        .setPongFrames(c.pongFrames())
        .setReservedFrames(c.reservedFrames())
        .setTextMessages(c.textMessages())
        .setBinaryMessages(c.binaryMessages())
        .setCloseMessages(c.closeMessages())
        .setPingMessages(c.pingMessages())
        .setPongMessages(c.pongMessages())
        .setWireBytes(c.wireBytes())
        .setPayloadBytes(c.payloadBytes())
        .setSkippedBytes(c.skippedBytes())
        .setResynchronizations(c.resynchronizations())
        .build();
  }

  public static Direction direction(Side sender) {
    return sender == Side.CLIENT ? Direction.CLIENT_TO_SERVER : Direction.SERVER_TO_CLIENT;
  }

  public static Instant instant(long nanos) {
    return Instant.ofEpochSecond(
        Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
  }
}
