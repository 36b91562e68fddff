package io.tapflow.processor.websocket;

import static io.tapflow.processor.websocket.WebSocketProtocol.CLOSE_STATUS_LENGTH;
import static io.tapflow.processor.websocket.WebSocketProtocol.MAX_CONTROL_PAYLOAD_LENGTH;
import static io.tapflow.processor.websocket.WebSocketProtocol.OPCODE_BINARY;
import static io.tapflow.processor.websocket.WebSocketProtocol.OPCODE_CLOSE;
import static io.tapflow.processor.websocket.WebSocketProtocol.OPCODE_CONTINUATION;
import static io.tapflow.processor.websocket.WebSocketProtocol.OPCODE_PING;
import static io.tapflow.processor.websocket.WebSocketProtocol.OPCODE_PONG;
import static io.tapflow.processor.websocket.WebSocketProtocol.OPCODE_TEXT;
import static io.tapflow.processor.websocket.WebSocketProtocol.opcodeName;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Reassembles one direction's frames into messages (RFC 6455 §5.4), inflating those compressed with
 * permessage-deflate.
 *
 * <p>Control frames may arrive between the fragments of a data message ("Control frames MAY be
 * injected in the middle of a fragmented message"), so the open data message and the current
 * control frame are kept apart. Content is buffered only up to the configured caps; lengths are
 * counted in full.
 *
 * <p>A mid-stream assembler has seen no handshake: RSV1 may mark a compressed message, but with no
 * window and no parameters such a message is delivered uninflated, without content.
 */
final class WebSocketMessageAssembler implements FrameHandler {

  /** What the payload of the frame being read belongs to. */
  enum FrameRole {
    /** Between frames. */
    NONE,
    /** The open data message. */
    DATA,
    /** A control frame, delivered on its own. */
    CONTROL,
    /** Nothing: a reserved opcode or a continuation of no message. */
    SKIPPED
  }

  /** The value of {@link #messageOpcode} when no data message is open. */
  private static final int NO_MESSAGE = OPCODE_CONTINUATION;

  /** RSV1 in the 3-bit RSV number {@link FrameHandler#onFrameHeader} passes. */
  private static final int RSV1 = 0b100;

  private static final byte[] EMPTY = new byte[0];

  private final WebSocketConfig config;
  private final PerMessageDeflate deflate;
  private final boolean midStream;
  private final WebSocketListener listener;
  private final MessageInflater inflater;

  private FrameRole frameRole = FrameRole.NONE;
  private boolean frameFin;

  private int messageOpcode = NO_MESSAGE;
  private boolean messageCompressed;
  private int messageFragments;
  private long messagePayloadLength;
  private long messageMissingBytes;
  private final CappedBuffer messageContent;
  private final CappedBuffer messageCompressedBytes;
  private final Utf8Validator messageUtf8 = new Utf8Validator();

  /** Whether the open text message's UTF-8 can still be checked: false after a gap. */
  private boolean messageUtf8Checked;

  /** The open message's first frame is the one found by searching. */
  private boolean messageResynchronized;

  /** The next message to start is the first since frame boundaries were found by searching. */
  private boolean resynchronizedPending;

  /**
   * Frame boundaries were found by searching and no data message has started since: continuations
   * of a message whose start was lost may still come.
   */
  private boolean lostMessageMayContinue;

  /** Whether {@link WebSocketAnomalies#COMPRESSED_WITHOUT_HANDSHAKE} was reported. */
  private boolean compressedWithoutHandshakeReported;

  private int controlOpcode;
  private long controlPayloadLength;
  private long controlMissingBytes;
  private boolean controlResynchronized;
  private final CappedBuffer controlContent;

  /**
   * @param deflate the negotiated permessage-deflate parameters, or null
   * @param midStream whether the handshake is unknown (then {@code deflate} is null)
   */
  WebSocketMessageAssembler(
      boolean sentByClient,
      WebSocketConfig config,
      PerMessageDeflate deflate,
      boolean midStream,
      WebSocketListener listener) {
    this.config = config;
    this.deflate = deflate;
    this.midStream = midStream;
    this.listener = listener;
    this.inflater = deflate == null ? null : new MessageInflater(deflate, sentByClient);
    this.messageContent = new CappedBuffer(config.maxContentBytes());
    this.messageCompressedBytes = new CappedBuffer(config.maxCompressedBufferBytes());
    this.controlContent = new CappedBuffer(config.maxContentBytes());
  }

  @Override
  public void onFrameHeader(
      boolean fin, int rsv, int opcode, long payloadLength, long timestampNanos) {
    frameFin = fin;
    frameRole =
        switch (opcode) {
          case OPCODE_TEXT, OPCODE_BINARY ->
              readDataFrame(rsv, opcode, payloadLength, timestampNanos);
          case OPCODE_CONTINUATION ->
              readContinuationFrame(fin, rsv, payloadLength, timestampNanos);
          case OPCODE_CLOSE, OPCODE_PING, OPCODE_PONG ->
              readControlFrame(fin, rsv, opcode, payloadLength, timestampNanos);
          default -> skipReservedOpcode(fin, opcode, payloadLength, timestampNanos);
        };
  }

  @Override
  public void onFramePayload(byte[] buf, int off, int len, long timestampNanos) {
    switch (frameRole) {
      case DATA -> appendMessagePayload(buf, off, len, timestampNanos);
      case CONTROL -> controlContent.append(buf, off, len);
      case NONE, SKIPPED -> {}
    }
  }

  @Override
  public void onFramePayloadGap(long length, long timestampNanos) {
    switch (frameRole) {
      case DATA -> {
        messageMissingBytes = saturatedAdd(messageMissingBytes, length);
        messageUtf8Checked = false;
      }
      case CONTROL -> controlMissingBytes = saturatedAdd(controlMissingBytes, length);
      case NONE, SKIPPED -> {}
    }
  }

  @Override
  public void onFrameEnd(long timestampNanos) {
    FrameRole ended = frameRole;
    frameRole = FrameRole.NONE;
    switch (ended) {
      case DATA -> {
        if (frameFin) {
          deliverMessage(timestampNanos);
        }
      }
      case CONTROL -> deliverControlFrame(timestampNanos);
      case NONE, SKIPPED -> {}
    }
  }

  @Override
  public void onFramingLost(long timestampNanos) {
    frameRole = FrameRole.NONE;
    closeMessage();
    if (inflater != null) {
      inflater.resetContext();
    }
  }

  @Override
  public void onResynchronized(long timestampNanos) {
    resynchronizedPending = true;
    lostMessageMayContinue = true;
  }

  @Override
  public void onStreamEnd(String partialFrame, long timestampNanos) {
    StringBuilder detail = new StringBuilder();
    if (messageOpcode != NO_MESSAGE) {
      detail
          .append("message_opcode=")
          .append(opcodeName(messageOpcode))
          .append(" message_fragments=")
          .append(messageFragments)
          .append(" message_payload_length=")
          .append(messagePayloadLength);
    }
    if (partialFrame != null) {
      detail.append(detail.length() == 0 ? "" : " ").append(partialFrame);
    }
    if (detail.length() > 0) {
      report(WebSocketAnomalies.INCOMPLETE_MESSAGE_AT_END, detail.toString(), timestampNanos);
    }
    frameRole = FrameRole.NONE;
    closeMessage();
  }

  private FrameRole readDataFrame(int rsv, int opcode, long payloadLength, long timestampNanos) {
    if (messageOpcode != NO_MESSAGE) {
      // "The fragments of one message MUST NOT be interleaved between the fragments of another
      // message": the open message will never complete.
      report(
          WebSocketAnomalies.EXPECTED_CONTINUATION,
          "opcode="
              + opcodeName(opcode)
              + " open_message_opcode="
              + opcodeName(messageOpcode)
              + " open_message_fragments="
              + messageFragments,
          timestampNanos);
      if (messageCompressed && inflater != null) {
        inflater.resetContext();
      }
      closeMessage();
    }
    boolean compressionPossible = deflate != null || midStream;
    checkRsv(rsv, compressionPossible ? RSV1 : 0, opcode, timestampNanos);
    messageOpcode = opcode;
    messageCompressed = compressionPossible && (rsv & RSV1) != 0;
    messageFragments = 1;
    messagePayloadLength = payloadLength;
    messageMissingBytes = 0;
    messageUtf8.reset();
    // Compressed text is checked as it inflates; text that cannot be inflated is not checked.
    messageUtf8Checked = opcode == OPCODE_TEXT && (!messageCompressed || inflater != null);
    messageResynchronized = resynchronizedPending;
    resynchronizedPending = false;
    lostMessageMayContinue = false;
    return FrameRole.DATA;
  }

  private FrameRole readContinuationFrame(
      boolean fin, int rsv, long payloadLength, long timestampNanos) {
    if (messageOpcode == NO_MESSAGE) {
      // Right after frame boundaries were found again, the rest of a message whose start was lost
      // is expected, not a violation: the loss was reported.
      if (!lostMessageMayContinue) {
        report(
            WebSocketAnomalies.UNEXPECTED_CONTINUATION,
            "payload_length=" + payloadLength + " fin=" + fin,
            timestampNanos);
      }
      return FrameRole.SKIPPED;
    }
    // "An endpoint MUST NOT set the "Per-Message Compressed" bit of control frames and non-first
    // fragments of a data message" (RFC 7692 §6).
    checkRsv(rsv, 0, OPCODE_CONTINUATION, timestampNanos);
    if (messageFragments < Integer.MAX_VALUE) {
      messageFragments++;
    }
    messagePayloadLength = saturatedAdd(messagePayloadLength, payloadLength);
    return FrameRole.DATA;
  }

  private FrameRole readControlFrame(
      boolean fin, int rsv, int opcode, long payloadLength, long timestampNanos) {
    String detail = "opcode=" + opcodeName(opcode) + " payload_length=" + payloadLength;
    // "All control frames MUST have a payload length of 125 bytes or less and MUST NOT be
    // fragmented" (RFC 6455 §5.5). Decoded anyway: the payload length still frames it.
    if (payloadLength > MAX_CONTROL_PAYLOAD_LENGTH) {
      report(WebSocketAnomalies.CONTROL_FRAME_TOO_LONG, detail, timestampNanos);
    }
    if (!fin) {
      report(WebSocketAnomalies.FRAGMENTED_CONTROL_FRAME, detail, timestampNanos);
    }
    checkRsv(rsv, 0, opcode, timestampNanos);
    controlOpcode = opcode;
    controlPayloadLength = payloadLength;
    controlMissingBytes = 0;
    controlResynchronized = resynchronizedPending;
    resynchronizedPending = false;
    controlContent.clear();
    return FrameRole.CONTROL;
  }

  private FrameRole skipReservedOpcode(
      boolean fin, int opcode, long payloadLength, long timestampNanos) {
    // "If an unknown opcode is received, the receiving endpoint MUST _Fail the WebSocket
    // Connection_" (RFC 6455 §5.2). A monitor skips the frame; its length still frames it.
    report(
        WebSocketAnomalies.RESERVED_OPCODE,
        "opcode=" + opcode + " payload_length=" + payloadLength + " fin=" + fin,
        timestampNanos);
    return FrameRole.SKIPPED;
  }

  /**
   * "RSV1, RSV2, RSV3: 1 bit each. MUST be 0 unless an extension is negotiated that defines
   * meanings for non-zero values" (RFC 6455 §5.2).
   */
  private void checkRsv(int rsv, int allowed, int opcode, long timestampNanos) {
    if ((rsv & ~allowed) == 0) {
      return;
    }
    report(
        WebSocketAnomalies.RSV_WITHOUT_EXTENSION,
        "opcode="
            + opcodeName(opcode)
            + " rsv1="
            + ((rsv >> 2) & 1)
            + " rsv2="
            + ((rsv >> 1) & 1)
            + " rsv3="
            + (rsv & 1)
            + " extension="
            + (deflate != null ? PerMessageDeflate.EXTENSION_NAME : midStream ? "unknown" : "none"),
        timestampNanos);
  }

  private void appendMessagePayload(byte[] buf, int off, int len, long timestampNanos) {
    if (!messageCompressed) {
      messageContent.append(buf, off, len);
      if (messageUtf8Checked) {
        messageUtf8.update(buf, off, len);
      }
      return;
    }
    if (messageMissingBytes > 0 || inflater == null) {
      return; // DEFLATE data cannot be inflated past a hole or without its window; don't keep it
    }
    boolean wasTruncated = messageCompressedBytes.isTruncated();
    messageCompressedBytes.append(buf, off, len);
    if (!wasTruncated && messageCompressedBytes.isTruncated()) {
      report(
          WebSocketAnomalies.DECOMPRESSION_LIMIT,
          "opcode="
              + opcodeName(messageOpcode)
              + " exceeded=compressed_length limit="
              + config.maxInflatedBytes(),
          timestampNanos);
    }
  }

  private void deliverMessage(long timestampNanos) {
    byte[] content;
    long payloadLength = messagePayloadLength;
    boolean truncated;
    boolean wholeText = messageUtf8Checked;
    if (!messageCompressed) {
      content = messageContent.take();
      truncated = messageContent.isTruncated();
    } else if (inflater == null) {
      if (!compressedWithoutHandshakeReported) {
        compressedWithoutHandshakeReported = true;
        report(
            WebSocketAnomalies.COMPRESSED_WITHOUT_HANDSHAKE,
            "opcode=" + opcodeName(messageOpcode) + " compressed_length=" + messagePayloadLength,
            timestampNanos);
      }
      content = EMPTY;
      truncated = true;
    } else if (messageMissingBytes > 0) {
      report(
          WebSocketAnomalies.DECOMPRESSION_FAILED,
          "opcode="
              + opcodeName(messageOpcode)
              + " error=gap missing_bytes="
              + messageMissingBytes
              + " compressed_length="
              + messagePayloadLength,
          timestampNanos);
      inflater.resetContext();
      content = EMPTY;
      truncated = true;
    } else {
      MessageInflater.Result result =
          inflater.inflate(
              messageCompressedBytes.array(),
              messageCompressedBytes.length(),
              !messageCompressedBytes.isTruncated(),
              config.maxInflatedBytes(),
              messageContent,
              messageUtf8Checked ? messageUtf8 : null);
      if (result.error() != null) {
        report(
            WebSocketAnomalies.DECOMPRESSION_FAILED,
            "opcode="
                + opcodeName(messageOpcode)
                + " error="
                + result.error()
                + " compressed_length="
                + messagePayloadLength
                + " inflated_length="
                + result.inflatedLength(),
            timestampNanos);
      }
      if (result.limitReached()) {
        report(
            WebSocketAnomalies.DECOMPRESSION_LIMIT,
            "opcode="
                + opcodeName(messageOpcode)
                + " exceeded=inflated_length limit="
                + config.maxInflatedBytes(),
            timestampNanos);
      }
      boolean cutShort =
          result.error() != null || result.limitReached() || messageCompressedBytes.isTruncated();
      if (cutShort) {
        inflater.resetContext();
        wholeText = false;
      }
      content = messageContent.take();
      payloadLength = result.inflatedLength();
      truncated = cutShort || messageContent.isTruncated();
    }
    // "When an endpoint is to interpret a byte stream as UTF-8 but finds that the byte stream is
    // not, in fact, a valid UTF-8 stream, that endpoint MUST _Fail the WebSocket Connection_"
    // (RFC 6455 §8.1). Only a text message seen whole can end in a cut sequence.
    if (messageOpcode == OPCODE_TEXT
        && (wholeText ? !messageUtf8.finish() : messageUtf8.isInvalid())) {
      report(
          WebSocketAnomalies.INVALID_UTF8,
          "opcode=text offset=" + messageUtf8.invalidOffset(),
          timestampNanos);
    }
    listener.onMessage(
        new WsMessage(
            WsOpcode.fromCode(messageOpcode),
            content,
            payloadLength,
            truncated,
            null,
            null,
            messageCompressed,
            messageFragments,
            timestampNanos,
            messageMissingBytes,
            messageResynchronized));
    closeMessage();
  }

  private void deliverControlFrame(long timestampNanos) {
    byte[] content = controlContent.take();
    Integer closeCode = null;
    String closeReason = null;
    if (controlOpcode == OPCODE_CLOSE && controlMissingBytes == 0) {
      // "If there is a body, the first two bytes of the body MUST be a 2-byte unsigned integer (in
      // network byte order) representing a status code" (RFC 6455 §5.5.1).
      if (controlPayloadLength == 1) {
        report(WebSocketAnomalies.INVALID_CLOSE_CODE, "payload_length=1", timestampNanos);
      } else if (content.length >= CLOSE_STATUS_LENGTH) {
        closeCode = ((content[0] & 0xff) << 8) | (content[1] & 0xff);
        if (!WebSocketProtocol.isValidCloseCode(closeCode)) {
          report(WebSocketAnomalies.INVALID_CLOSE_CODE, "close_code=" + closeCode, timestampNanos);
        }
        closeReason = closeReason(content, timestampNanos);
      }
    }
    listener.onMessage(
        new WsMessage(
            WsOpcode.fromCode(controlOpcode),
            content,
            controlPayloadLength,
            controlContent.isTruncated(),
            closeCode,
            closeReason,
            false,
            1,
            timestampNanos,
            controlMissingBytes,
            controlResynchronized));
    controlResynchronized = false;
    controlContent.clear();
  }

  /** "Following the 2-byte integer, the body MAY contain UTF-8-encoded data". */
  private String closeReason(byte[] content, long timestampNanos) {
    int length = content.length - CLOSE_STATUS_LENGTH;
    if (length == 0) {
      return null;
    }
    Utf8Validator utf8 = new Utf8Validator();
    utf8.update(content, CLOSE_STATUS_LENGTH, length);
    if (controlContent.isTruncated() ? utf8.isInvalid() : !utf8.finish()) {
      report(
          WebSocketAnomalies.INVALID_UTF8,
          "opcode=close offset=" + (CLOSE_STATUS_LENGTH + utf8.invalidOffset()),
          timestampNanos);
    }
    return new String(content, CLOSE_STATUS_LENGTH, length, StandardCharsets.UTF_8);
  }

  private void closeMessage() {
    messageOpcode = NO_MESSAGE;
    messageCompressed = false;
    messageFragments = 0;
    messagePayloadLength = 0;
    messageMissingBytes = 0;
    messageContent.clear();
    messageCompressedBytes.clear();
    messageUtf8.reset();
    messageUtf8Checked = false;
    messageResynchronized = false;
  }

  private void report(String code, String detail, long timestampNanos) {
    listener.onAnomaly(code, detail, timestampNanos);
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return sum < 0 ? Long.MAX_VALUE : sum;
  }

  void writeTo(DataOutput out) throws IOException {
    out.writeByte(frameRole.ordinal());
    out.writeBoolean(frameFin);
    out.writeByte(messageOpcode);
    out.writeBoolean(messageCompressed);
    out.writeInt(messageFragments);
    out.writeLong(messagePayloadLength);
    out.writeLong(messageMissingBytes);
    messageContent.writeTo(out);
    messageCompressedBytes.writeTo(out);
    messageUtf8.writeTo(out);
    out.writeBoolean(messageUtf8Checked);
    out.writeByte(controlOpcode);
    out.writeLong(controlPayloadLength);
    out.writeLong(controlMissingBytes);
    controlContent.writeTo(out);
    if (inflater != null) {
      inflater.writeTo(out);
    }
    out.writeBoolean(messageResynchronized);
    out.writeBoolean(resynchronizedPending);
    out.writeBoolean(controlResynchronized);
    out.writeBoolean(compressedWithoutHandshakeReported);
    out.writeBoolean(lostMessageMayContinue);
  }

  /**
   * Restores the state {@link #writeTo} wrote.
   *
   * @param version the decoder snapshot version: version 1 had no resynchronisation flags
   */
  void readFrom(DataInput in, int version) throws IOException {
    int role = in.readUnsignedByte();
    if (role >= FrameRole.values().length) {
      throw new IOException("unknown frame role " + role);
    }
    frameRole = FrameRole.values()[role];
    frameFin = in.readBoolean();
    messageOpcode = in.readUnsignedByte();
    if (messageOpcode != NO_MESSAGE && WsOpcode.fromCode(messageOpcode) == null) {
      throw new IOException("unknown message opcode " + messageOpcode);
    }
    messageCompressed = in.readBoolean();
    messageFragments = in.readInt();
    messagePayloadLength = in.readLong();
    messageMissingBytes = in.readLong();
    messageContent.readFrom(in);
    messageCompressedBytes.readFrom(in);
    messageUtf8.readFrom(in);
    messageUtf8Checked = in.readBoolean();
    controlOpcode = in.readUnsignedByte();
    controlPayloadLength = in.readLong();
    controlMissingBytes = in.readLong();
    controlContent.readFrom(in);
    if (inflater != null) {
      inflater.readFrom(in);
    }
    if (version >= 2) {
      messageResynchronized = in.readBoolean();
      resynchronizedPending = in.readBoolean();
      controlResynchronized = in.readBoolean();
      compressedWithoutHandshakeReported = in.readBoolean();
      lostMessageMayContinue = in.readBoolean();
    }
  }

  /** The capacity of the arrays this assembler keeps between calls. */
  int retainedBytes() {
    return messageContent.capacity()
        + messageCompressedBytes.capacity()
        + controlContent.capacity()
        + (inflater == null ? 0 : inflater.retainedBytes());
  }
}
