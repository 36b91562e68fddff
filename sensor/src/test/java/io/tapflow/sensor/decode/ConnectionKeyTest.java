package io.tapflow.sensor.decode;

import static io.tapflow.sensor.decode.Frames.addr;
import static io.tapflow.sensor.decode.Frames.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tapflow.schemas.TcpFlags;
import org.junit.jupiter.api.Test;

class ConnectionKeyTest {

  private static TcpSegment segment(String src, int srcPort, String dst, int dstPort) {
    return new TcpSegment(
        src.contains(":") ? 6 : 4,
        addr(src),
        addr(dst),
        srcPort,
        dstPort,
        1,
        2,
        TcpFlags.ACK,
        512,
        new byte[0],
        0,
        0,
        0,
        new int[0]);
  }

  @Test
  void bothDirectionsOfAnIpv4ConnectionGiveTheSameKey() {
    TcpSegment request = segment("10.0.0.1", 40081, "10.0.0.2", 80);
    TcpSegment response = segment("10.0.0.2", 80, "10.0.0.1", 40081);

    assertEquals("s1|10.0.0.1:40081|10.0.0.2:80", ConnectionKey.of("s1", request));
    assertEquals("s1|10.0.0.1:40081|10.0.0.2:80", ConnectionKey.of("s1", response));
    assertTrue(ConnectionKey.sourceIsLow(request));
    assertFalse(ConnectionKey.sourceIsLow(response));
  }

  @Test
  void bothDirectionsOfAnIpv6ConnectionGiveTheSameKeyInRfc5952Text() {
    TcpSegment request = segment("2001:db8::10", 1, "2001:db8::2", 443);
    TcpSegment response = segment("2001:db8::2", 443, "2001:db8::10", 1);

    assertEquals("edge-7|[2001:db8::2]:443|[2001:db8::10]:1", ConnectionKey.of("edge-7", request));
    assertEquals("edge-7|[2001:db8::2]:443|[2001:db8::10]:1", ConnectionKey.of("edge-7", response));
    assertFalse(ConnectionKey.sourceIsLow(request));
    assertTrue(ConnectionKey.sourceIsLow(response));
  }

  @Test
  void onTheSameAddressTheLowerPortComesFirst() {
    assertEquals(
        "s1|127.0.0.1:10301|127.0.0.1:55371",
        ConnectionKey.of("s1", segment("127.0.0.1", 55371, "127.0.0.1", 10301)));
    assertEquals(
        "s1|127.0.0.1:10301|127.0.0.1:55371",
        ConnectionKey.of("s1", segment("127.0.0.1", 10301, "127.0.0.1", 55371)));
  }

  @Test
  void addressBytesCompareUnsigned() {
    // Signed bytes would put 128 (-128) before 127 and 200 (-56) before 10.
    assertEquals(
        "s1|127.255.255.255:9|128.0.0.1:1",
        ConnectionKey.of("s1", segment("128.0.0.1", 1, "127.255.255.255", 9)));
    assertEquals(
        "s1|10.0.0.1:5|200.0.0.1:5",
        ConnectionKey.of("s1", segment("200.0.0.1", 5, "10.0.0.1", 5)));
    assertEquals(
        "s1|[2001:db8::1]:80|[fe80::1]:80",
        ConnectionKey.of("s1", segment("fe80::1", 80, "2001:db8::1", 80)));
  }

  @Test
  void ipv4SortsBeforeIpv6() {
    byte[] v4 = addr("255.255.255.255");
    byte[] v6 = new byte[16];

    assertEquals("s1|255.255.255.255:65535|[::]:0", ConnectionKey.of("s1", v6, 0, v4, 65535));
    assertEquals("s1|255.255.255.255:65535|[::]:0", ConnectionKey.of("s1", v4, 65535, v6, 0));
    assertTrue(ConnectionKey.compareEndpoints(v4, 65535, v6, 0) < 0);
  }

  @Test
  void aConnectionFromAnEndpointToItselfHasOneKeyAndItsSourceIsLow() {
    TcpSegment self = segment("127.0.0.1", 5000, "127.0.0.1", 5000);

    assertEquals("s1|127.0.0.1:5000|127.0.0.1:5000", ConnectionKey.of("s1", self));
    assertTrue(ConnectionKey.sourceIsLow(self));
  }

  @Test
  void endpointsAreFormattedAsIpColonPortWithIpv6InBrackets() {
    assertEquals("192.0.2.1:443", ConnectionKey.endpoint(addr("192.0.2.1"), 443));
    assertEquals("[2001:db8::1]:8080", ConnectionKey.endpoint(addr("2001:db8::1"), 8080));
    assertEquals(
        "[::ffff:192.0.2.1]:443",
        ConnectionKey.endpoint(hex("00000000000000000000ffffc0000201"), 443));
  }

  @Test
  void aSensorIdContainingTheSeparatorIsRejected() {
    TcpSegment any = segment("10.0.0.1", 1, "10.0.0.2", 2);

    assertThrows(IllegalArgumentException.class, () -> ConnectionKey.of("a|b", any));
  }
}
