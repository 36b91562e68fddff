package io.tapflow.sensor.decode;

/**
 * Names the libpcap link-layer header types (DLT and LINKTYPE numbers) that {@link PacketDecoder}
 * understands.
 *
 * <p>libpcap reports a capture's link type through {@code pcap_datalink()} as a DLT value: for most
 * types it equals the LINKTYPE number written in files, but raw IP files ({@link #RAW}, 101) are
 * reported as DLT_RAW, which is 12 on most platforms and 14 on OpenBSD. All three mean the same.
 */
public final class LinkTypes {

  /** BSD loopback: a 4-byte address family in the byte order of the capturing host. */
  public static final int NULL = 0;

  /** Ethernet II, with optional 802.1Q / 802.1ad tags. */
  public static final int ETHERNET = 1;

  /** DLT_RAW as most platforms number it: the frame starts with an IPv4 or IPv6 header. */
  public static final int RAW_DLT_12 = 12;

  /** DLT_RAW as OpenBSD numbers it. */
  public static final int RAW_DLT_14 = 14;

  /** LINKTYPE_RAW, as written in capture files. */
  public static final int RAW = 101;

  /** OpenBSD loopback: like {@link #NULL} but the family is in network byte order. */
  public static final int LOOP = 108;

  /** Linux cooked capture v1 (SLL): a 16-byte header, protocol at offset 14. */
  public static final int LINUX_SLL = 113;

  /** Raw IPv4: the frame starts with an IPv4 header. */
  public static final int IPV4 = 228;

  /** Raw IPv6: the frame starts with an IPv6 header. */
  public static final int IPV6 = 229;

  /** Linux cooked capture v2 (SLL2): a 20-byte header, protocol at offset 0. */
  public static final int LINUX_SLL2 = 276;

  private LinkTypes() {}
}
