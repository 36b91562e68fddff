package io.tapflow.cli.tail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EndpointPatternTest {

  @Test
  void anAddressWithoutPortMatchesEveryPortOfThatAddressOnly() {
    EndpointPattern p = EndpointPattern.parse("10.0.0.1");
    assertEquals("10.0.0.1", p.toString());
    assertTrue(p.matches("10.0.0.1:443"));
    assertTrue(p.matches("10.0.0.1:80"));
    assertFalse(p.matches("10.0.0.10:443"));
    assertFalse(p.matches("110.0.0.1:443"));
    assertFalse(p.matches(null));
  }

  @Test
  void anAddressWithPortMatchesThatEndpointOnly() {
    EndpointPattern p = EndpointPattern.parse("127.0.0.1:47274");
    assertEquals(-1, EndpointPattern.parse("127.0.0.1").port());
    assertEquals(47274, p.port());
    assertTrue(p.matches("127.0.0.1:47274"));
    assertFalse(p.matches("127.0.0.1:47273"));
    assertFalse(p.matches("127.0.0.1:472745"));
  }

  @Test
  void ipv6IsComparedInTheRecordsCanonicalForm() {
    EndpointPattern bare = EndpointPattern.parse("2001:DB8:0:0::1");
    assertEquals("[2001:db8::1]", bare.toString());
    assertTrue(bare.matches("[2001:db8::1]:443"));
    assertFalse(bare.matches("[2001:db8::2]:443"));
    EndpointPattern withPort = EndpointPattern.parse("[2001:db8:0::1]:443");
    assertEquals("[2001:db8::1]:443", withPort.toString());
    assertTrue(withPort.matches("[2001:db8::1]:443"));
    assertFalse(withPort.matches("[2001:db8::1]:80"));
    assertEquals("[::1]", EndpointPattern.parse("[::1]").toString());
    assertTrue(EndpointPattern.parse("::1").matches("[::1]:8080"));
  }

  @Test
  void anIpv4MappedAddressStaysIpv6() {
    EndpointPattern p = EndpointPattern.parse("::ffff:192.0.2.1");
    assertEquals(16, p.address().length);
    assertTrue(p.matches("[::ffff:192.0.2.1]:80"));
    assertFalse(p.matches("192.0.2.1:80"));
  }

  @Test
  void namesBadAddressesAndPortsAreRefused() {
    for (String bad :
        new String[] {
          "example.com",
          "10.0.0.256",
          "10.0.0",
          "10.0.0.1:70000",
          "10.0.0.1:",
          "10.0.0.1:http",
          "[::1",
          "[::1]443",
          "fe80::1%eth0",
          "1:2",
          "[10.0.0.1]:80",
          ""
        }) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> EndpointPattern.parse(bad), bad);
      assertEquals(
          "'"
              + bad
              + "' is not an IP address with an optional port"
              + " (10.0.0.1, 10.0.0.1:443, 2001:db8::1, [2001:db8::1]:443)",
          e.getMessage());
    }
  }

  @Test
  void aRecordEndpointNeedsItsPort() {
    assertEquals(EndpointPattern.parse("[::1]:80"), EndpointPattern.parseEndpoint("[::1]:80"));
    assertThrows(IllegalArgumentException.class, () -> EndpointPattern.parseEndpoint("10.0.0.1"));
  }
}
