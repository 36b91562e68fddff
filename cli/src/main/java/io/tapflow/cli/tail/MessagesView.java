package io.tapflow.cli.tail;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tapflow.cli.output.JsonLines;
import io.tapflow.schemas.Topics;
import io.tapflow.schemas.ValueSerde;
import io.tapflow.schemas.ValueSerdes;
import io.tapflow.schemas.WebSocketMessage;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/** Reads the WebSocket messages topic for the tail command. */
final class MessagesView implements TopicView<WebSocketMessage> {
  private static final int CONTENT_WIDTH = 80;
  private final ValueSerde<WebSocketMessage> serde;

  MessagesView(ValueSerdes values) {
    this.serde = values.webSocketMessage();
  }

  @Override
  public String topic(Topics topics) {
    return topics.messages();
  }

  @Override
  public WebSocketMessage decode(byte[] value) {
    return serde.decode(value);
  }

  @Override
  public Set<TailField> fields() {
    return EnumSet.of(TailField.CLIENT, TailField.SERVER, TailField.TEXT);
  }

  @Override
  public String field(WebSocketMessage m, TailField field) {
    return switch (field) {
      case CLIENT -> m.getClient();
      case SERVER -> m.getServer();
      case TEXT -> m.getText();
      case NICK, ROOM -> throw new IllegalArgumentException(whyNot(field));
    };
  }

  @Override
  public String connectionId(WebSocketMessage m) {
    return m.getConnectionId();
  }

  @Override
  public Instant start(WebSocketMessage m) {
    return m.getTimestamp();
  }

  @Override
  public Instant end(WebSocketMessage m) {
    return m.getTimestamp();
  }

  @Override
  public boolean endsByTime() {
    return true;
  }

  @Override
  public ObjectNode json(WebSocketMessage m) {
    return JsonLines.message(m);
  }

  @Override
  public List<Table.Column> columns() {
    return List.of(
        Table.Column.of("TIME", 27),
        Table.Column.of("CONNECTION", 14),
        Table.Column.of("CLIENT", 15),
        Table.Column.of("SERVER", 15),
        Table.Column.of("DIR", 3),
        Table.Column.of("OPCODE", 6),
        Table.Column.number("LENGTH", 6),
        Table.Column.cut("CONTENT", 0, CONTENT_WIDTH));
  }

  @Override
  public List<String> cells(WebSocketMessage m) {
    return Arrays.asList(
        JsonLines.time(m.getTimestamp()),
        m.getConnectionId(),
        m.getClient(),
        m.getServer(),
        Arrows.of(m.getDirection()),
        m.getOpcode().name(),
        Long.toString(m.getPayloadLength()),
        content(m));
  }

  /** The text, the close status and reason, or the payload in hex (as much as fits). */
  private static String content(WebSocketMessage m) {
    return switch (m.getOpcode()) {
      case TEXT -> m.getText();
      case CLOSE ->
          m.getCloseCode() == null
              ? null
              : m.getCloseReason() == null || m.getCloseReason().isEmpty()
                  ? m.getCloseCode().toString()
                  : m.getCloseCode() + " " + m.getCloseReason();
      case BINARY, PING, PONG -> hex(m.getPayload());
    };
  }

  private static String hex(ByteBuffer payload) {
    if (payload == null) {
      return null;
    }
    ByteBuffer b = payload.duplicate();
    byte[] head = new byte[Math.min(b.remaining(), CONTENT_WIDTH / 2)];
    b.get(head);
    String hex = HexFormat.of().formatHex(head);
    return b.hasRemaining() ? hex + "…" : hex;
  }

  @Override
  public String whyNot(TailField field) {
    return switch (field) {
      case NICK, ROOM ->
          "messages hold the WebSocket text as sent, not the chat fields:"
              + " use 'tapflow tail chat "
              + field.option()
              + " ...' (or --contains on messages)";
      case CLIENT, SERVER, TEXT -> field.option() + " applies to messages";
    };
  }
}
