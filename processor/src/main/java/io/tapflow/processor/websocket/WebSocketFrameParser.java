package io.tapflow.processor.websocket;

import static io.tapflow.processor.websocket.WebSocketProtocol.B0_FIN;
import static io.tapflow.processor.websocket.WebSocketProtocol.B0_OPCODE;
import static io.tapflow.processor.websocket.WebSocketProtocol.B1_MASK;
import static io.tapflow.processor.websocket.WebSocketProtocol.B1_PAYLOAD_LEN;
import static io.tapflow.processor.websocket.WebSocketProtocol.MASKING_KEY_LENGTH;
import static io.tapflow.processor.websocket.WebSocketProtocol.PAYLOAD_LEN_16;
import static io.tapflow.processor.websocket.WebSocketProtocol.PAYLOAD_LEN_64;
import static io.tapflow.processor.websocket.WebSocketProtocol.opcodeName;

import io.tapflow.processor.snapshot.SnapshotBytes;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Locale;

/**
 * Splits one direction's bytes into RFC 6455 frames: headers, unmasked payload chunks and ends.
 *
 * <p>A push parser whose whole state is {@link State} plus a few scalars, so it can stop after any
 * byte, be snapshotted and carry on. Payload is passed through in the chunks it arrives in and
 * never buffered here, so a frame claiming 2^63-1 bytes costs nothing until its bytes come.
 *
 * <p>When framing is lost (a gap where a header was due, a corrupt length) or was never known (a
 * mid-stream decoder), the parser holds up to {@link WebSocketConfig#maxResyncBytes()} bytes and
 * asks {@link FrameSearch} at each offset, in order, whether a frame starts there. The bytes before
 * the first frame found are skipped and counted; the bytes from it on are parsed as usual. Only the
 * bytes still undecided are held, so the search never holds more than that bound.
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
    /**
     * Frame boundaries are unknown (after a gap or a corrupt header, or at the start of a
     * mid-stream decoder): bytes are held while searching for the next frame header.
     */
    LOST,
    /** The direction ended. */
    ENDED
  }

  private static final int UNMASK_CHUNK_LENGTH = 8192;

  /**
   * Scratch space for unmasking, one per thread rather than per parser: it holds bytes only for the
   * duration of one {@link FrameHandler#onFramePayload} call, and a thousand idle connections
   * should not keep a thousand of them.
   */
  private static final ThreadLocal<byte[]> UNMASKED =
      ThreadLocal.withInitial(() -> new byte[UNMASK_CHUNK_LENGTH]);

  /** Eight bytes at a time, in network order, for unmasking. */
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  /** The search window starts this small and doubles up to twice the bound. */
  private static final int MIN_WINDOW_CAPACITY = 256;

  private final boolean sentByClient;
  private final int maxResyncBytes;
  private final FrameHandler handler;
  private final WebSocketListener anomalies;
  private final Tally tally;
  private final FrameSearch search;

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

  /**
   * LOST only: the bytes still undecided are {@code window[windowStart..windowEnd)}, at most {@link
   * #maxResyncBytes} of them; the array is up to twice that, so that it is compacted seldom.
   */
  private byte[] window;

  private int windowStart;
  private int windowEnd;

  /** LOST only: captured bytes skipped since framing was lost. */
  private long searchSkippedBytes;

  /**
   * @param rsv1Allowed whether RSV1 may mark a compressed message, for the search:
   *     permessage-deflate was negotiated or the handshake is unknown
   * @param midStream whether the direction is joined at an unknown point: start by searching
   */
  WebSocketFrameParser(
      boolean sentByClient,
      boolean rsv1Allowed,
      boolean midStream,
      int maxResyncBytes,
      FrameHandler handler,
      WebSocketListener anomalies,
      Tally tally) {
    this.sentByClient = sentByClient;
    this.maxResyncBytes = maxResyncBytes;
    this.handler = handler;
    this.anomalies = anomalies;
    this.tally = tally;
    this.search = new FrameSearch(sentByClient, rsv1Allowed);
    if (midStream) {
      state = State.LOST;
    }
  }

  void onData(byte[] buf, int off, int len, long timestampNanos) {
    int pos = off;
    int end = off + len;
    while (pos < end) {
      pos =
          switch (state) {
            case LOST -> hold(buf, pos, end, timestampNanos);
            case ENDED -> drop(pos, end);
            default -> step(buf, pos, end, timestampNanos);
          };
    }
  }

  /** Reads bytes in one of the states where the frame boundaries are known. */
  private int step(byte[] buf, int pos, int end, long timestampNanos) {
    return switch (state) {
      case FRAME_START -> readFrameStart(buf[pos], pos);
      case PAYLOAD_LENGTH -> readPayloadLength(buf[pos], pos, timestampNanos);
      case EXTENDED_PAYLOAD_LENGTH -> readExtendedPayloadLength(buf, pos, end, timestampNanos);
      case MASKING_KEY -> readMaskingKey(buf, pos, end, timestampNanos);
      case PAYLOAD_DATA -> readPayloadData(buf, pos, end, timestampNanos);
      case LOST, ENDED -> throw new IllegalStateException("framing unknown in state " + state);
    };
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
      case FRAME_START, PAYLOAD_LENGTH, EXTENDED_PAYLOAD_LENGTH, MASKING_KEY -> {
        tally.wireBytes(partialHeaderLength()); // the header read, so that every byte is counted
        loseFraming("length=" + length + " state=" + stateName(), length, timestampNanos);
      }
      case LOST -> {
        // The held bytes end here: a frame that ends exactly at the gap can be taken now.
        finishSearch(timestampNanos);
        if (state == State.LOST) {
          droppedBytes += length;
        } else {
          onGap(length, timestampNanos);
        }
      }
      case ENDED -> droppedBytes += length;
    }
  }

  /** The direction ended: a frame cut short is passed on for the handler to report. */
  void onEnd(long timestampNanos) {
    if (state == State.ENDED) {
      return;
    }
    if (state == State.LOST) {
      finishSearch(timestampNanos);
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
    if (state != State.PAYLOAD_DATA) {
      tally.wireBytes(partialHeaderLength());
    }
    state = State.ENDED;
    handler.onStreamEnd(partialFrame, timestampNanos);
  }

  State state() {
    return state;
  }

  long droppedBytes() {
    return droppedBytes;
  }

  /** Bytes held while searching for a frame header. */
  int heldBytes() {
    return windowEnd - windowStart;
  }

  /** The capacity of the arrays this parser keeps between calls. */
  int retainedBytes() {
    return window == null ? 0 : window.length;
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
      fieldBytesRemaining = extendedLengthBytes();
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
      tally.wireBytes(2 + 8); // the header read, so that every byte is counted once
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
              + extendedLengthBytes(),
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
    tally.frame(firstByte & B0_OPCODE);
    tally.wireBytes(headerLength());
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
    tally.wireBytes(n);
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
    byte[] unmasked = UNMASKED.get();
    long index = payloadRead;
    for (int done = 0; done < n; ) {
      int k = Math.min(n - done, unmasked.length);
      // The key rotated so that its first byte applies to this chunk's first byte, twice over a
      // long: eight payload bytes per XOR.
      int key = Integer.rotateLeft(maskingKey, 8 * (int) (index & 3));
      long key8 = ((long) key << 32) | (key & 0xffffffffL);
      int from = pos + done;
      int i = 0;
      for (; i + Long.BYTES <= k; i += Long.BYTES) {
        LONGS.set(unmasked, i, (long) LONGS.get(buf, from + i) ^ key8);
      }
      for (; i < k; i++) {
        unmasked[i] = (byte) (buf[from + i] ^ (key >>> (24 - 8 * (i & 3))));
      }
      handler.onFramePayload(unmasked, 0, k, timestampNanos);
      done += k;
      index += k;
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

  /** The bytes read of a frame header not yet complete (0 between frames). */
  private int partialHeaderLength() {
    return switch (state) {
      case PAYLOAD_LENGTH -> 1;
      case EXTENDED_PAYLOAD_LENGTH -> 2 + extendedLengthBytes() - fieldBytesRemaining;
      case MASKING_KEY -> 2 + extendedLengthBytes() + MASKING_KEY_LENGTH - fieldBytesRemaining;
      default -> 0;
    };
  }

  /** The length of the current frame's header. */
  private int headerLength() {
    return 2 + extendedLengthBytes() + ((secondByte & B1_MASK) != 0 ? MASKING_KEY_LENGTH : 0);
  }

  /** The bytes of the current frame's extended payload length: 0, 2 or 8. */
  private int extendedLengthBytes() {
    int length7 = secondByte & B1_PAYLOAD_LEN;
    return length7 == PAYLOAD_LEN_16 ? 2 : length7 == PAYLOAD_LEN_64 ? 8 : 0;
  }

  /**
   * Takes bytes into the search window, as many as the bound leaves room for, and searches them.
   *
   * @return the position of the first byte not taken
   */
  private int hold(byte[] buf, int pos, int end, long timestampNanos) {
    if (maxResyncBytes == 0) {
      skip(end - pos);
      return end;
    }
    int n = Math.min(end - pos, maxResyncBytes - heldBytes());
    makeRoom(n);
    System.arraycopy(buf, pos, window, windowEnd, n);
    windowEnd += n;
    resynchronize(FrameSearch.Horizon.OPEN, timestampNanos);
    return pos + n;
  }

  /** The held bytes are all there will be before a gap or the end: decide on every one. */
  private void finishSearch(long timestampNanos) {
    resynchronize(FrameSearch.Horizon.DATA_ENDS, timestampNanos);
    if (state == State.LOST) {
      skip(heldBytes());
      releaseWindow();
    }
  }

  /**
   * Finds the next frame header in the held bytes: skips the offsets where no frame starts, and
   * from the first where one does, parses the held bytes as usual. Stops at an offset that is
   * undecided until more bytes come, unless the window is full, in which case that offset is
   * decided with what there is.
   *
   * @param horizon {@link FrameSearch.Horizon#DATA_ENDS} when no more bytes follow the held ones
   */
  private void resynchronize(FrameSearch.Horizon horizon, long timestampNanos) {
    while (state == State.LOST && windowStart < windowEnd) {
      FrameSearch.Verdict verdict = FrameSearch.Verdict.NOT_A_FRAME;
      while (windowStart < windowEnd) {
        FrameSearch.Horizon reach =
            horizon == FrameSearch.Horizon.OPEN && heldBytes() == maxResyncBytes
                ? FrameSearch.Horizon.WINDOW_FULL
                : horizon;
        verdict = search.judge(window, windowStart, windowEnd, reach);
        if (verdict != FrameSearch.Verdict.NOT_A_FRAME) {
          break;
        }
        windowStart++;
        skip(1);
      }
      if (verdict != FrameSearch.Verdict.FRAME) {
        return;
      }
      int frameStart = search.refine(window, windowStart, windowEnd);
      skip(frameStart - windowStart);
      windowStart = frameStart;
      report(
          WebSocketAnomalies.RESYNCHRONIZED,
          "skipped_bytes="
              + searchSkippedBytes
              + " opcode="
              + opcodeName(FrameSearch.opcodeAt(window, windowStart))
              + " payload_length="
              + FrameSearch.payloadLengthAt(window, windowStart),
          timestampNanos);
      tally.resynchronized();
      searchSkippedBytes = 0;
      byte[] held = Arrays.copyOfRange(window, windowStart, windowEnd);
      windowStart = 0;
      windowEnd = 0;
      state = State.FRAME_START;
      handler.onResynchronized(timestampNanos);
      int pos = 0;
      while (pos < held.length && state != State.LOST) {
        pos = step(held, pos, held.length, timestampNanos);
      }
      if (state == State.LOST) {
        // Framing was lost again inside the held bytes: search what is left of them.
        System.arraycopy(held, pos, window, 0, held.length - pos);
        windowEnd = held.length - pos;
      } else {
        releaseWindow();
      }
    }
  }

  /**
   * Makes room for {@code n} more bytes at the end of the window. The array is kept at least twice
   * the held bytes (up to twice the bound), so each compaction is paid for by as many appended
   * bytes as it moves.
   */
  private void makeRoom(int n) {
    if (window != null && windowEnd + n <= window.length) {
      return;
    }
    int held = heldBytes();
    long wanted = 2L * (held + n);
    if (window == null || (wanted > window.length && window.length < 2L * maxResyncBytes)) {
      int capacity = (int) Math.min(2L * maxResyncBytes, Math.max(MIN_WINDOW_CAPACITY, wanted));
      byte[] grown = new byte[capacity];
      if (held > 0) {
        System.arraycopy(window, windowStart, grown, 0, held);
      }
      window = grown;
    } else {
      System.arraycopy(window, windowStart, window, 0, held);
    }
    windowStart = 0;
    windowEnd = held;
  }

  private void releaseWindow() {
    window = null;
    windowStart = 0;
    windowEnd = 0;
  }

  private void skip(long n) {
    droppedBytes += n;
    searchSkippedBytes += n;
    tally.skippedBytes(n);
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
    SnapshotBytes.writeFixed(out, maskingKey, 4); // random, see SnapshotBytes
    out.writeLong(payloadRead);
    out.writeBoolean(unmaskedClientFrameReported);
    out.writeBoolean(maskedServerFrameReported);
    out.writeLong(droppedBytes);
    out.writeInt(heldBytes());
    if (heldBytes() > 0) {
      out.write(window, windowStart, heldBytes());
    }
    out.writeLong(searchSkippedBytes);
  }

  /**
   * Restores the state {@link #writeTo} wrote.
   *
   * @param version the decoder snapshot version: version 1 had no search window
   */
  void readFrom(DataInput in, int version) throws IOException {
    int ordinal = in.readUnsignedByte();
    if (ordinal >= State.values().length) {
      throw new IOException("unknown frame parser state " + ordinal);
    }
    state = State.values()[ordinal];
    firstByte = in.readUnsignedByte();
    secondByte = in.readUnsignedByte();
    fieldBytesRemaining = in.readUnsignedByte();
    payloadLength = in.readLong();
    maskingKey = (int) SnapshotBytes.readFixed(in, 4);
    payloadRead = in.readLong();
    unmaskedClientFrameReported = in.readBoolean();
    maskedServerFrameReported = in.readBoolean();
    droppedBytes = in.readLong();
    releaseWindow();
    searchSkippedBytes = 0;
    if (version < 2) {
      return;
    }
    int held = in.readInt();
    if (held < 0 || held > maxResyncBytes || (held > 0 && state != State.LOST)) {
      throw new IOException("search window of " + held + " bytes in state " + state);
    }
    if (held > 0) {
      // maxResyncBytes is the snapshot's own: the bytes are read before the window is sized.
      byte[] bytes = SnapshotBytes.read(in, held);
      window = held >= MIN_WINDOW_CAPACITY ? bytes : Arrays.copyOf(bytes, MIN_WINDOW_CAPACITY);
      windowEnd = held;
    }
    searchSkippedBytes = in.readLong();
  }
}
