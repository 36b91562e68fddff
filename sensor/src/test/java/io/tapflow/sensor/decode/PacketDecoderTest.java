package io.tapflow.sensor.decode;

import static io.tapflow.sensor.decode.Frames.NONE;
import static io.tapflow.sensor.decode.Frames.addr;
import static io.tapflow.sensor.decode.Frames.concat;
import static io.tapflow.sensor.decode.Frames.ethernet;
import static io.tapflow.sensor.decode.Frames.extensionHeader;
import static io.tapflow.sensor.decode.Frames.fragmentHeader;
import static io.tapflow.sensor.decode.Frames.hex;
import static io.tapflow.sensor.decode.Frames.ipv4;
import static io.tapflow.sensor.decode.Frames.ipv6;
import static io.tapflow.sensor.decode.Frames.loopback;
import static io.tapflow.sensor.decode.Frames.sll;
import static io.tapflow.sensor.decode.Frames.sll2;
import static io.tapflow.sensor.decode.Frames.tcp;
import static io.tapflow.sensor.decode.Frames.u16;
import static io.tapflow.sensor.decode.Frames.u32;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tapflow.schemas.TcpFlags;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PacketDecoderTest {

  private static final PacketDecoder DECODER = new PacketDecoder();
  private static final int TCP = 6;
  private static final int UDP = 17;
  private static final byte[] HI = "hi".getBytes(US_ASCII);

  /** A plain IPv4 TCP segment 10.0.0.1:40081 -> 10.0.0.2:80 carrying "hi". */
  private static final byte[] IPV4_HI =
      ipv4("10.0.0.1", "10.0.0.2", TCP, tcp(40081, 80, 1000, 2000, 0x18, HI));

  /** A plain IPv6 TCP segment [2001:db8::1]:40081 -> [2001:db8::2]:80 carrying "hi". */
  private static final byte[] IPV6_HI =
      ipv6("2001:db8::1", "2001:db8::2", TCP, tcp(40081, 80, 1000, 2000, 0x18, HI));

  private static DecodeResult decode(int linkType, byte[] frame) {
    return DECODER.decode(linkType, frame, frame.length, frame.length);
  }

  private static TcpSegment segment(int linkType, byte[] frame) {
    return assertInstanceOf(TcpSegment.class, decode(linkType, frame));
  }

  private static TcpSegment expected(
      String src,
      int srcPort,
      String dst,
      int dstPort,
      long seq,
      long ack,
      int flags,
      int window,
      byte[] payload,
      int payloadWireLength,
      int... vlanIds) {
    int version = src.contains(":") ? 6 : 4;
    return new TcpSegment(
        version,
        addr(src),
        addr(dst),
        srcPort,
        dstPort,
        seq,
        ack,
        flags,
        window,
        payload,
        0,
        payload.length,
        payloadWireLength,
        vlanIds);
  }

  private static TcpSegment ipv4Hi(int... vlanIds) {
    return expected("10.0.0.1", 40081, "10.0.0.2", 80, 1000, 2000, 0x18, 65535, HI, 2, vlanIds);
  }

  private static TcpSegment ipv6Hi() {
    return expected("2001:db8::1", 40081, "2001:db8::2", 80, 1000, 2000, 0x18, 65535, HI, 2);
  }

  @Test
  void ethernetSynFromTheZeekCaptureDecodesToExactFields() {
    // Frame 1 of zeek-oversized-close-frame.pcapng.
    byte[] frame =
        hex(
            "020000000002 020000000001 0800"
                + "4500 0028 1234 4000 4006 149a 0a000001 0a000002"
                + "9c91 0050 000003e8 00000000 5002 faf0 0026 0000");

    TcpSegment segment = segment(LinkTypes.ETHERNET, frame);

    assertEquals(
        expected("10.0.0.1", 40081, "10.0.0.2", 80, 1000, 0, TcpFlags.SYN, 64240, NONE, 0),
        segment);
    assertSame(frame, segment.frame());
    assertEquals(54, segment.payloadOffset());
    assertEquals(0, segment.vlanIds().length);
    assertEquals("10.0.0.1:40081 > 10.0.0.2:80 [S] seq=1000 ack=0 win=64240 len=0/0", "" + segment);
  }

  @Test
  void linuxCookedV1FrameFromTheSuricataCaptureCarriesTheTwoBytePing() {
    // Frame 8 of suricata-websocket-ping-input.pcap: an unmasked, empty WebSocket ping.
    byte[] frame =
        hex(
            "0000 0304 0006 0000000000000000 0800"
                + "4500 0036 22ab 4000 4006 1a15 7f000001 7f000001"
                + "d84b 283d 4f0eaf8d 39721506 8018 0400 fe2a 0000 0101080a1a018c3c1a018c3c"
                + "8900");

    TcpSegment segment = segment(LinkTypes.LINUX_SLL, frame);

    assertEquals(
        expected(
            "127.0.0.1",
            55371,
            "127.0.0.1",
            10301,
            1326362509L,
            963777798L,
            TcpFlags.PSH | TcpFlags.ACK,
            1024,
            hex("8900"),
            2),
        segment);
    assertEquals(68, segment.payloadOffset());
    assertArrayEquals(hex("8900"), segment.payload());
  }

  @Test
  void linuxCookedV2ReadsTheProtocolAtOffsetZero() {
    TcpSegment segment = segment(LinkTypes.LINUX_SLL2, sll2(0x86DD, IPV6_HI));

    assertEquals(ipv6Hi(), segment);
    assertEquals(20 + 40 + 20, segment.payloadOffset());
  }

  @Test
  void linuxCookedV1ReadsTheProtocolAtOffsetFourteen() {
    TcpSegment segment = segment(LinkTypes.LINUX_SLL, sll(0x0800, IPV4_HI));

    assertEquals(ipv4Hi(), segment);
    assertEquals(16 + 20 + 20, segment.payloadOffset());
  }

  @Test
  void singleVlanTagIdIsCollected() {
    // TCI 0x2064: priority 1, VLAN id 100.
    byte[] frame = ethernet(0x0800, IPV4_HI, 0x8100, 0x2064);

    TcpSegment segment = segment(LinkTypes.ETHERNET, frame);

    assertEquals(ipv4Hi(100), segment);
    assertEquals(18 + 20 + 20, segment.payloadOffset());
  }

  @Test
  void qinqTagsAreCollectedOutermostFirst() {
    // 802.1ad service tag VLAN 200, then 802.1Q customer tag with priority 7, VLAN 10.
    byte[] frame = ethernet(0x86DD, IPV6_HI, 0x88A8, 0x00C8, 0x8100, 0xE00A);

    TcpSegment segment = segment(LinkTypes.ETHERNET, frame);

    assertArrayEquals(new int[] {200, 10}, segment.vlanIds());
    assertEquals(22 + 40 + 20, segment.payloadOffset());
    assertArrayEquals(HI, segment.payload());
  }

  @Test
  void legacyQinqTagIsCollectedToo() {
    byte[] frame = ethernet(0x0800, IPV4_HI, 0x9100, 0x012C, 0x8100, 0x0014);

    assertEquals(ipv4Hi(300, 20), segment(LinkTypes.ETHERNET, frame));
  }

  @Test
  void vlanTagThatLibpcapPutBackAfterACookedHeaderIsCollected() {
    byte[] v1 = sll(0x8100, concat(u16(0x0005), u16(0x0800), IPV4_HI));
    byte[] v2 = sll2(0x8100, concat(u16(0x0006), u16(0x0800), IPV4_HI));

    assertEquals(ipv4Hi(5), segment(LinkTypes.LINUX_SLL, v1));
    assertEquals(ipv4Hi(6), segment(LinkTypes.LINUX_SLL2, v2));
  }

  @ParameterizedTest(name = "family {0}, little-endian {1}")
  @CsvSource({"2, true", "2, false"})
  void bsdLoopbackFamilyTwoIsIpv4InEitherByteOrder(int family, boolean littleEndian) {
    byte[] frame = loopback(family, littleEndian, IPV4_HI);

    assertEquals(ipv4Hi(), segment(LinkTypes.NULL, frame));
    assertEquals(ipv4Hi(), segment(LinkTypes.LOOP, frame));
  }

  @ParameterizedTest(name = "family {0}, little-endian {1}")
  @CsvSource({"24, true", "24, false", "28, true", "28, false", "30, true", "30, false"})
  void bsdLoopbackFamiliesOfTheBsdsAndDarwinAreIpv6InEitherByteOrder(
      int family, boolean littleEndian) {
    TcpSegment segment = segment(LinkTypes.NULL, loopback(family, littleEndian, IPV6_HI));

    assertEquals(ipv6Hi(), segment);
    assertEquals(4 + 40 + 20, segment.payloadOffset());
  }

  @Test
  void bsdLoopbackFamilyThatIsNotIpIsNotIp() {
    assertSame(SkipReason.NOT_IP, decode(LinkTypes.NULL, loopback(7, true, IPV4_HI)));
    assertSame(SkipReason.NOT_IP, decode(LinkTypes.NULL, loopback(10, false, IPV6_HI)));
  }

  @ParameterizedTest(name = "link type {0}")
  @ValueSource(ints = {LinkTypes.RAW, LinkTypes.RAW_DLT_12, LinkTypes.RAW_DLT_14})
  void rawIpLinkTypesTellTheVersionFromTheFirstNibble(int linkType) {
    assertEquals(ipv4Hi(), segment(linkType, IPV4_HI));
    assertEquals(ipv6Hi(), segment(linkType, IPV6_HI));
  }

  @Test
  void rawIpWithAnotherVersionIsABadIpHeader() {
    byte[] frame = IPV4_HI.clone();
    frame[0] = 0x55;

    assertSame(SkipReason.BAD_IP_HEADER, decode(LinkTypes.RAW, frame));
  }

  @Test
  void linkTypesIpv4AndIpv6AcceptOnlyTheirOwnVersion() {
    assertEquals(ipv4Hi(), segment(LinkTypes.IPV4, IPV4_HI));
    assertEquals(ipv6Hi(), segment(LinkTypes.IPV6, IPV6_HI));
    assertSame(SkipReason.BAD_IP_HEADER, decode(LinkTypes.IPV4, IPV6_HI));
    assertSame(SkipReason.BAD_IP_HEADER, decode(LinkTypes.IPV6, IPV4_HI));
  }

  @Test
  void ipv4OptionsAreSkippedToReachTcp() {
    // Router Alert (4 bytes), three NOPs, End of Option List: IHL 7.
    byte[] options = hex("94040000 01010100");
    byte[] packet =
        ipv4("192.0.2.7", "198.51.100.9", TCP, 0, options, tcp(443, 51000, 7, 8, 0x10, HI));

    TcpSegment segment = segment(LinkTypes.ETHERNET, ethernet(0x0800, packet));

    assertEquals(
        expected("192.0.2.7", 443, "198.51.100.9", 51000, 7, 8, 0x10, 65535, HI, 2), segment);
    assertEquals(14 + 28 + 20, segment.payloadOffset());
  }

  @Test
  void tcpOptionsAreSkippedToReachThePayload() {
    // MSS 1460, NOP, NOP, Timestamps 1/2: 16 bytes, data offset 9.
    byte[] options = hex("020405b4 0101 080a0000000100000002");
    byte[] payload = "GET / HTTP/1.1\r\n".getBytes(US_ASCII);
    byte[] packet =
        ipv4("10.0.0.1", "10.0.0.2", TCP, tcp(40081, 80, 1, 1, 0x18, 502, options, payload));

    TcpSegment segment = segment(LinkTypes.ETHERNET, ethernet(0x0800, packet));

    assertEquals(
        expected("10.0.0.1", 40081, "10.0.0.2", 80, 1, 1, 0x18, 502, payload, 16), segment);
    assertEquals(14 + 20 + 36, segment.payloadOffset());
  }

  @Test
  void ipv6ExtensionHeadersAreWalkedToReachTcp() {
    byte[] authenticationHeader = concat(new byte[] {TCP, 1, 0, 0}, u32(0x100), u32(1));
    byte[] chain =
        concat(
            extensionHeader(43, 0), // Hop-by-Hop Options, 8 bytes, next: Routing
            extensionHeader(44, 1), // Routing, 16 bytes, next: Fragment
            fragmentHeader(60, 0, false), // atomic fragment, next: Destination Options
            extensionHeader(51, 0), // Destination Options, next: Authentication Header
            authenticationHeader, // 12 bytes, next: TCP
            tcp(40081, 80, 1000, 2000, 0x18, HI));

    TcpSegment segment =
        segment(LinkTypes.ETHERNET, ethernet(0x86DD, ipv6("2001:db8::1", "2001:db8::2", 0, chain)));

    assertEquals(ipv6Hi(), segment);
    assertEquals(14 + 40 + 8 + 16 + 8 + 8 + 12 + 20, segment.payloadOffset());
  }

  @Test
  void ipv4FragmentsAreSkippedAsIpFragment() {
    byte[] tcp = tcp(40081, 80, 1000, 2000, 0x18, HI);
    int[] fragmentFields = {
      0x2000, // first fragment: More Fragments, offset 0
      0x2000 | 185, // middle fragment
      185, // last fragment: offset 185 x 8 bytes
      0x4000 | 0x2000 // Don't Fragment and More Fragments together: still a fragment
    };
    for (int field : fragmentFields) {
      byte[] frame = ethernet(0x0800, ipv4("10.0.0.1", "10.0.0.2", TCP, field, NONE, tcp));
      assertSame(SkipReason.IP_FRAGMENT, decode(LinkTypes.ETHERNET, frame), "field " + field);
    }
  }

  @Test
  void ipv4FragmentOfAnotherProtocolIsNotTcp() {
    byte[] frame = ethernet(0x0800, ipv4("10.0.0.1", "10.0.0.2", UDP, 0x2000, NONE, new byte[16]));

    assertSame(SkipReason.NOT_TCP, decode(LinkTypes.ETHERNET, frame));
  }

  @Test
  void ipv6FragmentsAreSkippedAsIpFragment() {
    byte[] tcp = tcp(40081, 80, 1000, 2000, 0x18, HI);
    byte[] first =
        ipv6("2001:db8::1", "2001:db8::2", 44, concat(fragmentHeader(TCP, 0, true), tcp));
    byte[] last =
        ipv6("2001:db8::1", "2001:db8::2", 44, concat(fragmentHeader(TCP, 100, false), tcp));
    byte[] chained =
        ipv6("2001:db8::1", "2001:db8::2", 44, concat(fragmentHeader(60, 0, true), tcp));
    byte[] udp = ipv6("2001:db8::1", "2001:db8::2", 44, concat(fragmentHeader(UDP, 0, true), tcp));

    assertSame(SkipReason.IP_FRAGMENT, decode(LinkTypes.RAW, first));
    assertSame(SkipReason.IP_FRAGMENT, decode(LinkTypes.RAW, last));
    assertSame(SkipReason.IP_FRAGMENT, decode(LinkTypes.RAW, chained));
    assertSame(SkipReason.NOT_TCP, decode(LinkTypes.RAW, udp));
  }

  @Test
  void protocolsOtherThanTcpAreNotTcp() {
    byte[] eight = new byte[8];
    assertSame(SkipReason.NOT_TCP, decode(LinkTypes.RAW, ipv4("10.0.0.1", "10.0.0.2", UDP, eight)));
    assertSame(SkipReason.NOT_TCP, decode(LinkTypes.RAW, ipv6("::1", "::2", 58, eight))); // ICMPv6
    assertSame(SkipReason.NOT_TCP, decode(LinkTypes.RAW, ipv6("::1", "::2", 59, NONE))); // none
    assertSame(SkipReason.NOT_TCP, decode(LinkTypes.RAW, ipv6("::1", "::2", 50, eight))); // ESP
    assertSame(
        SkipReason.NOT_TCP,
        decode(LinkTypes.RAW, ipv6("::1", "::2", 0, concat(extensionHeader(UDP, 0), eight))));
  }

  @Test
  void etherTypesOtherThanIpAreNotIp() {
    byte[] arp = hex("0001 0800 06 04 0001 020000000001 0a000001 000000000000 0a000002");

    assertSame(SkipReason.NOT_IP, decode(LinkTypes.ETHERNET, ethernet(0x0806, arp)));
    assertSame(SkipReason.NOT_IP, decode(LinkTypes.ETHERNET, ethernet(0x0806, arp, 0x8100, 7)));
    assertSame(SkipReason.NOT_IP, decode(LinkTypes.ETHERNET, ethernet(0x002E, new byte[46])));
    assertSame(SkipReason.NOT_IP, decode(LinkTypes.LINUX_SLL, sll(0x0806, arp)));
    assertSame(SkipReason.NOT_IP, decode(LinkTypes.LINUX_SLL2, sll2(0x0806, arp)));
  }

  @ParameterizedTest(name = "link type {0}")
  @ValueSource(ints = {105, 127, 147, 253, -1})
  void linkTypesTheDecoderDoesNotKnowAreUnsupported(int linkType) {
    assertSame(SkipReason.UNSUPPORTED_LINK_TYPE, decode(linkType, ethernet(0x0800, IPV4_HI)));
  }

  @Test
  void framesEndingInsideTheLinkHeaderAreTruncatedLinkHeader() {
    byte[] tagged = ethernet(0x0800, IPV4_HI, 0x8100, 5, 0x8100, 6);

    assertTruncated(
        SkipReason.TRUNCATED_LINK_HEADER, LinkTypes.ETHERNET, ethernet(0x0800, IPV4_HI), 13);
    assertTruncated(SkipReason.TRUNCATED_LINK_HEADER, LinkTypes.ETHERNET, tagged, 17);
    assertTruncated(SkipReason.TRUNCATED_LINK_HEADER, LinkTypes.ETHERNET, tagged, 21);
    assertTruncated(
        SkipReason.TRUNCATED_LINK_HEADER, LinkTypes.LINUX_SLL, sll(0x0800, IPV4_HI), 15);
    assertTruncated(
        SkipReason.TRUNCATED_LINK_HEADER, LinkTypes.LINUX_SLL2, sll2(0x0800, IPV4_HI), 19);
    assertTruncated(
        SkipReason.TRUNCATED_LINK_HEADER, LinkTypes.NULL, loopback(2, true, IPV4_HI), 3);
    assertSame(SkipReason.TRUNCATED_LINK_HEADER, decode(LinkTypes.ETHERNET, NONE));
  }

  @Test
  void framesEndingInsideTheIpHeaderAreTruncatedIpHeader() {
    byte[] withOptions =
        ipv4("10.0.0.1", "10.0.0.2", TCP, 0, hex("01010100"), tcp(1, 2, 3, 4, 0x10, HI));
    byte[] withExtension = ipv6("::1", "::2", 60, concat(extensionHeader(TCP, 1), IPV6_HI));

    assertTruncated(SkipReason.TRUNCATED_IP_HEADER, LinkTypes.RAW, IPV4_HI, 19);
    assertTruncated(SkipReason.TRUNCATED_IP_HEADER, LinkTypes.RAW, withOptions, 23);
    assertTruncated(SkipReason.TRUNCATED_IP_HEADER, LinkTypes.RAW, IPV6_HI, 39);
    assertTruncated(SkipReason.TRUNCATED_IP_HEADER, LinkTypes.RAW, withExtension, 47);
    assertTruncated(SkipReason.TRUNCATED_IP_HEADER, LinkTypes.RAW, withExtension, 55);
    assertTruncated(
        SkipReason.TRUNCATED_IP_HEADER, LinkTypes.ETHERNET, ethernet(0x0800, IPV4_HI), 14);
    assertSame(SkipReason.TRUNCATED_IP_HEADER, decode(LinkTypes.RAW, NONE));
  }

  @Test
  void framesEndingInsideTheTcpHeaderAreTruncatedTcpHeader() {
    byte[] withOptions =
        ipv4("10.0.0.1", "10.0.0.2", TCP, tcp(1, 2, 3, 4, 0x10, 9, hex("020405b4"), HI));

    assertTruncated(SkipReason.TRUNCATED_TCP_HEADER, LinkTypes.RAW, IPV4_HI, 20 + 19);
    assertTruncated(SkipReason.TRUNCATED_TCP_HEADER, LinkTypes.RAW, withOptions, 20 + 23);
    assertTruncated(SkipReason.TRUNCATED_TCP_HEADER, LinkTypes.RAW, IPV6_HI, 40);
  }

  @Test
  void ipHeadersThatContradictThemselvesOrTheFrameAreBadIpHeader() {
    byte[] version5 = IPV4_HI.clone();
    version5[0] = 0x55;
    byte[] ihl4 = IPV4_HI.clone();
    ihl4[0] = 0x44;
    byte[] totalShorterThanHeader = IPV4_HI.clone();
    totalShorterThanHeader[3] = 19;
    byte[] totalLongerThanWire = IPV4_HI.clone();
    totalLongerThanWire[3] = (byte) (IPV4_HI.length + 1);
    byte[] ipv6Version4 = IPV6_HI.clone();
    ipv6Version4[0] = 0x40;
    byte[] ipv6PayloadLongerThanWire = IPV6_HI.clone();
    ipv6PayloadLongerThanWire[5] = (byte) (IPV6_HI.length - 40 + 1);
    byte[] extensionBeyondPayload =
        ipv6("::1", "::2", 60, extensionHeader(TCP, 3)).clone(); // 32-byte header
    extensionBeyondPayload[5] = 16; // payload length cut to 16
    byte[] hopByHopNotFirst =
        ipv6("::1", "::2", 60, concat(extensionHeader(0, 0), extensionHeader(TCP, 0), IPV6_HI));

    assertSame(SkipReason.BAD_IP_HEADER, decode(LinkTypes.ETHERNET, ethernet(0x0800, version5)));
    assertSame(SkipReason.BAD_IP_HEADER, decode(LinkTypes.RAW, ihl4));
    assertSame(SkipReason.BAD_IP_HEADER, decode(LinkTypes.RAW, totalShorterThanHeader));
    assertSame(SkipReason.BAD_IP_HEADER, decode(LinkTypes.RAW, totalLongerThanWire));
    assertSame(
        SkipReason.BAD_IP_HEADER, decode(LinkTypes.ETHERNET, ethernet(0x86DD, ipv6Version4)));
    assertSame(SkipReason.BAD_IP_HEADER, decode(LinkTypes.RAW, ipv6PayloadLongerThanWire));
    assertSame(SkipReason.BAD_IP_HEADER, decode(LinkTypes.RAW, extensionBeyondPayload));
    assertSame(SkipReason.BAD_IP_HEADER, decode(LinkTypes.RAW, hopByHopNotFirst));
  }

  @Test
  void tcpHeadersThatContradictThemselvesOrTheIpPacketAreBadTcpHeader() {
    byte[] dataOffset4 = IPV4_HI.clone();
    dataOffset4[20 + 12] = 0x40;
    byte[] dataOffsetBeyondPacket = IPV4_HI.clone();
    dataOffsetBeyondPacket[20 + 12] = (byte) 0xF0; // 60 bytes, but only 22 follow the IP header
    byte[] tooShortForTcp = ipv4("10.0.0.1", "10.0.0.2", TCP, new byte[10]);

    assertSame(SkipReason.BAD_TCP_HEADER, decode(LinkTypes.RAW, dataOffset4));
    assertSame(SkipReason.BAD_TCP_HEADER, decode(LinkTypes.RAW, dataOffsetBeyondPacket));
    assertSame(SkipReason.BAD_TCP_HEADER, decode(LinkTypes.RAW, tooShortForTcp));
  }

  @Test
  void snaplenCutKeepsTheCapturedPayloadAndTheWireLength() {
    byte[] payload = new byte[100];
    Arrays.fill(payload, (byte) 'x');
    byte[] full =
        ethernet(0x0800, ipv4("10.0.0.1", "10.0.0.2", TCP, tcp(1, 2, 3, 4, 0x18, payload)));
    // The capture kept 84 of the 154 bytes; the rest of the array is junk the decoder must not
    // read.
    byte[] buffer = Arrays.copyOf(full, 200);
    Arrays.fill(buffer, 84, 200, (byte) 0xEE);

    TcpSegment segment =
        assertInstanceOf(TcpSegment.class, DECODER.decode(LinkTypes.ETHERNET, buffer, 84, 154));

    assertEquals(30, segment.payloadLength());
    assertEquals(100, segment.payloadWireLength());
    assertTrue(segment.isTruncated());
    assertArrayEquals(Arrays.copyOf(payload, 30), segment.payload());
  }

  @Test
  void ethernetPaddingIsNotPayload() {
    byte[] syn = ethernet(0x0800, ipv4("10.0.0.1", "10.0.0.2", TCP, tcp(1, 2, 3, 0, 0x02, NONE)));
    byte[] padded = Arrays.copyOf(syn, 60);

    TcpSegment segment = segment(LinkTypes.ETHERNET, padded);

    assertEquals(0, segment.payloadLength());
    assertEquals(0, segment.payloadWireLength());
    assertFalse(segment.isTruncated());
  }

  @Test
  void sequenceNumbersPortsWindowAndFlagsAreReadUnsigned() {
    byte[] packet =
        ipv4(
            "255.255.255.254",
            "128.0.0.1",
            TCP,
            tcp(65535, 32768, 0xFFFFFFFFL, 0x80000000L, 0xFF, 65535, NONE, NONE));

    TcpSegment segment = segment(LinkTypes.RAW, packet);

    assertEquals(
        expected(
            "255.255.255.254",
            65535,
            "128.0.0.1",
            32768,
            4294967295L,
            2147483648L,
            255,
            65535,
            NONE,
            0),
        segment);
    assertTrue(segment.hasFlags(TcpFlags.CWR | TcpFlags.ECE | TcpFlags.URG));
    assertEquals("WEUAPRSF", TcpSegment.flagLetters(segment.flags()));
  }

  @Test
  void ipv4TotalLengthZeroFromSegmentationOffloadTakesTheFrameLength() {
    byte[] frame = ethernet(0x0800, IPV4_HI);
    frame[14 + 2] = 0;
    frame[14 + 3] = 0;

    assertEquals(ipv4Hi(), segment(LinkTypes.ETHERNET, frame));
  }

  @Test
  void payloadBufferIsAReadOnlyViewOfThePayload() {
    ByteBuffer buffer = segment(LinkTypes.ETHERNET, ethernet(0x0800, IPV4_HI)).payloadBuffer();

    assertEquals(0, buffer.position());
    assertEquals(2, buffer.remaining());
    assertEquals('h', buffer.get(0));
    assertEquals('i', buffer.get(1));
    assertTrue(buffer.isReadOnly());
  }

  @Test
  void skipReasonCodesAreStableSnakeCase() {
    assertEquals(
        List.of(
            "not_ip",
            "not_tcp",
            "ip_fragment",
            "truncated_link_header",
            "truncated_ip_header",
            "truncated_tcp_header",
            "bad_ip_header",
            "bad_tcp_header",
            "unsupported_link_type"),
        Arrays.stream(SkipReason.values()).map(SkipReason::code).toList());
  }

  @Test
  void capturedLengthBeyondTheArrayIsAProgrammingError() {
    assertThrows(
        IndexOutOfBoundsException.class,
        () -> DECODER.decode(LinkTypes.RAW, IPV4_HI, IPV4_HI.length + 1, IPV4_HI.length + 1));
  }

  private static void assertTruncated(
      SkipReason reason, int linkType, byte[] frame, int capturedLength) {
    assertSame(
        reason,
        DECODER.decode(linkType, frame, capturedLength, frame.length),
        "captured " + capturedLength + " of " + frame.length);
  }
}
