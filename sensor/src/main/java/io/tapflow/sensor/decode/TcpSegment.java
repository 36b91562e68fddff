package io.tapflow.sensor.decode;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Describes one captured TCP segment: its IP and TCP header fields, and where its payload lies in
 * the frame it was decoded from.
 *
 * <p>The payload is not copied: it is {@code frame[payloadOffset, payloadOffset + payloadLength)}.
 * {@link #payload()} copies it out, {@link #payloadBuffer()} wraps it without copying. The segment
 * shares {@code frame} with its caller, so whoever reuses a frame buffer must copy first.
 *
 * <p>{@code payloadLength} is what was captured; {@code payloadWireLength} is what the IP header
 * says was on the wire. They differ when the capture's snaplen cut the packet ({@link
 * #isTruncated()}).
 *
 * <p>Equality compares values, including payload bytes, not the identity of the frame arrays.
 *
 * @param ipVersion 4 or 6
 * @param srcAddr source IP address in network byte order, 4 or 16 bytes
 * @param dstAddr destination IP address in network byte order, 4 or 16 bytes
 * @param srcPort TCP source port, 0 to 65535
 * @param dstPort TCP destination port, 0 to 65535
 * @param seq sequence number, the unsigned 32-bit value
 * @param ack acknowledgment number, the unsigned 32-bit value (meaningful when {@link #ACK} is set)
 * @param flags flag bits as on the wire ({@link io.tapflow.schemas.TcpFlags}: FIN 0x01 to CWR 0x80)
 * @param window the window field, unscaled
 * @param frame the frame the segment was decoded from
 * @param payloadOffset offset of the first payload byte in {@code frame}
 * @param payloadLength number of payload bytes captured
 * @param payloadWireLength number of payload bytes on the wire, from the IP length field
 * @param vlanIds 802.1Q / 802.1ad VLAN ids of the frame, outermost first; empty when untagged
 */
public record TcpSegment(
    int ipVersion,
    byte[] srcAddr,
    byte[] dstAddr,
    int srcPort,
    int dstPort,
    long seq,
    long ack,
    int flags,
    int window,
    byte[] frame,
    int payloadOffset,
    int payloadLength,
    int payloadWireLength,
    int[] vlanIds)
    implements DecodeResult {

  /** Checks that the fields describe a segment; the decoder always satisfies these. */
  public TcpSegment {
    if (ipVersion != 4 && ipVersion != 6) {
      throw new IllegalArgumentException("ipVersion must be 4 or 6: " + ipVersion);
    }
    int addrLength = ipVersion == 4 ? 4 : 16;
    if (srcAddr.length != addrLength || dstAddr.length != addrLength) {
      throw new IllegalArgumentException("IPv" + ipVersion + " addresses must be " + addrLength);
    }
    Objects.checkFromIndexSize(payloadOffset, payloadLength, frame.length);
    if (payloadWireLength < payloadLength) {
      throw new IllegalArgumentException(
          "payloadWireLength " + payloadWireLength + " < payloadLength " + payloadLength);
    }
    Objects.requireNonNull(vlanIds, "vlanIds");
  }

  /** Returns a copy of the captured payload bytes. */
  public byte[] payload() {
    return Arrays.copyOfRange(frame, payloadOffset, payloadOffset + payloadLength);
  }

  /**
   * Returns the captured payload as a read-only buffer over the frame, without copying; position 0,
   * limit {@link #payloadLength()}.
   */
  public ByteBuffer payloadBuffer() {
    return ByteBuffer.wrap(frame, payloadOffset, payloadLength).slice().asReadOnlyBuffer();
  }

  /** Returns whether every one of the given flag bits is set. */
  public boolean hasFlags(int mask) {
    return (flags & mask) == mask;
  }

  /** Returns whether the capture cut the payload short: fewer bytes captured than on the wire. */
  public boolean isTruncated() {
    return payloadLength < payloadWireLength;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TcpSegment s
        && ipVersion == s.ipVersion
        && srcPort == s.srcPort
        && dstPort == s.dstPort
        && seq == s.seq
        && ack == s.ack
        && flags == s.flags
        && window == s.window
        && payloadWireLength == s.payloadWireLength
        && Arrays.equals(srcAddr, s.srcAddr)
        && Arrays.equals(dstAddr, s.dstAddr)
        && Arrays.equals(vlanIds, s.vlanIds)
        && Arrays.equals(
            frame,
            payloadOffset,
            payloadOffset + payloadLength,
            s.frame,
            s.payloadOffset,
            s.payloadOffset + s.payloadLength);
  }

  @Override
  public int hashCode() {
    int h = Objects.hash(ipVersion, srcPort, dstPort, seq, ack, flags, window, payloadWireLength);
    h = 31 * h + Arrays.hashCode(srcAddr);
    h = 31 * h + Arrays.hashCode(dstAddr);
    h = 31 * h + Arrays.hashCode(vlanIds);
    for (int i = payloadOffset; i < payloadOffset + payloadLength; i++) {
      h = 31 * h + frame[i];
    }
    return h;
  }

  /** Returns a one-line description such as {@code 10.0.0.1:40081 > 10.0.0.2:80 [S] seq=...}. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(96);
    sb.append(ConnectionKey.endpoint(srcAddr, srcPort))
        .append(" > ")
        .append(ConnectionKey.endpoint(dstAddr, dstPort))
        .append(" [")
        .append(flagLetters(flags))
        .append("] seq=")
        .append(seq)
        .append(" ack=")
        .append(ack)
        .append(" win=")
        .append(window)
        .append(" len=")
        .append(payloadLength)
        .append('/')
        .append(payloadWireLength);
    if (vlanIds.length > 0) {
      sb.append(" vlan=").append(Arrays.toString(vlanIds));
    }
    if (payloadLength > 0) {
      int shown = Math.min(payloadLength, 32);
      sb.append(" payload=")
          .append(HexFormat.of().formatHex(frame, payloadOffset, payloadOffset + shown))
          .append(shown < payloadLength ? "…" : "");
    }
    return sb.toString();
  }

  /** Returns the set flags as tcpdump's letters, CWR to FIN: {@code WEUAPRSF}. */
  static String flagLetters(int flags) {
    String letters = "FSRPAUEW";
    StringBuilder sb = new StringBuilder(8);
    for (int bit = 7; bit >= 0; bit--) {
      if ((flags & (1 << bit)) != 0) {
        sb.append(letters.charAt(bit));
      }
    }
    return sb.toString();
  }
}
