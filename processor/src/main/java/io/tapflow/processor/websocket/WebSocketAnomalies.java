package io.tapflow.processor.websocket;

/**
 * The stable codes a {@link WebSocketDecoder} reports through {@link WebSocketListener#onAnomaly}.
 *
 * <p>The detail that goes with each code is a list of {@code key=value} pairs separated by single
 * spaces; keys are snake_case and values contain no spaces.
 */
public final class WebSocketAnomalies {

  /**
   * A client frame without a masking key. "The client MUST mask all frames that it sends to the
   * server" (RFC 6455 §5.1); the frame is decoded anyway (wstunnel does this). Reported once per
   * direction.
   */
  public static final String UNMASKED_CLIENT_FRAME = "websocket_unmasked_client_frame";

  /**
   * A server frame with a masking key. "A server MUST NOT mask any frames that it sends to the
   * client" (RFC 6455 §5.1); the frame is unmasked and decoded anyway. Reported once per direction.
   */
  public static final String MASKED_SERVER_FRAME = "websocket_masked_server_frame";

  /** A control frame longer than 125 bytes (RFC 6455 §5.5); it is still decoded. */
  public static final String CONTROL_FRAME_TOO_LONG = "websocket_control_frame_too_long";

  /**
   * A control frame with FIN clear. "Control frames themselves MUST NOT be fragmented" (RFC 6455
   * §5.5); it is delivered as a complete message.
   */
  public static final String FRAGMENTED_CONTROL_FRAME = "websocket_fragmented_control_frame";

  /** A frame with an opcode RFC 6455 reserves (0x3-0x7, 0xB-0xF); its payload is skipped. */
  public static final String RESERVED_OPCODE = "websocket_reserved_opcode";

  /**
   * A frame with an RSV bit that no negotiated extension defines: RSV2 or RSV3 at all, RSV1 without
   * permessage-deflate, or RSV1 on a control frame or a continuation frame (RFC 7692 §6). The bit
   * is otherwise ignored.
   */
  public static final String RSV_WITHOUT_EXTENSION = "websocket_rsv_without_extension";

  /** A text message or close reason that is not well-formed UTF-8 (RFC 6455 §5.6, §5.5.1). */
  public static final String INVALID_UTF8 = "websocket_invalid_utf8";

  /** A close frame with a 1-byte payload or a status code RFC 6455 §7.4 does not allow. */
  public static final String INVALID_CLOSE_CODE = "websocket_invalid_close_code";

  /** A continuation frame with no fragmented message to continue; its payload is skipped. */
  public static final String UNEXPECTED_CONTINUATION = "websocket_unexpected_continuation";

  /**
   * A text or binary frame while a fragmented message was still open: the open message is discarded
   * and the new one starts (RFC 6455 §5.4: fragments of one message MUST NOT be interleaved with
   * another).
   */
  public static final String EXPECTED_CONTINUATION = "websocket_expected_continuation";

  /** The direction ended inside a frame or inside a fragmented message. */
  public static final String INCOMPLETE_MESSAGE_AT_END = "websocket_incomplete_message_at_end";

  /**
   * A compressed message that could not be inflated: corrupt DEFLATE data, a reference to history
   * the decoder does not have, or a capture gap inside it.
   */
  public static final String DECOMPRESSION_FAILED = "websocket_decompression_failed";

  /**
   * A compressed message whose compressed or inflated size passed {@link
   * WebSocketConfig#maxInflatedBytes()}; inflation stopped there.
   */
  public static final String DECOMPRESSION_LIMIT = "websocket_decompression_limit";

  /**
   * A capture gap where a frame header was due: framing is lost until the decoder finds a frame
   * header again ({@link #RESYNCHRONIZED}).
   */
  public static final String GAP = "websocket_gap";

  /**
   * A 64-bit payload length with its most significant bit set ("the most significant bit MUST be
   * 0", RFC 6455 §5.2): framing is lost until the decoder finds a frame header again.
   */
  public static final String INVALID_PAYLOAD_LENGTH = "websocket_invalid_payload_length";

  /**
   * A payload length encoded in more bytes than needed ("the minimal number of bytes MUST be used
   * to encode the length", RFC 6455 §5.2); the frame is decoded anyway.
   */
  public static final String NON_MINIMAL_PAYLOAD_LENGTH = "websocket_non_minimal_payload_length";

  /**
   * The decoder found frame boundaries again after framing was lost, or at the start of a
   * mid-stream decoder: a plausible frame header (valid opcode, RSV bits and mask bit for the
   * direction, minimal length) confirmed by the plausible headers that follow it, or ending exactly
   * where the captured data ends. Detail: {@code skipped_bytes} captured bytes passed over in the
   * search, {@code opcode} and {@code payload_length} of the frame found. The first message to
   * start from there is marked {@link WsMessage#resynchronized()}; continuations of a message whose
   * start was lost are skipped without {@link #UNEXPECTED_CONTINUATION}. About once in a hundred
   * losses where the lost bytes look random (compressed, masked, binary), a header forged by chance
   * in them reaches the true next header: that one marked message is then spurious, and the frames
   * after it decode as they should.
   */
  public static final String RESYNCHRONIZED = "websocket_resynchronized";

  /**
   * A mid-stream decoder met a frame with RSV1 set: the session very likely negotiated
   * permessage-deflate in a handshake that was not captured, and without the LZ77 window and
   * parameters the messages cannot be inflated. They are delivered compressed, without content,
   * with their compressed length. Reported once per direction.
   */
  public static final String COMPRESSED_WITHOUT_HANDSHAKE =
      "websocket_compressed_without_handshake";

  private WebSocketAnomalies() {}
}
