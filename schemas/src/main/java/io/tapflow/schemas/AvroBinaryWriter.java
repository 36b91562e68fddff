package io.tapflow.schemas;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * Writes Avro's binary encoding (Avro specification, "Binary Encoding") into one array whose size
 * the caller computed beforehand with the {@code sizeOf} methods.
 *
 * <pre>
 *   int, long, enum index, union branch   zig-zag varint, 7 bits a byte, low bits first
 *   boolean                               one byte, 0 or 1
 *   string, bytes                         long length, then the bytes (strings as UTF-8)
 * </pre>
 *
 * A value written short of or beyond the size given is a bug of the caller: {@link #array()} and
 * the array's own bounds refuse it.
 */
final class AvroBinaryWriter {
  private final byte[] buf;
  private int pos;

  AvroBinaryWriter(int size) {
    buf = new byte[size];
  }

  /**
   * The bytes of a string as Avro's encoder writes them ({@code String.getBytes(UTF_8)}); null for
   * null, an optional string left out.
   */
  static byte[] utf8(String s) {
    return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
  }

  /** Bytes of the zig-zag varint of {@code n}: 1 to 10. */
  static int sizeOfLong(long n) {
    long v = (n << 1) ^ (n >> 63);
    // 7 bits a byte; 0 takes one byte.
    return v == 0 ? 1 : (70 - Long.numberOfLeadingZeros(v)) / 7;
  }

  /** Bytes of a string or bytes field of {@code length} bytes: its length, then the bytes. */
  static int sizeOfBytes(int length) {
    return sizeOfLong(length) + length;
  }

  /** Bytes of a {@code ["null", "string"]} union: the branch, then the string when not null. */
  static int sizeOfOptional(byte[] utf8) {
    return utf8 == null ? 1 : 1 + sizeOfBytes(utf8.length);
  }

  /** Bytes of a {@code ["null", "bytes"]} union holding {@code b}'s remaining bytes. */
  static int sizeOfOptional(ByteBuffer b) {
    return b == null ? 1 : 1 + sizeOfBytes(b.remaining());
  }

  /**
   * The long a {@code timestamp-nanos} field holds for {@code t}: nanoseconds since the epoch,
   * computed as Avro's {@code TimestampNanosConversion} does (an instant beyond the long's range
   * throws {@link ArithmeticException}).
   */
  static long epochNanos(Instant t) {
    long seconds = t.getEpochSecond();
    int nanos = t.getNano();
    if (seconds < 0 && nanos > 0) {
      return Math.addExact(Math.multiplyExact(seconds + 1, 1_000_000_000L), nanos - 1_000_000_000L);
    }
    return Math.addExact(Math.multiplyExact(seconds, 1_000_000_000L), nanos);
  }

  void writeRaw(byte[] bytes) {
    System.arraycopy(bytes, 0, buf, pos, bytes.length);
    pos += bytes.length;
  }

  void writeBoolean(boolean b) {
    buf[pos++] = (byte) (b ? 1 : 0);
  }

  void writeInt(int n) {
    writeLong(n); // an int's zig-zag varint is the same as that of the long of equal value
  }

  /** Zig-zag, then 7 bits a byte, low bits first, the high bit set on every byte but the last. */
  void writeLong(long n) {
    long v = (n << 1) ^ (n >> 63);
    while ((v & ~0x7FL) != 0) {
      buf[pos++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    buf[pos++] = (byte) v;
  }

  /** A string (as its UTF-8 bytes) or a bytes field: the length, then the bytes. */
  void writeBytes(byte[] bytes) {
    writeLong(bytes.length);
    writeRaw(bytes);
  }

  /** A bytes field: the remaining bytes of {@code b}, its position left as it is. */
  void writeBytes(ByteBuffer b) {
    int length = b.remaining();
    writeLong(length);
    if (b.hasArray()) {
      System.arraycopy(b.array(), b.arrayOffset() + b.position(), buf, pos, length);
    } else {
      b.duplicate().get(buf, pos, length);
    }
    pos += length;
  }

  /** A {@code ["null", "string"]} union: branch 0, or branch 1 and the string. */
  void writeOptional(byte[] utf8) {
    if (utf8 == null) {
      writeInt(0);
    } else {
      writeInt(1);
      writeBytes(utf8);
    }
  }

  /** A {@code ["null", "bytes"]} union: branch 0, or branch 1 and the bytes. */
  void writeOptional(ByteBuffer b) {
    if (b == null) {
      writeInt(0);
    } else {
      writeInt(1);
      writeBytes(b);
    }
  }

  /**
   * The value written.
   *
   * @throws IllegalStateException when fewer bytes were written than the size given
   */
  byte[] array() {
    if (pos != buf.length) {
      throw new IllegalStateException("wrote " + pos + " of " + buf.length + " bytes");
    }
    return buf;
  }
}
