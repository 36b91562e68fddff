package io.tapflow.processor.app;

import java.util.Objects;

/**
 * Holds one application event decoded from a WebSocket text message.
 *
 * <p>Fields the message did not carry are null. The field names follow the chat event contract
 * ({@code ChatEvent.avsc}); what each holds for a given protocol is documented by its decoder.
 *
 * @param type the message's own type as sent, e.g. {@code login}, {@code say}, {@code ping}
 * @param nick nick of the user the event is about or from
 * @param room room identifier
 * @param content text content
 * @param fromClientId server-assigned id of the sender or of the user the event is about
 * @param toClientId server-assigned id of the addressee, or a protocol word such as {@code all}
 * @param kind what sort of event this is, so heartbeats can be told from chat
 */
public record AppEvent(
    String type,
    String nick,
    String room,
    String content,
    String fromClientId,
    String toClientId,
    Kind kind) {

  /** Sorts events by what they mean, independent of each protocol's type names. */
  public enum Kind {
    /** Keep-alive traffic with no chat meaning, e.g. workerman-chat's ping and pong. */
    HEARTBEAT,
    /** A user joining or leaving. */
    PRESENCE,
    /** A chat message. */
    MESSAGE,
    /** An error reported by the server. */
    ERROR,
    /** A type the decoder recognizes as the protocol's but does not know. */
    OTHER
  }

  /** Requires a type and a kind. */
  public AppEvent {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(kind, "kind");
  }

  /** Returns whether this event is a heartbeat rather than chat. */
  public boolean isHeartbeat() {
    return kind == Kind.HEARTBEAT;
  }
}
