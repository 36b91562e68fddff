package io.tapflow.sensor.decode;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HexFormat;

/** Crafts link-layer frames, IP packets and TCP segments byte by byte for decoder tests. */
final class Frames {

  static final byte[] NONE = new byte[0];

  private Frames() {}

  /** Parses hex, ignoring whitespace. */
  static byte[] hex(String text) {
    return HexFormat.of().parseHex(text.replaceAll("\\s+", ""));
  }

  /** Returns the network-order bytes of an IPv4 or IPv6 literal. */
  static byte[] addr(String literal) {
    try {
      byte[] bytes = InetAddress.getByName(literal).getAddress();
      if (literal.contains(":") && bytes.length == 4) {
        throw new IllegalArgumentException("Java mapped " + literal + " to IPv4");
      }
      return bytes;
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(literal, e);
    }
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  static byte[] u16(int value) {
    return new byte[] {(byte) (value >>> 8), (byte) value};
  }

  static byte[] u32(long value) {
    return new byte[] {
      (byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value
    };
  }

  /** A TCP header (data offset from the options, padded by the caller) followed by payload. */
  static byte[] tcp(
      int srcPort,
      int dstPort,
      long seq,
      long ack,
      int flags,
      int window,
      byte[] options,
      byte[] payload) {
    if (options.length % 4 != 0) {
      throw new IllegalArgumentException("TCP options must be padded to 4 bytes");
    }
    int dataOffsetWords = (20 + options.length) / 4;
    return concat(
        u16(srcPort),
        u16(dstPort),
        u32(seq),
        u32(ack),
        new byte[] {(byte) (dataOffsetWords << 4), (byte) flags},
        u16(window),
        u16(0), // checksum: not checked
        u16(0), // urgent pointer
        options,
        payload);
  }

  /** A TCP header without options. */
  static byte[] tcp(int srcPort, int dstPort, long seq, long ack, int flags, byte[] payload) {
    return tcp(srcPort, dstPort, seq, ack, flags, 65535, NONE, payload);
  }

  /** An IPv4 header with the given options and fragment field, then the payload. */
  static byte[] ipv4(
      String src, String dst, int protocol, int flagsAndOffset, byte[] options, byte[] payload) {
    if (options.length % 4 != 0) {
      throw new IllegalArgumentException("IPv4 options must be padded to 4 bytes");
    }
    int headerLength = 20 + options.length;
    return concat(
        new byte[] {(byte) (0x40 | headerLength / 4), 0},
        u16(headerLength + payload.length),
        u16(0x1234), // identification
        u16(flagsAndOffset),
        new byte[] {64, (byte) protocol},
        u16(0), // header checksum: not checked
        addr(src),
        addr(dst),
        options,
        payload);
  }

  /** An IPv4 header with Don't Fragment set and no options. */
  static byte[] ipv4(String src, String dst, int protocol, byte[] payload) {
    return ipv4(src, dst, protocol, 0x4000, NONE, payload);
  }

  /** An IPv6 header; {@code payload} holds any extension headers and the upper layer. */
  static byte[] ipv6(String src, String dst, int nextHeader, byte[] payload) {
    return concat(
        hex("60000000"),
        u16(payload.length),
        new byte[] {(byte) nextHeader, 64},
        addr(src),
        addr(dst),
        payload);
  }

  /**
   * An IPv6 extension header in the common format (RFC 8200 §4): next header, Hdr Ext Len in
   * 8-octet units beyond the first 8, then {@code 8 * (lengthUnits + 1) - 2} bytes of 0x01 fill.
   */
  static byte[] extensionHeader(int nextHeader, int lengthUnits) {
    byte[] header = new byte[8 * (lengthUnits + 1)];
    header[0] = (byte) nextHeader;
    header[1] = (byte) lengthUnits;
    for (int i = 2; i < header.length; i++) {
      header[i] = 0x01;
    }
    return header;
  }

  /** An IPv6 Fragment header (RFC 8200 §4.5). */
  static byte[] fragmentHeader(int nextHeader, int offsetUnits, boolean more) {
    return concat(
        new byte[] {(byte) nextHeader, 0}, u16(offsetUnits << 3 | (more ? 1 : 0)), u32(0xCAFE));
  }

  /** An Ethernet II frame, with 802.1Q/802.1ad tags given as (TPID, TCI) pairs, outermost first. */
  static byte[] ethernet(int etherType, byte[] payload, int... tpidTciPairs) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(hex("020000000002 020000000001"));
    for (int i = 0; i < tpidTciPairs.length; i += 2) {
      out.writeBytes(u16(tpidTciPairs[i]));
      out.writeBytes(u16(tpidTciPairs[i + 1]));
    }
    out.writeBytes(u16(etherType));
    out.writeBytes(payload);
    return out.toByteArray();
  }

  /** A Linux cooked v1 frame: packet type "to us", ARPHRD_ETHER, a 6-byte address. */
  static byte[] sll(int protocol, byte[] payload) {
    return concat(hex("0000 0001 0006 020000000001 0000"), u16(protocol), payload);
  }

  /** A Linux cooked v2 frame: protocol, reserved, ifindex 1, ARPHRD_ETHER, "to us", address. */
  static byte[] sll2(int protocol, byte[] payload) {
    return concat(u16(protocol), hex("0000 00000001 0001 00 06 0200000000010000"), payload);
  }

  /** A BSD loopback frame with the family in little- or big-endian byte order. */
  static byte[] loopback(int family, boolean littleEndian, byte[] payload) {
    byte[] header = littleEndian ? new byte[] {(byte) family, 0, 0, 0} : u32(family);
    return concat(header, payload);
  }
}
