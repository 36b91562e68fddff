package io.tapflow.cli.tail;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tapflow.schemas.Anomaly;
import io.tapflow.schemas.ChatEvent;
import io.tapflow.schemas.ChatEventKind;
import io.tapflow.schemas.ConnectionRecord;
import io.tapflow.schemas.Direction;
import io.tapflow.schemas.Opcode;
import io.tapflow.schemas.ValueSerdes;
import io.tapflow.schemas.WebSocketMessage;
import java.time.Instant;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class RecordFilterTest {
  private static final Instant T = Instant.parse("2026-11-25T01:13:15.310626Z");
  private static final String KEY_A = "s1|10.0.0.1:5000|10.0.0.9:80";
  private static final String KEY_B = "s1|10.0.0.2:5001|10.0.0.9:80";

  static ChatEvent chat(String id, Instant t, String nick, String room, String content) {
    return ChatEvent.newBuilder()
        .setConnectionId(id)
        .setTimestamp(t)
        .setDirection(Direction.SERVER_TO_CLIENT)
        .setType("say")
        .setKind(ChatEventKind.MESSAGE)
        .setNick(nick)
        .setRoom(room)
        .setContent(content)
        .setFromClientId(null)
        .setToClientId(null)
        .build();
  }

  static WebSocketMessage message(String id, String client, String server, Instant t, String text) {
    return WebSocketMessage.newBuilder()
        .setConnectionId(id)
        .setSensor("s1")
        .setClient(client)
        .setServer(server)
        .setDirection(Direction.CLIENT_TO_SERVER)
        .setTimestamp(t)
        .setOpcode(text == null ? Opcode.BINARY : Opcode.TEXT)
        .setPayloadLength(text == null ? 0 : text.length())
        .setText(text)
        .setTruncated(false)
        .setCompressed(false)
        .setFragments(1)
        .setMissingBytes(0)
        .setResynchronized(false)
        .build();
  }

  static ConnectionRecord connection(String id, String client, Instant start, Instant end) {
    return ConnectionRecord.newBuilder()
        .setConnectionId(id)
        .setClient(client)
        .setServer("10.0.0.9:80")
        .setSensor("s1")
        .setStartTime(start)
        .setEndTime(end)
        .setCommunityId("1:x")
        .setState("SF")
        .setHistory("ShADadfF")
        .setTcpHandshakeMicros(null)
        .setSynToSynAckMicros(null)
        .setSynAckToAckMicros(null)
        .setSynRetransmissions(0)
        .setSynAckRetransmissions(0)
        .setHttpStatus(101)
        .setUpgradeLatencyMicros(null)
        .setPath("/")
        .setHost(null)
        .setOrigin(null)
        .setUserAgent(null)
        .setSubprotocol(null)
        .setExtensions(null)
        .setClientBytes(1)
        .setServerBytes(2)
        .setClientMessages(3)
        .setServerMessages(4)
        .setClientPackets(5)
        .setServerPackets(6)
        .setRetransmittedPackets(0)
        .setOutOfOrderPackets(0)
        .setDuplicatePackets(0)
        .setMissedBytes(0)
        .setTruncatedBytes(0)
        .setDurationMicros(0)
        .setEndReason("fin")
        .setMidStream(false)
        .setOfferedSubprotocols(null)
        .setOfferedExtensions(null)
        .setClientWebSocket(null)
        .setServerWebSocket(null)
        .setCloseCode(null)
        .setCloseReason(null)
        .setFinal$(true)
        .build();
  }

  static Anomaly anomaly(String client, Instant t) {
    return Anomaly.newBuilder()
        .setConnectionId("Ca")
        .setSensor("s1")
        .setClient(client)
        .setServer("10.0.0.9:80")
        .setTimestamp(t)
        .setCode("tcp_overlap_conflict")
        .setDetail("offset=1 length=2")
        .build();
  }

  private final List<ChatEvent> chats =
      List.of(
          chat("Ca", T.minusNanos(1000), "ayse", "1", "Günaydın!"),
          chat("Ca", T, "mynick", "1", "Merhaba"),
          chat("Cb", T, "ayse", "2", null),
          chat("Cb", T.plusNanos(1000), null, null, "ayse: Merhaba"));

  /** The indexes of the chat events (keys: Ca on KEY_A, Cb on KEY_B) the query selects. */
  private List<Integer> selectedChats(UnaryOperator<TailQuery> query) {
    RecordFilter<ChatEvent> f =
        new RecordFilter<>(
            query.apply(TailQuery.of(TailTopic.CHAT)), new ChatView(ValueSerdes.singleObject()));
    List<Integer> selected = new java.util.ArrayList<>();
    for (int i = 0; i < chats.size(); i++) {
      ChatEvent e = chats.get(i);
      if (f.test(e.getConnectionId().equals("Ca") ? KEY_A : KEY_B, e)) {
        selected.add(i);
      }
    }
    return selected;
  }

  @Test
  void withoutFiltersEverythingIsSelected() {
    assertEquals(List.of(0, 1, 2, 3), selectedChats(q -> q));
  }

  @Test
  void nickAndRoomMustBeEqualAndContainsFindsASubstring() {
    assertEquals(List.of(0, 2), selectedChats(q -> q.with(TailField.NICK, "ayse")));
    assertEquals(List.of(), selectedChats(q -> q.with(TailField.NICK, "Ayse")));
    assertEquals(List.of(), selectedChats(q -> q.with(TailField.NICK, "ays")));
    assertEquals(List.of(2), selectedChats(q -> q.with(TailField.ROOM, "2")));
    assertEquals(List.of(1, 3), selectedChats(q -> q.with(TailField.TEXT, "Merhaba")));
    assertEquals(List.of(), selectedChats(q -> q.with(TailField.TEXT, "merhaba")));
    assertEquals(List.of(0), selectedChats(q -> q.with(TailField.TEXT, "ünay")));
  }

  @Test
  void filtersCombineAsAnd() {
    assertEquals(
        List.of(0), selectedChats(q -> q.with(TailField.NICK, "ayse").with(TailField.ROOM, "1")));
    assertEquals(
        List.of(3), selectedChats(q -> q.withConnection("Cb").with(TailField.TEXT, "Merhaba")));
    assertEquals(
        List.of(), selectedChats(q -> q.with(TailField.NICK, "mynick").with(TailField.ROOM, "2")));
  }

  @Test
  void theConnectionIsMatchedByIdOrKey() {
    assertEquals(List.of(0, 1), selectedChats(q -> q.withConnection("Ca")));
    assertEquals(List.of(2, 3), selectedChats(q -> q.withConnection(KEY_B)));
    assertEquals(
        List.of(2, 3),
        selectedChats(q -> q.withConnection(ConnectionSelector.communityIdOfKey(KEY_B))));
  }

  @Test
  void theTimeRangeIsInclusiveAtBothEndsToTheNanosecond() {
    assertEquals(List.of(1, 2, 3), selectedChats(q -> q.withFrom(T)));
    assertEquals(List.of(3), selectedChats(q -> q.withFrom(T.plusNanos(1))));
    assertEquals(List.of(0, 1, 2), selectedChats(q -> q.withUntil(T)));
    assertEquals(List.of(0), selectedChats(q -> q.withUntil(T.minusNanos(1))));
    assertEquals(List.of(1, 2), selectedChats(q -> q.withFrom(T).withUntil(T)));
  }

  @Test
  void messagesAreFilteredByEndpointsAndText() {
    List<WebSocketMessage> ms =
        List.of(
            message("Ca", "10.0.0.1:5000", "10.0.0.9:80", T, "hello"),
            message("Cb", "10.0.0.2:5001", "10.0.0.9:80", T, "hello again"),
            message("Cb", "10.0.0.2:5001", "10.0.0.9:80", T, null));
    assertEquals(List.of(1, 2), selectedMessages(ms, q -> q.with(TailField.CLIENT, "10.0.0.2")));
    assertEquals(List.of(0), selectedMessages(ms, q -> q.with(TailField.CLIENT, "10.0.0.1:5000")));
    assertEquals(List.of(), selectedMessages(ms, q -> q.with(TailField.CLIENT, "10.0.0.1:5001")));
    assertEquals(
        List.of(0, 1, 2), selectedMessages(ms, q -> q.with(TailField.SERVER, "10.0.0.9:80")));
    assertEquals(List.of(), selectedMessages(ms, q -> q.with(TailField.SERVER, "10.0.0.1")));
    // A binary message has no text: --contains never selects it.
    assertEquals(List.of(0, 1), selectedMessages(ms, q -> q.with(TailField.TEXT, "hello")));
    assertEquals(
        List.of(1),
        selectedMessages(
            ms, q -> q.with(TailField.TEXT, "hello").with(TailField.CLIENT, "10.0.0.2")));
  }

  private static List<Integer> selectedMessages(
      List<WebSocketMessage> ms, UnaryOperator<TailQuery> query) {
    RecordFilter<WebSocketMessage> f =
        new RecordFilter<>(
            query.apply(TailQuery.of(TailTopic.MESSAGES)),
            new MessagesView(ValueSerdes.singleObject()));
    List<Integer> selected = new java.util.ArrayList<>();
    for (int i = 0; i < ms.size(); i++) {
      if (f.test(KEY_A, ms.get(i))) {
        selected.add(i);
      }
    }
    return selected;
  }

  @Test
  void aConnectionRecordIsInTheRangeWhenTheConnectionWasOpenInIt() {
    Instant s = Instant.parse("2026-11-25T01:00:00Z");
    Instant e = Instant.parse("2026-11-25T02:00:00Z");
    ConnectionRecord c = connection("Ca", "10.0.0.1:5000", s, e);
    assertEquals(true, connectionSelected(c, q -> q.withFrom(e).withUntil(e.plusSeconds(60))));
    assertEquals(true, connectionSelected(c, q -> q.withFrom(s.minusSeconds(60)).withUntil(s)));
    assertEquals(
        true, connectionSelected(c, q -> q.withFrom(s.plusSeconds(1)).withUntil(s.plusSeconds(2))));
    assertEquals(false, connectionSelected(c, q -> q.withFrom(e.plusNanos(1))));
    assertEquals(false, connectionSelected(c, q -> q.withUntil(s.minusNanos(1))));
    assertEquals(true, connectionSelected(c, q -> q.with(TailField.CLIENT, "10.0.0.1")));
    assertEquals(false, connectionSelected(c, q -> q.with(TailField.SERVER, "10.0.0.1")));
  }

  private static boolean connectionSelected(ConnectionRecord c, UnaryOperator<TailQuery> query) {
    return new RecordFilter<>(
            query.apply(TailQuery.of(TailTopic.CONNECTIONS)),
            new ConnectionsView(ValueSerdes.singleObject()))
        .test(KEY_A, c);
  }

  @Test
  void anomaliesAreFilteredByEndpointsAndTime() {
    Anomaly a = anomaly("10.0.0.1:5000", T);
    RecordFilter<Anomaly> client =
        new RecordFilter<>(
            TailQuery.of(TailTopic.ANOMALIES).with(TailField.CLIENT, "10.0.0.1:5000"),
            new AnomaliesView(ValueSerdes.singleObject()));
    RecordFilter<Anomaly> later =
        new RecordFilter<>(
            TailQuery.of(TailTopic.ANOMALIES).withFrom(T.plusNanos(1)),
            new AnomaliesView(ValueSerdes.singleObject()));
    assertEquals(true, client.test(KEY_A, a));
    assertEquals(false, client.test(KEY_A, anomaly("10.0.0.1:5001", T)));
    assertEquals(false, later.test(KEY_A, a));
  }
}
