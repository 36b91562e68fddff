package io.tapflow.cli.tail;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tapflow.cli.output.JsonLines;
import io.tapflow.schemas.ChatEvent;
import io.tapflow.schemas.Topics;
import io.tapflow.schemas.ValueSerde;
import io.tapflow.schemas.ValueSerdes;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** Reads the chat events topic for the tail command. */
final class ChatView implements TopicView<ChatEvent> {
  private final ValueSerde<ChatEvent> serde;

  ChatView(ValueSerdes values) {
    this.serde = values.chatEvent();
  }

  @Override
  public String topic(Topics topics) {
    return topics.chat();
  }

  @Override
  public ChatEvent decode(byte[] value) {
    return serde.decode(value);
  }

  @Override
  public Set<TailField> fields() {
    return EnumSet.of(TailField.NICK, TailField.ROOM, TailField.TEXT);
  }

  @Override
  public String field(ChatEvent e, TailField field) {
    return switch (field) {
      case NICK -> e.getNick();
      case ROOM -> e.getRoom();
      case TEXT -> e.getContent();
      case CLIENT, SERVER -> throw new IllegalArgumentException(whyNot(field));
    };
  }

  @Override
  public String connectionId(ChatEvent e) {
    return e.getConnectionId();
  }

  @Override
  public Instant start(ChatEvent e) {
    return e.getTimestamp();
  }

  @Override
  public Instant end(ChatEvent e) {
    return e.getTimestamp();
  }

  @Override
  public boolean endsByTime() {
    return true;
  }

  @Override
  public ObjectNode json(ChatEvent e) {
    return JsonLines.chat(e);
  }

  @Override
  public List<Table.Column> columns() {
    return List.of(
        Table.Column.of("TIME", 27),
        Table.Column.of("CONNECTION", 14),
        Table.Column.of("DIR", 3),
        Table.Column.of("KIND", 9),
        Table.Column.cut("TYPE", 6, 12),
        Table.Column.cut("NICK", 6, 16),
        Table.Column.cut("ROOM", 4, 12),
        Table.Column.cut("CONTENT", 0, 80));
  }

  @Override
  public List<String> cells(ChatEvent e) {
    return Arrays.asList(
        JsonLines.time(e.getTimestamp()),
        e.getConnectionId(),
        Arrows.of(e.getDirection()),
        e.getKind().name(),
        e.getType(),
        e.getNick(),
        e.getRoom(),
        e.getContent());
  }

  @Override
  public String whyNot(TailField field) {
    return switch (field) {
      case CLIENT, SERVER ->
          "chat events hold no endpoints: find the connection with 'tapflow tail connections "
              + field.option()
              + " ...' and give its id to --connection";
      case NICK, ROOM, TEXT -> field.option() + " applies to chat";
    };
  }
}
