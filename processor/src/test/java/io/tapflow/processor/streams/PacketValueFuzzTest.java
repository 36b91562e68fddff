package io.tapflow.processor.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tapflow.processor.testing.FuzzCorpus;
import io.tapflow.schemas.AvroSerde;
import io.tapflow.schemas.PacketKind;
import io.tapflow.schemas.PacketRecord;
import io.tapflow.schemas.TapflowSerdes;
import io.tapflow.schemas.TimestampPrecision;
import io.tapflow.schemas.ValueSerde;
import io.tapflow.schemas.ValueSerdes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.SchemaNormalization;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the packets topic's value deserializer (the schemas module's hand-written decoder for
 * values of the current schema): any body after the current fingerprint is either refused with a
 * {@link SerializationException} or decoded to exactly the record Avro's decoder gives.
 *
 * <p>Input: the body (seeds: a few valid records' bodies). Avro's decoder is asked only when the
 * value was accepted, as it allocates any length a malformed body claims.
 */
class PacketValueFuzzTest {
  private static final ValueSerde<PacketRecord> VALUES = ValueSerdes.singleObject().packetRecord();
  private static final AvroSerde<PacketRecord> AVRO = TapflowSerdes.packetRecord();
  private static final byte[] HEADER = header();

  @FuzzTest(maxDuration = "30s")
  void anyBodyIsRefusedOrDecodedAsAvroDecodesIt(byte[] body) {
    byte[] value = Arrays.copyOf(HEADER, HEADER.length + body.length);
    System.arraycopy(body, 0, value, HEADER.length, body.length);
    PacketRecord ours;
    try {
      ours = VALUES.decode(value);
    } catch (SerializationException e) {
      return;
    }
    assertEquals(AVRO.decode(value), ours);
  }

  /**
   * The seeds: the bodies of a few valid records (a segment over IPv4 with a payload, one over IPv6
   * in two VLANs, the two control records), from which the fuzzer changes bytes.
   */
  @Test
  void theCommittedSeedsAreTheGeneratorsOutput() throws IOException {
    Map<String, byte[]> seeds = new TreeMap<>();
    PacketRecord segment = record(PacketKind.SEGMENT, 4, List.of(), "{\"type\":\"say\"}");
    seeds.put("segment-ipv4", body(segment));
    seeds.put("segment-ipv6-vlans", body(record(PacketKind.SEGMENT, 16, List.of(100, 4095), "")));
    seeds.put("heartbeat", body(record(PacketKind.HEARTBEAT, 0, List.of(), "")));
    seeds.put("end-of-capture", body(record(PacketKind.END_OF_CAPTURE, 0, List.of(), "")));
    for (byte[] seed : seeds.values()) {
      anyBodyIsRefusedOrDecodedAsAvroDecodesIt(seed);
    }
    FuzzCorpus.check(PacketValueFuzzTest.class, "anyBodyIsRefusedOrDecodedAsAvroDecodesIt", seeds);
  }

  private static byte[] body(PacketRecord r) {
    byte[] value = AVRO.encode(r);
    return Arrays.copyOfRange(value, HEADER.length, value.length);
  }

  private static PacketRecord record(
      PacketKind kind, int addressLength, List<Integer> vlans, String payload) {
    byte[] src = new byte[addressLength];
    byte[] dst = new byte[addressLength];
    for (int i = 0; i < addressLength; i++) {
      src[i] = (byte) (10 + i);
      dst[i] = (byte) (200 + i);
    }
    byte[] data = payload.getBytes(StandardCharsets.UTF_8);
    return PacketRecord.newBuilder()
        .setKind(kind)
        .setSensorId("sensor-1")
        .setSensorSeq(1234)
        .setPartitionSeq(kind == PacketKind.SEGMENT ? 77 : 78)
        .setSensorRunId("run-1")
        .setTimestamp(Instant.parse("2026-12-02T12:00:00.123456789Z"))
        .setTimestampPrecision(
            kind == PacketKind.SEGMENT ? TimestampPrecision.NANO : TimestampPrecision.MICRO)
        .setInterface$("lo")
        .setLinkType(kind == PacketKind.SEGMENT ? 1 : -1)
        .setVlanIds(vlans)
        .setIpVersion(addressLength == 16 ? 6 : addressLength == 4 ? 4 : 0)
        .setSrcAddr(ByteBuffer.wrap(src))
        .setDstAddr(ByteBuffer.wrap(dst))
        .setSrcPort(kind == PacketKind.SEGMENT ? 40000 : 0)
        .setDstPort(kind == PacketKind.SEGMENT ? 7272 : 0)
        .setSeq(kind == PacketKind.SEGMENT ? 0xFFFFFF00L : 0)
        .setAck(kind == PacketKind.SEGMENT ? 1 : 0)
        .setFlags(kind == PacketKind.SEGMENT ? 0x18 : 0)
        .setWindow(kind == PacketKind.SEGMENT ? 512 : 0)
        .setPayload(ByteBuffer.wrap(data))
        .setPayloadWireLength(data.length)
        .setCapturedLength(kind == PacketKind.SEGMENT ? 54 + data.length : 0)
        .setWireLength(kind == PacketKind.SEGMENT ? 54 + data.length : 0)
        .build();
  }

  /** {@code C3 01} and the current schema's CRC-64-AVRO fingerprint. */
  private static byte[] header() {
    try {
      byte[] fingerprint =
          SchemaNormalization.parsingFingerprint("CRC-64-AVRO", PacketRecord.getClassSchema());
      byte[] h = new byte[2 + fingerprint.length];
      h[0] = (byte) 0xC3;
      h[1] = (byte) 0x01;
      System.arraycopy(fingerprint, 0, h, 2, fingerprint.length);
      return h;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
