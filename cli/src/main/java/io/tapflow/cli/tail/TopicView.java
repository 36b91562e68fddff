package io.tapflow.cli.tail;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tapflow.schemas.Topics;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * Reads one output topic's records for the tail command: decodes a value, gives the fields the
 * filters read and the capture times a time range is checked against, and writes a record as a JSON
 * line object or a table row.
 *
 * @param <T> the topic's Avro record class
 */
interface TopicView<T> {
  /** The topic's name among tapflow's topics. */
  String topic(Topics topics);

  /** Decodes a value of the topic (Avro single-object encoding). */
  T decode(byte[] value);

  /** The fields of {@link TailField} this topic's records have. */
  Set<TailField> fields();

  /** The value of {@code field} (one of {@link #fields()}) in {@code record}; may be null. */
  String field(T record, TailField field);

  /** The connection id the record belongs to. */
  String connectionId(T record);

  /** The capture time the record starts covering (its capture time for a single event). */
  Instant start(T record);

  /** The capture time the record covers up to (its capture time for a single event). */
  Instant end(T record);

  /**
   * Whether the Kafka timestamp of a record bounds the capture times of the records before it (up
   * to the pipeline's lateness), so that reading can stop once records are past {@code --until}.
   * False where a record can describe a time long before its Kafka timestamp (a connection record
   * covers the connection from its start).
   */
  boolean endsByTime();

  /** The record as an object of the JSON lines contract. */
  ObjectNode json(T record);

  /** The table's columns. */
  List<Table.Column> columns();

  /** The record's cells, one per column (null shown as "-"). */
  List<String> cells(T record);

  /** Why {@code field} is not on this topic, and where to find it instead. */
  String whyNot(TailField field);
}
