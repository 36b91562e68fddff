package io.tapflow.sensor.redact;

import static io.tapflow.sensor.redact.WebSocketConversation.ACK;
import static io.tapflow.sensor.redact.WebSocketConversation.FIN;
import static io.tapflow.sensor.redact.WebSocketConversation.MASK;
import static io.tapflow.sensor.redact.WebSocketConversation.REQUEST;
import static io.tapflow.sensor.redact.WebSocketConversation.RESPONSE;
import static io.tapflow.sensor.redact.WebSocketConversation.RESPONSE_DEFLATE;
import static io.tapflow.sensor.redact.WebSocketConversation.RST;
import static io.tapflow.sensor.redact.WebSocketConversation.ascii;
import static io.tapflow.sensor.redact.WebSocketConversation.concat;
import static io.tapflow.sensor.redact.WebSocketConversation.frame;
import static io.tapflow.sensor.redact.WebSocketConversation.text;
import static io.tapflow.sensor.redact.WebSocketConversation.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tapflow.sensor.decode.TcpSegment;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class PayloadRedactorTest {
  private static final String SAY =
      "{\"type\":\"say\",\"content\":\"secret words\",\"room\":\"1\"}";
  private static final String SAY_REDACTED =
      "{\"type\":\"say\",\"content\":\"************\",\"room\":\"1\"}";
  private static final String ECHO =
      "{\"type\":\"say\",\"from_client_name\":\"ay\\u015fe\",\"con\\u0074ent\":\"G\\u00fcnayd"
          + "\\u0131n! \\\"\\u00c7ay\\\" \\\\ i\\u00e7elim \\ud83d\\ude00\",\"time\":12.5}";
  private static final String ECHO_REDACTED =
      "{\"type\":\"say\",\"from_client_name\":\"ay\\u015fe\",\"con\\u0074ent\":\""
          + "*".repeat(60)
          + "\",\"time\":12.5}";

  private final PayloadRedactor redactor =
      new PayloadRedactor(new RedactedFields(List.of("content", "msg")));
  private final WebSocketConversation c = new WebSocketConversation();

  /** SYN, SYN-ACK, the Upgrade request and the 101 {@code response}, each let through. */
  private void handshake(String response) {
    pass(c.clientSyn());
    pass(c.serverSynAck());
    assertArrayEquals(ascii(REQUEST), pass(c.client(ascii(REQUEST))));
    assertArrayEquals(ascii(response), pass(c.server(ascii(response))));
  }

  /** Asserts {@code s} is let through; returns its payload as rewritten. */
  private byte[] pass(TcpSegment s) {
    assertNull(redactor.redact(s), s.toString());
    return s.payload();
  }

  private void withheld(WithheldReason reason, TcpSegment s) {
    assertEquals(reason, redactor.redact(s), s.toString());
  }

  @Test
  void aMaskedClientMessageHasTheContentValueStarredAndEveryOtherByteKept() {
    handshake(RESPONSE);
    byte[] out = pass(c.client(text(MASK, SAY)));
    assertArrayEquals(text(MASK, SAY_REDACTED), out);
    assertEquals(1, redactor.redactedValues(0));
    assertEquals(0, redactor.redactedValues(1));
  }

  @Test
  void anUnmaskedServerMessageWithEscapedNameAndValueIsStarredByteForByte() {
    handshake(RESPONSE);
    assertEquals(
        60, "G\\u00fcnayd\\u0131n! \\\"\\u00c7ay\\\" \\\\ i\\u00e7elim \\ud83d\\ude00".length());
    assertArrayEquals(text(null, ECHO_REDACTED), pass(c.server(text(null, ECHO))));
  }

  @Test
  void theClientStreamSplitAtEveryByteGivesTheSameBytesAsFedWhole() {
    byte[] stream =
        concat(
            text(MASK, SAY),
            frame(0x89, MASK, utf8("ping")),
            text(MASK, "{\"msg\":-12.5e3,\"content\":[\"ğü\",{\"a\":true}]}"),
            text(MASK, "  [1, {\"content\" : \"x\"}]  "));
    byte[] expected =
        concat(
            text(MASK, SAY_REDACTED),
            frame(0x89, MASK, utf8("ping")),
            text(MASK, "{\"msg\":0      ,\"content\":[\"****\",{\"a\":true}]}"),
            text(MASK, "  [1, {\"content\" : \"*\"}]  "));
    for (int k = 1; k < stream.length; k++) {
      PayloadRedactor r = new PayloadRedactor(new RedactedFields(List.of("content", "msg")));
      WebSocketConversation w = new WebSocketConversation();
      r.redact(w.clientSyn());
      r.redact(w.serverSynAck());
      r.redact(w.client(ascii(REQUEST)));
      r.redact(w.server(ascii(RESPONSE)));
      TcpSegment first = w.client(Arrays.copyOfRange(stream, 0, k));
      TcpSegment second = w.client(Arrays.copyOfRange(stream, k, stream.length));
      assertNull(r.redact(first), "split at " + k);
      assertNull(r.redact(second), "split at " + k);
      assertArrayEquals(expected, concat(first.payload(), second.payload()), "split at " + k);
    }
    // And one byte a segment.
    handshake(RESPONSE);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte b : stream) {
      out.writeBytes(pass(c.client(new byte[] {b})));
    }
    assertArrayEquals(expected, out.toByteArray());
  }

  @Test
  void theServerStreamWithItsHeadSplitAtEveryByteGivesTheSameBytes() {
    byte[] stream = concat(ascii(RESPONSE), text(null, ECHO), text(null, SAY));
    byte[] expected = concat(ascii(RESPONSE), text(null, ECHO_REDACTED), text(null, SAY_REDACTED));
    for (int k = 1; k < stream.length; k++) {
      PayloadRedactor r = new PayloadRedactor(new RedactedFields(List.of("content")));
      WebSocketConversation w = new WebSocketConversation();
      r.redact(w.clientSyn());
      r.redact(w.serverSynAck());
      r.redact(w.client(ascii(REQUEST)));
      TcpSegment first = w.server(Arrays.copyOfRange(stream, 0, k));
      TcpSegment second = w.server(Arrays.copyOfRange(stream, k, stream.length));
      assertNull(r.redact(first), "split at " + k);
      assertNull(r.redact(second), "split at " + k);
      assertArrayEquals(expected, concat(first.payload(), second.payload()), "split at " + k);
    }
  }

  @Test
  void aFragmentedMessageWithControlFramesBetweenItsFramesIsRedactedAcrossThem() {
    handshake(RESPONSE);
    byte[] in =
        concat(
            frame(0x01, MASK, utf8("{\"type\":\"say\",\"con")),
            frame(0x89, MASK, utf8("{\"content\":\"ping\"}")),
            frame(0x00, MASK, utf8("tent\":\"sec")),
            frame(0x8A, MASK, utf8("")),
            frame(0x80, MASK, utf8("ret\"}")));
    byte[] expected =
        concat(
            frame(0x01, MASK, utf8("{\"type\":\"say\",\"con")),
            frame(0x89, MASK, utf8("{\"content\":\"ping\"}")),
            frame(0x00, MASK, utf8("tent\":\"***")),
            frame(0x8A, MASK, utf8("")),
            frame(0x80, MASK, utf8("***\"}")));
    assertArrayEquals(expected, pass(c.client(in)));
    assertEquals(1, redactor.redactedValues(0));
  }

  @Test
  void sixteenAndSixtyFourBitLengthsAreFollowedOverManySegments() {
    handshake(RESPONSE);
    String medium = "{\"content\":\"" + "m".repeat(300) + "\",\"k\":\"v\"}";
    String large = "{\"msg\":\"" + "L".repeat(70_000) + "\",\"content\":\"c\"}";
    byte[] in = concat(text(MASK, medium), text(MASK, large), text(MASK, SAY));
    assertEquals(0x7E, in[1] & 0x7F);
    assertEquals(0x7F, in[2 + 2 + 4 + medium.length() + 1] & 0x7F);
    byte[] expected =
        concat(
            text(MASK, medium.replace("m", "*")),
            text(MASK, "{\"msg\":\"" + "*".repeat(70_000) + "\",\"content\":\"*\"}"),
            text(MASK, SAY_REDACTED));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < in.length; i += 1448) {
      out.writeBytes(pass(c.client(Arrays.copyOfRange(in, i, Math.min(in.length, i + 1448)))));
    }
    assertArrayEquals(expected, out.toByteArray());
  }

  @Test
  void binaryMessagesAndControlFramesPassUnchanged() {
    handshake(RESPONSE);
    byte[] in =
        concat(
            frame(0x82, MASK, utf8(SAY)),
            frame(0x02, MASK, utf8("{\"content\":")),
            frame(0x89, MASK, utf8("{\"content\":1}")),
            frame(0x80, MASK, utf8("\"x\"}")),
            frame(
                0x88, MASK, concat(new byte[] {0x03, (byte) 0xe8}, utf8("{\"content\":\"bye\"}"))));
    assertArrayEquals(in, pass(c.client(in.clone())));
    assertEquals(0, redactor.redactedValues(0));
  }

  @Test
  void compressedMessagesAreWithheldAndTheUncompressedOnesAfterThemRedacted() {
    handshake(RESPONSE_DEFLATE);
    byte[] compressed = frame(0xC1, MASK, new byte[] {(byte) 0xf2, 0x48, 0x05, 0x00});
    withheld(WithheldReason.COMPRESSED, c.client(compressed));
    // A compressed message in two frames: both withheld; a ping after them passes.
    withheld(WithheldReason.COMPRESSED, c.client(frame(0x41, MASK, new byte[] {1, 2, 3})));
    withheld(WithheldReason.COMPRESSED, c.client(frame(0x80, MASK, new byte[] {4, 5})));
    pass(c.client(frame(0x89, MASK, new byte[0])));
    // A compressed binary message is withheld too, and server messages alike.
    withheld(WithheldReason.COMPRESSED, c.server(frame(0xC2, null, new byte[] {1})));
    assertArrayEquals(text(MASK, SAY_REDACTED), pass(c.client(text(MASK, SAY))));
    assertArrayEquals(text(null, SAY_REDACTED), pass(c.server(text(null, SAY))));
  }

  @Test
  void rsv1WithoutPermessageDeflateIsABadFrameAndLosesTheDirection() {
    handshake(RESPONSE);
    withheld(WithheldReason.BAD_FRAME, c.client(frame(0xC1, MASK, new byte[] {1})));
    withheld(WithheldReason.BAD_FRAME, c.client(text(MASK, SAY)));
    assertArrayEquals(text(null, SAY_REDACTED), pass(c.server(text(null, SAY))));
  }

  @Test
  void reservedOpcodesAndBadControlFramesAreBadFrames() {
    for (byte[] bad :
        List.of(
            frame(0x83, MASK, new byte[] {1}),
            frame(0x09, MASK, new byte[] {1}),
            frame(0x89, MASK, new byte[126]),
            frame(0x80, MASK, new byte[] {1}),
            concat(frame(0x01, MASK, utf8("{")), text(MASK, "}")))) {
      PayloadRedactor r = new PayloadRedactor(new RedactedFields(List.of("content")));
      WebSocketConversation w = new WebSocketConversation();
      r.redact(w.clientSyn());
      r.redact(w.serverSynAck());
      r.redact(w.client(ascii(REQUEST)));
      r.redact(w.server(ascii(RESPONSE)));
      assertEquals(WithheldReason.BAD_FRAME, r.redact(w.client(bad)));
    }
  }

  @Test
  void aSegmentAfterAGapIsWithheldAndSoIsTheRestOfThatDirection() {
    handshake(RESPONSE);
    TcpSegment lost = c.client(text(MASK, SAY));
    withheld(WithheldReason.GAP, c.client(text(MASK, SAY)));
    withheld(WithheldReason.GAP, lost); // it comes late: the direction is given up already
    withheld(WithheldReason.GAP, c.client(text(MASK, SAY)));
    // The other direction is still followed.
    assertArrayEquals(text(null, SAY_REDACTED), pass(c.server(text(null, SAY))));
  }

  @Test
  void segmentsOutOfOrderAreWithheld() {
    handshake(RESPONSE);
    byte[] in = text(MASK, SAY);
    TcpSegment first = c.client(Arrays.copyOfRange(in, 0, 10));
    TcpSegment second = c.client(Arrays.copyOfRange(in, 10, in.length));
    withheld(WithheldReason.GAP, second);
    withheld(WithheldReason.GAP, first);
  }

  @Test
  void aSegmentCutByTheSnaplenPassesRedactedAndTheRestOfTheDirectionIsWithheld() {
    handshake(RESPONSE);
    byte[] in = concat(text(MASK, SAY), text(MASK, SAY));
    TcpSegment cut = c.clientTruncated(in, in.length / 2 + 3);
    assertNull(redactor.redact(cut));
    assertArrayEquals(
        Arrays.copyOf(
            concat(text(MASK, SAY_REDACTED), text(MASK, SAY_REDACTED)), in.length / 2 + 3),
        cut.payload());
    withheld(WithheldReason.GAP, c.client(text(MASK, SAY)));
  }

  @Test
  void retransmittedBytesBeforeTheLastSegmentAreWithheldAndTheStreamStaysFollowed() {
    handshake(RESPONSE);
    byte[] in = text(MASK, SAY);
    long start = c.clientNext();
    pass(c.client(Arrays.copyOfRange(in, 0, 20)));
    pass(c.client(Arrays.copyOfRange(in, 20, 40)));
    // The first 20 bytes again, 30 old ones, then 20 of which 10 are new.
    withheld(
        WithheldReason.RETRANSMISSION, c.segment(true, start, ACK, Arrays.copyOfRange(in, 0, 20)));
    withheld(
        WithheldReason.RETRANSMISSION,
        c.segment(true, start + 10, ACK, Arrays.copyOfRange(in, 10, 40)));
    withheld(
        WithheldReason.RETRANSMISSION,
        c.segment(true, start + 30, ACK, Arrays.copyOfRange(in, 30, 50)));
    TcpSegment rest = c.segment(true, start + 50, ACK, Arrays.copyOfRange(in, 50, in.length));
    assertArrayEquals(Arrays.copyOfRange(text(MASK, SAY_REDACTED), 50, in.length), pass(rest));
  }

  @Test
  void aRepeatOfTheLastSegmentIsRedactedAgainFromTheStateBeforeIt() {
    handshake(RESPONSE);
    String other = SAY.replace("secret", "SECRET");
    byte[] in = concat(text(MASK, SAY), text(MASK, SAY));
    byte[] expected = concat(text(MASK, SAY_REDACTED), text(MASK, SAY_REDACTED));
    long start = c.clientNext();
    assertArrayEquals(Arrays.copyOf(expected, 40), pass(c.client(Arrays.copyOfRange(in, 0, 40))));
    // The same packet again (retransmitted, or captured twice), and a shorter repeat.
    assertArrayEquals(
        Arrays.copyOf(expected, 40),
        pass(c.segment(true, start, ACK, Arrays.copyOfRange(in, 0, 40))));
    assertArrayEquals(
        Arrays.copyOf(expected, 25),
        pass(c.segment(true, start, ACK, Arrays.copyOfRange(in, 0, 25))));
    // The stream goes on where the first copy left it.
    byte[] rest = Arrays.copyOfRange(in, 40, in.length);
    assertArrayEquals(Arrays.copyOfRange(expected, 40, in.length), pass(c.client(rest.clone())));
    assertEquals(2, redactor.redactedValues(0));
    // A repeat of it is redacted again, not counted again; one with other bytes in the values
    // is redacted as its own bytes.
    assertArrayEquals(
        Arrays.copyOfRange(expected, 40, in.length),
        pass(c.segment(true, start + 40, ACK, rest.clone())));
    assertEquals(0, redactor.redactedValues(0));
    byte[] changed = Arrays.copyOfRange(concat(text(MASK, SAY), text(MASK, other)), 40, in.length);
    assertArrayEquals(
        Arrays.copyOfRange(expected, 40, in.length),
        pass(c.segment(true, start + 40, ACK, changed)));
    // An older segment is not the last: withheld.
    withheld(
        WithheldReason.RETRANSMISSION, c.segment(true, start, ACK, Arrays.copyOfRange(in, 0, 40)));
    assertArrayEquals(text(MASK, SAY_REDACTED), pass(c.client(text(MASK, SAY))));
  }

  @Test
  void textThatIsNotJsonIsWithheldToItsEndAndTheNextMessageIsRedacted() {
    handshake(RESPONSE);
    byte[] notJson = frame(0x01, MASK, utf8("hello content: secret"));
    withheld(WithheldReason.UNPARSEABLE, c.client(notJson));
    withheld(WithheldReason.UNPARSEABLE, c.client(frame(0x80, MASK, utf8("more secret"))));
    // A message cut short by its last frame: withheld where it ends.
    pass(c.client(frame(0x01, MASK, utf8("{\"content\":\"abc"))));
    withheld(WithheldReason.UNPARSEABLE, c.client(frame(0x80, MASK, utf8(""))));
    assertArrayEquals(text(MASK, SAY_REDACTED), pass(c.client(text(MASK, SAY))));
    String deep = "[".repeat(65) + "]".repeat(65);
    withheld(WithheldReason.UNPARSEABLE, c.client(text(MASK, deep)));
    assertArrayEquals(text(MASK, SAY_REDACTED), pass(c.client(text(MASK, SAY))));
  }

  @Test
  void aConnectionJoinedMidStreamIsWithheldWholeAndKeepsNoState() {
    withheld(WithheldReason.MID_STREAM, c.client(text(MASK, SAY)));
    withheld(WithheldReason.MID_STREAM, c.server(text(null, SAY)));
    assertEquals(0, redactor.connections());
    // A segment without payload needs no decision.
    assertNull(redactor.redact(c.segment(true, c.clientNext(), ACK, new byte[0])));
  }

  @Test
  void aHeadOverSixteenKibibytesOrNotHttpIsABadHead() {
    pass(c.clientSyn());
    pass(c.serverSynAck());
    String head = "GET / HTTP/1.1\r\nCookie: " + "x".repeat(16 * 1024) + "\r\n\r\n";
    byte[] bytes = ascii(head);
    pass(c.client(Arrays.copyOf(bytes, 16 * 1024)));
    withheld(WithheldReason.BAD_HEAD, c.client(Arrays.copyOfRange(bytes, 16 * 1024, bytes.length)));
    withheld(WithheldReason.BAD_HEAD, c.client(text(MASK, SAY)));

    WebSocketConversation raw = new WebSocketConversation(40_001);
    pass(raw.clientSyn());
    pass(raw.serverSynAck());
    withheld(WithheldReason.BAD_HEAD, raw.client(utf8(SAY + "\r\n\r\n")));
  }

  @Test
  void anExchangeThatDoesNotUpgradeIsWithheldAfterItsHeads() {
    pass(c.clientSyn());
    pass(c.serverSynAck());
    pass(c.client(ascii("POST /say HTTP/1.1\r\nHost: a\r\nContent-Length: 51\r\n\r\n")));
    withheld(WithheldReason.NOT_WEBSOCKET, c.client(utf8(SAY)));
    byte[] response = ascii("HTTP/1.1 200 OK\r\nContent-Length: 51\r\n\r\n" + SAY);
    withheld(WithheldReason.NOT_WEBSOCKET, c.server(response));
  }

  @Test
  void clientBytesBeforeTheServers101AreWithheld() {
    pass(c.clientSyn());
    pass(c.serverSynAck());
    pass(c.client(ascii(REQUEST)));
    withheld(WithheldReason.NOT_WEBSOCKET, c.client(text(MASK, SAY)));
    pass(c.server(ascii(RESPONSE)));
    withheld(WithheldReason.NOT_WEBSOCKET, c.client(text(MASK, SAY)));
  }

  @Test
  void anExtensionOtherThanPermessageDeflateIsWithheldBothWays() {
    pass(c.clientSyn());
    pass(c.serverSynAck());
    pass(c.client(ascii(REQUEST)));
    String response =
        RESPONSE.replace(
            "\r\n\r\n", "\r\nSec-WebSocket-Extensions: permessage-deflate, x-webkit\r\n\r\n");
    assertArrayEquals(ascii(response), pass(c.server(ascii(response)))); // a head passes
    withheld(WithheldReason.UNKNOWN_EXTENSION, c.server(text(null, SAY)));
    withheld(WithheldReason.UNKNOWN_EXTENSION, c.client(text(MASK, SAY)));
  }

  @Test
  void theLeastRecentlyActiveConnectionIsForgottenAndComesBackMidStream() {
    PayloadRedactor small = new PayloadRedactor(new RedactedFields(List.of("content")), 1);
    small.redact(c.clientSyn());
    small.redact(c.serverSynAck());
    assertNull(small.redact(c.client(ascii(REQUEST))));
    WebSocketConversation other = new WebSocketConversation(40_002);
    small.redact(other.clientSyn());
    assertEquals(1, small.connections());
    assertEquals(WithheldReason.MID_STREAM, small.redact(c.server(ascii(RESPONSE))));
  }

  @Test
  void rstOrBothFinsForgetTheConnection() {
    handshake(RESPONSE);
    assertEquals(1, redactor.connections());
    redactor.redact(c.segment(true, c.clientNext(), FIN | ACK, new byte[0]));
    assertEquals(1, redactor.connections());
    redactor.redact(c.segment(false, c.serverNext(), FIN | ACK, new byte[0]));
    assertEquals(0, redactor.connections());

    WebSocketConversation other = new WebSocketConversation(40_003);
    redactor.redact(other.clientSyn());
    assertEquals(1, redactor.connections());
    redactor.redact(other.segment(false, 5, RST, new byte[0]));
    assertEquals(0, redactor.connections());
  }

  @Test
  void aRedactedConversationParsesAsJsonWithEveryContentStringStars() throws Exception {
    handshake(RESPONSE);
    ObjectMapper jackson = new ObjectMapper();
    byte[] server = pass(c.server(text(null, ECHO)));
    byte[] client = pass(c.client(text(MASK, SAY)));
    JsonNode echo =
        jackson.readTree(new String(server, 4, server.length - 4, StandardCharsets.UTF_8));
    assertEquals("*".repeat(60), echo.get("content").asText());
    assertEquals("ayşe", echo.get("from_client_name").asText());
    assertEquals(12.5, echo.get("time").asDouble());
    byte[] unmasked = new byte[client.length - 6];
    for (int i = 0; i < unmasked.length; i++) {
      unmasked[i] = (byte) (client[6 + i] ^ MASK[i & 3]);
    }
    JsonNode say = jackson.readTree(unmasked);
    assertEquals("************", say.get("content").asText());
    assertEquals("say", say.get("type").asText());
    assertEquals("1", say.get("room").asText());
  }
}
