package io.tapflow.processor.app;

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
   * @param text the message's payload, already decoded from UTF-8
   */
  List<AppEvent> decode(boolean fromClient, String text);
}
