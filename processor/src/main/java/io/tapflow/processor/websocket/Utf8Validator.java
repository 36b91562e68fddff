package io.tapflow.processor.websocket;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Checks, a chunk at a time, that a byte stream is well-formed UTF-8 (RFC 3629; the Unicode
 * Standard, table 3-7).
 *
 * <p>The state is the number of continuation bytes still expected and the range the next one must
 * fall in, so a sequence split across frames or chunks is checked like a whole one. The first
 * malformed byte is remembered and checking stops there.
 */
final class Utf8Validator {

  private static final int CONTINUATION_MIN = 0x80;
  private static final int CONTINUATION_MAX = 0xbf;
  private static final long HIGH_BITS = 0x8080808080808080L;
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private int pending;
  private int lower = CONTINUATION_MIN;
  private int upper = CONTINUATION_MAX;
  private long offset;
  private long invalidOffset = -1;

  void update(byte[] buf, int off, int len) {
    if (invalidOffset >= 0) {
      return;
    }
    int end = off + len;
    for (int i = off; i < end; i++) {
      if (pending == 0) {
        // ASCII runs, the common case, eight bytes at a time.
        while (i + Long.BYTES <= end && ((long) LONGS.get(buf, i) & HIGH_BITS) == 0) {
          i += Long.BYTES;
        }
        if (i == end) {
          break;
        }
      }
      int b = buf[i] & 0xff;
      if (pending == 0 ? !leadByte(b) : !continuationByte(b)) {
        invalidOffset = offset + (i - off);
        return;
      }
    }
    offset += len;
  }

  /**
   * Ends the stream: a sequence still open is malformed.
   *
   * @return whether the whole stream was well-formed
   */
  boolean finish() {
    if (invalidOffset < 0 && pending > 0) {
      invalidOffset = offset;
    }
    return invalidOffset < 0;
  }

  /** Whether a malformed byte was seen so far. */
  boolean isInvalid() {
    return invalidOffset >= 0;
  }

  /** Offset of the first malformed byte, or -1. */
  long invalidOffset() {
    return invalidOffset;
  }

  void reset() {
    pending = 0;
    lower = CONTINUATION_MIN;
    upper = CONTINUATION_MAX;
    offset = 0;
    invalidOffset = -1;
  }

  private boolean leadByte(int b) {
    if (b < 0x80) {
      return true;
    } else if (b >= 0xc2 && b <= 0xdf) {
      expect(1, CONTINUATION_MIN, CONTINUATION_MAX);
    } else if (b == 0xe0) {
      expect(2, 0xa0, CONTINUATION_MAX); // no overlong 3-byte forms
    } else if (b == 0xed) {
      expect(2, CONTINUATION_MIN, 0x9f); // no surrogates U+D800..U+DFFF
    } else if (b >= 0xe1 && b <= 0xef) {
      expect(2, CONTINUATION_MIN, CONTINUATION_MAX);
    } else if (b == 0xf0) {
      expect(3, 0x90, CONTINUATION_MAX); // no overlong 4-byte forms
    } else if (b >= 0xf1 && b <= 0xf3) {
      expect(3, CONTINUATION_MIN, CONTINUATION_MAX);
    } else if (b == 0xf4) {
      expect(3, CONTINUATION_MIN, 0x8f); // nothing above U+10FFFF
    } else {
      return false; // 0x80..0xc1 and 0xf5..0xff never start a sequence
    }
    return true;
  }

  private boolean continuationByte(int b) {
    if (b < lower || b > upper) {
      return false;
    }
    expect(pending - 1, CONTINUATION_MIN, CONTINUATION_MAX);
    return true;
  }

  private void expect(int count, int min, int max) {
    pending = count;
    lower = min;
    upper = max;
  }

  void writeTo(DataOutput out) throws IOException {
    out.writeByte(pending);
    out.writeByte(lower);
    out.writeByte(upper);
    out.writeLong(offset);
    out.writeLong(invalidOffset);
  }

  void readFrom(DataInput in) throws IOException {
    pending = in.readUnsignedByte();
    lower = in.readUnsignedByte();
    upper = in.readUnsignedByte();
    offset = in.readLong();
    invalidOffset = in.readLong();
    if (pending > 3) {
      throw new IOException("UTF-8 validator expects " + pending + " continuation bytes");
    }
  }
}
