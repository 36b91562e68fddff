package io.tapflow.processor.websocket;

import static io.tapflow.processor.websocket.Bytes.hex;
import static io.tapflow.processor.websocket.Bytes.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

class WsMessageTest {

  private static WsMessage text(byte[] content) {
    return new WsMessage(
        WsOpcode.TEXT, content, content.length, false, null, null, false, 1, 0, 0, false);
  }

  @Test
  void textDecodesUtf8AndReplacesMalformedBytes() {
    assertEquals("h\u00e9", text(hex("68 c3 a9")).text());
    assertEquals("h\uFFFD(", text(hex("68 c3 28")).text());
  }

  @Test
  void messagesWithEqualContentAreEqual() {
    assertEquals(text(utf8("hi")), text(utf8("hi")));
    assertEquals(text(utf8("hi")).hashCode(), text(utf8("hi")).hashCode());
    assertNotEquals(text(utf8("hi")), text(utf8("ho")));
  }

  @Test
  void toStringShowsTheFirst32BytesInHex() {
    assertEquals(
        "WsMessage[opcode=TEXT, content=2 bytes 6869, payloadLength=2, truncated=false,"
            + " closeCode=null, closeReason=null, compressed=false, fragments=1,"
            + " timestampNanos=0, missingBytes=0, resynchronized=false]",
        text(utf8("hi")).toString());
  }

  @Test
  void opcodesMapToTheirWireValues() {
    assertEquals(WsOpcode.PONG, WsOpcode.fromCode(0xa));
    assertEquals(null, WsOpcode.fromCode(0x0));
    assertEquals(null, WsOpcode.fromCode(0x3));
    assertEquals(8, WsOpcode.CLOSE.code());
    assertEquals(true, WsOpcode.PING.isControl());
    assertEquals(false, WsOpcode.BINARY.isControl());
  }
}
