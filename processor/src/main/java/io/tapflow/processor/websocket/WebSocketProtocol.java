package io.tapflow.processor.websocket;

/**
 * Names and numbers of the RFC 6455 base framing protocol.
 *
 * <p>RFC 6455 §5.2, Base Framing Protocol:
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-------+-+-------------+-------------------------------+
 * |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
 * |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
 * |N|V|V|V|       |S|             |   (if payload len==126/127)   |
 * | |1|2|3|       |K|             |                               |
 * +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
 * |     Extended payload length continued, if payload len == 127  |
 * + - - - - - - - - - - - - - - - +-------------------------------+
 * |                               |Masking-key, if MASK set to 1  |
 * +-------------------------------+-------------------------------+
 * | Masking-key (continued)       |          Payload Data         |
 * +-------------------------------- - - - - - - - - - - - - - - - +
 * :                     Payload Data continued ...                :
 * + - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - +
 * |                     Payload Data continued ...                |
 * +---------------------------------------------------------------+
 * </pre>
 */
final class WebSocketProtocol {

  /** Byte 0: this is the final fragment in a message. */
  static final int B0_FIN = 0x80;

  /** Byte 0: reserved bit 1, the "Per-Message Compressed" bit under permessage-deflate. */
  static final int B0_RSV1 = 0x40;

  /** Byte 0: reserved bit 2; no extension this decoder knows defines it. */
  static final int B0_RSV2 = 0x20;

  /** Byte 0: reserved bit 3; no extension this decoder knows defines it. */
  static final int B0_RSV3 = 0x10;

  /** Byte 0: the four opcode bits. */
  static final int B0_OPCODE = 0x0f;

  /** Byte 1: the payload is masked and a 4-byte masking key follows the length. */
  static final int B1_MASK = 0x80;

  /** Byte 1: the seven payload length bits. */
  static final int B1_PAYLOAD_LEN = 0x7f;

  /** Payload len value meaning "the following 2 bytes interpreted as a 16-bit unsigned integer". */
  static final int PAYLOAD_LEN_16 = 126;

  /** Payload len value meaning "the following 8 bytes interpreted as a 64-bit unsigned integer". */
  static final int PAYLOAD_LEN_64 = 127;

  /** Length of the masking key in bytes. */
  static final int MASKING_KEY_LENGTH = 4;

  static final int OPCODE_CONTINUATION = 0x0;
  static final int OPCODE_TEXT = 0x1;
  static final int OPCODE_BINARY = 0x2;
  static final int OPCODE_CLOSE = 0x8;
  static final int OPCODE_PING = 0x9;
  static final int OPCODE_PONG = 0xa;

  /** Opcodes with the high bit set are control frames (RFC 6455 §5.5). */
  static final int OPCODE_CONTROL_BIT = 0x8;

  /** "All control frames MUST have a payload length of 125 bytes or less" (RFC 6455 §5.5). */
  static final int MAX_CONTROL_PAYLOAD_LENGTH = 125;

  /** Length of the status code at the start of a close frame's payload (RFC 6455 §5.5.1). */
  static final int CLOSE_STATUS_LENGTH = 2;

  private WebSocketProtocol() {}

  static boolean isControl(int opcode) {
    return (opcode & OPCODE_CONTROL_BIT) != 0;
  }

  /** The opcode as it appears in anomaly details: its RFC 6455 name, or its number if reserved. */
  static String opcodeName(int opcode) {
    return switch (opcode) {
      case OPCODE_CONTINUATION -> "continuation";
      case OPCODE_TEXT -> "text";
      case OPCODE_BINARY -> "binary";
      case OPCODE_CLOSE -> "close";
      case OPCODE_PING -> "ping";
      case OPCODE_PONG -> "pong";
      default -> Integer.toString(opcode);
    };
  }

  /**
   * Whether a close frame may carry this status code (RFC 6455 §7.4).
   *
   * <p>1000-1003 and 1007-1011 are defined by RFC 6455, 1012-1014 were registered with IANA since;
   * 3000-4999 are for libraries, frameworks and applications. 1004 is reserved, and 1005, 1006 and
   * 1015 "MUST NOT be set as a status code in a Close control frame by an endpoint". Everything
   * else below 3000 is reserved for future RFCs, and nothing at or above 5000 is defined.
   */
  static boolean isValidCloseCode(int code) {
    return (code >= 1000 && code <= 1003)
        || (code >= 1007 && code <= 1014)
        || (code >= 3000 && code <= 4999);
  }
}
