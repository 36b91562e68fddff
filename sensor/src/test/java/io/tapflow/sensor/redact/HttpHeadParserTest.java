package io.tapflow.sensor.redact;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HttpHeadParserTest {
  /** Feeds {@code head}; returns the step of its last byte (FAILED as soon as one fails). */
  private static HttpHeadParser.Step parse(HttpHeadParser p, String head) {
    HttpHeadParser.Step step = HttpHeadParser.Step.HEAD;
    for (byte b : head.getBytes(StandardCharsets.ISO_8859_1)) {
      step = p.next(b & 0xFF);
      if (step == HttpHeadParser.Step.FAILED) {
        return step;
      }
    }
    return step;
  }

  private static HttpHeadParser response(String fields) {
    HttpHeadParser p = new HttpHeadParser(false);
    assertEquals(
        HttpHeadParser.Step.DONE,
        parse(p, "HTTP/1.1 101 Switching Protocols\r\n" + fields + "\r\n"));
    return p;
  }

  @Test
  void anUpgradeResponseIsReadWithItsStatusAndUpgradeCaseInsensitively() {
    HttpHeadParser p = response("UPGRADE: WebSocket\r\nConnection: Upgrade\r\n");
    assertEquals(101, p.status());
    assertTrue(p.upgradeWebSocket());
    assertFalse(p.deflate());
    assertFalse(p.otherExtension());
  }

  @Test
  void permessageDeflateWithParametersIsNotedAndAnyOtherExtensionToo() {
    HttpHeadParser deflate =
        response(
            "Upgrade: websocket\r\nSec-WebSocket-Extensions: permessage-deflate;"
                + " server_max_window_bits=12; client_max_window_bits=\"12,x\"\r\n");
    assertTrue(deflate.deflate());
    assertFalse(deflate.otherExtension());
    HttpHeadParser two =
        response(
            "Upgrade: websocket\r\nsec-websocket-extensions: Permessage-Deflate\r\n"
                + "Sec-WebSocket-Extensions: x-webkit-deflate-frame\r\n");
    assertTrue(two.deflate());
    assertTrue(two.otherExtension());
    HttpHeadParser listed =
        response("Upgrade: websocket\r\nSec-WebSocket-Extensions: permessage-deflate , foo\r\n");
    assertTrue(listed.otherExtension());
  }

  @Test
  void aRequestLineAndFieldsAreChecked() {
    HttpHeadParser request = new HttpHeadParser(true);
    assertEquals(
        HttpHeadParser.Step.DONE,
        parse(request, "GET /chat?room=1 HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n"));
    assertTrue(request.upgradeWebSocket());
    for (String bad :
        new String[] {
          "GET /chat HTTP/1.0\r\n\r\n",
          "GET  /chat HTTP/1.1\r\n\r\n",
          "{\"content\":\"x\"}\r\n\r\n",
          "GET / HTTP/1.1\nHost: a\r\n\r\n",
          "GET / HTTP/1.1\r\nHost a\r\n\r\n",
          "GET / HTTP/1.1\r\n Host: a\r\n\r\n",
          "GET / HTTP/1.1\r\nHost: a\u0001\r\n\r\n"
        }) {
      assertEquals(HttpHeadParser.Step.FAILED, parse(new HttpHeadParser(true), bad), bad);
    }
    assertEquals(
        HttpHeadParser.Step.FAILED, parse(new HttpHeadParser(false), "HTTP/1.1 1O1 x\r\n\r\n"));
  }

  @Test
  void aHeadOf16KibibytesIsReadAndOneByteMoreFails() {
    String start = "GET / HTTP/1.1\r\nX: ";
    String end = "\r\n\r\n";
    String exact =
        start + "x".repeat(HttpHeadParser.MAX_HEAD_BYTES - start.length() - end.length()) + end;
    assertEquals(HttpHeadParser.Step.DONE, parse(new HttpHeadParser(true), exact));
    HttpHeadParser longer = new HttpHeadParser(true);
    assertEquals(
        HttpHeadParser.Step.FAILED, parse(longer, start + "x" + exact.substring(start.length())));
    assertTrue(longer.tooLong());
  }
}
