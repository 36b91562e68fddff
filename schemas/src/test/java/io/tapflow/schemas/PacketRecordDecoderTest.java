package io.tapflow.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/**
 * The hand-written decoder against Avro's: every value of the current schema decodes to the record
 * Avro's decoder gives, anything else goes through Avro's decoder as before, and malformed bodies
 * are a {@link SerializationException}.
 */
class PacketRecordDecoderTest {
  /** Avro's own single-object decoder and encoder: the reference. */
  private static final AvroSerde<PacketRecord> AVRO = TapflowSerdes.packetRecord();

  /** What the processor reads packets with. */
  private static final ValueSerde<PacketRecord> FAST = ValueSerdes.singleObject().packetRecord();

  private static final byte[] HEADER = WireFormat.singleObjectHeader(PacketRecord.getClassSchema());

  @Test
  void manyRandomRecordsDecodeToWhatAvrosDecoderGives() {
    AvroRecords random = new AvroRecords(20261202);
    for (int i = 0; i < 20_000; i++) {
      byte[] bytes = AVRO.encode(random.nextPacketRecord());
      PacketRecord avro = AVRO.decode(bytes);
      PacketRecord ours = FAST.decode(bytes);
      assertEquals(avro, ours, "record " + i);
      assertEquals(avro.toString(), ours.toString(), "record " + i);
      // Re-encoded, the record is the same bytes: nothing was lost or added.
      assertArrayEquals(bytes, AVRO.encode(ours), "record " + i);
    }
  }

  @Test
  void aKnownRecordDecodesToItsExactFields() {
    PacketRecord r =
        PacketRecord.newBuilder()
            .setKind(PacketKind.SEGMENT)
            .setSensorId("sensör-1")
            .setSensorSeq(Long.MAX_VALUE)
            .setPartitionSeq(-1)
            .setSensorRunId("")
            .setTimestamp(Instant.parse("2026-12-02T12:00:00.123456789Z"))
            .setTimestampPrecision(TimestampPrecision.NANO)
            .setInterface$("eth0")
            .setLinkType(276)
            .setVlanIds(List.of(100, 4095))
            .setIpVersion(6)
            .setSrcAddr(ByteBuffer.wrap(new byte[] {1, 2, 3, 4}))
            .setDstAddr(ByteBuffer.wrap(new byte[] {5, 6, 7, 8}))
            .setSrcPort(40000)
            .setDstPort(7272)
            .setSeq(0xFFFFFFFFL)
            .setAck(0)
            .setFlags(0x18)
            .setWindow(65535)
            .setPayload(ByteBuffer.wrap("hello".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
            .setPayloadWireLength(5)
            .setCapturedLength(90)
            .setWireLength(91)
            .build();
    PacketRecord p = FAST.decode(AVRO.encode(r));
    assertEquals(PacketKind.SEGMENT, p.getKind());
    assertEquals("sensör-1", p.getSensorId());
    assertEquals(Long.MAX_VALUE, p.getSensorSeq());
    assertEquals(-1, p.getPartitionSeq());
    assertEquals("", p.getSensorRunId());
    assertEquals(Instant.parse("2026-12-02T12:00:00.123456789Z"), p.getTimestamp());
    assertEquals(TimestampPrecision.NANO, p.getTimestampPrecision());
    assertEquals("eth0", p.getInterface$());
    assertEquals(276, p.getLinkType());
    assertEquals(List.of(100, 4095), p.getVlanIds());
    assertEquals(6, p.getIpVersion());
    assertEquals(ByteBuffer.wrap(new byte[] {1, 2, 3, 4}), p.getSrcAddr());
    assertEquals(ByteBuffer.wrap(new byte[] {5, 6, 7, 8}), p.getDstAddr());
    assertEquals(40000, p.getSrcPort());
    assertEquals(7272, p.getDstPort());
    assertEquals(0xFFFFFFFFL, p.getSeq());
    assertEquals(0, p.getAck());
    assertEquals(0x18, p.getFlags());
    assertEquals(65535, p.getWindow());
    assertEquals(
        "hello", new String(p.getPayload().array(), java.nio.charset.StandardCharsets.UTF_8));
    assertEquals(5, p.getPayloadWireLength());
    assertEquals(90, p.getCapturedLength());
    assertEquals(91, p.getWireLength());
    assertEquals(AVRO.decode(AVRO.encode(r)), p);
  }

  @Test
  void timestampsDecodeToTheInstantAvroGivesOnBothSidesOfTheEpoch() {
    for (long nanos : AvroRecords.LONGS) {
      byte[] bytes = AVRO.encode(withTimestampNanos(nanos));
      assertEquals(AVRO.decode(bytes).getTimestamp(), FAST.decode(bytes).getTimestamp());
    }
    assertEquals(
        Instant.parse("1969-12-31T23:59:59.999999999Z"),
        FAST.decode(AVRO.encode(withTimestampNanos(-1))).getTimestamp());
    assertEquals(
        Instant.parse("1677-09-21T00:12:43.145224192Z"),
        FAST.decode(AVRO.encode(withTimestampNanos(Long.MIN_VALUE))).getTimestamp());
  }

  @Test
  void bytesFieldsAreArraysOfTheirOwnAsAvrosDecoderGivesThem() {
    // The processor takes such an array as it is instead of copying it.
    PacketRecord p = FAST.decode(AVRO.encode(new AvroRecords(7).nextPacketRecord()));
    for (ByteBuffer b : List.of(p.getSrcAddr(), p.getDstAddr(), p.getPayload())) {
      assertTrue(b.hasArray());
      assertEquals(0, b.arrayOffset());
      assertEquals(0, b.position());
      assertEquals(b.array().length, b.remaining());
    }
  }

  @Test
  void vlanIdsWrittenInSeveralBlocksWithNegativeCountsDecodeAsAvroDecodesThem() {
    // Avro's writer puts an array in one block; the specification also allows several, and a
    // negative count followed by the block's size in bytes.
    PacketRecord r = withTimestampNanos(5);
    r.setVlanIds(List.of());
    byte[] plain = AVRO.encode(r);
    int at = vlanIdsOffset(plain);
    assertEquals(0, plain[at]);
    // Blocks: -2 items (4 bytes: 100, 200), 1 item (7), 0.
    byte[] blocks = {3, 8, (byte) 0xC8, 1, (byte) 0x90, 3, 2, 14, 0};
    byte[] bytes = splice(plain, at, 1, blocks);
    PacketRecord avro = AVRO.decode(bytes);
    assertEquals(List.of(100, 200, 7), avro.getVlanIds());
    assertEquals(avro, FAST.decode(bytes));
  }

  @Test
  void bytesAfterTheRecordAreIgnoredAsAvrosDecoderIgnoresThem() {
    byte[] bytes = AVRO.encode(withTimestampNanos(9));
    byte[] longer = Arrays.copyOf(bytes, bytes.length + 3);
    longer[bytes.length] = (byte) 0xFF;
    assertEquals(AVRO.decode(bytes), AVRO.decode(longer));
    assertEquals(AVRO.decode(bytes), FAST.decode(longer));
  }

  @Test
  void aValueCutAtAnyOffsetIsASerializationExceptionAsWithAvro() {
    AvroRecords random = new AvroRecords(11);
    int checked = 0;
    for (int i = 0; i < 30; i++) {
      PacketRecord r = random.nextPacketRecord();
      r.setPayload(ByteBuffer.wrap(new byte[i * 7]));
      byte[] bytes = AVRO.encode(r);
      for (int cut = 0; cut < bytes.length; cut++) {
        byte[] prefix = Arrays.copyOf(bytes, cut);
        assertThrows(SerializationException.class, () -> AVRO.decode(prefix), "cut " + cut);
        SerializationException e =
            assertThrows(SerializationException.class, () -> FAST.decode(prefix), "cut " + cut);
        assertTrue(
            e.getMessage().startsWith("not a ")
                && e.getMessage().contains("io.tapflow.schemas.PacketRecord"),
            e.getMessage());
        checked++;
      }
    }
    assertTrue(checked > 30 * 100, "checked " + checked);
  }

  @Test
  void aCutValueNamesWhereItEnded() {
    byte[] bytes = AVRO.encode(withTimestampNanos(1));
    SerializationException e =
        assertThrows(
            SerializationException.class, () -> FAST.decode(Arrays.copyOf(bytes, HEADER.length)));
    assertEquals(
        "not a single-object-encoded io.tapflow.schemas.PacketRecord: java.io.EOFException: the"
            + " value ends at offset 10 inside a field",
        e.getMessage());
  }

  @Test
  void negativeLengthsAreASerializationException() {
    // kind SEGMENT, then the sensor id's length -1 (zig-zag 01).
    byte[] bytes = body(0x00, 0x01, 0x41, 0x42);
    SerializationException e = assertThrows(SerializationException.class, () -> FAST.decode(bytes));
    assertEquals(
        "not a single-object-encoded io.tapflow.schemas.PacketRecord: java.io.IOException:"
            + " negative length -1 at offset 11",
        e.getMessage());
    assertThrows(SerializationException.class, () -> AVRO.decode(bytes));
  }

  @Test
  void lengthsBeyondTheValueAreASerializationExceptionWithoutAllocatingThem() {
    // Avro's decoder allocates a length before it reads the bytes: 1.9 GB for this one.
    for (long length : new long[] {4, 1000, 1_900_000_000L, Integer.MAX_VALUE, Long.MAX_VALUE}) {
      byte[] bytes = concat(body(0x00), varint(length), new byte[] {0x41, 0x42, 0x43});
      SerializationException e =
          assertThrows(SerializationException.class, () -> FAST.decode(bytes), "length " + length);
      assertEquals(
          "not a single-object-encoded io.tapflow.schemas.PacketRecord: java.io.EOFException:"
              + " length "
              + length
              + " at offset 11 beyond the value's end (3 bytes left)",
          e.getMessage());
    }
    // The payload's length, a record's last bytes field, one beyond its end.
    PacketRecord r = withTimestampNanos(3);
    r.setPayload(ByteBuffer.wrap(new byte[] {1, 2, 3}));
    r.setPayloadWireLength(0);
    r.setCapturedLength(0);
    r.setWireLength(0);
    byte[] plain = AVRO.encode(r);
    // The payload is followed by the three zero ints: its length 3 (06) is at length - 7.
    assertEquals(6, plain[plain.length - 7]);
    plain[plain.length - 7] = 14; // 7: the 3 bytes and the 3 ints, and one beyond
    assertThrows(SerializationException.class, () -> FAST.decode(plain));
    assertThrows(SerializationException.class, () -> AVRO.decode(plain));
    plain[plain.length - 7] = 12; // 6: exactly the rest; then the ints are missing
    assertThrows(SerializationException.class, () -> FAST.decode(plain));
    assertThrows(SerializationException.class, () -> AVRO.decode(plain));
  }

  @Test
  void anEnumIndexBeyondTheSymbolsIsASerializationException() {
    byte[] bytes = AVRO.encode(withTimestampNanos(1));
    bytes[HEADER.length] = 6; // kind 3; PacketKind has 3 symbols
    SerializationException e = assertThrows(SerializationException.class, () -> FAST.decode(bytes));
    assertEquals(
        "not a single-object-encoded io.tapflow.schemas.PacketRecord: java.io.IOException: enum"
            + " index 3 at offset 10 is not one of 3 symbols",
        e.getMessage());
    assertThrows(SerializationException.class, () -> AVRO.decode(bytes));
    bytes[HEADER.length] = 1; // -1
    assertThrows(SerializationException.class, () -> FAST.decode(bytes));
    assertThrows(SerializationException.class, () -> AVRO.decode(bytes));
  }

  @Test
  void varintsLongerThanTheirTypeAllowsAreASerializationException() {
    // An int of 6 bytes (the kind), a long of 11 (the sensor's sequence number).
    byte[] longInt = body(0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x00);
    assertEquals(
        "not a single-object-encoded io.tapflow.schemas.PacketRecord: java.io.IOException:"
            + " invalid int encoding at offset 10",
        assertThrows(SerializationException.class, () -> FAST.decode(longInt)).getMessage());
    assertThrows(SerializationException.class, () -> AVRO.decode(longInt));
    byte[] longLong =
        body(0x00, 0x00, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x00);
    assertEquals(
        "not a single-object-encoded io.tapflow.schemas.PacketRecord: java.io.IOException:"
            + " invalid long encoding at offset 12",
        assertThrows(SerializationException.class, () -> FAST.decode(longLong)).getMessage());
    assertThrows(SerializationException.class, () -> AVRO.decode(longLong));
  }

  @Test
  void varintsWithBitsBeyondTheirTypeDecodeAsAvroDecodesThem() {
    // Avro drops the bits of a varint's last byte that do not fit the type: an int's fifth byte
    // 7F, a long's tenth byte 7F.
    PacketRecord r = withTimestampNanos(2);
    byte[] plain = AVRO.encode(r);
    int at = vlanIdsOffset(plain) - 1; // the link type, one byte (1: 02)
    assertEquals(2, plain[at]);
    byte[] wideInt = splice(plain, at, 1, new byte[] {(byte) 0xFF, (byte) 0xFF, -1, -1, 0x7F});
    assertEquals(AVRO.decode(wideInt), FAST.decode(wideInt));
    assertEquals(-2147483648, FAST.decode(wideInt).getLinkType());
    int seqAt = HEADER.length + 1 + 2; // kind, the sensor id "s" (02 73), then sensorSeq
    byte[] wideLong =
        splice(plain, seqAt, 1, new byte[] {-1, -1, -1, -1, -1, -1, -1, -1, -1, 0x7F});
    assertEquals(AVRO.decode(wideLong), FAST.decode(wideLong));
    assertEquals(Long.MIN_VALUE, FAST.decode(wideLong).getSensorSeq());
  }

  @Test
  void anArrayBlockCountBeyondTheValueIsASerializationException() {
    PacketRecord r = withTimestampNanos(4);
    r.setVlanIds(List.of());
    byte[] plain = AVRO.encode(r);
    int at = vlanIdsOffset(plain);
    for (long count : new long[] {1000, Integer.MAX_VALUE, Long.MAX_VALUE, -Long.MAX_VALUE}) {
      byte[] bytes = splice(plain, at, 1, varint(count));
      assertThrows(SerializationException.class, () -> FAST.decode(bytes), "count " + count);
    }
    byte[] minCount = splice(plain, at, 1, concat(varint(Long.MIN_VALUE), varint(8)));
    assertThrows(SerializationException.class, () -> FAST.decode(minCount));
    // A negative count followed by a negative size in bytes, refused by Avro's decoder too.
    byte[] negativeSize =
        splice(plain, at, 1, concat(varint(-1), varint(-1), varint(7), varint(0)));
    assertThrows(SerializationException.class, () -> FAST.decode(negativeSize));
    assertThrows(SerializationException.class, () -> AVRO.decode(negativeSize));
    byte[] valid = splice(plain, at, 1, concat(varint(-1), varint(1), varint(7), varint(0)));
    assertEquals(List.of(7), FAST.decode(valid).getVlanIds());
    assertEquals(AVRO.decode(valid), FAST.decode(valid));
  }

  @Test
  void valuesWithBytesChangedDecodeOnlyToWhatAvrosDecoderGives() {
    // One to three bytes of valid values changed at random: whatever the decoder accepts, Avro's
    // decoder decodes to the same record (Avro is asked only then: it may allocate any length).
    AvroRecords records = new AvroRecords(99);
    Random random = new Random(99);
    int accepted = 0;
    int refused = 0;
    for (int i = 0; i < 20_000; i++) {
      PacketRecord r = records.nextPacketRecord();
      r.setPayload(ByteBuffer.wrap(new byte[random.nextInt(40)]));
      byte[] bytes = AVRO.encode(r);
      int changes = 1 + random.nextInt(3);
      for (int c = 0; c < changes; c++) {
        bytes[HEADER.length + random.nextInt(bytes.length - HEADER.length)] =
            (byte) random.nextInt(256);
      }
      PacketRecord ours;
      try {
        ours = FAST.decode(bytes);
      } catch (SerializationException e) {
        refused++;
        continue;
      }
      assertEquals(AVRO.decode(bytes), ours, "value " + i);
      accepted++;
    }
    assertEquals(20_000, accepted + refused);
    assertTrue(accepted > 1000 && refused > 1000, accepted + " accepted, " + refused + " refused");
  }

  @Test
  void aValueOfAnOlderWriterSchemaGoesThroughAvrosDecoderAsBefore() {
    // The schema before partitionSeq and sensorRunId: another fingerprint.
    Schema older = withoutFields(PacketRecord.getClassSchema(), "partitionSeq", "sensorRunId");
    PacketRecord current = withTimestampNanos(77);
    GenericRecord old = new GenericData.Record(older);
    for (Schema.Field f : older.getFields()) {
      old.put(f.name(), current.get(f.name()));
    }
    old.put("timestamp", 77L);
    old.put("kind", new GenericData.EnumSymbol(older.getField("kind").schema(), "SEGMENT"));
    old.put(
        "timestampPrecision",
        new GenericData.EnumSymbol(older.getField("timestampPrecision").schema(), "MICRO"));
    byte[] bytes;
    try {
      bytes = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), older).encode(old).array();
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
    assertNotEquals(
        Arrays.toString(Arrays.copyOf(bytes, 10)), Arrays.toString(HEADER), "another fingerprint");
    // Unknown to the reader: the same error as Avro's decoder gives.
    SerializationException ours =
        assertThrows(SerializationException.class, () -> FAST.decode(bytes));
    SerializationException avro =
        assertThrows(SerializationException.class, () -> AVRO.decode(bytes));
    assertEquals(avro.getMessage(), ours.getMessage());
    // Taught the older schema, the Serde resolves it as Avro does: the new fields' defaults.
    AvroSerde<PacketRecord> serde =
        new AvroSerde<>(PacketRecord.getClassSchema(), null, new PacketRecordDecoder());
    serde.addWriterSchema(older);
    PacketRecord p = serde.decode(bytes);
    assertEquals(-1, p.getPartitionSeq());
    assertEquals("", p.getSensorRunId());
    current.setPartitionSeq(-1L);
    current.setSensorRunId("");
    assertEquals(current, p);
  }

  @Test
  void theSerdeWithoutADecoderOfItsOwnIsAvrosAsBefore() {
    byte[] bytes = AVRO.encode(withTimestampNanos(1));
    assertSame(PacketRecord.class, AVRO.decode(bytes).getClass());
    assertEquals(AVRO.decode(bytes), FAST.decode(bytes));
  }

  /** A simple valid record: sensor "s", run "r", link type 1, no VLANs, the given timestamp. */
  static PacketRecord withTimestampNanos(long nanos) {
    return PacketRecord.newBuilder()
        .setKind(PacketKind.SEGMENT)
        .setSensorId("s")
        .setSensorSeq(1)
        .setPartitionSeq(2)
        .setSensorRunId("r")
        .setTimestamp(
            Instant.ofEpochSecond(
                Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L)))
        .setTimestampPrecision(TimestampPrecision.MICRO)
        .setInterface$("i")
        .setLinkType(1)
        .setVlanIds(List.of())
        .setIpVersion(4)
        .setSrcAddr(ByteBuffer.wrap(new byte[] {10, 0, 0, 1}))
        .setDstAddr(ByteBuffer.wrap(new byte[] {10, 0, 0, 2}))
        .setSrcPort(1)
        .setDstPort(2)
        .setSeq(3)
        .setAck(4)
        .setFlags(0x10)
        .setWindow(5)
        .setPayload(ByteBuffer.wrap(new byte[0]))
        .setPayloadWireLength(0)
        .setCapturedLength(54)
        .setWireLength(54)
        .build();
  }

  /**
   * The offset of the VLAN ids in a value of {@link #withTimestampNanos}'s shape: after the header,
   * kind, "s", sensorSeq, partitionSeq, "r", the timestamp, precision, "i" and the link type.
   */
  private static int vlanIdsOffset(byte[] value) {
    int p = HEADER.length + 1 + 2 + 1 + 1 + 2;
    while ((value[p] & 0x80) != 0) {
      p++; // the timestamp's varint
    }
    return p + 1 + 1 + 2 + 1;
  }

  private static byte[] body(int... bytes) {
    byte[] b = Arrays.copyOf(HEADER, HEADER.length + bytes.length);
    for (int i = 0; i < bytes.length; i++) {
      b[HEADER.length + i] = (byte) bytes[i];
    }
    return b;
  }

  private static byte[] varint(long n) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    long v = (n << 1) ^ (n >> 63);
    while ((v & ~0x7FL) != 0) {
      out.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
    return out.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  /** {@code b} with {@code removed} bytes at {@code at} replaced by {@code inserted}. */
  private static byte[] splice(byte[] b, int at, int removed, byte[] inserted) {
    return concat(Arrays.copyOf(b, at), inserted, Arrays.copyOfRange(b, at + removed, b.length));
  }

  private static Schema withoutFields(Schema schema, String... names) {
    List<String> gone = List.of(names);
    List<Schema.Field> fields =
        schema.getFields().stream()
            .filter(f -> !gone.contains(f.name()))
            .map(f -> new Schema.Field(f, f.schema()))
            .toList();
    return Schema.createRecord(
        schema.getName(), schema.getDoc(), schema.getNamespace(), false, fields);
  }
}
