package io.tapflow.processor.snapshot;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/**
 * Bytes in snapshots, whatever a part's {@link DataOutput} does with integers: fixed-width numbers,
 * and length-prefixed runs read without trusting the length.
 *
 * <p>Random numbers (segment hashes, masking keys) are written as their plain bytes with {@link
 * #writeFixed}: the analyzer's varint encoding would take more for them, a number of bytes that
 * changes with the value.
 *
 * <p>A length-prefixed run is read without trusting the length. A snapshot is state this processor
 * wrote, but one damaged in the store (or written by something else) may claim any length, and
 * allocating it before the read fails could take gigabytes. Runs up to 64 KiB are read into an
 * array of their length; a longer one grows as its bytes arrive, so a false length costs at most
 * twice the bytes actually there.
 */
public final class SnapshotBytes {
  static final int TRUSTED_LENGTH = 64 * 1024;

  private SnapshotBytes() {}

  /** Reads {@code length} bytes, or fails with an IOException where they are not there. */
  public static byte[] read(DataInput in, int length) throws IOException {
    if (length < 0) {
      throw new IOException("negative length " + length + " in snapshot");
    }
    byte[] b = new byte[Math.min(length, TRUSTED_LENGTH)];
    int got = 0;
    while (true) {
      in.readFully(b, got, b.length - got);
      got = b.length;
      if (got == length) {
        return b;
      }
      b = Arrays.copyOf(b, (int) Math.min(length, 2L * got));
    }
  }

  /**
   * Writes {@code v}'s low {@code count} bytes, big-endian: for 4 and 8 the bytes {@link
   * DataOutput#writeInt} and {@link DataOutput#writeLong} have in {@code DataOutputStream}.
   */
  public static void writeFixed(DataOutput out, long v, int count) throws IOException {
    for (int shift = 8 * (count - 1); shift >= 0; shift -= 8) {
      out.write((int) (v >>> shift));
    }
  }

  /** Reads what {@link #writeFixed} wrote, as an unsigned number of {@code count} bytes. */
  public static long readFixed(DataInput in, int count) throws IOException {
    long v = 0;
    for (int i = 0; i < count; i++) {
      v = (v << 8) | in.readUnsignedByte();
    }
    return v;
  }
}
