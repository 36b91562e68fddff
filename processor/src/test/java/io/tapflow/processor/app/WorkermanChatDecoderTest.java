package io.tapflow.processor.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tapflow.processor.app.AppEvent.Kind;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkermanChatDecoderTest {

  static final boolean CLIENT = true;
  static final boolean SERVER = false;
  static final String ID = "7f0000010b5700000001";

  final WorkermanChatDecoder decoder = new WorkermanChatDecoder();

  List<AppEvent> client(String text) {
    return decoder.decode(CLIENT, text);
  }

  List<AppEvent> server(String text) {
    return decoder.decode(SERVER, text);
  }

  @Test
  void theProtocolIsNamedWorkermanChat() {
    assertEquals("workerman-chat", decoder.protocol());
  }

  @Test
  void aClientLoginGivesNickAndRoom() {
    assertEquals(
        List.of(new AppEvent("login", "mynick", "1", null, null, null, Kind.PRESENCE)),
        client("{\"type\":\"login\",\"client_name\":\"mynick\",\"room_id\":\"1\"}"));
  }

  @Test
  void aClientSayGivesContentAndAddresseeButNoNick() {
    assertEquals(
        List.of(new AppEvent("say", null, null, "Merhaba, herkes!", null, "all", Kind.MESSAGE)),
        client(
            "{\"type\":\"say\",\"to_client_id\":\"all\",\"to_client_name\":\"所有人\","
                + "\"content\":\"Merhaba, herkes!\"}"));
  }

  @Test
  void pingAndPongAreHeartbeats() {
    List<AppEvent> pong = client("{\"type\":\"pong\"}");
    List<AppEvent> ping = server("{\"type\":\"ping\"}");

    assertEquals(List.of(new AppEvent("pong", null, null, null, null, null, Kind.HEARTBEAT)), pong);
    assertEquals(List.of(new AppEvent("ping", null, null, null, null, null, Kind.HEARTBEAT)), ping);
    assertTrue(ping.get(0).isHeartbeat());
  }

  @Test
  void aServerLoginTakesTheNickFromClientNameAndTheIdFromClientId() {
    List<AppEvent> events =
        server(
            "{\"type\":\"login\",\"client_id\":\""
                + ID
                + "\",\"client_name\":\"mynick\",\"time\":\"2024-01-01 10:00:00\","
                + "\"client_list\":{\""
                + ID
                + "\":\"mynick\"}}");

    assertEquals(
        List.of(new AppEvent("login", "mynick", null, null, ID, null, Kind.PRESENCE)), events);
    assertFalse(events.get(0).isHeartbeat());
  }

  @Test
  void aServerSayTakesTheNickFromFromClientName() {
    assertEquals(
        List.of(new AppEvent("say", "mynick", null, "Merhaba, herkes!", ID, "all", Kind.MESSAGE)),
        server(
            "{\"type\":\"say\",\"from_client_id\":\""
                + ID
                + "\",\"from_client_name\":\"mynick\",\"to_client_id\":\"all\","
                + "\"content\":\"Merhaba, herkes!\",\"time\":\"2024-01-01 10:00:01\"}"));
  }

  @Test
  void aServerLogoutNamesWhoLeft() {
    assertEquals(
        List.of(
            new AppEvent(
                "logout", "ayse", null, null, "7f000001b8a800000002", null, Kind.PRESENCE)),
        server(
            "{\"type\":\"logout\",\"from_client_id\":\"7f000001b8a800000002\","
                + "\"from_client_name\":\"ayse\",\"time\":\"2024-01-01 10:00:02\"}"));
  }

  @Test
  void aServerErrorCarriesItsMsgAsContent() {
    assertEquals(
        List.of(new AppEvent("error", null, null, "同一个聊天室昵称不能重复", null, null, Kind.ERROR)),
        server(
            "{\"type\":\"error\",\"code\":101,\"msg\":\"\\u540c\\u4e00\\u4e2a\\u804a\\u5929"
                + "\\u5ba4\\u6635\\u79f0\\u4e0d\\u80fd\\u91cd\\u590d\"}"));
  }

  @Test
  void anUnknownTypeIsStillAnEventOfKindOther() {
    assertEquals(
        List.of(new AppEvent("typing", "ayse", "2", null, null, null, Kind.OTHER)),
        client("{\"type\":\"typing\",\"client_name\":\"ayse\",\"room_id\":\"2\"}"));
    assertEquals(
        List.of(new AppEvent("Say", null, null, "x", null, null, Kind.OTHER)),
        client("{\"type\":\"Say\",\"content\":\"x\"}"));
  }

  @Test
  void turkishContentSurvivesRawOrEscapedAsPhpJsonEncodeSendsIt() {
    String turkish = "Günaydın! Çay içelim mi? ğüşiöç ĞÜŞİÖÇ";

    List<AppEvent> raw =
        client("{\"type\":\"say\",\"to_client_id\":\"all\",\"content\":\"" + turkish + "\"}");
    List<AppEvent> escaped =
        server(
            "{\"type\":\"say\",\"from_client_id\":\"7f000001b8a800000002\","
                + "\"from_client_name\":\"ay\\u015fe\",\"to_client_id\":\"all\",\"content\":"
                + "\"G\\u00fcnayd\\u0131n! \\u00c7ay i\\u00e7elim mi? "
                + "\\u011f\\u00fc\\u015fi\\u00f6\\u00e7 \\u011e\\u00dc\\u015e\\u0130\\u00d6\\u00c7\"}");

    assertEquals(turkish, raw.get(0).content());
    assertEquals(turkish, escaped.get(0).content());
    assertEquals("ayşe", escaped.get(0).nick());
    assertEquals(38, turkish.length());
    assertEquals(53, turkish.getBytes(StandardCharsets.UTF_8).length);
  }

  @Test
  void missingFieldsAreNullAndNonStringScalarsAreTakenAsTheirJsonText() {
    assertEquals(
        List.of(new AppEvent("say", null, null, null, null, null, Kind.MESSAGE)),
        client("{\"type\":\"say\"}"));
    assertEquals(
        List.of(new AppEvent("login", "7", "1", null, null, null, Kind.PRESENCE)),
        client("{\"type\":\"login\",\"client_name\":7,\"room_id\":1}"));
    assertEquals(
        List.of(new AppEvent("say", null, null, "true", null, "12.5", Kind.MESSAGE)),
        client("{\"type\":\"say\",\"content\":true,\"to_client_id\":12.5}"));
    assertEquals(
        List.of(new AppEvent("say", null, null, null, null, null, Kind.MESSAGE)),
        client("{\"type\":\"say\",\"content\":{\"a\":1},\"to_client_id\":[1],\"room_id\":null}"));
  }

  @Test
  void fromClientIdFallsBackToClientIdAndNickFallsBackToClientNameOnlyFromTheServer() {
    String message =
        "{\"type\":\"say\",\"client_id\":\"c\",\"client_name\":\"n\","
            + "\"from_client_id\":\"f\",\"from_client_name\":\"fn\"}";

    assertEquals(
        List.of(new AppEvent("say", "fn", null, null, "f", null, Kind.MESSAGE)), server(message));
    assertEquals(
        List.of(new AppEvent("say", "n", null, null, "f", null, Kind.MESSAGE)), client(message));
  }

  @Test
  void whitespaceAroundTheObjectIsAllowed() {
    assertEquals(
        List.of(new AppEvent("ping", null, null, null, null, null, Kind.HEARTBEAT)),
        server(" \n{\"type\" : \"ping\"}\r\n "));
  }

  record Message(boolean fromClient, String text) {}

  static Message message(boolean fromClient, String text) {
    return new Message(fromClient, text);
  }

  @Test
  void theThirteenTextMessagesOfSamplesChatPcapDecodeToTheseEvents() {
    // What tshark shows for samples/chat.pcap (samples/README.md), in capture order.
    List<Message> messages =
        List.of(
            message(CLIENT, "{\"type\":\"login\",\"client_name\":\"mynick\",\"room_id\":\"1\"}"),
            message(
                SERVER,
                "{\"type\":\"login\",\"client_id\":\"7f000001b8a800000001\",\"client_name\":\"mynick\",\"time\":\"2024-01-01 10:00:00\",\"client_list\":{\"7f000001b8a800000001\":\"mynick\"}}"),
            message(
                CLIENT,
                "{\"type\":\"say\",\"to_client_id\":\"all\",\"to_client_name\":\"所有人\",\"content\":\"Merhaba, herkes!\"}"),
            message(
                SERVER,
                "{\"type\":\"say\",\"from_client_id\":\"7f000001b8a800000001\",\"from_client_name\":\"mynick\",\"to_client_id\":\"all\",\"content\":\"Merhaba, herkes!\",\"time\":\"2024-01-01 10:00:00\"}"),
            message(SERVER, "{\"type\":\"ping\"}"),
            message(CLIENT, "{\"type\":\"pong\"}"),
            message(CLIENT, "{\"type\":\"login\",\"client_name\":\"ayse\",\"room_id\":\"1\"}"),
            message(
                SERVER,
                "{\"type\":\"login\",\"client_id\":\"7f000001b8a800000002\",\"client_name\":\"ayse\",\"time\":\"2024-01-01 10:00:00\"}"),
            message(
                SERVER,
                "{\"type\":\"login\",\"client_id\":\"7f000001b8a800000002\",\"client_name\":\"ayse\",\"time\":\"2024-01-01 10:00:00\",\"client_list\":{\"7f000001b8a800000001\":\"mynick\",\"7f000001b8a800000002\":\"ayse\"}}"),
            message(
                CLIENT,
                "{\"type\":\"say\",\"to_client_id\":\"all\",\"to_client_name\":\"所有人\",\"content\":\"Günaydın! Çay içelim mi? ğüşiöç ĞÜŞİÖÇ\"}"),
            message(
                SERVER,
                "{\"type\":\"say\",\"from_client_id\":\"7f000001b8a800000002\",\"from_client_name\":\"ayse\",\"to_client_id\":\"all\",\"content\":\"G\\u00fcnayd\\u0131n! \\u00c7ay i\\u00e7elim mi? \\u011f\\u00fc\\u015fi\\u00f6\\u00e7 \\u011e\\u00dc\\u015e\\u0130\\u00d6\\u00c7\",\"time\":\"2024-01-01 10:00:00\"}"),
            message(
                SERVER,
                "{\"type\":\"say\",\"from_client_id\":\"7f000001b8a800000002\",\"from_client_name\":\"ayse\",\"to_client_id\":\"all\",\"content\":\"G\\u00fcnayd\\u0131n! \\u00c7ay i\\u00e7elim mi? \\u011f\\u00fc\\u015fi\\u00f6\\u00e7 \\u011e\\u00dc\\u015e\\u0130\\u00d6\\u00c7\",\"time\":\"2024-01-01 10:00:00\"}"),
            message(
                SERVER,
                "{\"type\":\"logout\",\"from_client_id\":\"7f000001b8a800000002\",\"from_client_name\":\"ayse\",\"time\":\"2024-01-01 10:00:00\"}"));
    String turkish = "Günaydın! Çay içelim mi? ğüşiöç ĞÜŞİÖÇ";

    List<AppEvent> events = new ArrayList<>();
    for (Message m : messages) {
      events.addAll(decoder.decode(m.fromClient(), m.text()));
    }

    assertEquals(
        List.of(
            new AppEvent("login", "mynick", "1", null, null, null, Kind.PRESENCE),
            new AppEvent(
                "login", "mynick", null, null, "7f000001b8a800000001", null, Kind.PRESENCE),
            new AppEvent("say", null, null, "Merhaba, herkes!", null, "all", Kind.MESSAGE),
            new AppEvent(
                "say",
                "mynick",
                null,
                "Merhaba, herkes!",
                "7f000001b8a800000001",
                "all",
                Kind.MESSAGE),
            new AppEvent("ping", null, null, null, null, null, Kind.HEARTBEAT),
            new AppEvent("pong", null, null, null, null, null, Kind.HEARTBEAT),
            new AppEvent("login", "ayse", "1", null, null, null, Kind.PRESENCE),
            new AppEvent("login", "ayse", null, null, "7f000001b8a800000002", null, Kind.PRESENCE),
            new AppEvent("login", "ayse", null, null, "7f000001b8a800000002", null, Kind.PRESENCE),
            new AppEvent("say", null, null, turkish, null, "all", Kind.MESSAGE),
            new AppEvent("say", "ayse", null, turkish, "7f000001b8a800000002", "all", Kind.MESSAGE),
            new AppEvent("say", "ayse", null, turkish, "7f000001b8a800000002", "all", Kind.MESSAGE),
            new AppEvent(
                "logout", "ayse", null, null, "7f000001b8a800000002", null, Kind.PRESENCE)),
        events);
  }

  @Test
  void anythingButOneJsonObjectWithAStringTypeGivesNothing() {
    for (String text :
        List.of(
            "",
            "   ",
            "hello",
            "Merhaba, herkes!",
            "{",
            "{\"type\":\"say\"",
            "{type:'say'}",
            "[{\"type\":\"say\"}]",
            "[]",
            "\"say\"",
            "42",
            "null",
            "true",
            "{}",
            "{\"content\":\"no type\"}",
            "{\"type\":1}",
            "{\"type\":null}",
            "{\"type\":{\"name\":\"say\"}}",
            "{\"type\":[\"say\"]}",
            "{\"type\":\"ping\"}x",
            "{\"type\":\"ping\"}{\"type\":\"pong\"}",
            "[".repeat(5000) + "]".repeat(5000),
            "{\"type\":\"say\",\"content\":" + "[".repeat(5000) + "]".repeat(5000) + "}")) {
      assertEquals(List.of(), client(text), text);
      assertEquals(List.of(), server(text), text);
    }
  }
}
