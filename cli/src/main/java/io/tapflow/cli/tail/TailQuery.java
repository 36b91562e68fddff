package io.tapflow.cli.tail;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;

/**
 * What the tail command prints: one topic, a capture-time range, filters that must all match, a
 * limit, the output format and whether to follow. Built from {@link #of} and the {@code with}
 * methods; each checks the whole query.
 *
 * @param topic the topic
 * @param from print records whose capture time is at or after this (null: from the beginning)
 * @param until print records whose capture time is at or before this (null: no end)
 * @param lateness how far a record's capture time may lie behind the Kafka timestamps of records
 *     written before it in its partition; reading a partition stops at the first record stamped
 *     later than {@code until} plus this
 * @param connection a connection id, connection key or Community ID (null: any connection)
 * @param fields further filters: a field and the value it must match (client and server: an IP
 *     address and optional port; nick and room: equal; text: contains)
 * @param limit the number of records to print at most
 * @param format how records are written
 * @param follow whether to wait for new records after the current end
 */
public record TailQuery(
    TailTopic topic,
    Instant from,
    Instant until,
    Duration lateness,
    String connection,
    Map<TailField, String> fields,
    long limit,
    OutputFormat format,
    boolean follow) {

  /** The default {@link #lateness}. */
  public static final Duration DEFAULT_LATENESS = Duration.ofMinutes(5);

  /**
   * Checks the query.
   *
   * @throws IllegalArgumentException with a message for the user when a filter does not apply to
   *     the topic or a value is not valid
   */
  public TailQuery {
    if (from != null && until != null && from.isAfter(until)) {
      throw new IllegalArgumentException(
          "--from " + from + " is after --until " + until + ": nothing can match");
    }
    if (lateness.isNegative()) {
      throw new IllegalArgumentException("--lateness must not be negative");
    }
    if (limit < 1) {
      throw new IllegalArgumentException("--limit must be at least 1");
    }
    if (connection != null) {
      new ConnectionSelector(connection);
    }
    TopicView<?> view = topic.view();
    EnumMap<TailField, String> copy = new EnumMap<>(TailField.class);
    for (Map.Entry<TailField, String> e : fields.entrySet()) {
      if (!view.fields().contains(e.getKey())) {
        throw new IllegalArgumentException(
            e.getKey().option()
                + " does not apply to "
                + topic.label()
                + ": "
                + view.whyNot(e.getKey()));
      }
      if (e.getKey() == TailField.CLIENT || e.getKey() == TailField.SERVER) {
        EndpointPattern.parse(e.getValue());
      }
      copy.put(e.getKey(), e.getValue());
    }
    fields = Map.copyOf(copy);
  }

  /** Everything from the beginning to the current end, as JSON lines. */
  public static TailQuery of(TailTopic topic) {
    return new TailQuery(
        topic,
        null,
        null,
        DEFAULT_LATENESS,
        null,
        Map.of(),
        Long.MAX_VALUE,
        OutputFormat.JSON,
        false);
  }

  public TailQuery withFrom(Instant from) {
    return new TailQuery(topic, from, until, lateness, connection, fields, limit, format, follow);
  }

  public TailQuery withUntil(Instant until) {
    return new TailQuery(topic, from, until, lateness, connection, fields, limit, format, follow);
  }

  public TailQuery withLateness(Duration lateness) {
    return new TailQuery(topic, from, until, lateness, connection, fields, limit, format, follow);
  }

  public TailQuery withConnection(String connection) {
    return new TailQuery(topic, from, until, lateness, connection, fields, limit, format, follow);
  }

  /** This query with {@code field} required to match {@code value}. */
  public TailQuery with(TailField field, String value) {
    EnumMap<TailField, String> more = new EnumMap<>(TailField.class);
    more.putAll(fields);
    more.put(field, value);
    return new TailQuery(topic, from, until, lateness, connection, more, limit, format, follow);
  }

  public TailQuery withLimit(long limit) {
    return new TailQuery(topic, from, until, lateness, connection, fields, limit, format, follow);
  }

  public TailQuery withFormat(OutputFormat format) {
    return new TailQuery(topic, from, until, lateness, connection, fields, limit, format, follow);
  }

  public TailQuery following(boolean follow) {
    return new TailQuery(topic, from, until, lateness, connection, fields, limit, format, follow);
  }
}
