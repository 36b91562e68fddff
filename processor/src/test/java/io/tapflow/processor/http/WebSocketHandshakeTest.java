package io.tapflow.processor.http;

import static io.tapflow.processor.http.HttpHeadParserTest.RFC_REQUEST;
import static io.tapflow.processor.http.HttpHeadParserTest.RFC_RESPONSE;
import static io.tapflow.processor.http.HttpHeadParserTest.parseWhole;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WebSocketHandshakeTest {

  static WebSocketHandshake handshake(String request, String response) {
    return new WebSocketHandshake(
        request == null ? null : parseWhole(request),
        response == null ? null : parseWhole(response));
  }

  @Test
  void expectedAcceptOfTheRfcSampleKeyIsTheRfcSampleAccept() {
    assertEquals(
        "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
        WebSocketHandshake.expectedAccept("dGhlIHNhbXBsZSBub25jZQ=="));
  }

  @Test
  void theRfcHandshakeIsAnUpgradeWithMatchingAcceptAndTheChosenSubprotocol() {
    WebSocketHandshake hs = handshake(RFC_REQUEST, RFC_RESPONSE);

    assertTrue(hs.isUpgradeRequest());
    assertEquals("dGhlIHNhbXBsZSBub25jZQ==", hs.key());
    assertEquals(List.of("chat", "superchat"), hs.offeredSubprotocols());
    assertEquals(List.of(), hs.offeredExtensions());
    assertEquals("/chat", hs.path());
    assertEquals("server.example.com", hs.host());
    assertEquals("http://example.com", hs.origin());
    assertNull(hs.userAgent());
    assertEquals(101, hs.status());
    assertEquals("chat", hs.acceptedSubprotocol());
    assertEquals(List.of(), hs.acceptedExtensions());
    assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", hs.accept());
    assertTrue(hs.acceptMatches());
    assertTrue(hs.upgraded());
    assertEquals(List.of(), hs.anomalies());
  }

  @Test
  void aWrongAcceptFromTheServerStillUpgradesButDoesNotMatchAndIsAnAnomaly() {
    // The case of Zeek's websocket_wrong_accept_header weird.
    assertEquals(
        "N8ntNYkX6Qerw4tK3s/CYzpSZNc=",
        WebSocketHandshake.expectedAccept("VMueuJIhu60C0hDKL+vS6g=="));
    WebSocketHandshake hs =
        handshake(
            "GET /ws HTTP/1.1\r\n"
                + "Host: localhost:8080\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Key: VMueuJIhu60C0hDKL+vS6g==\r\n"
                + "Sec-WebSocket-Version: 13\r\n"
                + "\r\n",
            "HTTP/1.1 101 Switching Protocols\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: N8ntNYkX6Qerw4tK3s/CYzpSZNc=-wrong\r\n"
                + "\r\n");

    assertTrue(hs.upgraded());
    assertFalse(hs.acceptMatches());
    assertEquals("N8ntNYkX6Qerw4tK3s/CYzpSZNc=-wrong", hs.accept());
    assertEquals(
        List.of(
            new HttpAnomaly(
                "websocket_wrong_accept_header",
                "expected=N8ntNYkX6Qerw4tK3s/CYzpSZNc= found=N8ntNYkX6Qerw4tK3s/CYzpSZNc=-wrong")),
        hs.anomalies());
  }

  @Test
  void aWrongAcceptWithSpacesIsPercentEncodedSoTheDetailStaysKeyValuePairs() {
    // Found by HttpHeadParserFuzzTest: the peer's value went into the detail as sent, so a space
    // in it split the pair (and "x side=server" could forge one).
    WebSocketHandshake hs =
        handshake(
            "GET /ws HTTP/1.1\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Key: VMueuJIhu60C0hDKL+vS6g==\r\n"
                + "\r\n",
            "HTTP/1.1 101 Switching Protocols\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: x side=server 100%\u00e9\tend\r\n"
                + "\r\n");

    assertEquals(
        List.of(
            new HttpAnomaly(
                "websocket_wrong_accept_header",
                "expected=N8ntNYkX6Qerw4tK3s/CYzpSZNc= found=x%20side=server%20100%25%E9%09end")),
        hs.anomalies());
  }

  @Test
  void upgradeAndConnectionTokensAreFoundInListsIgnoringCase() {
    WebSocketHandshake hs =
        handshake(
            "GET / HTTP/1.1\r\n"
                + "Upgrade: WebSocket\r\n"
                + "Connection: keep-alive, UPGRADE\r\n"
                + "\r\n",
            "HTTP/1.1 101 Web Socket Protocol Handshake\r\n"
                + "upgrade: WEBSOCKET\r\n"
                + "connection: upgrade\r\n"
                + "\r\n");

    assertTrue(hs.isUpgradeRequest());
    assertTrue(hs.upgraded());
    assertFalse(hs.acceptMatches());
    assertEquals(
        List.of(
            new HttpAnomaly("websocket_missing_key_header", ""),
            new HttpAnomaly("websocket_missing_accept_header", "")),
        hs.anomalies());
  }

  @Test
  void aRequestIsNoUpgradeWithoutGetOrWithoutEitherToken() {
    String upgrade = "Upgrade: websocket\r\n";
    String connection = "Connection: Upgrade\r\n";
    assertFalse(
        handshake("POST / HTTP/1.1\r\n" + upgrade + connection + "\r\n", null).isUpgradeRequest());
    assertFalse(
        handshake("get / HTTP/1.1\r\n" + upgrade + connection + "\r\n", null).isUpgradeRequest());
    assertFalse(handshake("GET / HTTP/1.1\r\n" + upgrade + "\r\n", null).isUpgradeRequest());
    assertFalse(handshake("GET / HTTP/1.1\r\n" + connection + "\r\n", null).isUpgradeRequest());
    assertFalse(
        handshake("GET / HTTP/1.1\r\nUpgrade: h2c\r\n" + connection + "\r\n", null)
            .isUpgradeRequest());
    assertFalse(
        handshake("GET / HTTP/1.1\r\n" + upgrade + "Connection: Upgraded\r\n\r\n", null)
            .isUpgradeRequest());
  }

  @Test
  void aRefusalOrAMissingResponseIsNotUpgradedAndHasNoAnomalies() {
    WebSocketHandshake refused =
        handshake(RFC_REQUEST, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    WebSocketHandshake unanswered = handshake(RFC_REQUEST, null);
    WebSocketHandshake noUpgradeHeader =
        handshake(RFC_REQUEST, "HTTP/1.1 101 Switching Protocols\r\n\r\n");

    assertFalse(refused.upgraded());
    assertEquals(400, refused.status());
    assertEquals(List.of(), refused.anomalies());
    assertFalse(unanswered.upgraded());
    assertEquals(0, unanswered.status());
    assertNull(unanswered.accept());
    assertNull(unanswered.acceptedSubprotocol());
    assertEquals(List.of(), unanswered.acceptedExtensions());
    assertFalse(unanswered.acceptMatches());
    assertFalse(noUpgradeHeader.upgraded());
  }

  @Test
  void aResponseSeenWithoutItsRequestStillTellsWhetherItUpgraded() {
    WebSocketHandshake hs = handshake(null, RFC_RESPONSE);

    assertTrue(hs.upgraded());
    assertFalse(hs.isUpgradeRequest());
    assertNull(hs.key());
    assertNull(hs.path());
    assertEquals(List.of(), hs.offeredSubprotocols());
    assertFalse(hs.acceptMatches());
    assertEquals(List.of(), hs.anomalies());
  }

  @Test
  void offeredAndAcceptedExtensionsAreParsedWithTheirParameters() {
    WebSocketHandshake hs =
        handshake(
            "GET /chat HTTP/1.1\r\n"
                + "Host: 127.0.0.1:47272\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
                + "Sec-WebSocket-Extensions: x-webkit-deflate-frame\r\n"
                + "User-Agent: Python/3.11 websockets/10.4\r\n"
                + "\r\n",
            "HTTP/1.1 101 Switching Protocols\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                + "Sec-WebSocket-Extensions: permessage-deflate;"
                + " server_no_context_takeover; server_max_window_bits=\"10\"\r\n"
                + "\r\n");

    Map<String, String> clientParams = new LinkedHashMap<>();
    clientParams.put("client_max_window_bits", null);
    assertEquals(
        List.of(
            new WebSocketExtension("permessage-deflate", clientParams),
            new WebSocketExtension("x-webkit-deflate-frame", Map.of())),
        hs.offeredExtensions());
    WebSocketExtension accepted = hs.acceptedExtensions().get(0);
    assertEquals(1, hs.acceptedExtensions().size());
    assertEquals("permessage-deflate", accepted.name());
    assertTrue(accepted.hasParam("SERVER_NO_CONTEXT_TAKEOVER"));
    assertNull(accepted.param("server_no_context_takeover"));
    assertEquals("10", accepted.param("server_max_window_bits"));
    assertFalse(accepted.hasParam("client_max_window_bits"));
    assertEquals(
        "permessage-deflate; server_no_context_takeover; server_max_window_bits=10",
        accepted.toString());
    assertEquals("Python/3.11 websockets/10.4", hs.userAgent());
    assertEquals("127.0.0.1:47272", hs.host());
    assertTrue(hs.acceptMatches());
  }

  @Test
  void extensionListElementsWithoutAnExtensionTokenAreLeftOut() {
    // Found by HttpHeadParserFuzzTest: an element ";" made offeredExtensions() throw.
    WebSocketHandshake hs =
        handshake(
            "GET / HTTP/1.1\r\n"
                + "Sec-WebSocket-Extensions: ;, permessage-deflate, ; a=1,, x; b\r\n"
                + "\r\n",
            null);

    assertEquals(
        List.of(
            new WebSocketExtension("permessage-deflate", Map.of()),
            new WebSocketExtension("x", Collections.singletonMap("b", null))),
        hs.offeredExtensions());
  }

  @Test
  void repeatedKeyAcceptAndProtocolHeadersAreAnomaliesAndTheLastOneCounts() {
    WebSocketHandshake hs =
        handshake(
            "GET / HTTP/1.1\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "\r\n",
            "HTTP/1.1 101 Switching Protocols\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: HSmrc0sMlYUkAGmm5OPpG2HaGWk=\r\n"
                + "Sec-WebSocket-Accept: wrong\r\n"
                + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                + "Sec-WebSocket-Protocol: chat\r\n"
                + "Sec-WebSocket-Protocol: superchat\r\n"
                + "\r\n");

    assertEquals("dGhlIHNhbXBsZSBub25jZQ==", hs.key());
    assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", hs.accept());
    assertEquals("superchat", hs.acceptedSubprotocol());
    assertTrue(hs.acceptMatches());
    assertEquals(
        List.of(
            new HttpAnomaly("websocket_multiple_key_headers", "count=2"),
            new HttpAnomaly("websocket_multiple_accept_headers", "count=3"),
            new HttpAnomaly("websocket_multiple_protocol_headers", "count=2")),
        hs.anomalies());
  }

  @Test
  void mynicksHandshakeInSamplesChatDeflatePcapNegotiatesPermessageDeflate() {
    // Frames 4 and 6 of samples/chat-deflate.pcap, as sent by python3-websockets 10.4.
    WebSocketHandshake hs =
        handshake(
            "GET / HTTP/1.1\r\n"
                + "Host: 127.0.0.1:47272\r\n"
                + "Origin: http://127.0.0.1:55151\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Key: Y2cqmUswTAZeRGyRv/afVg==\r\n"
                + "Sec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
                + "User-Agent: Python/3.11 websockets/10.4\r\n"
                + "\r\n",
            "HTTP/1.1 101 Switching Protocols\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: ZnToGXq+3RgGH8aEsoejjt8Rjsc=\r\n"
                + "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=12;"
                + " client_max_window_bits=12\r\n"
                + "Date: Wed, 25 Nov 2026 01:13:18 GMT\r\n"
                + "Server: Python/3.11 websockets/10.4\r\n"
                + "\r\n");

    assertTrue(hs.isUpgradeRequest());
    assertTrue(hs.upgraded());
    assertTrue(hs.acceptMatches());
    assertEquals("/", hs.path());
    assertEquals("127.0.0.1:47272", hs.host());
    assertEquals("http://127.0.0.1:55151", hs.origin());
    assertEquals("Python/3.11 websockets/10.4", hs.userAgent());
    assertEquals(List.of(), hs.offeredSubprotocols());
    assertNull(hs.acceptedSubprotocol());
    assertEquals(
        List.of("permessage-deflate; client_max_window_bits"),
        hs.offeredExtensions().stream().map(WebSocketExtension::toString).toList());
    assertEquals(
        List.of("permessage-deflate; server_max_window_bits=12; client_max_window_bits=12"),
        hs.acceptedExtensions().stream().map(WebSocketExtension::toString).toList());
    assertEquals("12", hs.acceptedExtensions().get(0).param("client_max_window_bits"));
    assertEquals(List.of(), hs.anomalies());
  }

  @Test
  void listsSplitAtCommasOutsideQuotedStringsAndDropEmptyElements() {
    assertEquals(List.of("a", "b c", "d"), HttpLists.split(" a ,, b c ,\t,d,"));
    assertEquals(List.of("x; p=\"1,2\"", "y"), HttpLists.split("x; p=\"1,2\", y"));
    assertEquals(List.of(), HttpLists.split(null));
    assertEquals(List.of(), HttpLists.split(" , "));
    assertEquals(Map.of("p", "1,2\"3"), WebSocketExtension.parse("x; p=\"1,2\\\"3\"").params());
  }
}
