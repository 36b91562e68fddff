package io.tapflow.processor.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.EOFException;
import java.io.IOException;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link SnapshotOutput} and {@link SnapshotInput}: the bytes, the round trip, damage. */
class SnapshotEncodingTest {
  private static final long[] LONGS = {
    0,
    1,
    -1,
    63,
    -64,
    64,
    -65,
    127,
    128,
    8191,
    8192,
    Integer.MAX_VALUE,
    Integer.MIN_VALUE,
    1L << 32,
    1_700_000_000_000_000_000L,
    Long.MAX_VALUE,
    Long.MIN_VALUE,
    Long.MIN_VALUE + 1
  };

  private static String hex(SnapshotOutput o) {
    return HexFormat.of().formatHex(o.toByteArray());
  }

  private static SnapshotInput input(String hex) {
    return new SnapshotInput(HexFormat.of().parseHex(hex), 0);
  }

  @Test
  void integersAreZigzagVarints() {
    SnapshotOutput o = new SnapshotOutput(1);
    o.writeLong(0);
    o.writeLong(-1);
    o.writeLong(1);
    o.writeLong(-64);
    o.writeLong(64);
    o.writeInt(300);
    o.writeInt(Integer.MIN_VALUE);
    o.writeLong(Long.MIN_VALUE);
    assertEquals(
        "00" + "01" + "02" + "7f" + "8001" + "d804" + "ffffffff0f" + "ffffffffffffffffff01",
        hex(o));
  }

  @Test
  void theSizeOfEachValueIsWhatItTakes() {
    int[] sizes = {1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 5, 5, 5, 9, 10, 10, 10};
    for (int i = 0; i < sizes.length; i++) {
      SnapshotOutput o = new SnapshotOutput(16);
      o.writeLong(LONGS[i]);
      assertEquals(sizes[i], o.toByteArray().length, "size of " + LONGS[i]);
    }
  }

  @Test
  void everyKindOfValueComesBackAsWritten() throws IOException {
    SnapshotOutput o = new SnapshotOutput(4);
    for (long v : LONGS) {
      o.writeLong(v);
      o.writeInt((int) v);
      o.writeShort((int) v);
      o.writeChar((int) v);
      o.writeByte((int) v);
      o.writeDouble(v / 3.0);
      o.writeFloat(v / 7.0f);
    }
    o.writeBoolean(true);
    o.writeBoolean(false);
    o.write(new byte[] {1, 2, 3, 4, 5}, 1, 3);
    SnapshotInput in = new SnapshotInput(o.toByteArray(), 0);
    for (long v : LONGS) {
      assertEquals(v, in.readLong());
      assertEquals((int) v, in.readInt());
      assertEquals((short) v, in.readShort());
      assertEquals((char) v, in.readChar());
      assertEquals((byte) v, in.readByte());
      assertEquals(v / 3.0, in.readDouble());
      assertEquals(v / 7.0f, in.readFloat());
    }
    assertEquals(true, in.readBoolean());
    assertEquals(false, in.readBoolean());
    byte[] three = new byte[3];
    in.readFully(three);
    assertArrayEquals(new byte[] {2, 3, 4}, three);
    assertEquals(0, in.remaining());
  }

  @Test
  void stringsAreTheirLengthAndEachUnitAsAVarintAndAnyStringSurvives() throws IOException {
    SnapshotOutput o = new SnapshotOutput(4);
    o.writeUTF("ab");
    o.writeUTF("");
    o.writeUTF("é");
    o.writeUTF("\ud800");
    assertEquals("026162" + "00" + "01e901" + "0180b003", hex(o));
    SnapshotInput in = new SnapshotInput(o.toByteArray(), 0);
    assertEquals("ab", in.readUTF());
    assertEquals("", in.readUTF());
    assertEquals("é", in.readUTF());
    assertEquals("\ud800", in.readUTF());

    Random random = new Random(7);
    for (int i = 0; i < 2_000; i++) {
      char[] chars = new char[random.nextInt(40)];
      for (int j = 0; j < chars.length; j++) {
        chars[j] = (char) random.nextInt(random.nextBoolean() ? 128 : 65536);
      }
      String s = new String(chars);
      SnapshotOutput one = new SnapshotOutput(1);
      one.writeUTF(s);
      assertEquals(s, new SnapshotInput(one.toByteArray(), 0).readUTF());
    }
  }

  @Test
  void randomSequencesComeBackAsWritten() throws IOException {
    Random random = new Random(11);
    for (int round = 0; round < 2_000; round++) {
      long[] values = new long[random.nextInt(30)];
      SnapshotOutput o = new SnapshotOutput(8);
      for (int i = 0; i < values.length; i++) {
        values[i] = random.nextLong() >> random.nextInt(64);
        o.writeLong(values[i]);
        o.writeInt((int) values[i]);
      }
      SnapshotInput in = new SnapshotInput(o.toByteArray(), 0);
      for (long v : values) {
        assertEquals(v, in.readLong());
        assertEquals((int) v, in.readInt());
      }
      assertEquals(0, in.remaining());
    }
  }

  @Test
  void readingStartsAtTheOffsetGiven() throws IOException {
    assertEquals(-2, new SnapshotInput(new byte[] {9, 9, 3}, 2).readLong());
  }

  @Test
  void damagedInputIsAnIOException() {
    assertEquals(
        "snapshot ends early",
        assertThrows(EOFException.class, () -> input("").readByte()).getMessage());
    assertThrows(EOFException.class, () -> input("80").readLong());
    assertEquals(
        "varint longer than 10 bytes in snapshot",
        assertThrows(IOException.class, () -> input("ffffffffffffffffffff01").readLong())
            .getMessage());
    assertEquals(
        "varint longer than 64 bits in snapshot",
        assertThrows(IOException.class, () -> input("ffffffffffffffffff02").readLong())
            .getMessage());
    assertEquals(
        "varint longer than 5 bytes in snapshot",
        assertThrows(IOException.class, () -> input("808080808001").readInt()).getMessage());
    assertEquals(
        "int out of range in snapshot: 2147483648",
        assertThrows(IOException.class, () -> input("8080808010").readInt()).getMessage());
    assertEquals(
        "short out of range in snapshot: 32768",
        assertThrows(IOException.class, () -> input("808004").readShort()).getMessage());
    assertEquals(
        "char out of range in snapshot: 65536",
        assertThrows(IOException.class, () -> input("808004").readChar()).getMessage());
    // A string claiming 2^31 - 1 units in 3 bytes is refused before anything is allocated.
    assertEquals(
        "string of 2147483647 units, 0 bytes left",
        assertThrows(EOFException.class, () -> input("ffffffff07").readUTF()).getMessage());
    assertEquals(
        "snapshot ends early: 4 bytes asked, 2 left",
        assertThrows(EOFException.class, () -> input("0102").readFully(new byte[4])).getMessage());
  }
}
