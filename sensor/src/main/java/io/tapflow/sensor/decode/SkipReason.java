package io.tapflow.sensor.decode;

/**
 * Names why a frame gave no TCP segment, each reason with a stable snake_case {@link #code()}.
 *
 * <p>The codes are a bounded set meant for metric labels and logs; they never change meaning once
 * released. Nothing is dropped silently: every frame that does not decode to a segment is one of
 * these.
 */
public enum SkipReason implements DecodeResult {
  /** The link layer carries something other than IPv4 or IPv6 (ARP, LLC, ...). */
  NOT_IP("not_ip"),
  /** The IP packet carries something other than TCP (UDP, ICMP, ESP, tunnels, ...). */
  NOT_TCP("not_tcp"),
  /**
   * The TCP segment is part of a fragmented IP datagram; reassembling IP fragments is out of scope.
   */
  IP_FRAGMENT("ip_fragment"),
  /** The capture ended inside the link-layer header (including its VLAN tags). */
  TRUNCATED_LINK_HEADER("truncated_link_header"),
  /** The capture ended inside the IP header, its options or its extension headers. */
  TRUNCATED_IP_HEADER("truncated_ip_header"),
  /** The capture ended inside the TCP header or its options. */
  TRUNCATED_TCP_HEADER("truncated_tcp_header"),
  /** The IP header contradicts itself or the frame (version, header length, total length). */
  BAD_IP_HEADER("bad_ip_header"),
  /** The TCP header contradicts itself or the IP packet (data offset). */
  BAD_TCP_HEADER("bad_tcp_header"),
  /** The capture's link type is not one {@link PacketDecoder} parses. */
  UNSUPPORTED_LINK_TYPE("unsupported_link_type");

  private final String code;

  SkipReason(String code) {
    this.code = code;
  }

  /** Returns the stable snake_case code of this reason, such as {@code ip_fragment}. */
  public String code() {
    return code;
  }

  @Override
  public String toString() {
    return code;
  }
}
