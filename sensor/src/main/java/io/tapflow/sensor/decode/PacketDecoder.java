package io.tapflow.sensor.decode;

import java.util.Objects;

/**
 * Parses one captured frame's link-layer, IP and TCP headers into a {@link TcpSegment}, or names
 * the {@link SkipReason} it holds none.
 *
 * <p>Link types ({@link LinkTypes}): Ethernet with any number of 802.1Q / 802.1ad tags, Linux
 * cooked v1 and v2, BSD loopback (either byte order), raw IP. IPv4 with options, IPv6 with
 * extension headers. Fragmented IP datagrams are skipped ({@link SkipReason#IP_FRAGMENT}), not
 * reassembled. The decoder is stateless and thread-safe; it allocates only the segment, its two
 * addresses and, for tagged frames, the VLAN id array. It never throws for malformed input.
 *
 * <pre>
 * Ethernet:  | dst 6 | src 6 | [TPID 2 | TCI 2]... | EtherType 2 | IP ...
 * SLL  (113):| pkttype 2 | hatype 2 | halen 2 | addr 8 | protocol 2 | IP ...
 * SLL2 (276):| protocol 2 | reserved 2 | ifindex 4 | hatype 2 | pkttype 1 | halen 1 | addr 8 | IP ...
 * NULL   (0):| family 4, host byte order | IP ...
 * </pre>
 */
public final class PacketDecoder {

  /** Ethernet header length: two MAC addresses and the EtherType. */
  static final int ETHERNET_HEADER = 14;

  /** Linux cooked v1 header length. */
  static final int SLL_HEADER = 16;

  /** Linux cooked v2 header length. */
  static final int SLL2_HEADER = 20;

  /** BSD loopback header length. */
  static final int NULL_HEADER = 4;

  static final int ETHERTYPE_IPV4 = 0x0800;
  static final int ETHERTYPE_IPV6 = 0x86DD;

  /** IEEE 802.1Q customer VLAN tag. */
  static final int TPID_8021Q = 0x8100;

  /** IEEE 802.1ad service VLAN tag (the outer tag of QinQ). */
  static final int TPID_8021AD = 0x88A8;

  /** Pre-standard QinQ outer tag, still sent by some switches. */
  static final int TPID_QINQ_LEGACY = 0x9100;

  /** BSD AF_INET. */
  static final int AF_INET = 2;

  /** AF_INET6 as NetBSD and OpenBSD number it. */
  static final int AF_INET6_BSD = 24;

  /** AF_INET6 as FreeBSD numbers it. */
  static final int AF_INET6_FREEBSD = 28;

  /** AF_INET6 as Darwin (macOS) numbers it. */
  static final int AF_INET6_DARWIN = 30;

  static final int IPV4_MIN_HEADER = 20;
  static final int IPV6_HEADER = 40;
  static final int TCP_MIN_HEADER = 20;

  static final int PROTO_HOPOPTS = 0;
  static final int PROTO_TCP = 6;
  static final int PROTO_ROUTING = 43;
  static final int PROTO_FRAGMENT = 44;
  static final int PROTO_AH = 51;
  static final int PROTO_DSTOPTS = 60;
  static final int PROTO_MOBILITY = 135;
  static final int PROTO_HIP = 139;
  static final int PROTO_SHIM6 = 140;

  private static final int[] NO_VLANS = new int[0];

  /** Creates a decoder; it holds no state, so one can be shared. */
  public PacketDecoder() {}

  /**
   * Decodes one frame.
   *
   * @param linkType the libpcap DLT/LINKTYPE number of the capture
   * @param frame the frame bytes; only the first {@code capturedLength} are read
   * @param capturedLength bytes captured (pcap caplen)
   * @param wireLength bytes on the wire (pcap len); taken as {@code capturedLength} when smaller
   * @return a {@link TcpSegment} sharing {@code frame}, or a {@link SkipReason}
   * @throws IndexOutOfBoundsException if {@code capturedLength} is negative or exceeds the array
   */
  public DecodeResult decode(int linkType, byte[] frame, int capturedLength, int wireLength) {
    Objects.checkFromIndexSize(0, capturedLength, frame.length);
    Frame f = new Frame(frame, capturedLength, Math.max(wireLength, capturedLength));
    return switch (linkType) {
      case LinkTypes.ETHERNET -> decodeEthernet(f);
      case LinkTypes.LINUX_SLL -> decodeLinuxCooked(f, SLL_HEADER, 14);
      case LinkTypes.LINUX_SLL2 -> decodeLinuxCooked(f, SLL2_HEADER, 0);
      case LinkTypes.NULL, LinkTypes.LOOP -> decodeLoopback(f);
      case LinkTypes.RAW, LinkTypes.RAW_DLT_12, LinkTypes.RAW_DLT_14 -> decodeRawIp(f, 0);
      case LinkTypes.IPV4 -> decodeRawIp(f, 4);
      case LinkTypes.IPV6 -> decodeRawIp(f, 6);
      default -> SkipReason.UNSUPPORTED_LINK_TYPE;
    };
  }

  /** The bytes of one frame: what was captured and how long it was on the wire. */
  private record Frame(byte[] bytes, int captured, int wire) {
    int u8(int offset) {
      return bytes[offset] & 0xFF;
    }

    int u16(int offset) {
      return ((bytes[offset] & 0xFF) << 8) | (bytes[offset + 1] & 0xFF);
    }

    long u32(int offset) {
      return ((long) u16(offset) << 16) | u16(offset + 2);
    }

    boolean hasCaptured(int offset, int length) {
      return captured - offset >= length;
    }
  }

  private static DecodeResult decodeEthernet(Frame f) {
    if (!f.hasCaptured(0, ETHERNET_HEADER)) {
      return SkipReason.TRUNCATED_LINK_HEADER;
    }
    return decodeEtherType(f, 12, ETHERNET_HEADER);
  }

  private static DecodeResult decodeLinuxCooked(Frame f, int headerLength, int protocolOffset) {
    if (!f.hasCaptured(0, headerLength)) {
      return SkipReason.TRUNCATED_LINK_HEADER;
    }
    // libpcap puts a VLAN tag the kernel stripped back in after the cooked header.
    return decodeEtherType(f, protocolOffset, headerLength);
  }

  /**
   * Reads the EtherType at {@code typeOffset}, then any VLAN tags starting at {@code next} (each a
   * 2-byte TCI followed by the next EtherType), then the IP packet after them.
   */
  private static DecodeResult decodeEtherType(Frame f, int typeOffset, int next) {
    int etherType = f.u16(typeOffset);
    int position = next;
    int tags = 0;
    while (isVlanTpid(etherType)) {
      if (!f.hasCaptured(position, 4)) {
        return SkipReason.TRUNCATED_LINK_HEADER;
      }
      etherType = f.u16(position + 2);
      position += 4;
      tags++;
    }
    int[] vlanIds = NO_VLANS;
    if (tags > 0) {
      vlanIds = new int[tags];
      for (int i = 0; i < tags; i++) {
        vlanIds[i] = f.u16(next + 4 * i) & 0x0FFF;
      }
    }
    return switch (etherType) {
      case ETHERTYPE_IPV4 -> decodeIpv4(f, position, vlanIds);
      case ETHERTYPE_IPV6 -> decodeIpv6(f, position, vlanIds);
      default -> SkipReason.NOT_IP;
    };
  }

  private static boolean isVlanTpid(int etherType) {
    return etherType == TPID_8021Q || etherType == TPID_8021AD || etherType == TPID_QINQ_LEGACY;
  }

  /**
   * BSD loopback: the address family is in the capturing host's byte order, unknown to the reader.
   * Families are small numbers, so a value in the first byte means little-endian and a value in the
   * last byte big-endian.
   */
  private static DecodeResult decodeLoopback(Frame f) {
    if (!f.hasCaptured(0, NULL_HEADER)) {
      return SkipReason.TRUNCATED_LINK_HEADER;
    }
    int family = f.u8(0) != 0 ? f.u8(0) | f.u8(1) << 8 : f.u16(2);
    return switch (family) {
      case AF_INET -> decodeIpv4(f, NULL_HEADER, NO_VLANS);
      case AF_INET6_BSD, AF_INET6_FREEBSD, AF_INET6_DARWIN -> decodeIpv6(f, NULL_HEADER, NO_VLANS);
      default -> SkipReason.NOT_IP;
    };
  }

  /** Raw IP: the version nibble tells IPv4 from IPv6 unless the link type fixes it. */
  private static DecodeResult decodeRawIp(Frame f, int requiredVersion) {
    if (!f.hasCaptured(0, 1)) {
      return SkipReason.TRUNCATED_IP_HEADER;
    }
    int version = f.u8(0) >>> 4;
    if (requiredVersion != 0 && version != requiredVersion) {
      return SkipReason.BAD_IP_HEADER;
    }
    return switch (version) {
      case 4 -> decodeIpv4(f, 0, NO_VLANS);
      case 6 -> decodeIpv6(f, 0, NO_VLANS);
      default -> SkipReason.BAD_IP_HEADER;
    };
  }

  /*
   * RFC 791 §3.1:
   *  0                   1                   2                   3
   *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |Version|  IHL  |Type of Service|          Total Length         |
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |         Identification        |Flags|      Fragment Offset    |
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |  Time to Live |    Protocol   |         Header Checksum       |
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |                       Source Address                          |
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |                    Destination Address                        |
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |                    Options                    |    Padding    |
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   */
  private static DecodeResult decodeIpv4(Frame f, int ip, int[] vlanIds) {
    if (!f.hasCaptured(ip, IPV4_MIN_HEADER)) {
      return SkipReason.TRUNCATED_IP_HEADER;
    }
    int versionAndIhl = f.u8(ip);
    int headerLength = (versionAndIhl & 0x0F) * 4;
    if (versionAndIhl >>> 4 != 4 || headerLength < IPV4_MIN_HEADER) {
      return SkipReason.BAD_IP_HEADER;
    }
    int totalLength = f.u16(ip + 2);
    int onWire = f.wire() - ip;
    if (totalLength == 0) {
      // Segmentation offload: a host capturing its own large sends sees total length 0.
      totalLength = onWire;
    }
    if (totalLength < headerLength || totalLength > onWire) {
      return SkipReason.BAD_IP_HEADER;
    }
    if (!f.hasCaptured(ip, headerLength)) {
      return SkipReason.TRUNCATED_IP_HEADER;
    }
    if (f.u8(ip + 9) != PROTO_TCP) {
      return SkipReason.NOT_TCP;
    }
    // A fragment has More Fragments set (0x2000) or a non-zero offset (0x1FFF).
    if ((f.u16(ip + 6) & 0x3FFF) != 0) {
      return SkipReason.IP_FRAGMENT;
    }
    return decodeTcp(f, 4, ip + 12, ip + headerLength, ip + totalLength, vlanIds);
  }

  /*
   * RFC 8200 §3:
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |Version| Traffic Class |           Flow Label                  |
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |         Payload Length        |  Next Header  |   Hop Limit   |
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |                 Source Address (16 octets)                    |
   * |              Destination Address (16 octets)                  |
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   */
  private static DecodeResult decodeIpv6(Frame f, int ip, int[] vlanIds) {
    if (!f.hasCaptured(ip, IPV6_HEADER)) {
      return SkipReason.TRUNCATED_IP_HEADER;
    }
    if (f.u8(ip) >>> 4 != 6) {
      return SkipReason.BAD_IP_HEADER;
    }
    int payloadLength = f.u16(ip + 4);
    // Payload length 0: a jumbogram (RFC 2675) or segmentation offload; the frame tells the length.
    int end = payloadLength == 0 ? f.wire() : ip + IPV6_HEADER + payloadLength;
    if (end > f.wire()) {
      return SkipReason.BAD_IP_HEADER;
    }
    int nextHeader = f.u8(ip + 6);
    int position = ip + IPV6_HEADER;
    while (true) {
      if (nextHeader == PROTO_TCP) {
        return decodeTcp(f, 6, ip + 8, position, end, vlanIds);
      }
      if (!isExtensionHeader(nextHeader)) {
        return SkipReason.NOT_TCP;
      }
      // RFC 8200 §4.3: the Hop-by-Hop Options header, when present, MUST immediately follow the
      // IPv6 header.
      if (nextHeader == PROTO_HOPOPTS && position != ip + IPV6_HEADER) {
        return SkipReason.BAD_IP_HEADER;
      }
      // Every extension header is at least 8 octets long.
      if (end - position < 8) {
        return SkipReason.BAD_IP_HEADER;
      }
      if (!f.hasCaptured(position, 8)) {
        return SkipReason.TRUNCATED_IP_HEADER;
      }
      if (nextHeader == PROTO_FRAGMENT && (f.u16(position + 2) & 0xFFF9) != 0) {
        // Fragment Offset (13 bits), Res (2), M (1): a real fragment. Offset 0 with M 0 is an
        // atomic fragment (RFC 6946), a whole datagram, and is decoded as such.
        int first = f.u8(position);
        return first == PROTO_TCP || isExtensionHeader(first)
            ? SkipReason.IP_FRAGMENT
            : SkipReason.NOT_TCP;
      }
      int headerLength =
          switch (nextHeader) {
            case PROTO_FRAGMENT -> 8;
            // RFC 4302 §2.2: Payload Len is in 4-octet units, minus 2.
            case PROTO_AH -> (f.u8(position + 1) + 2) * 4;
            // RFC 8200 §4: Hdr Ext Len in 8-octet units, not including the first 8 octets.
            default -> (f.u8(position + 1) + 1) * 8;
          };
      if (headerLength > end - position) {
        return SkipReason.BAD_IP_HEADER;
      }
      if (!f.hasCaptured(position, headerLength)) {
        return SkipReason.TRUNCATED_IP_HEADER;
      }
      nextHeader = f.u8(position);
      position += headerLength;
    }
  }

  private static boolean isExtensionHeader(int protocol) {
    return switch (protocol) {
      case PROTO_HOPOPTS,
          PROTO_ROUTING,
          PROTO_FRAGMENT,
          PROTO_AH,
          PROTO_DSTOPTS,
          PROTO_MOBILITY,
          PROTO_HIP,
          PROTO_SHIM6 ->
          true;
      default -> false;
    };
  }

  /*
   * RFC 9293 §3.1:
   *  0                   1                   2                   3
   *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |          Source Port          |       Destination Port        |
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |                        Sequence Number                        |
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |                    Acknowledgment Number                      |
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |  Data |       |C|E|U|A|P|R|S|F|                               |
   * | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
   * |       |       |R|E|G|K|H|T|N|N|                               |
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   * |           Checksum            |         Urgent Pointer        |
   * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   */
  private static DecodeResult decodeTcp(
      Frame f, int ipVersion, int addresses, int tcp, int end, int[] vlanIds) {
    if (end - tcp < TCP_MIN_HEADER) {
      return SkipReason.BAD_TCP_HEADER;
    }
    if (!f.hasCaptured(tcp, TCP_MIN_HEADER)) {
      return SkipReason.TRUNCATED_TCP_HEADER;
    }
    // Data Offset: the number of 32-bit words in the TCP header.
    int dataOffset = (f.u8(tcp + 12) >>> 4) * 4;
    if (dataOffset < TCP_MIN_HEADER || dataOffset > end - tcp) {
      return SkipReason.BAD_TCP_HEADER;
    }
    if (!f.hasCaptured(tcp, dataOffset)) {
      return SkipReason.TRUNCATED_TCP_HEADER;
    }
    int addressLength = ipVersion == 4 ? 4 : 16;
    byte[] src = new byte[addressLength];
    byte[] dst = new byte[addressLength];
    System.arraycopy(f.bytes(), addresses, src, 0, addressLength);
    System.arraycopy(f.bytes(), addresses + addressLength, dst, 0, addressLength);
    int payload = tcp + dataOffset;
    return new TcpSegment(
        ipVersion,
        src,
        dst,
        f.u16(tcp),
        f.u16(tcp + 2),
        f.u32(tcp + 4),
        f.u32(tcp + 8),
        f.u8(tcp + 13),
        f.u16(tcp + 14),
        f.bytes(),
        payload,
        Math.min(f.captured(), end) - payload,
        end - payload,
        vlanIds);
  }
}
