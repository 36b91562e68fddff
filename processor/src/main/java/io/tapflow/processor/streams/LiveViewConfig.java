package io.tapflow.processor.streams;

/**
 * Settings of the live view that interactive queries read; one immutable value with its defaults in
 * {@link #DEFAULT}.
 *
 * @param enabled whether each task keeps the view (off, the default: no cost at all)
 * @param messagesPerConnection how many of a connection's last messages are kept (0: none)
 * @param messageBytesPerTask the estimated heap bytes the kept messages of one task may hold; past
 *     it the messages of the least recently active connections are let go of first
 */
public record LiveViewConfig(boolean enabled, int messagesPerConnection, long messageBytesPerTask) {
  /** Off; when turned on, the last 50 messages of a connection within 8 MiB a task. */
  public static final LiveViewConfig DEFAULT = new LiveViewConfig(false, 50, 8L << 20);

  public LiveViewConfig {
    if (messagesPerConnection < 0) {
      throw new IllegalArgumentException("messages per connection must be 0 or more");
    }
    if (messageBytesPerTask < 0) {
      throw new IllegalArgumentException("message bytes per task must be 0 or more");
    }
  }

  public LiveViewConfig withEnabled(boolean v) {
    return new LiveViewConfig(v, messagesPerConnection, messageBytesPerTask);
  }

  public LiveViewConfig withMessagesPerConnection(int v) {
    return new LiveViewConfig(enabled, v, messageBytesPerTask);
  }

  public LiveViewConfig withMessageBytesPerTask(long v) {
    return new LiveViewConfig(enabled, messagesPerConnection, v);
  }
}
