package io.tapflow.sensor.redact;

/**
 * Follows one direction's WebSocket frames (RFC 6455 §5.2) across any split of its bytes and
 * redacts its uncompressed TEXT messages in place: each payload byte is unmasked, passed through a
 * {@link JsonRedactor} and, where that changes it, written back masked again.
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
 * </pre>
 *
 * A TEXT message is its first frame (opcode 1) and the continuation frames (opcode 0) up to the one
 * with FIN; control frames may come between them and pass unchanged, as BINARY messages do. Each
 * call reports the first reason the bytes it was given must not be published: payload bytes of a
 * compressed message (RSV1), bytes of a text message from where it stopped being JSON, or a frame
 * that breaks the RFC, after which the direction cannot be followed ({@link #broken()}). State: an
 * enum, scalars and the scanner of the current text message.
 */
final class FrameRedactor {
  static final int OPCODE_CONTINUATION = 0x0;
  static final int OPCODE_TEXT = 0x1;
  static final int OPCODE_BINARY = 0x2;
  static final int OPCODE_CLOSE = 0x8;
  static final int OPCODE_PING = 0x9;
  static final int OPCODE_PONG = 0xA;

  private enum State {
    /** The first header byte: FIN, RSV1-3, opcode. */
    HEADER_FIRST,
    /** The second header byte: MASK, payload length. */
    HEADER_LENGTH,
    /** The 2 or 8 bytes of an extended payload length. */
    EXTENDED_LENGTH,
    MASKING_KEY,
    PAYLOAD,
    BROKEN
  }

  private enum Message {
    NONE,
    TEXT,
    BINARY
  }

  private boolean deflate;
  private final JsonRedactor json;

  private State state = State.HEADER_FIRST;
  private boolean fin;
  private int opcode;
  private boolean masked;
  private long remaining;
  private int lengthBytes;
  private int maskingKey;
  private int keyBytes;
  private int position; // payload bytes of this frame so far, mod 4

  private Message message = Message.NONE;
  private boolean compressed;
  private boolean unparseable;
  private WithheldReason noted; // during one call of redact

  /**
   * A redactor for a direction whose handshake did ({@code deflate}) or did not negotiate
   * permessage-deflate, using {@code json} for its text messages.
   */
  FrameRedactor(boolean deflate, JsonRedactor json) {
    this.deflate = deflate;
    this.json = json;
  }

  /**
   * Takes {@code other}'s whole state, its text message's scanner included, so that the same bytes
   * give the same output from here as from there.
   */
  void copyFrom(FrameRedactor other) {
    deflate = other.deflate;
    json.copyFrom(other.json);
    state = other.state;
    fin = other.fin;
    opcode = other.opcode;
    masked = other.masked;
    remaining = other.remaining;
    lengthBytes = other.lengthBytes;
    maskingKey = other.maskingKey;
    keyBytes = other.keyBytes;
    position = other.position;
    message = other.message;
    compressed = other.compressed;
    unparseable = other.unparseable;
  }

  /** Whether a frame broke the RFC: the rest of the direction cannot be followed. */
  boolean broken() {
    return state == State.BROKEN;
  }

  /**
   * Follows {@code bytes[from, to)}, the direction's next bytes, rewriting redacted bytes in place;
   * returns why they must be withheld ({@link WithheldReason#COMPRESSED}, {@link
   * WithheldReason#UNPARSEABLE}, {@link WithheldReason#BAD_FRAME}), or null.
   */
  WithheldReason redact(byte[] bytes, int from, int to) {
    noted = null;
    int i = from;
    while (i < to) {
      switch (state) {
        case HEADER_FIRST -> headerFirst(bytes[i++] & 0xFF);
        case HEADER_LENGTH -> headerLength(bytes[i++] & 0xFF);
        case EXTENDED_LENGTH -> {
          remaining = remaining << 8 | (bytes[i++] & 0xFF);
          if (--lengthBytes == 0) {
            if (remaining < 0) {
              broke(); // RFC 6455 §5.2: the most significant bit MUST be 0
            } else {
              afterLength();
            }
          }
        }
        case MASKING_KEY -> {
          maskingKey = maskingKey << 8 | (bytes[i++] & 0xFF);
          if (--keyBytes == 0) {
            startPayload();
          }
        }
        case PAYLOAD -> {
          int n = (int) Math.min(remaining, to - i);
          payload(bytes, i, i + n);
          i += n;
          remaining -= n;
          if (remaining == 0) {
            endFrame();
          }
        }
        case BROKEN -> {
          return WithheldReason.BAD_FRAME;
        }
      }
    }
    return state == State.BROKEN ? WithheldReason.BAD_FRAME : noted;
  }

  /** Notes why the bytes of this call must be withheld, unless a reason is noted already. */
  private void note(WithheldReason reason) {
    if (noted == null) {
      noted = reason;
    }
  }

  private void headerFirst(int b) {
    fin = (b & 0x80) != 0;
    int rsv = b >> 4 & 0x7;
    opcode = b & 0x0F;
    switch (opcode) {
      case OPCODE_CLOSE, OPCODE_PING, OPCODE_PONG -> {
        // §5.5: control frames MUST NOT be fragmented; RFC 7692 §6: RSV1 only on data frames.
        if (!fin || rsv != 0) {
          broke();
          return;
        }
      }
      case OPCODE_TEXT, OPCODE_BINARY -> {
        // §5.4: the frames of one message MUST NOT be interleaved with another message's.
        if (message != Message.NONE || (rsv & 0x3) != 0 || (rsv != 0 && !deflate)) {
          broke();
          return;
        }
        message = opcode == OPCODE_TEXT ? Message.TEXT : Message.BINARY;
        compressed = rsv != 0;
        unparseable = false;
        if (message == Message.TEXT && !compressed) {
          json.reset();
        }
      }
      case OPCODE_CONTINUATION -> {
        // RFC 7692 §6.1: RSV1 is set on the first frame of a message only.
        if (message == Message.NONE || rsv != 0) {
          broke();
          return;
        }
      }
      default -> {
        broke(); // §5.2: reserved opcodes
        return;
      }
    }
    state = State.HEADER_LENGTH;
  }

  private void headerLength(int b) {
    masked = (b & 0x80) != 0;
    int length = b & 0x7F;
    if (opcode >= OPCODE_CLOSE && length > 125) {
      broke(); // §5.5: control frames MUST have a payload length of 125 bytes or less
      return;
    }
    remaining = 0;
    if (length == 126) {
      lengthBytes = 2;
      state = State.EXTENDED_LENGTH;
    } else if (length == 127) {
      lengthBytes = 8;
      state = State.EXTENDED_LENGTH;
    } else {
      remaining = length;
      afterLength();
    }
  }

  private void afterLength() {
    if (masked) {
      keyBytes = 4;
      maskingKey = 0;
      state = State.MASKING_KEY;
    } else {
      startPayload();
    }
  }

  private void startPayload() {
    position = 0;
    if (remaining == 0) {
      endFrame();
    } else {
      state = State.PAYLOAD;
    }
  }

  /** The payload bytes {@code bytes[from, to)} of the current frame. */
  private void payload(byte[] bytes, int from, int to) {
    if (opcode >= OPCODE_CLOSE || message == Message.BINARY && !compressed) {
      return;
    }
    if (compressed) {
      note(WithheldReason.COMPRESSED);
      return;
    }
    for (int i = from; i < to; i++) {
      if (unparseable) {
        note(WithheldReason.UNPARSEABLE);
        return;
      }
      int key = masked ? maskingKey >>> (24 - 8 * position) & 0xFF : 0;
      int plain = (bytes[i] & 0xFF) ^ key;
      int out = json.next(plain);
      if (out == JsonRedactor.FAILED) {
        unparseable = true;
        note(WithheldReason.UNPARSEABLE);
        return;
      } else if (out != plain) {
        bytes[i] = (byte) (out ^ key);
      }
      position = (position + 1) & 3;
    }
  }

  /** The current frame's payload is over. */
  private void endFrame() {
    state = State.HEADER_FIRST;
    if (opcode >= OPCODE_CLOSE || !fin) {
      return;
    }
    if (message == Message.TEXT && !compressed && !unparseable && !json.finish()) {
      note(WithheldReason.UNPARSEABLE); // the message ended inside its value
    }
    message = Message.NONE;
  }

  private void broke() {
    state = State.BROKEN;
  }
}
