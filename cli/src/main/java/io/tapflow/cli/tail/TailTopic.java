package io.tapflow.cli.tail;

import java.util.Arrays;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/** The output topics the tail command reads, by the name the user gives. */
public enum TailTopic {
  MESSAGES("messages", MessagesView::new),
  CONNECTIONS("connections", ConnectionsView::new),
  CHAT("chat", ChatView::new),
  ANOMALIES("anomalies", AnomaliesView::new);

  private final String label;
  private final Supplier<TopicView<?>> view;

  TailTopic(String label, Supplier<TopicView<?>> view) {
    this.label = label;
    this.view = view;
  }

  /** The name the user gives ({@code messages}, ...). */
  public String label() {
    return label;
  }

  /** A new view of this topic's records. */
  TopicView<?> view() {
    return view.get();
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
