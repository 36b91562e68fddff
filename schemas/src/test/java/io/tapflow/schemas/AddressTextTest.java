package io.tapflow.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AddressTextTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "c0000201, 192.0.2.1",
    "00000000, 0.0.0.0",
    "ffffffff, 255.255.255.255",
    "0a000001, 10.0.0.1",
  })
  void ipv4IsDottedQuadWithUnsignedBytes(String bytes, String text) {
    assertEquals(text, AddressText.format(HexFormat.of().parseHex(bytes.replace(" ", ""))));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    // RFC 5952 §4.2.1: "::" shortens as much as possible.
    "20010db8000000000000000000020001, 2001:db8::2:1",
    // §4.2.2: a single 16-bit 0 field is not shortened.
    "20010db8000000010001000100010001, 2001:db8:0:1:1:1:1:1",
    // §4.2.3: the longest run is shortened...
    "20010000000000010000000000000001, 2001:0:0:1::1",
    // ...and of two equal runs, the first.
    "20010db8000000000001000000000001, 2001:db8::1:0:0:1",
    // §4.1 leading zeros suppressed, §4.3 lowercase.
    "20010db800000000000000000000aaaa, 2001:db8::aaaa",
    "20010db8000000000000000000000001, 2001:db8::1",
    "00000000000000000000000000000000, ::",
    "00000000000000000000000000000001, ::1",
    "00010000000000000000000000000000, 1::",
    "00010000000000020000000000000000, 1:0:0:2::",
    "00010002000300040005000600070008, 1:2:3:4:5:6:7:8",
    "fe800000000000000000000000000a0b, fe80::a0b",
    // A longer run later wins over a shorter one first.
    "0000000000010000000000000001000f, 0:0:1::1:f",
    // §5: IPv4-mapped addresses in mixed notation.
    "00000000000000000000ffffc0000201, ::ffff:192.0.2.1",
  })
  void ipv6IsTheRfc5952CanonicalText(String bytes, String text) {
    assertEquals(text, AddressText.format(HexFormat.of().parseHex(bytes.replace(" ", ""))));
  }

  @Test
  void anAddressOfAnotherLengthIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> AddressText.format(new byte[5]));
  }
}
