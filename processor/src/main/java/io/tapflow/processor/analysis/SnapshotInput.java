package io.tapflow.processor.analysis;

import io.tapflow.processor.snapshot.SnapshotBytes;
import java.io.DataInput;
import java.io.EOFException;
import java.io.IOException;

/**
 * Reads what {@link SnapshotOutput} wrote, from a byte array. Damaged input ends in an {@link
 * IOException}: reading past the end, a varint longer than its type, an integer out of its type's
 * range, a string longer than the bytes left.
 */
final class SnapshotInput implements DataInput {
  private final byte[] buf;
  private int pos;
  private final int end;

  SnapshotInput(byte[] buf, int offset) {
    this.buf = buf;
    this.pos = offset;
    this.end = buf.length;
  }

  /** The bytes not read yet. */
  int remaining() {
    return end - pos;
  }

  private int next() throws EOFException {
    if (pos >= end) {
      throw new EOFException("snapshot ends early");
    }
    return buf[pos++] & 0xFF;
  }

  /** A varint of at most {@code maxBytes} bytes, undone from its zigzag form. */
  private long readVarint(int maxBytes) throws IOException {
    long z = 0;
    for (int i = 0; i < maxBytes; i++) {
      int b = next();
      z |= (long) (b & 0x7F) << (7 * i);
      if ((b & 0x80) == 0) {
        if (i == 9 && b > 1) {
          throw new IOException("varint longer than 64 bits in snapshot");
        }
        return z;
      }
    }
    throw new IOException("varint longer than " + maxBytes + " bytes in snapshot");
  }

  private static long unzigzag(long z) {
    return (z >>> 1) ^ -(z & 1);
  }

  @Override
  public void readFully(byte[] b) throws IOException {
    readFully(b, 0, b.length);
  }

  @Override
  public void readFully(byte[] b, int off, int len) throws IOException {
    if (len > end - pos) {
      throw new EOFException(
          "snapshot ends early: " + len + " bytes asked, " + (end - pos) + " left");
    }
    System.arraycopy(buf, pos, b, off, len);
    pos += len;
  }

  @Override
  public int skipBytes(int n) {
    int k = Math.max(0, Math.min(n, end - pos));
    pos += k;
    return k;
  }

  @Override
  public boolean readBoolean() throws IOException {
    return next() != 0;
  }

  @Override
  public byte readByte() throws IOException {
    return (byte) next();
  }

  @Override
  public int readUnsignedByte() throws IOException {
    return next();
  }

  @Override
  public short readShort() throws IOException {
    int v = readInt();
    if (v != (short) v) {
      throw new IOException("short out of range in snapshot: " + v);
    }
    return (short) v;
  }

  @Override
  public int readUnsignedShort() throws IOException {
    return readShort() & 0xFFFF;
  }

  @Override
  public char readChar() throws IOException {
    long v = readVarint(3);
    if (v > Character.MAX_VALUE) {
      throw new IOException("char out of range in snapshot: " + v);
    }
    return (char) v;
  }

  @Override
  public int readInt() throws IOException {
    long v = unzigzag(readVarint(5));
    if (v != (int) v) {
      throw new IOException("int out of range in snapshot: " + v);
    }
    return (int) v;
  }

  @Override
  public long readLong() throws IOException {
    return unzigzag(readVarint(10));
  }

  @Override
  public float readFloat() throws IOException {
    return Float.intBitsToFloat((int) SnapshotBytes.readFixed(this, 4));
  }

  @Override
  public double readDouble() throws IOException {
    return Double.longBitsToDouble(SnapshotBytes.readFixed(this, 8));
  }

  /** Not part of the snapshot's encoding. */
  @Override
  public String readLine() {
    throw new UnsupportedOperationException("a snapshot has no lines");
  }

  @Override
  public String readUTF() throws IOException {
    long n = readVarint(5);
    // Every unit takes at least a byte: a damaged length cannot allocate more than is left.
    if (n > end - pos) {
      throw new EOFException("string of " + n + " units, " + (end - pos) + " bytes left");
    }
    char[] chars = new char[(int) n];
    for (int i = 0; i < chars.length; i++) {
      chars[i] = readChar();
    }
    return new String(chars);
  }
}
