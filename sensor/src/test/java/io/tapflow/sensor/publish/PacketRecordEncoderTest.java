package io.tapflow.sensor.publish;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tapflow.schemas.AvroSerde;
import io.tapflow.schemas.PacketKind;
import io.tapflow.schemas.PacketRecord;
import io.tapflow.schemas.TapflowSerdes;
import io.tapflow.schemas.TimestampPrecision;
import io.tapflow.schemas.WireFormat;
import io.tapflow.sensor.decode.TcpSegment;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

/**
 * The hand-written encoder against Avro's own: every value must be the same bytes as Avro's
 * single-object encoder (and, after the registry header, as Avro's binary writer) for the same
 * record, over edge cases of every field and many random records.
 */
class PacketRecordEncoderTest {
  private static final AvroSerde<PacketRecord> AVRO = TapflowSerdes.packetRecord();

  private static final long[] LONGS = {
    0,
    1,
    -1,
    63,
    64,
    -64,
    -65,
    127,
    128,
    8191,
    8192,
    (1L << 31) - 1,
    1L << 31,
    (1L << 32) - 1,
    1L << 32,
    1L << 62,
    -(1L << 62),
    Long.MAX_VALUE,
    Long.MIN_VALUE,
    Long.MAX_VALUE - 1,
    Long.MIN_VALUE + 1,
    1_700_000_000_123_456_789L
  };

  private static final int[] INTS = {
    0,
    1,
    -1,
    63,
    64,
    -64,
    -65,
    127,
    128,
    255,
    8191,
    8192,
    65535,
    65536,
    262_144,
    Integer.MAX_VALUE,
    Integer.MIN_VALUE
  };

  private static final String[] STRINGS = {
    "",
    "a",
    "lo",
    "sensor-01",
    "sensör-ü-ğ-😀",
    "x".repeat(63),
    "y".repeat(64),
    "z".repeat(300),
    "any",
    "chat capture (2).pcapng",
    "\u0000nul",
    "\ud800 lone surrogate"
  };

  @Test
  void theSingleObjectHeaderIsAvrosMarkerAndTheSchemaFingerprint() {
    byte[] avro = AVRO.encode(segmentRecord("s", "r", "lo", 0, 0, 0, false, 1, segment4(), 54, 54));
    assertArrayEquals(
        Arrays.copyOf(avro, 10), PacketRecordEncoder.singleObjectHeader(), "C3 01 + fingerprint");
  }

  @Test
  void everyEdgeValueOfEveryFieldEncodesAsAvroDoes() {
    int checked = 0;
    for (String sensor : STRINGS) {
      for (String iface : STRINGS) {
        checked += check(sensor, "run-" + sensor, iface, 7, 3, 1_000, true, 1, segment4(), 60, 60);
      }
    }
    for (long v : LONGS) {
      checked += check("s", "r", "lo", v, 0, 0, false, 1, segment4(), 60, 60); // sensorSeq
      checked += check("s", "r", "lo", 0, v, 0, false, 1, segment4(), 60, 60); // partitionSeq
      checked += check("s", "r", "lo", 0, 0, v, true, 1, segment4(), 60, 60); // timestamp
      checked += check("s", "r", "lo", 0, 0, v, false, 1, segment4(), 60, 60);
      TcpSegment s = segment(6, 16, 80, 443, v & 0xFFFFFFFFL, v >>> 32, 0x12, 65535, 0, 0, 0);
      checked += check("s", "r", "lo", 0, 0, 0, true, 1, s, 74, 74); // seq, ack
    }
    for (int v : INTS) {
      checked += check("s", "r", "lo", 1, 1, 1, true, v, segment4(), 60, 60); // linkType
      checked += check("s", "r", "lo", 1, 1, 1, true, 1, segment4(), v, v); // lengths
      checked += check("s", "r", "lo", 1, 1, 1, true, 1, segment4(), 60, v);
      TcpSegment s = segment(4, 4, v & 0xFFFF, (v >>> 16) & 0xFFFF, 0, 0, v & 0xFF, v, 0, 0, 0);
      checked += check("s", "r", "lo", 1, 1, 1, true, 1, s, 60, 60); // ports, flags, window
    }
    for (int[] vlans :
        new int[][] {{}, {0}, {1}, {4095}, {100, 200}, {1, 2, 3, 4, 5, 6, 7, 8, 9}}) {
      TcpSegment s = segmentWithVlans(vlans);
      checked += check("s", "r", "eth0", 2, 2, 2, true, 1, s, 80, 80);
    }
    for (int length : new int[] {0, 1, 63, 64, 127, 128, 1460, 8191, 8192, 65535, 200_000}) {
      TcpSegment s = segment(6, 16, 1, 2, 3, 4, 0x18, 5, length, length, length + 7);
      checked += check("s", "r", "lo", 3, 3, 3, false, 276, s, length + 80, length + 87);
    }
    assertEquals(
        STRINGS.length * STRINGS.length + LONGS.length * 5 + INTS.length * 4 + 6 + 11, checked);
  }

  @Test
  void recordsAroundTheScratchBuffersSizeEncodeAsAvroDoes() {
    // The encoder starts with 2048 bytes and grows before a record that may not fit: records of
    // 1900 to 2200 bytes, with the widest varints, each from a fresh encoder and from one that
    // grew.
    PacketRecordEncoder grown =
        new PacketRecordEncoder(
            PacketRecordEncoder.singleObjectHeader(), "sensor-1", "run-1", "lo");
    for (int length = 1800; length <= 2100; length++) {
      TcpSegment s =
          segment(
              6, 16, 65535, 65535, 0xFFFFFFFFL, 0xFFFFFFFFL, 0xFF, 65535, length, length, length);
      byte[] avro =
          AVRO.encode(
              segmentRecord(
                  "sensor-1",
                  "run-1",
                  "lo",
                  Long.MIN_VALUE,
                  Long.MIN_VALUE,
                  Long.MIN_VALUE,
                  true,
                  Integer.MIN_VALUE,
                  s,
                  Integer.MIN_VALUE,
                  Integer.MIN_VALUE));
      PacketRecordEncoder fresh =
          new PacketRecordEncoder(
              PacketRecordEncoder.singleObjectHeader(), "sensor-1", "run-1", "lo");
      for (PacketRecordEncoder e : List.of(fresh, grown)) {
        assertArrayEquals(
            avro,
            e.segment(
                Long.MIN_VALUE,
                Long.MIN_VALUE,
                Long.MIN_VALUE,
                true,
                Integer.MIN_VALUE,
                s,
                Integer.MIN_VALUE,
                Integer.MIN_VALUE),
            "payload " + length);
      }
    }
  }

  @Test
  void manyRandomSegmentsEncodeAsAvroDoes() {
    Random random = new Random(20261125);
    PacketRecordEncoder encoder =
        new PacketRecordEncoder(
            PacketRecordEncoder.singleObjectHeader(), "random-sensor", "run-42", "any");
    for (int i = 0; i < 20_000; i++) {
      int version = random.nextBoolean() ? 4 : 6;
      int[] vlans = new int[random.nextInt(10) < 8 ? 0 : 1 + random.nextInt(3)];
      for (int v = 0; v < vlans.length; v++) {
        vlans[v] = random.nextInt(4096);
      }
      int payloadLength = random.nextInt(10) < 3 ? 0 : random.nextInt(random.nextInt(3000) + 1);
      int payloadOffset = random.nextInt(100);
      byte[] frame = new byte[payloadOffset + payloadLength + random.nextInt(10)];
      random.nextBytes(frame);
      byte[] src = new byte[version == 4 ? 4 : 16];
      byte[] dst = new byte[src.length];
      random.nextBytes(src);
      random.nextBytes(dst);
      TcpSegment s =
          new TcpSegment(
              version,
              src,
              dst,
              random.nextInt(65536),
              random.nextInt(65536),
              random.nextLong() & 0xFFFFFFFFL,
              random.nextLong() & 0xFFFFFFFFL,
              random.nextInt(256),
              random.nextInt(65536),
              frame,
              payloadOffset,
              payloadLength,
              payloadLength + (random.nextBoolean() ? 0 : random.nextInt(70_000)),
              vlans);
      long seq = random.nextLong() >>> random.nextInt(64);
      long partitionSeq = random.nextLong() >>> random.nextInt(64);
      long ts = random.nextLong();
      boolean nano = random.nextBoolean();
      int linkType = random.nextInt(300) - 1;
      int captured = random.nextInt(1 << 18);
      int wire = captured + random.nextInt(100);
      byte[] ours = encoder.segment(seq, partitionSeq, ts, nano, linkType, s, captured, wire);
      byte[] avro =
          AVRO.encode(
              segmentRecord(
                  "random-sensor",
                  "run-42",
                  "any",
                  seq,
                  partitionSeq,
                  ts,
                  nano,
                  linkType,
                  s,
                  captured,
                  wire));
      assertArrayEquals(avro, ours, "record " + i + ": " + s);
    }
  }

  private static final List<PayloadMode> MODES =
      List.of(
          PayloadMode.NONE,
          PayloadMode.cap(1),
          PayloadMode.cap(63),
          PayloadMode.cap(64),
          PayloadMode.cap(100),
          PayloadMode.cap(128),
          PayloadMode.cap(1460),
          PayloadMode.FULL);

  @Test
  void aSegmentWithItsPayloadCutEncodesAsAvroDoesTheRecordWithTheFirstBytesAndTheWireLength() {
    // --payload cap:N and none: the record is the one Avro writes with the kept bytes as payload
    // and payloadWireLength (and the frame's lengths) unchanged.
    PacketRecordEncoder encoder =
        new PacketRecordEncoder(PacketRecordEncoder.singleObjectHeader(), "s-1", "run-7", "lo");
    int checked = 0;
    for (int length : new int[] {0, 1, 63, 64, 65, 127, 128, 129, 1460, 8192, 65535}) {
      for (int wire : new int[] {length, length + 1, length + 300}) {
        TcpSegment s = segment(4, 4, 40000, 7272, 9, 8, 0x18, 512, length, length, wire);
        for (PayloadMode mode : MODES) {
          int kept = mode.kept(length);
          PacketRecord cut =
              segmentRecord("s-1", "run-7", "lo", 11, 5, 1_000, true, 1, s, length + 54, wire + 54);
          cut.setPayload(ByteBuffer.wrap(Arrays.copyOf(s.payload(), kept)));
          assertEquals(wire, cut.getPayloadWireLength());
          byte[] ours = encoder.segment(11, 5, 1_000, true, 1, s, kept, length + 54, wire + 54);
          assertArrayEquals(AVRO.encode(cut), ours, "payload " + length + " " + mode);
          PacketRecord decoded = AVRO.decode(ours);
          assertEquals(kept, decoded.getPayload().remaining());
          assertEquals(wire, decoded.getPayloadWireLength());
          checked++;
        }
      }
    }
    assertEquals(11 * 3 * 8, checked);
    // Keeping every byte is the same record as the encoder without a payload mode writes.
    TcpSegment s = segment(6, 16, 1, 2, 3, 4, 0x18, 5, 700, 700, 700);
    assertArrayEquals(
        encoder.segment(1, 2, 3, false, 276, s, 780, 780),
        encoder.segment(1, 2, 3, false, 276, s, 700, 780, 780));
  }

  @Test
  void keepingMoreThanWasCapturedIsRefused() {
    PacketRecordEncoder encoder =
        new PacketRecordEncoder(PacketRecordEncoder.singleObjectHeader(), "s", "r", "lo");
    TcpSegment s = segment(4, 4, 1, 2, 3, 4, 0x18, 5, 10, 10, 20);
    assertThrows(
        IndexOutOfBoundsException.class, () -> encoder.segment(0, 0, 0, true, 1, s, 11, 64, 74));
    assertThrows(
        IndexOutOfBoundsException.class, () -> encoder.segment(0, 0, 0, true, 1, s, -1, 64, 74));
  }

  @Test
  void controlRecordsEncodeAsAvroDoes() {
    PacketRecordEncoder encoder =
        new PacketRecordEncoder(PacketRecordEncoder.singleObjectHeader(), "s-1", "run", "lo");
    for (PacketKind kind : List.of(PacketKind.HEARTBEAT, PacketKind.END_OF_CAPTURE)) {
      for (long v : LONGS) {
        assertArrayEquals(
            AVRO.encode(controlRecord(kind, "s-1", "run", "lo", v, v, v)),
            encoder.control(kind, v, v, v),
            kind + " " + v);
      }
    }
  }

  @Test
  void behindTheRegistryHeaderTheBodyIsAvrosBinaryEncoding() throws Exception {
    PacketRecordEncoder encoder =
        new PacketRecordEncoder(WireFormat.registryHeader(77), "s", "run", "lo");
    TcpSegment s = segment(6, 16, 40000, 7272, 1, 2, 0x18, 512, 300, 300, 300);
    byte[] ours = encoder.segment(5, 2, 1_700_000_000_000_000_001L, true, 276, s, 380, 380);
    PacketRecord record =
        segmentRecord("s", "run", "lo", 5, 2, 1_700_000_000_000_000_001L, true, 276, s, 380, 380);
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    BinaryEncoder out = EncoderFactory.get().directBinaryEncoder(body, null);
    new SpecificDatumWriter<PacketRecord>(PacketRecord.getClassSchema()).write(record, out);
    out.flush();
    assertArrayEquals(WireFormat.registryHeader(77), Arrays.copyOf(ours, 5));
    assertArrayEquals(body.toByteArray(), Arrays.copyOfRange(ours, 5, ours.length));
  }

  /** Encodes one record both ways and compares; returns 1. */
  private static int check(
      String sensor,
      String run,
      String iface,
      long seq,
      long partitionSeq,
      long ts,
      boolean nano,
      int linkType,
      TcpSegment s,
      int captured,
      int wire) {
    PacketRecordEncoder encoder =
        new PacketRecordEncoder(PacketRecordEncoder.singleObjectHeader(), sensor, run, iface);
    byte[] ours = encoder.segment(seq, partitionSeq, ts, nano, linkType, s, captured, wire);
    byte[] avro =
        AVRO.encode(
            segmentRecord(
                sensor, run, iface, seq, partitionSeq, ts, nano, linkType, s, captured, wire));
    assertArrayEquals(avro, ours, () -> "sensor=" + sensor + " iface=" + iface + " " + s);
    // The encoder's scratch buffer is reused: a second record must not see the first.
    assertArrayEquals(
        ours, encoder.segment(seq, partitionSeq, ts, nano, linkType, s, captured, wire));
    return 1;
  }

  private static TcpSegment segment4() {
    return segment(4, 4, 40000, 7272, 1000, 2000, 0x10, 512, 0, 0, 0);
  }

  private static TcpSegment segment(
      int version,
      int addressLength,
      int srcPort,
      int dstPort,
      long seq,
      long ack,
      int flags,
      int window,
      int payloadLength,
      int payloadCaptured,
      int payloadWireLength) {
    byte[] src = new byte[addressLength];
    byte[] dst = new byte[addressLength];
    for (int i = 0; i < addressLength; i++) {
      src[i] = (byte) (i + 1);
      dst[i] = (byte) (0xF0 + i);
    }
    byte[] frame = new byte[payloadLength + 40];
    for (int i = 0; i < frame.length; i++) {
      frame[i] = (byte) (i * 31);
    }
    return new TcpSegment(
        version,
        src,
        dst,
        srcPort,
        dstPort,
        seq,
        ack,
        flags,
        window,
        frame,
        40,
        payloadCaptured,
        payloadWireLength,
        new int[0]);
  }

  private static TcpSegment segmentWithVlans(int[] vlans) {
    byte[] frame = "0123456789abcdefghij".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    return new TcpSegment(
        4,
        new byte[] {10, 0, 0, 1},
        new byte[] {10, 0, 0, 2},
        1234,
        80,
        1,
        1,
        0x18,
        100,
        frame,
        10,
        10,
        10,
        vlans);
  }

  /** The record the publisher built before it had this encoder, field by field. */
  private static PacketRecord segmentRecord(
      String sensor,
      String run,
      String iface,
      long seq,
      long partitionSeq,
      long ts,
      boolean nano,
      int linkType,
      TcpSegment s,
      int captured,
      int wire) {
    PacketRecord r =
        PacketRecord.newBuilder()
            .setKind(PacketKind.SEGMENT)
            .setSensorId(sensor)
            .setSensorSeq(seq)
            .setSensorRunId(run)
            .setTimestamp(instant(ts))
            .setTimestampPrecision(nano ? TimestampPrecision.NANO : TimestampPrecision.MICRO)
            .setInterface$(iface)
            .setLinkType(linkType)
            .setVlanIds(Arrays.stream(s.vlanIds()).boxed().toList())
            .setIpVersion(s.ipVersion())
            .setSrcAddr(ByteBuffer.wrap(s.srcAddr()))
            .setDstAddr(ByteBuffer.wrap(s.dstAddr()))
            .setSrcPort(s.srcPort())
            .setDstPort(s.dstPort())
            .setSeq(s.seq())
            .setAck(s.ack())
            .setFlags(s.flags())
            .setWindow(s.window())
            .setPayload(ByteBuffer.wrap(s.payload()))
            .setPayloadWireLength(s.payloadWireLength())
            .setCapturedLength(captured)
            .setWireLength(wire)
            .build();
    r.setPartitionSeq(partitionSeq);
    return r;
  }

  private static PacketRecord controlRecord(
      PacketKind kind, String sensor, String run, String iface, long seq, long pseq, long ts) {
    ByteBuffer empty = ByteBuffer.allocate(0);
    PacketRecord r =
        PacketRecord.newBuilder()
            .setKind(kind)
            .setSensorId(sensor)
            .setSensorSeq(seq)
            .setSensorRunId(run)
            .setTimestamp(instant(ts))
            .setInterface$(iface)
            .setLinkType(-1)
            .setIpVersion(0)
            .setSrcAddr(empty)
            .setDstAddr(empty)
            .setSrcPort(0)
            .setDstPort(0)
            .setSeq(0)
            .setAck(0)
            .setFlags(0)
            .setWindow(0)
            .setPayload(empty)
            .setPayloadWireLength(0)
            .setCapturedLength(0)
            .setWireLength(0)
            .build();
    r.setPartitionSeq(pseq);
    return r;
  }

  private static Instant instant(long nanos) {
    return Instant.ofEpochSecond(
        Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
  }
}
