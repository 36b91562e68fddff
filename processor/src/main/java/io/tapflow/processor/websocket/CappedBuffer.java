package io.tapflow.processor.websocket;

import io.tapflow.processor.snapshot.SnapshotBytes;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/**
 * Collects bytes up to a cap.
 *
 * <p>The array grows only as bytes arrive, never by a length a peer claims; bytes past the cap are
 * dropped and the buffer remembers that it is truncated.
 */
final class CappedBuffer {

  private static final byte[] EMPTY = new byte[0];
  private static final int MIN_CAPACITY = 64;

  /** Arrays larger than this are let go when the buffer is cleared, so idle decoders stay small. */
  private static final int RETAINED_CAPACITY = 64 * 1024;

  private final int cap;
  private byte[] bytes = EMPTY;
  private int length;
  private boolean truncated;

  CappedBuffer(int cap) {
    this.cap = cap;
  }

  /** Appends what fits under the cap; the rest is dropped and marks the buffer truncated. */
  void append(byte[] buf, int off, int len) {
    int kept = Math.min(len, cap - length);
    if (kept < len) {
      truncated = true;
    }
    if (kept <= 0) {
      return;
    }
    if (length + kept > bytes.length) {
      // An empty buffer takes exactly the first chunk, so a message that arrives in one piece
      // fills its array and take() hands it over without a copy.
      long grown =
          bytes.length == 0
              ? kept
              : Math.max(length + kept, Math.max(MIN_CAPACITY, 2L * bytes.length));
      bytes = Arrays.copyOf(bytes, (int) Math.min(grown, cap));
    }
    System.arraycopy(buf, off, bytes, length, kept);
    length += kept;
  }

  int length() {
    return length;
  }

  /** The length of the array kept, which the bytes may not fill. */
  int capacity() {
    return bytes.length;
  }

  /** Whether bytes were dropped at the cap. */
  boolean isTruncated() {
    return truncated;
  }

  /** The array holding the bytes; only the first {@link #length()} are meaningful. */
  byte[] array() {
    return bytes;
  }

  /**
   * Empties the buffer and returns its bytes in an array the caller owns: the buffer's own array
   * when the bytes fill it exactly, else a copy; either way the buffer lets go of its array.
   * Whether bytes were dropped at the cap is still answered by {@link #isTruncated()} until {@link
   * #clear()}.
   */
  byte[] take() {
    byte[] taken;
    if (length == 0) {
      taken = EMPTY;
    } else if (length == bytes.length) {
      taken = bytes;
      bytes = EMPTY;
    } else {
      // A grown array is let go too: the next message starts from its own first chunk, and an
      // idle decoder keeps no array.
      taken = Arrays.copyOf(bytes, length);
      bytes = EMPTY;
    }
    length = 0;
    return taken;
  }

  void clear() {
    length = 0;
    truncated = false;
    if (bytes.length > RETAINED_CAPACITY) {
      bytes = EMPTY;
    }
  }

  void writeTo(DataOutput out) throws IOException {
    out.writeInt(length);
    out.write(bytes, 0, length);
    out.writeBoolean(truncated);
  }

  void readFrom(DataInput in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > cap) {
      throw new IOException("buffer length " + n + " outside 0.." + cap);
    }
    // The cap is the snapshot's own (a damaged one may say anything): the array grows as the bytes
    // arrive.
    bytes = n == 0 ? EMPTY : SnapshotBytes.read(in, n);
    length = n;
    truncated = in.readBoolean();
  }
}
