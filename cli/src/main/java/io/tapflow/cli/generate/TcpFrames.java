package io.tapflow.cli.generate;

import java.nio.ByteBuffer;

/** Builds Ethernet + IPv4 + TCP frames with correct lengths and checksums (RFC 791, RFC 9293). */
final class TcpFrames {
  static final int FIN = 0x01;
  static final int SYN = 0x02;
  static final int PSH = 0x08;
  static final int ACK = 0x10;

  private static final int ETHERNET = 14;
  private static final int IPV4 = 20;
  private static final int TCP = 20;

  /** The MSS option (kind 2, length 4) that SYNs carry. */
  private static final int MSS_OPTION = 4;

  private TcpFrames() {}

  /** One frame from {@code src} to {@code dst}; SYN segments carry an MSS option of {@code mss}. */
  static byte[] frame(
      int srcIp,
      int srcPort,
      int dstIp,
      int dstPort,
      long seq,
      long ack,
      int flags,
      int window,
      int ipId,
      int mss,
      byte[] payload,
      int off,
      int len) {
    int options = (flags & SYN) != 0 ? MSS_OPTION : 0;
    int tcpLen = TCP + options + len;
    byte[] f = new byte[ETHERNET + IPV4 + tcpLen];
    ByteBuffer b = ByteBuffer.wrap(f);
    // Ethernet: locally administered MACs derived from the addresses, type IPv4.
    b.putShort((short) 0x0200).putInt(dstIp);
    b.putShort((short) 0x0200).putInt(srcIp);
    b.putShort((short) 0x0800);
    // IPv4, don't-fragment, TTL 64, protocol TCP.
    b.put((byte) 0x45).put((byte) 0).putShort((short) (IPV4 + tcpLen));
    b.putShort((short) ipId).putShort((short) 0x4000);
    b.put((byte) 64).put((byte) 6).putShort((short) 0);
    b.putInt(srcIp).putInt(dstIp);
    b.putShort(ETHERNET + 10, (short) checksum(f, ETHERNET, IPV4, 0));
    // TCP.
    int t = ETHERNET + IPV4;
    b.putShort((short) srcPort).putShort((short) dstPort);
    b.putInt((int) seq).putInt((int) ack);
    b.put((byte) (((TCP + options) / 4) << 4)).put((byte) flags);
    b.putShort((short) window).putShort((short) 0).putShort((short) 0);
    if (options > 0) {
      b.put((byte) 2).put((byte) 4).putShort((short) mss);
    }
    System.arraycopy(payload, off, f, t + TCP + options, len);
    // Pseudo-header: addresses, protocol, TCP length.
    long pseudo =
        (srcIp >>> 16) + (srcIp & 0xffff) + (dstIp >>> 16) + (dstIp & 0xffff) + 6 + tcpLen;
    b.putShort(t + 16, (short) checksum(f, t, tcpLen, pseudo));
    return f;
  }

  /** The Internet checksum (RFC 1071) of {@code len} bytes at {@code off}, plus {@code initial}. */
  static int checksum(byte[] data, int off, int len, long initial) {
    long sum = initial;
    int i = off;
    for (; i + 1 < off + len; i += 2) {
      sum += ((data[i] & 0xff) << 8) | (data[i + 1] & 0xff);
    }
    if (i < off + len) {
      sum += (data[i] & 0xff) << 8;
    }
    while ((sum >>> 16) != 0) {
      sum = (sum & 0xffff) + (sum >>> 16);
    }
    return (int) (~sum & 0xffff);
  }
}
