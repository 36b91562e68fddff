package io.tapflow.processor.websocket;

/**
 * What one direction's {@link WebSocketDecoder} has read so far, counted.
 *
 * @param textFrames frames with opcode 0x1 (text), fragments included
 * @param binaryFrames frames with opcode 0x2 (binary)
 * @param continuationFrames frames with opcode 0x0 (continuation)
 * @param closeFrames frames with opcode 0x8 (close)
 * @param pingFrames frames with opcode 0x9 (ping)
 * @param pongFrames frames with opcode 0xA (pong)
 * @param reservedFrames frames with an opcode RFC 6455 reserves
 * @param textMessages text messages delivered
 * @param binaryMessages binary messages delivered
 * @param closeMessages close frames delivered
 * @param pingMessages ping frames delivered
 * @param pongMessages pong frames delivered
 * @param wireBytes captured bytes of frames, headers included, of a header whose 64-bit length is
 *     invalid, and of a header cut short by a gap or the end (bytes skipped while searching for
 *     frame boundaries and bytes never captured are not)
 * @param payloadBytes the {@link WsMessage#payloadLength()} of every message delivered: after
 *     decompression for compressed ones
 * @param skippedBytes captured bytes passed over while searching for frame boundaries
 * @param resynchronizations times frame boundaries were found again by searching
 */
public record WebSocketCounters(
    long textFrames,
    long binaryFrames,
    long continuationFrames,
    long closeFrames,
    long pingFrames,
    long pongFrames,
    long reservedFrames,
    long textMessages,
    long binaryMessages,
    long closeMessages,
    long pingMessages,
    long pongMessages,
    long wireBytes,
    long payloadBytes,
    long skippedBytes,
    long resynchronizations) {

  /** Nothing read yet. */
  public static final WebSocketCounters ZERO =
      new WebSocketCounters(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

  /** Frames of every opcode. */
  public long frames() {
    return textFrames
        + binaryFrames
        + continuationFrames
        + closeFrames
        + pingFrames
        + pongFrames
        + reservedFrames;
  }

  /** Frames whose opcode is {@code opcode}; continuation frames are not counted under any. */
  public long frames(WsOpcode opcode) {
    return switch (opcode) {
      case TEXT -> textFrames;
      case BINARY -> binaryFrames;
      case CLOSE -> closeFrames;
      case PING -> pingFrames;
      case PONG -> pongFrames;
    };
  }

  /** Messages of every opcode. */
  public long messages() {
    return textMessages + binaryMessages + closeMessages + pingMessages + pongMessages;
  }

  /** Messages whose opcode is {@code opcode}. */
  public long messages(WsOpcode opcode) {
    return switch (opcode) {
      case TEXT -> textMessages;
      case BINARY -> binaryMessages;
      case CLOSE -> closeMessages;
      case PING -> pingMessages;
      case PONG -> pongMessages;
    };
  }
}
