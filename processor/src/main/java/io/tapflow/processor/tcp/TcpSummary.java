package io.tapflow.processor.tcp;

/**
 * What a connection record says about the TCP connection itself, in Zeek's conn.log vocabulary.
 * Timestamps are nanoseconds since the epoch; durations microseconds; null where not seen.
 */
public record TcpSummary(
    String communityId,
    String state,
    String history,
    long startTime,
    long endTime,
    Long handshakeMicros,
    Long synToSynAckMicros,
    Long synAckToAckMicros,
    int synRetransmissions,
    int synAckRetransmissions,
    long clientBytes,
    long serverBytes,
    long clientPackets,
    long serverPackets,
    long retransmittedPackets,
    long outOfOrderPackets,
    long duplicatePackets,
    long missedBytes,
    long truncatedBytes,
    long durationMicros) {}
