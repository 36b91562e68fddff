package io.tapflow.processor.analysis;

import io.tapflow.processor.snapshot.SnapshotBytes;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/**
 * The encoding of an analyzer's snapshot: a {@link DataOutput} whose integers ({@code short},
 * {@code char}, {@code int}, {@code long}) are written as zigzag varints (LEB128, as Avro and
 * protobuf's {@code sint64}), so a counter at 0 takes one byte instead of eight. Most of an idle
 * connection's state is such counters, most of them 0 (frames by opcode, gaps, resynchronizations),
 * and this is what keeps a connection within its budget of stored bytes. Strings are written as
 * their length and each UTF-16 unit as a varint, which any {@code String} survives exactly. {@link
 * SnapshotInput} reads it back. One per thread, reset for every snapshot; not thread-safe.
 */
final class SnapshotOutput implements DataOutput {
  private byte[] buf;
  private int size;

  SnapshotOutput(int capacity) {
    buf = new byte[capacity];
  }

  void reset() {
    size = 0;
  }

  int capacity() {
    return buf.length;
  }

  byte[] toByteArray() {
    return Arrays.copyOf(buf, size);
  }

  private void ensure(int more) {
    if (buf.length - size < more) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
    }
  }

  private void writeVarint(long zigzag) {
    ensure(10);
    long z = zigzag;
    while ((z & ~0x7FL) != 0) {
      buf[size++] = (byte) ((z & 0x7F) | 0x80);
      z >>>= 7;
    }
    buf[size++] = (byte) z;
  }

  @Override
  public void write(int b) {
    ensure(1);
    buf[size++] = (byte) b;
  }

  @Override
  public void write(byte[] b) {
    write(b, 0, b.length);
  }

  @Override
  public void write(byte[] b, int off, int len) {
    ensure(len);
    System.arraycopy(b, off, buf, size, len);
    size += len;
  }

  @Override
  public void writeBoolean(boolean v) {
    write(v ? 1 : 0);
  }

  @Override
  public void writeByte(int v) {
    write(v);
  }

  @Override
  public void writeShort(int v) {
    writeInt((short) v);
  }

  @Override
  public void writeChar(int v) {
    writeVarint((char) v);
  }

  @Override
  public void writeInt(int v) {
    writeVarint(((long) v << 1) ^ ((long) v >> 63));
  }

  @Override
  public void writeLong(long v) {
    writeVarint((v << 1) ^ (v >> 63));
  }

  @Override
  public void writeFloat(float v) throws IOException {
    SnapshotBytes.writeFixed(this, Float.floatToIntBits(v), 4);
  }

  @Override
  public void writeDouble(double v) throws IOException {
    SnapshotBytes.writeFixed(this, Double.doubleToLongBits(v), 8);
  }

  /** Each char's low byte, as {@link java.io.DataOutputStream#writeBytes} writes them. */
  @Override
  public void writeBytes(String s) {
    ensure(s.length());
    for (int i = 0; i < s.length(); i++) {
      buf[size++] = (byte) s.charAt(i);
    }
  }

  @Override
  public void writeChars(String s) {
    for (int i = 0; i < s.length(); i++) {
      writeChar(s.charAt(i));
    }
  }

  /** The length, then each UTF-16 unit as a varint: one byte for ASCII, any string exactly. */
  @Override
  public void writeUTF(String s) {
    writeVarint(s.length());
    for (int i = 0; i < s.length(); i++) {
      writeVarint(s.charAt(i));
    }
  }
}
