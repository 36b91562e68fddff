package io.tapflow.processor.snapshot;

import java.io.DataInput;
import java.io.IOException;
import java.util.Arrays;

/**
 * Reads a length-prefixed run of bytes from a snapshot without trusting the length. A snapshot is
 * state this processor wrote, but one damaged in the store (or written by something else) may claim
 * any length, and allocating it before the read fails could take gigabytes. Runs up to 64 KiB are
 * read into an array of their length; a longer one grows as its bytes arrive, so a false length
 * costs at most twice the bytes actually there.
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
}
