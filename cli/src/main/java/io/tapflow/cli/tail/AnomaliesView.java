package io.tapflow.cli.tail;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tapflow.cli.output.JsonLines;
import io.tapflow.schemas.Anomaly;
import io.tapflow.schemas.Topics;
import io.tapflow.schemas.ValueSerde;
import io.tapflow.schemas.ValueSerdes;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** Reads the anomalies topic for the tail command. */
final class AnomaliesView implements TopicView<Anomaly> {
  private final ValueSerde<Anomaly> serde;

  AnomaliesView(ValueSerdes values) {
    this.serde = values.anomaly();
  }

  @Override
  public String topic(Topics topics) {
    return topics.anomalies();
  }

  @Override
  public Anomaly decode(byte[] value) {
    return serde.decode(value);
  }

  @Override
  public Set<TailField> fields() {
    return EnumSet.of(TailField.CLIENT, TailField.SERVER);
  }

  @Override
  public String field(Anomaly a, TailField field) {
    return switch (field) {
      case CLIENT -> a.getClient();
      case SERVER -> a.getServer();
      case NICK, ROOM, TEXT -> throw new IllegalArgumentException(whyNot(field));
    };
  }

  @Override
  public String connectionId(Anomaly a) {
    return a.getConnectionId();
  }

  @Override
  public Instant start(Anomaly a) {
    return a.getTimestamp();
  }

  @Override
  public Instant end(Anomaly a) {
    return a.getTimestamp();
  }

  @Override
  public boolean endsByTime() {
    return true;
  }

  @Override
  public ObjectNode json(Anomaly a) {
    return JsonLines.anomaly(a);
  }

  @Override
  public List<Table.Column> columns() {
    return List.of(
        Table.Column.of("TIME", 27),
        Table.Column.of("CONNECTION", 14),
        Table.Column.of("CLIENT", 15),
        Table.Column.of("SERVER", 15),
        Table.Column.of("CODE", 30),
        Table.Column.cut("DETAIL", 0, 100));
  }

  @Override
  public List<String> cells(Anomaly a) {
    return Arrays.asList(
        JsonLines.time(a.getTimestamp()),
        a.getConnectionId(),
        a.getClient(),
        a.getServer(),
        a.getCode(),
        a.getDetail());
  }

  @Override
  public String whyNot(TailField field) {
    return switch (field) {
      case NICK, ROOM -> "anomalies hold no chat fields: use 'tapflow tail chat'";
      case TEXT ->
          "anomalies hold no message text: use 'tapflow tail messages --contains'"
              + " or 'tapflow tail chat --contains'";
      case CLIENT, SERVER -> field.option() + " applies to anomalies";
    };
  }
}
