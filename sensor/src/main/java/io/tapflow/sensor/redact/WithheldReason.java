package io.tapflow.sensor.redact;

/**
 * Names why a segment's payload was withheld under redaction, each reason with a stable snake_case
 * {@link #code()} for metric labels.
 *
 * <p>The sensor withholds a payload whenever it cannot know that every value of a configured member
 * in it is redacted. Reasons marked <em>lost</em> end the redaction of the direction: every later
 * segment of it is withheld with the same reason (the bytes can no longer be placed in the stream,
 * and guessing could publish a value).
 */
public enum WithheldReason {
  /**
   * Lost: the direction was not seen from its SYN (the capture began after it, or the connection
   * was forgotten to make room), so its HTTP handshake and frame boundaries are unknown.
   */
  MID_STREAM("mid_stream"),
  /**
   * Lost: the segment begins after bytes of the direction the sensor did not see (lost, reordered,
   * or cut by the snaplen).
   */
  GAP("gap"),
  /**
   * The segment carries bytes already passed (a retransmission) and is not a repeat of the
   * direction's last segment (which is redacted again); the stream stays followed.
   */
  RETRANSMISSION("retransmission"),
  /**
   * Lost: an HTTP head longer than {@value HttpHeadParser#MAX_HEAD_BYTES} bytes, or bytes that are
   * not an HTTP/1.1 head where one was expected.
   */
  BAD_HEAD("bad_head"),
  /**
   * Lost: the direction does not carry WebSocket frames: the exchange did not upgrade (no {@code
   * Upgrade: websocket}, a status other than 101), or the client sent bytes before the sensor saw
   * the 101.
   */
  NOT_WEBSOCKET("not_websocket"),
  /** Lost: the 101 response negotiated a WebSocket extension other than permessage-deflate. */
  UNKNOWN_EXTENSION("unknown_extension"),
  /** Lost: a frame header that breaks RFC 6455 (reserved opcode or bits, a bad control frame). */
  BAD_FRAME("bad_frame"),
  /** The segment carries payload bytes of a compressed message (RSV1, permessage-deflate). */
  COMPRESSED("compressed"),
  /**
   * The segment carries bytes of a text message from where it stopped parsing as one JSON value
   * (not JSON, nested deeper than {@value JsonRedactor#MAX_DEPTH} levels, cut short), or its end.
   */
  UNPARSEABLE("unparseable");

  private final String code;

  WithheldReason(String code) {
    this.code = code;
  }

  /** Returns the stable snake_case code of this reason, such as {@code gap}. */
  public String code() {
    return code;
  }
}
