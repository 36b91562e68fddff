package io.tapflow.cli.tail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TailQueryTest {

  private static String refusal(TailTopic topic, TailField field) {
    return assertThrows(IllegalArgumentException.class, () -> TailQuery.of(topic).with(field, "x"))
        .getMessage();
  }

  @Test
  void theDefaultsPrintEverythingAsJsonLinesAndEnd() {
    TailQuery q = TailQuery.of(TailTopic.CHAT);
    assertEquals(
        new TailQuery(
            TailTopic.CHAT,
            null,
            null,
            Duration.ofMinutes(5),
            null,
            Map.of(),
            Long.MAX_VALUE,
            OutputFormat.JSON,
            false),
        q);
  }

  @Test
  void aFilterOnAFieldTheTopicDoesNotHaveIsRefusedWithWhereToLook() {
    assertEquals(
        "--nick does not apply to messages: messages hold the WebSocket text as sent, not the chat"
            + " fields: use 'tapflow tail chat --nick ...' (or --contains on messages)",
        refusal(TailTopic.MESSAGES, TailField.NICK));
    assertEquals(
        "--room does not apply to messages: messages hold the WebSocket text as sent, not the chat"
            + " fields: use 'tapflow tail chat --room ...' (or --contains on messages)",
        refusal(TailTopic.MESSAGES, TailField.ROOM));
    assertEquals(
        "--client does not apply to chat: chat events hold no endpoints: find the connection with"
            + " 'tapflow tail connections --client ...' and give its id to --connection",
        refusal(TailTopic.CHAT, TailField.CLIENT));
    assertEquals(
        "--server does not apply to chat: chat events hold no endpoints: find the connection with"
            + " 'tapflow tail connections --server ...' and give its id to --connection",
        refusal(TailTopic.CHAT, TailField.SERVER));
    assertEquals(
        "--nick does not apply to connections: connection records hold no chat fields: use"
            + " 'tapflow tail chat'",
        refusal(TailTopic.CONNECTIONS, TailField.NICK));
    assertEquals(
        "--room does not apply to connections: connection records hold no chat fields: use"
            + " 'tapflow tail chat'",
        refusal(TailTopic.CONNECTIONS, TailField.ROOM));
    assertEquals(
        "--contains does not apply to connections: connection records hold no text: use 'tapflow"
            + " tail messages --contains' or 'tapflow tail chat --contains'",
        refusal(TailTopic.CONNECTIONS, TailField.TEXT));
    assertEquals(
        "--nick does not apply to anomalies: anomalies hold no chat fields: use 'tapflow tail"
            + " chat'",
        refusal(TailTopic.ANOMALIES, TailField.NICK));
    assertEquals(
        "--room does not apply to anomalies: anomalies hold no chat fields: use 'tapflow tail"
            + " chat'",
        refusal(TailTopic.ANOMALIES, TailField.ROOM));
    assertEquals(
        "--contains does not apply to anomalies: anomalies hold no message text: use 'tapflow"
            + " tail messages --contains' or 'tapflow tail chat --contains'",
        refusal(TailTopic.ANOMALIES, TailField.TEXT));
  }

  @Test
  void everyFilterATopicHasIsAccepted() {
    TailQuery.of(TailTopic.MESSAGES)
        .with(TailField.CLIENT, "10.0.0.1")
        .with(TailField.SERVER, "10.0.0.2:80")
        .with(TailField.TEXT, "hi");
    TailQuery.of(TailTopic.CONNECTIONS)
        .with(TailField.CLIENT, "10.0.0.1")
        .with(TailField.SERVER, "10.0.0.2");
    TailQuery.of(TailTopic.CHAT)
        .with(TailField.NICK, "ayse")
        .with(TailField.ROOM, "1")
        .with(TailField.TEXT, "hi");
    TailQuery q =
        TailQuery.of(TailTopic.ANOMALIES)
            .with(TailField.CLIENT, "::1")
            .with(TailField.SERVER, "[::1]:80")
            .withConnection("C1");
    assertEquals(Map.of(TailField.CLIENT, "::1", TailField.SERVER, "[::1]:80"), q.fields());
  }

  @Test
  void badValuesAreRefused() {
    Instant t = Instant.parse("2026-11-25T01:13:15Z");
    assertEquals(
        "--from 2026-11-25T01:13:15.000001Z is after --until 2026-11-25T01:13:15Z: nothing can"
            + " match",
        assertThrows(
                IllegalArgumentException.class,
                () -> TailQuery.of(TailTopic.CHAT).withUntil(t).withFrom(t.plusNanos(1000)))
            .getMessage());
    assertEquals(
        "--limit must be at least 1",
        assertThrows(
                IllegalArgumentException.class, () -> TailQuery.of(TailTopic.CHAT).withLimit(0))
            .getMessage());
    assertEquals(
        "--lateness must not be negative",
        assertThrows(
                IllegalArgumentException.class,
                () -> TailQuery.of(TailTopic.CHAT).withLateness(Duration.ofSeconds(-1)))
            .getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> TailQuery.of(TailTopic.MESSAGES).with(TailField.CLIENT, "example.com"));
    assertThrows(
        IllegalArgumentException.class, () -> TailQuery.of(TailTopic.MESSAGES).withConnection(""));
    assertEquals(
        "unknown topic 'packets' (messages, connections, chat, anomalies)",
        assertThrows(IllegalArgumentException.class, () -> TailTopic.of("packets")).getMessage());
    assertEquals(
        "unknown format 'csv' (json, table)",
        assertThrows(IllegalArgumentException.class, () -> OutputFormat.of("csv")).getMessage());
    // The same instant for both ends selects exactly that instant.
    TailQuery.of(TailTopic.CHAT).withFrom(t).withUntil(t);
  }
}
