package io.tapflow.processor.analysis;

/**
 * The state of one connection and its WebSocket session at one moment, as a connection record
 * reports it. Timestamps are nanoseconds since the epoch; nullable fields are null when unknown.
 */
public record ConnectionSummary(
    ConnectionInfo info,
    long startTime,
    long endTime,
    Long tcpHandshakeMicros,
    Integer httpStatus,
    Long upgradeLatencyMicros,
    String path,
    String host,
    String origin,
    String userAgent,
    String subprotocol,
    String extensions,
    long clientBytes,
    long serverBytes,
    long clientMessages,
    long serverMessages,
    Integer closeCode,
    String closeReason,
    boolean isFinal) {}
