package io.tapflow.cli.tail;

import io.tapflow.schemas.ValueSerdes;
import java.util.Arrays;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The output topics the tail command reads, by the name the user gives. */
public enum TailTopic {
  MESSAGES("messages", MessagesView::new),
  CONNECTIONS("connections", ConnectionsView::new),
  CHAT("chat", ChatView::new),
  ANOMALIES("anomalies", AnomaliesView::new);

  private final String label;
  private final Function<ValueSerdes, TopicView<?>> view;

  TailTopic(String label, Function<ValueSerdes, TopicView<?>> view) {
    this.label = label;
    this.view = view;
  }

  /** The name the user gives ({@code messages}, ...). */
  public String label() {
    return label;
  }

  /** A new view of this topic's records in single-object encoding. */
  TopicView<?> view() {
    return view(ValueSerdes.singleObject());
  }

  /** A new view of this topic's records, decoded by {@code values}. */
  TopicView<?> view(ValueSerdes values) {
    return view.apply(values);
  }

  /**
   * The topic named {@code label}.
   *
   * @throws IllegalArgumentException naming the choices when there is none
   */
  public static TailTopic of(String label) {
    for (TailTopic t : values()) {
      if (t.label.equals(label)) {
        return t;
      }
    }
    throw new IllegalArgumentException(
        "unknown topic '"
            + label
            + "' ("
            + Arrays.stream(values()).map(TailTopic::label).collect(Collectors.joining(", "))
            + ")");
  }
}
