package io.tapflow.cli.tail;

import io.tapflow.cli.output.JsonLines;
import io.tapflow.schemas.Topics;
import io.tapflow.schemas.ValueSerdes;

/**
 * Turns the raw records of one query's topic into the lines it prints: decodes, filters and formats
 * them (JSON lines or a table).
 */
public abstract sealed class RecordPrinter permits RecordPrinter.Typed {

  /** The printer of {@code query}, decoding with {@code values}. */
  public static RecordPrinter of(TailQuery query, ValueSerdes values) {
    return typed(query, query.topic().view(values));
  }

  private static <T> RecordPrinter typed(TailQuery query, TopicView<T> view) {
    return new Typed<>(query, view);
  }

  /** The Kafka topic to read. */
  public abstract String topic(Topics topics);

  /** See {@link TopicView#endsByTime()}. */
  public abstract boolean endsByTime();

  /** The line to print before any record (the table's header), or null. */
  public abstract String header();

  /**
   * The line of the record with Kafka key {@code key} and value {@code value}, or null when the
   * query does not select it.
   *
   * @throws org.apache.kafka.common.errors.SerializationException when the value does not decode
   */
  public abstract String line(String key, byte[] value);

  static final class Typed<T> extends RecordPrinter {
    private final TopicView<T> view;
    private final RecordFilter<T> filter;
    private final Table table;

    Typed(TailQuery query, TopicView<T> view) {
      this.view = view;
      this.filter = new RecordFilter<>(query, view);
      this.table = query.format() == OutputFormat.TABLE ? new Table(view.columns()) : null;
    }

    @Override
    public String topic(Topics topics) {
      return view.topic(topics);
    }

    @Override
    public boolean endsByTime() {
      return view.endsByTime();
    }

    @Override
    public String header() {
      return table == null ? null : table.header();
    }

    @Override
    public String line(String key, byte[] value) {
      if (value == null) {
        throw new org.apache.kafka.common.errors.SerializationException("a null value");
      }
      T record = view.decode(value);
      if (!filter.test(key, record)) {
        return null;
      }
      return table == null ? JsonLines.line(view.json(record)) : table.row(view.cells(record));
    }
  }
}
