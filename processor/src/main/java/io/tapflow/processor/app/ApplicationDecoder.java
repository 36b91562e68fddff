package io.tapflow.processor.app;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** Turns one WebSocket text message into the application events it carries. */
public interface ApplicationDecoder {

  /** Returns the protocol's stable name, e.g. {@code workerman-chat}, for logs and metrics. */
  String protocol();

  /**
   * Returns the events in one complete text message, in order; empty, never null and never
   * throwing, for a message this decoder does not understand.
   *
   * @param fromClient whether the client (the side that sent the Upgrade request) sent it
   * @param utf8 the message's payload as sent, UTF-8 (unmasked, reassembled, inflated)
   */
  List<AppEvent> decode(boolean fromClient, byte[] utf8);

  /** The same for a message already decoded from UTF-8. */
  default List<AppEvent> decode(boolean fromClient, String text) {
    return decode(fromClient, text.getBytes(StandardCharsets.UTF_8));
  }
}
