package io.tapflow.sensor.publish;

import io.tapflow.schemas.PacketKind;
import io.tapflow.schemas.PacketRecord;
import io.tapflow.schemas.TimestampPrecision;
import io.tapflow.schemas.WireFormat;
import io.tapflow.sensor.decode.TcpSegment;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * Writes {@link PacketRecord} values straight from a captured segment, byte for byte what Avro's
 * own encoder writes for the same record, without building the record.
 *
 * <p>Avro's generic writer walks the schema for every record (a field lookup, a conversion of the
 * {@code timestamp-nanos} {@code Instant}, a boxed list for the VLAN ids) and the record itself
 * costs an {@code Instant}, three {@code ByteBuffer}s and a list; on the capture thread that was a
 * quarter of the sensor's CPU. This class writes the fields in schema order with Avro's binary
 * encoding (Avro specification, "Binary Encoding"):
 *
 * <pre>
 *   int, long, enum index   zig-zag varint, 7 bits a byte, low bits first
 *   string, bytes           long length, then the bytes (strings as UTF-8)
 *   array of int            block count (long), the items, a 0 count; an empty array is just 0
 * </pre>
 *
 * The three strings that are the same for every record of a sensor run (sensor id, run id,
 * interface) are encoded once. The value starts with a header: single-object encoding's {@code C3
 * 01} and the schema's CRC-64-AVRO fingerprint, or the schema registry's {@code 00} and schema id
 * ({@link WireFormat}). {@code PacketRecordEncoderTest} checks the bytes against Avro's encoder.
 *
 * <p>An encoder keeps one scratch buffer: it is used by one thread at a time.
 */
public final class PacketRecordEncoder {
  /** The enum index of {@link TimestampPrecision#MICRO}, the default of control records. */
  private static final int MICRO = TimestampPrecision.MICRO.ordinal();

  private static final int NANO = TimestampPrecision.NANO.ordinal();

  /** The longest varint: a 64-bit value takes ten 7-bit groups. */
  private static final int MAX_VARINT = 10;

  private final byte[] header;
  private final byte[] sensorId;
  private final byte[] sensorRunId;
  private final byte[] interfaceName;
  private byte[] buf = new byte[2048];
  private int pos;

  /**
   * @param header the bytes before each body ({@link #header(int)})
   */
  public PacketRecordEncoder(
      byte[] header, String sensorId, String sensorRunId, String interfaceName) {
    this.header = header.clone();
    this.sensorId = string(sensorId);
    this.sensorRunId = string(sensorRunId);
    this.interfaceName = string(interfaceName);
  }

  /**
   * The header for a topic whose schema registry id is {@code registrySchemaId}, or, when it is -1
   * (no registry configured, as {@code ValueSerde.prepareTopic} answers then), the single-object
   * header.
   */
  public static byte[] header(int registrySchemaId) {
    return registrySchemaId == -1
        ? singleObjectHeader()
        : WireFormat.registryHeader(registrySchemaId);
  }

  /** {@code C3 01} and the 8-byte little-endian CRC-64-AVRO fingerprint of the schema. */
  public static byte[] singleObjectHeader() {
    return WireFormat.singleObjectHeader(PacketRecord.getClassSchema());
  }

  /** Encodes the record of one captured TCP segment with every captured payload byte. */
  public byte[] segment(
      long sensorSeq,
      long partitionSeq,
      long timestampNanos,
      boolean nanoPrecision,
      int linkType,
      TcpSegment s,
      int capturedLength,
      int wireLength) {
    return segment(
        sensorSeq,
        partitionSeq,
        timestampNanos,
        nanoPrecision,
        linkType,
        s,
        s.payloadLength(),
        capturedLength,
        wireLength);
  }

  /**
   * Encodes the record of one captured TCP segment carrying only the first {@code payloadKept} of
   * its captured payload bytes ({@link PayloadMode}); {@code payloadWireLength} stays the wire's.
   *
   * @throws IndexOutOfBoundsException when {@code payloadKept} is negative or more than was
   *     captured
   */
  public byte[] segment(
      long sensorSeq,
      long partitionSeq,
      long timestampNanos,
      boolean nanoPrecision,
      int linkType,
      TcpSegment s,
      int payloadKept,
      int capturedLength,
      int wireLength) {
    Objects.checkIndex(payloadKept, s.payloadLength() + 1);
    int[] vlans = s.vlanIds();
    // 22 varints of at most 10 bytes besides the strings, one per VLAN id; then the bytes fields.
    reserve(
        (22 + vlans.length) * MAX_VARINT + s.srcAddr().length + s.dstAddr().length + payloadKept);
    start(
        PacketKind.SEGMENT, sensorSeq, partitionSeq, timestampNanos, nanoPrecision ? NANO : MICRO);
    writeInt(linkType);
    if (vlans.length > 0) {
      writeLong(vlans.length);
      for (int vlan : vlans) {
        writeInt(vlan);
      }
    }
    writeInt(0); // end of the array
    writeInt(s.ipVersion());
    writeBytes(s.srcAddr(), 0, s.srcAddr().length);
    writeBytes(s.dstAddr(), 0, s.dstAddr().length);
    writeInt(s.srcPort());
    writeInt(s.dstPort());
    writeLong(s.seq());
    writeLong(s.ack());
    writeInt(s.flags());
    writeInt(s.window());
    writeBytes(s.frame(), s.payloadOffset(), payloadKept);
    writeInt(s.payloadWireLength());
    writeInt(capturedLength);
    writeInt(wireLength);
    return Arrays.copyOf(buf, pos);
  }

  /**
   * Encodes a control record ({@link PacketKind#HEARTBEAT} or {@link PacketKind#END_OF_CAPTURE}):
   * link type -1, every packet field zero or empty, precision {@code MICRO}.
   */
  public byte[] control(PacketKind kind, long sensorSeq, long partitionSeq, long timestampNanos) {
    reserve(20 * MAX_VARINT); // 20 varints besides the strings
    start(kind, sensorSeq, partitionSeq, timestampNanos, MICRO);
    writeInt(-1); // linkType
    writeInt(0); // vlanIds: empty
    writeInt(0); // ipVersion
    writeInt(0); // srcAddr: empty
    writeInt(0); // dstAddr: empty
    writeInt(0); // srcPort
    writeInt(0); // dstPort
    writeLong(0); // seq
    writeLong(0); // ack
    writeInt(0); // flags
    writeInt(0); // window
    writeInt(0); // payload: empty
    writeInt(0); // payloadWireLength
    writeInt(0); // capturedLength
    writeInt(0); // wireLength
    return Arrays.copyOf(buf, pos);
  }

  /** Writes the header and the fields up to {@code interface}, the same for every kind. */
  private void start(
      PacketKind kind, long sensorSeq, long partitionSeq, long timestampNanos, int precision) {
    pos = 0;
    writeRaw(header);
    writeInt(kind.ordinal());
    writeRaw(sensorId);
    writeLong(sensorSeq);
    writeLong(partitionSeq);
    writeRaw(sensorRunId);
    // timestamp-nanos: the long is the nanoseconds since the epoch, as Avro converts an Instant.
    writeLong(timestampNanos);
    writeInt(precision);
    writeRaw(interfaceName);
  }

  /** A string's encoding: its UTF-8 length as a long, then the bytes (as Avro's encoder does). */
  private static byte[] string(String s) {
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[10 + utf8.length];
    int p = putLong(out, 0, utf8.length);
    System.arraycopy(utf8, 0, out, p, utf8.length);
    return Arrays.copyOf(out, p + utf8.length);
  }

  /**
   * Makes the scratch buffer hold a record of the header, the three strings and {@code more} bytes,
   * so that the writes of one record need no check of their own.
   */
  private void reserve(int more) {
    int size = header.length + sensorId.length + sensorRunId.length + interfaceName.length + more;
    if (buf.length < size) {
      buf = new byte[Math.max(buf.length * 2, size)];
    }
  }

  private void writeRaw(byte[] bytes) {
    System.arraycopy(bytes, 0, buf, pos, bytes.length);
    pos += bytes.length;
  }

  private void writeBytes(byte[] bytes, int offset, int length) {
    writeLong(length);
    System.arraycopy(bytes, offset, buf, pos, length);
    pos += length;
  }

  private void writeInt(int n) {
    writeLong(n); // an int's zig-zag varint is the same as that of the long of equal value
  }

  private void writeLong(long n) {
    pos = putLong(buf, pos, n);
  }

  /**
   * Writes {@code n} at {@code b[p]}: zig-zag, then 7 bits a byte, low bits first, the high bit set
   * on every byte but the last; returns the position after it.
   */
  private static int putLong(byte[] b, int p, long n) {
    long v = (n << 1) ^ (n >> 63);
    while ((v & ~0x7FL) != 0) {
      b[p++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    b[p++] = (byte) v;
    return p;
  }
}
