package io.tapflow.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * {@link WebSocketMessageEncoder} and {@link ChatEventEncoder} against Avro's single-object
 * encoder: the same bytes for every record, over edge values of every field and many random
 * records.
 */
class OutputEncodersTest {
  private static final AvroSerde<WebSocketMessage> AVRO_MESSAGES = TapflowSerdes.webSocketMessage();
  private static final AvroSerde<ChatEvent> AVRO_CHAT = TapflowSerdes.chatEvent();
  private static final ValueSerde<WebSocketMessage> MESSAGES =
      ValueSerdes.singleObject().webSocketMessage();
  private static final ValueSerde<ChatEvent> CHAT = ValueSerdes.singleObject().chatEvent();

  @Test
  void manyRandomWebSocketMessagesEncodeAsAvroDoes() {
    AvroRecords random = new AvroRecords(20261202);
    for (int i = 0; i < 20_000; i++) {
      WebSocketMessage m = random.nextWebSocketMessage();
      ByteBuffer payload = m.getPayload();
      int position = payload == null ? -1 : payload.position();
      byte[] avro = AVRO_MESSAGES.encode(m);
      assertArrayEquals(avro, MESSAGES.encode("tapflow.ws.messages", m), "message " + i);
      if (payload != null) {
        assertEquals(position, payload.position(), "the payload's position is left as it was");
      }
      assertEquals(AVRO_MESSAGES.decode(avro), MESSAGES.decode(avro));
    }
  }

  @Test
  void manyRandomChatEventsEncodeAsAvroDoes() {
    AvroRecords random = new AvroRecords(1202);
    for (int i = 0; i < 20_000; i++) {
      ChatEvent e = random.nextChatEvent();
      assertArrayEquals(AVRO_CHAT.encode(e), CHAT.encode("tapflow.chat", e), "event " + i);
    }
  }

  @Test
  void everyEdgeValueOfEveryNumericFieldEncodesAsAvroDoes() {
    int checked = 0;
    for (long v : AvroRecords.LONGS) {
      WebSocketMessage m = message();
      m.setTimestamp(instant(v));
      m.setPayloadLength(v);
      m.setMissingBytes(-v);
      checked += check(m);
      ChatEvent e = AvroRecords.chatEvent();
      e.setTimestamp(instant(v));
      checked += check(e);
    }
    for (int v : AvroRecords.INTS) {
      WebSocketMessage m = message();
      m.setCloseCode(v);
      m.setFragments(v);
      checked += check(m);
    }
    assertEquals(AvroRecords.LONGS.length * 2 + AvroRecords.INTS.length, checked);
  }

  @Test
  void everyStringEncodesAsAvroDoesInEveryStringField() {
    int checked = 0;
    for (String s : AvroRecords.STRINGS) {
      checked +=
          check(
              WebSocketMessage.newBuilder(message())
                  .setConnectionId(s)
                  .setSensor(s)
                  .setClient(s)
                  .setServer(s)
                  .setText(s)
                  .setCloseReason(s)
                  .build());
      checked +=
          check(
              ChatEvent.newBuilder(AvroRecords.chatEvent())
                  .setConnectionId(s)
                  .setType(s)
                  .setNick(s)
                  .setRoom(s)
                  .setContent(s)
                  .setFromClientId(s)
                  .setToClientId(s)
                  .build());
    }
    assertEquals(AvroRecords.STRINGS.length * 2, checked);
  }

  @Test
  void everyUnionEncodesAsAvroDoesWithNullAndWithAValue() {
    WebSocketMessage empty = message();
    empty.setText(null);
    empty.setPayload(null);
    empty.setCloseCode(null);
    empty.setCloseReason(null);
    check(empty);
    WebSocketMessage full = message();
    full.setText("");
    full.setPayload(ByteBuffer.allocate(0));
    full.setCloseCode(0);
    full.setCloseReason("");
    check(full);
    ChatEvent event = AvroRecords.chatEvent();
    check(event);
    ChatEvent all =
        ChatEvent.newBuilder(event)
            .setNick("")
            .setRoom("1")
            .setContent("")
            .setFromClientId("7f000001")
            .setToClientId("all")
            .build();
    check(all);
  }

  @Test
  void aKnownMessageEncodesToItsExactBytes() {
    WebSocketMessage m = message();
    String hex = HexFormat.of().formatHex(MESSAGES.encode("t", m));
    // header, "C1", "s", "1.2.3.4:5", "6.7.8.9:80", SERVER_TO_CLIENT, 1 s 5 ns, TEXT, 2, "hi",
    // null, false, null, null, true, 1, 0, false
    assertEquals(
        HexFormat.of().formatHex(WireFormat.singleObjectHeader(WebSocketMessage.getClassSchema()))
            + "044331"
            + "0273"
            + "12312e322e332e343a35"
            + "14362e372e382e393a3830"
            + "02"
            + "8aa8d6b907"
            + "00"
            + "04"
            + "02046869"
            + "00"
            + "00"
            + "00"
            + "00"
            + "01"
            + "02"
            + "00"
            + "00",
        hex);
  }

  @Test
  void aPayloadSharingItsArrayIsWrittenFromItsPositionToItsLimit() {
    byte[] array = "0123456789".getBytes(StandardCharsets.US_ASCII);
    WebSocketMessage m = message();
    m.setOpcode(Opcode.BINARY);
    m.setText(null);
    m.setPayload(ByteBuffer.wrap(array, 2, 5).slice().position(1));
    byte[] ours = MESSAGES.encode("t", m);
    assertArrayEquals(AVRO_MESSAGES.encode(m), ours);
    assertEquals(
        ByteBuffer.wrap("3456".getBytes(StandardCharsets.US_ASCII)),
        AVRO_MESSAGES.decode(ours).getPayload());
    assertEquals(1, m.getPayload().position());
    ByteBuffer direct = ByteBuffer.allocateDirect(4).put(new byte[] {9, 8, 7, 6}).flip();
    m.setPayload(direct);
    assertArrayEquals(AVRO_MESSAGES.encode(m), MESSAGES.encode("t", m));
    assertEquals(0, direct.position());
  }

  @Test
  void aNullInAFieldThatIsNotAUnionThrowsNullPointerExceptionAsAvroDoes() {
    WebSocketMessage m = message();
    m.setServer(null);
    assertThrows(NullPointerException.class, () -> AVRO_MESSAGES.encode(m));
    NullPointerException e =
        assertThrows(NullPointerException.class, () -> MESSAGES.encode("t", m));
    assertEquals("null value for WebSocketMessage.server", e.getMessage());
    ChatEvent c = AvroRecords.chatEvent();
    c.put("timestamp", null); // the setter refuses null
    assertThrows(NullPointerException.class, () -> AVRO_CHAT.encode(c));
    assertEquals(
        "null value for ChatEvent.timestamp",
        assertThrows(NullPointerException.class, () -> CHAT.encode("t", c)).getMessage());
  }

  @Test
  void anInstantBeyondTheNanosecondsALongHoldsThrowsAsAvrosConversionDoes() {
    WebSocketMessage m = message();
    m.setTimestamp(Instant.ofEpochSecond(10_000_000_000L));
    assertThrows(ArithmeticException.class, () -> AVRO_MESSAGES.encode(m));
    assertThrows(ArithmeticException.class, () -> MESSAGES.encode("t", m));
  }

  private static int check(WebSocketMessage m) {
    assertArrayEquals(AVRO_MESSAGES.encode(m), MESSAGES.encode("t", m), m::toString);
    return 1;
  }

  private static int check(ChatEvent e) {
    assertArrayEquals(AVRO_CHAT.encode(e), CHAT.encode("t", e), e::toString);
    return 1;
  }

  private static Instant instant(long nanos) {
    return Instant.ofEpochSecond(
        Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
  }

  private static WebSocketMessage message() {
    return WebSocketMessage.newBuilder()
        .setConnectionId("C1")
        .setSensor("s")
        .setClient("1.2.3.4:5")
        .setServer("6.7.8.9:80")
        .setDirection(Direction.SERVER_TO_CLIENT)
        .setTimestamp(Instant.ofEpochSecond(1, 5))
        .setOpcode(Opcode.TEXT)
        .setPayloadLength(2)
        .setText("hi")
        .setCompressed(true)
        .build();
  }
}
