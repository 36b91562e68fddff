package io.tapflow.processor.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class HttpHeadParserTest {

  /** RFC 6455 §1.2, the client's opening handshake. */
  static final String RFC_REQUEST =
      "GET /chat HTTP/1.1\r\n"
          + "Host: server.example.com\r\n"
          + "Upgrade: websocket\r\n"
          + "Connection: Upgrade\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          + "Origin: http://example.com\r\n"
          + "Sec-WebSocket-Protocol: chat, superchat\r\n"
          + "Sec-WebSocket-Version: 13\r\n"
          + "\r\n";

  /** RFC 6455 §1.2, the server's answer. */
  static final String RFC_RESPONSE =
      "HTTP/1.1 101 Switching Protocols\r\n"
          + "Upgrade: websocket\r\n"
          + "Connection: Upgrade\r\n"
          + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
          + "Sec-WebSocket-Protocol: chat\r\n"
          + "\r\n";

  /** RFC 6455 §5.7: a single-frame unmasked text message containing "Hello". */
  static final byte[] UNMASKED_HELLO = {(byte) 0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  static HttpHead parseWhole(String head) {
    HttpHeadParser parser = new HttpHeadParser();
    byte[] data = bytes(head);
    assertEquals(data.length, parser.onData(data, 0, data.length));
    assertTrue(parser.isComplete(), () -> "not complete: " + parser.anomaly());
    return parser.head();
  }

  static HttpAnomaly failWhole(String head) {
    HttpHeadParser parser = new HttpHeadParser();
    byte[] data = bytes(head);
    parser.onData(data, 0, data.length);
    assertTrue(parser.isFailed());
    assertNull(parser.head());
    return parser.anomaly();
  }

  static HttpHead.Header h(String name, String value) {
    return new HttpHead.Header(name, value);
  }

  @Test
  void theRfcRequestFedWholeParsesIntoMethodTargetVersionAndOrderedHeaders() {
    HttpHead head = parseWhole(RFC_REQUEST);

    assertEquals(
        HttpHead.request(
            "GET",
            "/chat",
            "HTTP/1.1",
            List.of(
                h("Host", "server.example.com"),
                h("Upgrade", "websocket"),
                h("Connection", "Upgrade"),
                h("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
                h("Origin", "http://example.com"),
                h("Sec-WebSocket-Protocol", "chat, superchat"),
                h("Sec-WebSocket-Version", "13"))),
        head);
    assertTrue(head.isRequest());
    assertFalse(head.isResponse());
    assertEquals(0, head.status());
    assertNull(head.reason());
  }

  @Test
  void theRfcResponseFedWholeParsesIntoVersionStatusAndReason() {
    HttpHead head = parseWhole(RFC_RESPONSE);

    assertTrue(head.isResponse());
    assertEquals("HTTP/1.1", head.version());
    assertEquals(101, head.status());
    assertEquals("Switching Protocols", head.reason());
    assertNull(head.method());
    assertNull(head.target());
    assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", head.header("sec-websocket-accept"));
    assertEquals(4, head.headers().size());
  }

  @Test
  void feedingOneByteAtATimeGivesTheSameHeadAndConsumesEveryByte() {
    for (String text : List.of(RFC_REQUEST, RFC_RESPONSE)) {
      byte[] data = bytes(text);
      HttpHeadParser parser = new HttpHeadParser();
      int consumed = 0;
      for (int i = 0; i < data.length; i++) {
        assertFalse(parser.isComplete(), "complete early at byte " + i);
        consumed += parser.onData(data, i, 1);
      }
      assertEquals(data.length, consumed);
      assertEquals(parseWhole(text), parser.head());
      assertEquals(data.length, parser.headLength());
    }
  }

  @Test
  void theParserStopsRightAfterTheEmptyLineLeavingTheFollowingFrameToTheCaller() {
    byte[] head = bytes(RFC_RESPONSE);
    byte[] segment = concat(head, UNMASKED_HELLO);
    HttpHeadParser parser = new HttpHeadParser();

    int consumed = parser.onData(segment, 0, segment.length);

    assertEquals(159, head.length);
    assertEquals(159, consumed);
    assertTrue(parser.isComplete());
    assertArrayEquals(
        UNMASKED_HELLO, Arrays.copyOfRange(segment, consumed, segment.length), "left over");
    assertEquals(0, parser.onData(segment, consumed, segment.length - consumed));
  }

  @Test
  void aHeadSplitAcrossCallsWithTheFrameInTheLastCallConsumesOnlyTheHeadPart() {
    byte[] segment = concat(bytes(RFC_RESPONSE), UNMASKED_HELLO);
    HttpHeadParser parser = new HttpHeadParser();

    assertEquals(100, parser.onData(segment, 0, 100));
    assertFalse(parser.isComplete());
    assertEquals(59, parser.onData(segment, 100, segment.length - 100));
    assertTrue(parser.isComplete());
  }

  @Test
  void bareLfEndsLinesAndLeadingEmptyLinesAreIgnored() {
    HttpHead head = parseWhole("\r\n\nGET / HTTP/1.1\nHost: a\n\n");

    assertEquals(HttpHead.request("GET", "/", "HTTP/1.1", List.of(h("Host", "a"))), head);
  }

  @Test
  void oddWhitespaceIsRemovedAroundValuesBeforeColonsAndBetweenStartLineWords() {
    HttpHead head =
        parseWhole(
            " \tGET\t /x  HTTP/1.1 \r\n"
                + "Upgrade:websocket\r\n"
                + "Connection :\t Upgrade \t\r\n"
                + "Empty:\r\n"
                + "\r\n");

    assertEquals(
        HttpHead.request(
            "GET",
            "/x",
            "HTTP/1.1",
            List.of(h("Upgrade", "websocket"), h("Connection", "Upgrade"), h("Empty", ""))),
        head);
  }

  @Test
  void obsoleteLineFoldingIsJoinedToThePreviousValueWithOneSpace() {
    HttpHead head =
        parseWhole(
            "HTTP/1.1 101 Switching Protocols\r\n"
                + "Connection: keep-alive,\r\n"
                + "   Upgrade\r\n"
                + "Sec-WebSocket-Extensions: permessage-deflate;\r\n"
                + "\tclient_max_window_bits\r\n"
                + "\r\n");

    assertEquals(
        List.of(
            h("Connection", "keep-alive, Upgrade"),
            h("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits")),
        head.headers());
  }

  @Test
  void aWhitespacePrecededLineRightAfterTheStartLineIsConsumedWithoutProcessing() {
    HttpHead head = parseWhole("GET / HTTP/1.1\r\n  Host: evil\r\nHost: good\r\n\r\n");

    assertEquals(List.of(h("Host", "good")), head.headers());
  }

  @Test
  void repeatedHeadersAreJoinedWithCommaSpaceAndLookupIgnoresCase() {
    HttpHead head =
        parseWhole(
            "GET / HTTP/1.1\r\n"
                + "Sec-WebSocket-Protocol: chat\r\n"
                + "sec-websocket-protocol: superchat, v2\r\n"
                + "\r\n");

    assertEquals("chat, superchat, v2", head.header("SEC-WEBSOCKET-PROTOCOL"));
    assertEquals(List.of("chat", "superchat, v2"), head.headerValues("Sec-WebSocket-Protocol"));
    assertEquals(2, head.headerCount("sec-websocket-protocol"));
    assertNull(head.header("Origin"));
    assertTrue(head.hasToken("Sec-WebSocket-Protocol", "SUPERCHAT"));
  }

  @Test
  void aStatusLineWithoutReasonPhraseHasAnEmptyReason() {
    HttpHead head = parseWhole("HTTP/1.0 400\r\n\r\n");

    assertEquals(HttpHead.response("HTTP/1.0", 400, "", List.of()), head);
  }

  @Test
  void headerBytesAboveAsciiAreDecodedAsIso88591() {
    byte[] data = {
      'G',
      'E',
      'T',
      ' ',
      '/',
      ' ',
      'H',
      'T',
      'T',
      'P',
      '/',
      '1',
      '.',
      '1',
      '\r',
      '\n',
      'X',
      ':',
      ' ',
      (byte) 0xC3,
      (byte) 0xA7,
      '\r',
      '\n',
      '\r',
      '\n'
    };
    HttpHeadParser parser = new HttpHeadParser();

    parser.onData(data, 0, data.length);

    assertEquals("\u00c3\u00a7", parser.head().header("X"));
  }

  @Test
  void aHeadLongerThanTheLimitFailsWithHttpHeadTooLongAfterConsumingExactlyTheLimit() {
    HttpHeadParser parser = new HttpHeadParser(64);
    byte[] data = bytes("GET / HTTP/1.1\r\nX-Padding: " + "a".repeat(100) + "\r\n\r\n");

    int consumed = parser.onData(data, 0, data.length);

    assertEquals(64, consumed);
    assertTrue(parser.isFailed());
    assertEquals(HttpAnomaly.HTTP_HEAD_TOO_LONG, parser.anomaly().code());
    assertEquals(new HttpAnomaly("http_head_too_long", "max_bytes=64"), parser.anomaly());
    assertEquals(0, parser.onData(data, consumed, data.length - consumed));
  }

  @Test
  void aHeadOfExactlyTheLimitCompletes() {
    byte[] data = bytes("GET / HTTP/1.1\r\n\r\n");
    HttpHeadParser parser = new HttpHeadParser(data.length);

    assertEquals(18, parser.onData(data, 0, data.length));
    assertTrue(parser.isComplete());
  }

  @Test
  void theDefaultLimitIs64KibFedInSmallPieces() {
    HttpHeadParser parser = new HttpHeadParser();
    byte[] chunk = bytes("X-Filler: " + "b".repeat(1000) + "\r\n");
    byte[] start = bytes("GET / HTTP/1.1\r\n");
    int consumed = parser.onData(start, 0, start.length);
    for (int i = 0; i < 80; i++) {
      consumed += parser.onData(chunk, 0, chunk.length);
    }

    assertEquals(65536, consumed);
    assertEquals(new HttpAnomaly("http_head_too_long", "max_bytes=65536"), parser.anomaly());
  }

  @Test
  void malformedHeadsFailWithHttpMalformedHeadAndSayWhereInTheDetail() {
    assertEquals(
        new HttpAnomaly("http_malformed_head", "reason=bad_request_line line=1"),
        failWhole("GET /\r\n\r\n"));
    assertEquals(
        new HttpAnomaly("http_malformed_head", "reason=bad_request_line line=1"),
        failWhole("GET / index.html HTTP/1.1\r\n\r\n"));
    assertEquals(
        new HttpAnomaly("http_malformed_head", "reason=bad_request_line line=1"),
        failWhole("G(T / HTTP/1.1\r\n\r\n"));
    assertEquals(
        new HttpAnomaly("http_malformed_head", "reason=bad_request_line line=1"),
        failWhole("GET / HTTP/1.1x\r\n\r\n"));
    assertEquals(
        new HttpAnomaly("http_malformed_head", "reason=bad_status_line line=1"),
        failWhole("HTTP/1.1 1O1 Switching Protocols\r\n\r\n"));
    assertEquals(
        new HttpAnomaly("http_malformed_head", "reason=bad_status_line line=1"),
        failWhole("HTTP/2 200 OK\r\n\r\n"));
    assertEquals(
        new HttpAnomaly("http_malformed_head", "reason=bad_field_line line=3"),
        failWhole("GET / HTTP/1.1\r\nHost: a\r\nno colon here\r\n\r\n"));
    assertEquals(
        new HttpAnomaly("http_malformed_head", "reason=bad_field_line line=2"),
        failWhole("GET / HTTP/1.1\r\n: empty name\r\n\r\n"));
    assertEquals(
        new HttpAnomaly("http_malformed_head", "reason=bad_field_line line=2"),
        failWhole("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n"));
  }

  @Test
  void aFailedParserConsumesNothingUntilReset() {
    HttpHeadParser parser = new HttpHeadParser();
    byte[] bad = bytes("nonsense\r\n\r\n");
    byte[] good = bytes(RFC_REQUEST);

    assertEquals(12, parser.onData(bad, 0, bad.length));
    assertEquals(0, parser.onData(good, 0, good.length));
    parser.reset();
    assertEquals(good.length, parser.onData(good, 0, good.length));
    assertEquals("/chat", parser.head().target());
  }

  @Test
  void looksLikeRequestNeedsARegisteredMethodFollowedBySpace() {
    assertTrue(HttpHeadParser.looksLikeRequest(bytes("GET / HTTP/1.1"), 0, 14));
    assertTrue(HttpHeadParser.looksLikeRequest(bytes("OPTIONS "), 0, 8));
    assertTrue(HttpHeadParser.looksLikeRequest(bytes("xxPATCH /a"), 2, 8));
    assertFalse(HttpHeadParser.looksLikeRequest(bytes("GET"), 0, 3));
    assertFalse(HttpHeadParser.looksLikeRequest(bytes("GET / HTTP/1.1"), 0, 3));
    assertFalse(HttpHeadParser.looksLikeRequest(bytes("GETX / HTTP/1.1"), 0, 15));
    assertFalse(HttpHeadParser.looksLikeRequest(bytes("get / HTTP/1.1"), 0, 14));
    assertFalse(HttpHeadParser.looksLikeRequest(bytes("220 smtp.example.com"), 0, 20));
    assertFalse(HttpHeadParser.looksLikeRequest(UNMASKED_HELLO, 0, UNMASKED_HELLO.length));
  }

  @Test
  void looksLikeResponseNeedsHttpSlashOneDot() {
    assertTrue(HttpHeadParser.looksLikeResponse(bytes("HTTP/1.1 101 "), 0, 13));
    assertTrue(HttpHeadParser.looksLikeResponse(bytes("HTTP/1.0"), 0, 8));
    assertTrue(HttpHeadParser.looksLikeResponse(bytes("..HTTP/1."), 2, 7));
    assertFalse(HttpHeadParser.looksLikeResponse(bytes("HTTP/1"), 0, 6));
    assertFalse(HttpHeadParser.looksLikeResponse(bytes("HTTP/2 200"), 0, 10));
    assertFalse(HttpHeadParser.looksLikeResponse(bytes("GET / HTTP/1.1"), 0, 14));
  }

  @Test
  void snapshotAndRestoreAtEveryByteOffsetGivesTheSameResult() throws IOException {
    byte[] segment = concat(bytes(RFC_RESPONSE), UNMASKED_HELLO);
    HttpHeadParser reference = new HttpHeadParser();
    int referenceConsumed = reference.onData(segment, 0, segment.length);

    for (int split = 0; split <= segment.length; split++) {
      HttpHeadParser first = new HttpHeadParser();
      int consumed = first.onData(segment, 0, split);
      HttpHeadParser second = new HttpHeadParser();
      second.readSnapshot(snapshotOf(first));
      consumed += second.onData(segment, split, segment.length - split);

      assertEquals(referenceConsumed, consumed, "consumed, split at " + split);
      assertEquals(reference.head(), second.head(), "head, split at " + split);
      assertEquals(reference.state(), second.state(), "state, split at " + split);
      assertEquals(reference.headLength(), second.headLength(), "length, split at " + split);
    }
  }

  @Test
  void snapshotAndRestoreOfAMalformedHeadAtEveryByteOffsetGivesTheSameAnomaly() throws IOException {
    byte[] data = bytes("GET / HTTP/1.1\r\nHost: a\r\nno colon\r\n\r\n");
    for (int split = 0; split <= data.length; split++) {
      HttpHeadParser first = new HttpHeadParser();
      first.onData(data, 0, split);
      HttpHeadParser second = new HttpHeadParser();
      second.readSnapshot(snapshotOf(first));
      second.onData(data, split, data.length - split);

      assertEquals(
          new HttpAnomaly("http_malformed_head", "reason=bad_field_line line=3"),
          second.anomaly(),
          "split at " + split);
    }
  }

  @Test
  void aFailedParserRestoresAsFailedWithTheSameAnomaly() throws IOException {
    HttpHeadParser first = new HttpHeadParser(8);
    byte[] data = bytes(RFC_REQUEST);
    first.onData(data, 0, data.length);
    HttpHeadParser second = new HttpHeadParser(8);

    second.readSnapshot(snapshotOf(first));

    assertTrue(second.isFailed());
    assertEquals(new HttpAnomaly("http_head_too_long", "max_bytes=8"), second.anomaly());
    assertEquals(0, second.onData(data, 0, data.length));
  }

  @Test
  void aSnapshotOfAnUnknownVersionIsRefused() {
    HttpHeadParser parser = new HttpHeadParser();
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(new byte[] {9, 0}));

    IOException e = assertThrows(IOException.class, () -> parser.readSnapshot(in));
    assertEquals("unknown HttpHeadParser snapshot version 9", e.getMessage());
  }

  @Test
  void aSnapshotWithMoreBufferedBytesThanTheLimitIsRefused() throws IOException {
    HttpHeadParser big = new HttpHeadParser();
    byte[] data = bytes("GET / HTTP/1.1\r\nHost: example\r\n");
    big.onData(data, 0, data.length);
    HttpHeadParser small = new HttpHeadParser(16);

    IOException e = assertThrows(IOException.class, () -> small.readSnapshot(snapshotOf(big)));
    assertEquals("snapshot head length 31 outside 0..16", e.getMessage());
  }

  static DataInputStream snapshotOf(HttpHeadParser parser) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    parser.writeSnapshot(new DataOutputStream(bytes));
    return new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()));
  }
}
