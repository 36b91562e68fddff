package io.tapflow.processor.streams;

import io.tapflow.schemas.ConnectionRecord;
import io.tapflow.schemas.WebSocketMessage;
import java.util.List;

/**
 * One connection as its task last published it for interactive queries: its connection record as of
 * that commit and its last messages, oldest first.
 *
 * <p>The record and the messages are shared between every reader and never modified after they are
 * published: read them, do not change them (an Avro record has setters; a payload is read through
 * {@link java.nio.ByteBuffer#duplicate()}).
 *
 * @param key the connection key ({@code sensor|low-endpoint|high-endpoint})
 * @param partition the packets-topic partition (the task) holding the connection
 * @param record the connection record as of the task's last commit: the record the connections
 *     topic would get for the connection's state at that moment ({@code final} once it ended)
 * @param messages its last messages, at most {@link LiveViewConfig#messagesPerConnection()}, fewer
 *     when the task's message budget let go of them, or when the task restarted since (see {@link
 *     LiveView})
 */
public record LiveConnection(
    String key, int partition, ConnectionRecord record, List<WebSocketMessage> messages) {

  public LiveConnection {
    messages = List.copyOf(messages);
  }
}
