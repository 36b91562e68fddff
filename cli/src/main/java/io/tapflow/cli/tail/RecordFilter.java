package io.tapflow.cli.tail;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;

/**
 * Decides whether a record is printed: every filter of the query must match (AND).
 *
 * <p>Time is the capture time in the record, not the Kafka timestamp: a record is in {@code [from,
 * until]} (both inclusive) when the capture times it covers meet that range. For a single event (a
 * message, a chat event, an anomaly) that is its timestamp; a connection record covers its
 * connection from {@code startTime} to {@code endTime}, so it is printed when the connection was
 * open at some time in the range.
 *
 * @param <T> the topic's record class
 */
final class RecordFilter<T> {
  private final List<BiPredicate<String, T>> tests = new ArrayList<>();

  RecordFilter(TailQuery q, TopicView<T> view) {
    Instant from = q.from();
    Instant until = q.until();
    if (from != null) {
      tests.add((key, r) -> !view.end(r).isBefore(from));
    }
    if (until != null) {
      tests.add((key, r) -> !view.start(r).isAfter(until));
    }
    if (q.connection() != null) {
      ConnectionSelector selector = new ConnectionSelector(q.connection());
      tests.add((key, r) -> selector.matches(key, view.connectionId(r)));
    }
    for (Map.Entry<TailField, String> e : q.fields().entrySet()) {
      TailField field = e.getKey();
      String value = e.getValue();
      tests.add(
          switch (field) {
            case CLIENT, SERVER -> {
              EndpointPattern pattern = EndpointPattern.parse(value);
              yield (key, r) -> pattern.matches(view.field(r, field));
            }
            case NICK, ROOM -> (key, r) -> value.equals(view.field(r, field));
            case TEXT ->
                (key, r) -> {
                  String text = view.field(r, field);
                  return text != null && text.contains(value);
                };
          });
    }
  }

  /** Whether the record with Kafka key {@code key} passes every filter. */
  boolean test(String key, T record) {
    for (BiPredicate<String, T> t : tests) {
      if (!t.test(key, record)) {
        return false;
      }
    }
    return true;
  }
}
