package io.tapflow.schemas;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;

/**
 * Reads Avro's binary encoding (Avro specification, "Binary Encoding") from an array, refusing
 * every length and count the array's remaining bytes cannot hold, so that malformed bytes never
 * allocate more than the value's own size.
 *
 * <p>Varints are read as Avro's {@code BinaryDecoder} reads them: an int takes at most 5 bytes, a
 * long at most 10, and bits beyond the type's width in the last byte are dropped.
 */
final class AvroBinaryReader {
  private final byte[] buf;
  private int pos;

  AvroBinaryReader(byte[] buf, int offset) {
    this.buf = buf;
    this.pos = offset;
  }

  /** The offset of the next byte to read. */
  int position() {
    return pos;
  }

  int readInt() throws IOException {
    int n = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      int b = next();
      n |= (b & 0x7F) << shift;
      if (b < 0x80) {
        return (n >>> 1) ^ -(n & 1);
      }
    }
    throw new IOException("invalid int encoding at offset " + (pos - 5));
  }

  long readLong() throws IOException {
    long n = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      int b = next();
      n |= (b & 0x7FL) << shift;
      if (b < 0x80) {
        return (n >>> 1) ^ -(n & 1);
      }
    }
    throw new IOException("invalid long encoding at offset " + (pos - 10));
  }

  /** An enum's index, which must name one of {@code symbols} symbols. */
  int readEnum(int symbols) throws IOException {
    int at = pos;
    int index = readInt();
    if (index < 0 || index >= symbols) {
      throw new IOException(
          "enum index " + index + " at offset " + at + " is not one of " + symbols + " symbols");
    }
    return index;
  }

  String readString() throws IOException {
    int length = readLength();
    String s = new String(buf, pos, length, StandardCharsets.UTF_8);
    pos += length;
    return s;
  }

  /** A bytes field, copied into an array of its own (as Avro's decoder does). */
  ByteBuffer readBytes() throws IOException {
    int length = readLength();
    byte[] b = Arrays.copyOfRange(buf, pos, pos + length);
    pos += length;
    return ByteBuffer.wrap(b);
  }

  /**
   * An array of int in blocks: each a count and its items, a 0 count at the end; a negative count
   * is followed by the block's size in bytes (not negative), and its items are as many as the
   * count's magnitude.
   */
  List<Integer> readIntArray(Schema arraySchema) throws IOException {
    long count = readBlockCount();
    GenericData.Array<Integer> items = new GenericData.Array<>((int) count, arraySchema);
    while (count != 0) {
      for (long i = 0; i < count; i++) {
        items.add(readInt());
      }
      count = readBlockCount();
    }
    return items;
  }

  private long readBlockCount() throws IOException {
    int at = pos;
    long count = readLong();
    if (count < 0) {
      // Refused as Avro's decoder refuses them: a count without a magnitude, a negative size.
      long size = count == Long.MIN_VALUE ? -1 : readLong();
      if (size < 0) {
        throw new IOException("malformed array block at offset " + at);
      }
      count = -count;
    }
    // Every item takes at least one byte.
    if (count > buf.length - pos) {
      throw new IOException(
          "array block of " + count + " items at offset " + at + " beyond the value's end");
    }
    return count;
  }

  /** A string's or bytes' length, which the remaining bytes must hold. */
  private int readLength() throws IOException {
    int at = pos;
    long length = readLong();
    if (length < 0) {
      throw new IOException("negative length " + length + " at offset " + at);
    }
    if (length > buf.length - pos) {
      throw new EOFException(
          "length "
              + length
              + " at offset "
              + at
              + " beyond the value's end ("
              + (buf.length - pos)
              + " bytes left)");
    }
    return (int) length;
  }

  private int next() throws EOFException {
    if (pos >= buf.length) {
      throw new EOFException("the value ends at offset " + pos + " inside a field");
    }
    return buf[pos++] & 0xFF;
  }
}
