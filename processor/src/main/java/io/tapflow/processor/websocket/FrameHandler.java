package io.tapflow.processor.websocket;

/**
 * Receives the frames {@link WebSocketFrameParser} splits a direction into.
 *
 * <p>A frame arrives as one {@link #onFrameHeader}, then its payload as any number of {@link
 * #onFramePayload} chunks and {@link #onFramePayloadGap} holes, then one {@link #onFrameEnd}. After
 * {@link #onFramingLost}, frames come again only after {@link #onResynchronized}.
 */
interface FrameHandler {

  /**
   * A frame header was read.
   *
   * @param rsv the RSV1, RSV2 and RSV3 bits as a 3-bit number (RSV1 is 4)
   */
  void onFrameHeader(boolean fin, int rsv, int opcode, long payloadLength, long timestampNanos);

  /** Unmasked payload bytes; valid only during the call. */
  void onFramePayload(byte[] buf, int off, int len, long timestampNanos);

  /** Payload bytes that were never captured. */
  void onFramePayloadGap(long length, long timestampNanos);

  /** The current frame's payload is complete. */
  void onFrameEnd(long timestampNanos);

  /** Frame boundaries are lost: anything partial must be dropped. */
  void onFramingLost(long timestampNanos);

  /**
   * Frame boundaries were found again by searching: the next {@link #onFrameHeader} is the frame
   * found, and what came before it is unknown.
   */
  void onResynchronized(long timestampNanos);

  /**
   * The direction ended.
   *
   * @param partialFrame key=value description of a frame cut short, or null at a frame boundary
   */
  void onStreamEnd(String partialFrame, long timestampNanos);
}
