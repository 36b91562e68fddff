package io.tapflow.processor.websocket;

import static io.tapflow.processor.websocket.WebSocketProtocol.B0_FIN;
import static io.tapflow.processor.websocket.WebSocketProtocol.B0_OPCODE;
import static io.tapflow.processor.websocket.WebSocketProtocol.B1_MASK;
import static io.tapflow.processor.websocket.WebSocketProtocol.B1_PAYLOAD_LEN;
import static io.tapflow.processor.websocket.WebSocketProtocol.MASKING_KEY_LENGTH;
import static io.tapflow.processor.websocket.WebSocketProtocol.PAYLOAD_LEN_16;
import static io.tapflow.processor.websocket.WebSocketProtocol.PAYLOAD_LEN_64;
import static io.tapflow.processor.websocket.WebSocketProtocol.opcodeName;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Locale;

/**
 * Splits one direction's bytes into RFC 6455 frames: headers, unmasked payload chunks and ends.
 *
 * <p>A push parser whose whole state is {@link State} plus a few scalars, so it can stop after any
 * byte, be snapshotted and carry on. Payload is passed through in the chunks it arrives in and
 * never buffered here, so a frame claiming 2^63-1 bytes costs nothing until its bytes come.
 */
final class WebSocketFrameParser {

  /** Where in the frame the next byte belongs. */
  enum State {
    /** Byte 0: FIN, RSV1-3, opcode. */
    FRAME_START,
    /** Byte 1: MASK and the 7-bit payload length. */
    PAYLOAD_LENGTH,
    /** The 16-bit or 64-bit extended payload length. */
    EXTENDED_PAYLOAD_LENGTH,
    /** The 4-byte masking key. */
    MASKING_KEY,
    /** Payload data. */
    PAYLOAD_DATA,
    /** Frame boundaries are unknown after a gap or a corrupt header; bytes are dropped. */
    LOST,
    /** The direction ended. */
    ENDED
  }

  private static final int UNMASK_CHUNK_LENGTH = 8192;

  private final boolean sentByClient;
  private final FrameHandler handler;
  private final WebSocketListener anomalies;

  /** Scratch space for unmasking; not part of the state. */
  private byte[] unmasked;

  private State state = State.FRAME_START;
  private int firstByte;
  private int secondByte;

  /** Extended payload length or masking key bytes still to read. */
  private int fieldBytesRemaining;

  private long payloadLength;
  private int maskingKey;
  private long payloadRead;
  private boolean unmaskedClientFrameReported;
  private boolean maskedServerFrameReported;

  /** Bytes dropped because framing was lost or the direction had ended, gaps included. */
  private long droppedBytes;

  WebSocketFrameParser(boolean sentByClient, FrameHandler handler, WebSocketListener anomalies) {
    this.sentByClient = sentByClient;
    this.handler = handler;
    this.anomalies = anomalies;
  }

  void onData(byte[] buf, int off, int len, long timestampNanos) {
    int pos = off;
    int end = off + len;
    while (pos < end) {
      pos =
          switch (state) {
            case FRAME_START -> readFrameStart(buf[pos], pos);
            case PAYLOAD_LENGTH -> readPayloadLength(buf[pos], pos, timestampNanos);
            case EXTENDED_PAYLOAD_LENGTH ->
                readExtendedPayloadLength(buf, pos, end, timestampNanos);
            case MASKING_KEY -> readMaskingKey(buf, pos, end, timestampNanos);
            case PAYLOAD_DATA -> readPayloadData(buf, pos, end, timestampNanos);
            case LOST -> resynchronize(buf, pos, end);
            case ENDED -> drop(pos, end);
          };
    }
  }

  /**
   * Bytes of this direction that were never captured. Inside a payload the frame's length still
   * says where the next header starts, so framing survives; anywhere else it is lost.
   */
  void onGap(long length, long timestampNanos) {
    if (length <= 0) {
      return;
    }
    switch (state) {
      case PAYLOAD_DATA -> {
        long remaining = payloadLength - payloadRead;
        long inPayload = Math.min(length, remaining);
        payloadRead += inPayload;
        handler.onFramePayloadGap(inPayload, timestampNanos);
        if (payloadRead == payloadLength) {
          endFrame(timestampNanos);
        }
        if (length > inPayload) {
          loseFraming(
              "length=" + length + " state=payload_data payload_remaining=" + remaining,
              length - inPayload,
              timestampNanos);
        }
      }
      case FRAME_START, PAYLOAD_LENGTH, EXTENDED_PAYLOAD_LENGTH, MASKING_KEY ->
          loseFraming("length=" + length + " state=" + stateName(), length, timestampNanos);
      case LOST, ENDED -> droppedBytes += length;
    }
  }

  /** The direction ended: a frame cut short is passed on for the handler to report. */
  void onEnd(long timestampNanos) {
    if (state == State.ENDED) {
      return;
    }
    String partialFrame =
        switch (state) {
          case FRAME_START, LOST, ENDED -> null;
          case PAYLOAD_LENGTH, EXTENDED_PAYLOAD_LENGTH, MASKING_KEY ->
              "frame_state=" + stateName() + " frame_opcode=" + opcodeName(firstByte & B0_OPCODE);
          case PAYLOAD_DATA ->
              "frame_state=payload_data frame_opcode="
                  + opcodeName(firstByte & B0_OPCODE)
                  + " frame_payload_length="
                  + payloadLength
                  + " frame_payload_read="
                  + payloadRead;
        };
    state = State.ENDED;
    handler.onStreamEnd(partialFrame, timestampNanos);
  }

  State state() {
    return state;
  }

  long droppedBytes() {
    return droppedBytes;
  }

  private int readFrameStart(byte b, int pos) {
    firstByte = b & 0xff;
    state = State.PAYLOAD_LENGTH;
    return pos + 1;
  }

  private int readPayloadLength(byte b, int pos, long timestampNanos) {
    secondByte = b & 0xff;
    int length7 = secondByte & B1_PAYLOAD_LEN;
    payloadLength = 0;
    if (length7 == PAYLOAD_LEN_16 || length7 == PAYLOAD_LEN_64) {
      fieldBytesRemaining = length7 == PAYLOAD_LEN_16 ? 2 : 8;
      state = State.EXTENDED_PAYLOAD_LENGTH;
    } else {
      payloadLength = length7;
      afterPayloadLength(timestampNanos);
    }
    return pos + 1;
  }

  private int readExtendedPayloadLength(byte[] buf, int pos, int end, long timestampNanos) {
    while (pos < end && fieldBytesRemaining > 0) {
      payloadLength = (payloadLength << 8) | (buf[pos++] & 0xff);
      fieldBytesRemaining--;
    }
    if (fieldBytesRemaining == 0) {
      afterPayloadLength(timestampNanos);
    }
    return pos;
  }

  private void afterPayloadLength(long timestampNanos) {
    int length7 = secondByte & B1_PAYLOAD_LEN;
    if (payloadLength < 0) {
      // "If 127, the following 8 bytes interpreted as a 64-bit unsigned integer (the most
      // significant bit MUST be 0)": without the frame's true end, framing is gone.
      report(
          WebSocketAnomalies.INVALID_PAYLOAD_LENGTH,
          "opcode="
              + opcodeName(firstByte & B0_OPCODE)
              + " payload_length="
              + Long.toUnsignedString(payloadLength),
          timestampNanos);
      state = State.LOST;
      handler.onFramingLost(timestampNanos);
      return;
    }
    // "In all cases, the minimal number of bytes MUST be used to encode the length."
    boolean nonMinimal =
        (length7 == PAYLOAD_LEN_16 && payloadLength < PAYLOAD_LEN_16)
            || (length7 == PAYLOAD_LEN_64 && payloadLength <= 0xffff);
    if (nonMinimal) {
      report(
          WebSocketAnomalies.NON_MINIMAL_PAYLOAD_LENGTH,
          "opcode="
              + opcodeName(firstByte & B0_OPCODE)
              + " payload_length="
              + payloadLength
              + " length_bytes="
              + (length7 == PAYLOAD_LEN_16 ? 2 : 8),
          timestampNanos);
    }
    if ((secondByte & B1_MASK) != 0) {
      maskingKey = 0;
      fieldBytesRemaining = MASKING_KEY_LENGTH;
      state = State.MASKING_KEY;
    } else {
      startPayload(timestampNanos);
    }
  }

  private int readMaskingKey(byte[] buf, int pos, int end, long timestampNanos) {
    while (pos < end && fieldBytesRemaining > 0) {
      maskingKey = (maskingKey << 8) | (buf[pos++] & 0xff);
      fieldBytesRemaining--;
    }
    if (fieldBytesRemaining == 0) {
      startPayload(timestampNanos);
    }
    return pos;
  }

  private void startPayload(long timestampNanos) {
    boolean masked = (secondByte & B1_MASK) != 0;
    // "A client MUST mask all frames that it sends to the server" and "A server MUST NOT mask any
    // frames that it sends to the client" (RFC 6455 §5.1). A monitor decodes either way.
    if (sentByClient && !masked && !unmaskedClientFrameReported) {
      unmaskedClientFrameReported = true;
      report(WebSocketAnomalies.UNMASKED_CLIENT_FRAME, frameDetail(), timestampNanos);
    } else if (!sentByClient && masked && !maskedServerFrameReported) {
      maskedServerFrameReported = true;
      report(WebSocketAnomalies.MASKED_SERVER_FRAME, frameDetail(), timestampNanos);
    }
    payloadRead = 0;
    handler.onFrameHeader(
        (firstByte & B0_FIN) != 0,
        (firstByte >> 4) & 0x7,
        firstByte & B0_OPCODE,
        payloadLength,
        timestampNanos);
    if (payloadLength == 0) {
      endFrame(timestampNanos);
    } else {
      state = State.PAYLOAD_DATA;
    }
  }

  private int readPayloadData(byte[] buf, int pos, int end, long timestampNanos) {
    int n = (int) Math.min(end - pos, payloadLength - payloadRead);
    if ((secondByte & B1_MASK) == 0) {
      handler.onFramePayload(buf, pos, n, timestampNanos);
    } else {
      unmask(buf, pos, n, timestampNanos);
    }
    payloadRead += n;
    if (payloadRead == payloadLength) {
      endFrame(timestampNanos);
    }
    return pos + n;
  }

  /**
   * "Octet i of the transformed data is the XOR of octet i of the original data with octet at index
   * i modulo 4 of the masking key" (RFC 6455 §5.3).
   */
  private void unmask(byte[] buf, int pos, int n, long timestampNanos) {
    if (unmasked == null) {
      unmasked = new byte[UNMASK_CHUNK_LENGTH];
    }
    long index = payloadRead;
    for (int done = 0; done < n; ) {
      int k = Math.min(n - done, unmasked.length);
      for (int i = 0; i < k; i++, index++) {
        int keyByte = maskingKey >>> (24 - 8 * (int) (index & 3));
        unmasked[i] = (byte) (buf[pos + done + i] ^ keyByte);
      }
      handler.onFramePayload(unmasked, 0, k, timestampNanos);
      done += k;
    }
  }

  private void endFrame(long timestampNanos) {
    state = State.FRAME_START;
    handler.onFrameEnd(timestampNanos);
  }

  private void loseFraming(String detail, long dropped, long timestampNanos) {
    report(WebSocketAnomalies.GAP, detail, timestampNanos);
    droppedBytes += dropped;
    state = State.LOST;
    handler.onFramingLost(timestampNanos);
  }

  /**
   * Hook for finding the next frame header after framing was lost. Not implemented yet: every byte
   * is dropped until the direction ends. An implementation would look for a plausible frame start,
   * set {@link #state} to {@link State#FRAME_START} and return its position; the handler holds
   * nothing partial by then, having been told {@link FrameHandler#onFramingLost}.
   *
   * @return the position of the first byte not consumed
   */
  private int resynchronize(byte[] buf, int pos, int end) {
    return drop(pos, end);
  }

  private int drop(int pos, int end) {
    droppedBytes += end - pos;
    return end;
  }

  private void report(String code, String detail, long timestampNanos) {
    anomalies.onAnomaly(code, detail, timestampNanos);
  }

  private String frameDetail() {
    return "opcode=" + opcodeName(firstByte & B0_OPCODE) + " payload_length=" + payloadLength;
  }

  private String stateName() {
    return state.name().toLowerCase(Locale.ROOT);
  }

  void writeTo(DataOutput out) throws IOException {
    out.writeByte(state.ordinal());
    out.writeByte(firstByte);
    out.writeByte(secondByte);
    out.writeByte(fieldBytesRemaining);
    out.writeLong(payloadLength);
    out.writeInt(maskingKey);
    out.writeLong(payloadRead);
    out.writeBoolean(unmaskedClientFrameReported);
    out.writeBoolean(maskedServerFrameReported);
    out.writeLong(droppedBytes);
  }

  void readFrom(DataInput in) throws IOException {
    int ordinal = in.readUnsignedByte();
    if (ordinal >= State.values().length) {
      throw new IOException("unknown frame parser state " + ordinal);
    }
    state = State.values()[ordinal];
    firstByte = in.readUnsignedByte();
    secondByte = in.readUnsignedByte();
    fieldBytesRemaining = in.readUnsignedByte();
    payloadLength = in.readLong();
    maskingKey = in.readInt();
    payloadRead = in.readLong();
    unmaskedClientFrameReported = in.readBoolean();
    maskedServerFrameReported = in.readBoolean();
    droppedBytes = in.readLong();
  }
}
