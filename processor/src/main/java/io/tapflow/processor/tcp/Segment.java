package io.tapflow.processor.tcp;

import io.tapflow.schemas.TcpFlags;

/**
 * One captured TCP segment, as the processor sees it.
 *
 * @param srcAddr source IP address, 4 or 16 bytes
 * @param srcPort source port
 * @param dstAddr destination IP address
 * @param dstPort destination port
 * @param seq sequence number (unsigned 32-bit)
 * @param ack acknowledgment number (unsigned 32-bit)
 * @param flags TCP flag bits ({@link TcpFlags})
 * @param window the TCP window field (unscaled)
 * @param payload captured payload bytes
 * @param payloadWireLength payload length on the wire (larger than payload.length when the
 *     capture's snaplen cut the packet)
 * @param timestampNanos capture time, nanoseconds since the epoch
 */
public record Segment(
    byte[] srcAddr,
    int srcPort,
    byte[] dstAddr,
    int dstPort,
    long seq,
    long ack,
    int flags,
    int window,
    byte[] payload,
    int payloadWireLength,
    long timestampNanos) {

  public boolean syn() {
    return (flags & TcpFlags.SYN) != 0;
  }

  public boolean fin() {
    return (flags & TcpFlags.FIN) != 0;
  }

  public boolean rst() {
    return (flags & TcpFlags.RST) != 0;
  }

  public boolean ackFlag() {
    return (flags & TcpFlags.ACK) != 0;
  }
}
