package io.tapflow.processor.websocket;

/**
 * The opcode of a decoded message (RFC 6455 §5.2); continuation frames are folded into the message
 * they continue.
 */
public enum WsOpcode {
  TEXT(WebSocketProtocol.OPCODE_TEXT),
  BINARY(WebSocketProtocol.OPCODE_BINARY),
  CLOSE(WebSocketProtocol.OPCODE_CLOSE),
  PING(WebSocketProtocol.OPCODE_PING),
  PONG(WebSocketProtocol.OPCODE_PONG);

  private final int code;

  WsOpcode(int code) {
    this.code = code;
  }

  /** The opcode's value on the wire. */
  public int code() {
    return code;
  }

  /** Whether this is a control frame (close, ping, pong) rather than a data message. */
  public boolean isControl() {
    return WebSocketProtocol.isControl(code);
  }

  /** The message opcode for a wire opcode, or null for continuation and reserved opcodes. */
  public static WsOpcode fromCode(int code) {
    return switch (code) {
      case WebSocketProtocol.OPCODE_TEXT -> TEXT;
      case WebSocketProtocol.OPCODE_BINARY -> BINARY;
      case WebSocketProtocol.OPCODE_CLOSE -> CLOSE;
      case WebSocketProtocol.OPCODE_PING -> PING;
      case WebSocketProtocol.OPCODE_PONG -> PONG;
      default -> null;
    };
  }
}
