package io.tapflow.processor.analysis;

import io.tapflow.processor.tcp.TcpSummary;
import io.tapflow.processor.websocket.WebSocketCounters;

/**
 * The state of one connection and its WebSocket session at one moment, as a connection record
 * reports it. Nullable fields are null when unknown.
 *
 * @param midStream WebSocket framing recognised without a handshake (capture started later)
 * @param clientCounters what the client sent over WebSocket; null when not WebSocket
 * @param serverCounters what the server sent over WebSocket; null when not WebSocket
 * @param kind why the record is sent
 * @param firstRecord whether this is the connection's first record
 * @param endReason fin, rst, idle, evicted or end_of_capture on the final record; empty before
 */
public record ConnectionSummary(
    ConnectionInfo info,
    TcpSummary tcp,
    Integer httpStatus,
    Long upgradeLatencyMicros,
    String path,
    String host,
    String origin,
    String userAgent,
    String subprotocol,
    String extensions,
    String offeredSubprotocols,
    String offeredExtensions,
    boolean midStream,
    WebSocketCounters clientCounters,
    WebSocketCounters serverCounters,
    long clientMessages,
    long serverMessages,
    Integer closeCode,
    String closeReason,
    Kind kind,
    boolean firstRecord,
    String endReason) {

  /** Why a connection record is sent. */
  public enum Kind {
    /** The response to the Upgrade request completed (whatever its status). */
    UPGRADE,
    /** The interim interval passed on an open connection. */
    INTERIM,
    /** The connection ended. */
    FINAL
  }

  public boolean isFinal() {
    return kind == Kind.FINAL;
  }
}
