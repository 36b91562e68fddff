package io.tapflow.processor.streams;

import java.util.List;
import java.util.Objects;
import org.apache.kafka.streams.query.Query;

/**
 * An interactive query (IQv2) of the live view: one connection by key, the connections with a
 * connection id or Community ID, or the open connections; {@link ConnectionStore} answers it from
 * its task's view.
 */
public final class LiveQuery implements Query<List<LiveConnection>> {
  /** What the query selects. */
  public enum Selection {
    /** The connection with this key (the task of its partition holds it, if anyone does). */
    KEY,
    /** The connections whose connection id or Community ID is the value (any partition). */
    NAME,
    /** Every connection not ended yet (any partition). */
    OPEN
  }

  private final Selection selection;
  private final String value;

  private LiveQuery(Selection selection, String value) {
    this.selection = selection;
    this.value = value;
  }

  /** The connection with key {@code key}: an empty list or one. */
  public static LiveQuery byKey(String key) {
    return new LiveQuery(Selection.KEY, Objects.requireNonNull(key));
  }

  /**
   * The connections with connection id or Community ID {@code name} (a Community ID names the flow,
   * so every sensor that saw it has one).
   */
  public static LiveQuery byName(String name) {
    return new LiveQuery(Selection.NAME, Objects.requireNonNull(name));
  }

  /** The connections not ended yet. */
  public static LiveQuery open() {
    return new LiveQuery(Selection.OPEN, null);
  }

  public Selection selection() {
    return selection;
  }

  /** The key or name; null for {@link Selection#OPEN}. */
  public String value() {
    return value;
  }

  @Override
  public String toString() {
    return "LiveQuery[" + selection + (value == null ? "" : " " + value) + "]";
  }
}
