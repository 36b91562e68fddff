package io.tapflow.processor.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SnapshotBytesTest {
  private static DataInputStream input(byte[] b) {
    return new DataInputStream(new ByteArrayInputStream(b));
  }

  private static long allocated() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
        .getCurrentThreadAllocatedBytes();
  }

  @Test
  void readsExactlyTheLengthGivenShortOrLong() throws IOException {
    Random random = new Random(3);
    for (int length : new int[] {0, 1, 65_535, 65_536, 65_537, 200_000, 1 << 20}) {
      byte[] bytes = new byte[length + 5];
      random.nextBytes(bytes);
      DataInputStream in = input(bytes);
      byte[] read = SnapshotBytes.read(in, length);
      assertArrayEquals(java.util.Arrays.copyOf(bytes, length), read, "length " + length);
      assertEquals(5, in.available());
    }
  }

  @Test
  void aFalseLengthFailsHavingAllocatedAboutWhatIsThere() {
    byte[] tenKib = new byte[10 * 1024];
    long before = allocated();
    assertThrows(EOFException.class, () -> SnapshotBytes.read(input(tenKib), Integer.MAX_VALUE));
    long spent = allocated() - before;
    // 64 KiB first, whatever the length claims (2 GiB here); the exception and its stack trace
    // besides.
    assertTrue(spent < 200_000, spent + " bytes allocated");

    byte[] oneMib = new byte[1 << 20];
    before = allocated();
    assertThrows(EOFException.class, () -> SnapshotBytes.read(input(oneMib), Integer.MAX_VALUE));
    spent = allocated() - before;
    // Doubling from 64 KiB up to 2 MiB, the first array that the bytes there cannot fill.
    assertTrue(spent < 4_400_000, spent + " bytes allocated");
  }

  @Test
  void aNegativeLengthIsRefused() {
    assertEquals(
        "negative length -1 in snapshot",
        assertThrows(IOException.class, () -> SnapshotBytes.read(input(new byte[4]), -1))
            .getMessage());
  }
}
