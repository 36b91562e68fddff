package io.tapflow.cli.tail;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tapflow.cli.output.JsonLines;
import io.tapflow.schemas.ConnectionRecord;
import io.tapflow.schemas.Topics;
import io.tapflow.schemas.ValueSerde;
import io.tapflow.schemas.ValueSerdes;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** Reads the connection records topic for the tail command. */
final class ConnectionsView implements TopicView<ConnectionRecord> {
  private final ValueSerde<ConnectionRecord> serde;

  ConnectionsView(ValueSerdes values) {
    this.serde = values.connectionRecord();
  }

  @Override
  public String topic(Topics topics) {
    return topics.connections();
  }

  @Override
  public ConnectionRecord decode(byte[] value) {
    return serde.decode(value);
  }

  @Override
  public Set<TailField> fields() {
    return EnumSet.of(TailField.CLIENT, TailField.SERVER);
  }

  @Override
  public String field(ConnectionRecord c, TailField field) {
    return switch (field) {
      case CLIENT -> c.getClient();
      case SERVER -> c.getServer();
      case NICK, ROOM, TEXT -> throw new IllegalArgumentException(whyNot(field));
    };
  }

  @Override
  public String connectionId(ConnectionRecord c) {
    return c.getConnectionId();
  }

  @Override
  public Instant start(ConnectionRecord c) {
    return c.getStartTime();
  }

  @Override
  public Instant end(ConnectionRecord c) {
    return c.getEndTime();
  }

  @Override
  public boolean endsByTime() {
    return false; // a connection open at --until can end, and be recorded, any time later
  }

  @Override
  public ObjectNode json(ConnectionRecord c) {
    return JsonLines.connection(c);
  }

  @Override
  public List<Table.Column> columns() {
    return List.of(
        Table.Column.of("START", 27),
        Table.Column.of("END", 27),
        Table.Column.of("CONNECTION", 14),
        Table.Column.of("CLIENT", 15),
        Table.Column.of("SERVER", 15),
        Table.Column.of("STATE", 5),
        Table.Column.cut("HISTORY", 10, 16),
        Table.Column.number("HTTP", 4),
        Table.Column.number("MESSAGES", 8),
        Table.Column.number("BYTES", 9),
        Table.Column.of("END_REASON", 0));
  }

  @Override
  public List<String> cells(ConnectionRecord c) {
    return Arrays.asList(
        JsonLines.time(c.getStartTime()),
        JsonLines.time(c.getEndTime()),
        c.getConnectionId(),
        c.getClient(),
        c.getServer(),
        c.getState(),
        c.getHistory(),
        c.getHttpStatus() == null ? null : c.getHttpStatus().toString(),
        c.getClientMessages() + "/" + c.getServerMessages(),
        c.getClientBytes() + "/" + c.getServerBytes(),
        c.getFinal$() ? c.getEndReason() : null);
  }

  @Override
  public String whyNot(TailField field) {
    return switch (field) {
      case NICK, ROOM -> "connection records hold no chat fields: use 'tapflow tail chat'";
      case TEXT ->
          "connection records hold no text: use 'tapflow tail messages --contains'"
              + " or 'tapflow tail chat --contains'";
      case CLIENT, SERVER -> field.option() + " applies to connections";
    };
  }
}
