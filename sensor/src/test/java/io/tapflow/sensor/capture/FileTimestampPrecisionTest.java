package io.tapflow.sensor.capture;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTimestampPrecisionTest {

  private static final byte[] FRAME = new byte[60];

  @TempDir Path dir;

  private static Path capture(String name) {
    return Path.of("src/test/resources/captures", name);
  }

  @Test
  void pcapMagicTellsMicrosecondsFromNanoseconds() throws IOException {
    Path micro = new PcapFileWriter(1, false).add(0, FRAME).writeTo(dir.resolve("micro.pcap"));
    Path nano = new PcapFileWriter(1, true).add(0, FRAME).writeTo(dir.resolve("nano.pcap"));
    Path bigEndianNano =
        Files.write(dir.resolve("be.pcap"), new byte[] {(byte) 0xA1, (byte) 0xB2, 0x3C, 0x4D});

    assertFalse(FileTimestampPrecision.isNanosecond(micro));
    assertTrue(FileTimestampPrecision.isNanosecond(nano));
    assertTrue(FileTimestampPrecision.isNanosecond(bigEndianNano));
  }

  @Test
  void committedCapturesAreMicrosecond() throws IOException {
    assertFalse(FileTimestampPrecision.isNanosecond(capture("zeek-oversized-close-frame.pcapng")));
    assertFalse(FileTimestampPrecision.isNanosecond(capture("suricata-websocket-ping-input.pcap")));
    assertFalse(FileTimestampPrecision.isNanosecond(capture("tapflow-sll2-lo.pcap")));
  }

  @Test
  void pcapngInterfaceResolutionOfTenToTheMinusNineOrFinerIsNanosecond() throws IOException {
    for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
      assertTrue(isNano(new PcapngFileWriter(order).interfaceBlock(1, 9), order + " 10^-9"));
      assertTrue(isNano(new PcapngFileWriter(order).interfaceBlock(1, 12), order + " 10^-12"));
      assertTrue(
          isNano(new PcapngFileWriter(order).interfaceBlock(1, 0x80 | 30), order + " 2^-30"));
      assertFalse(isNano(new PcapngFileWriter(order).interfaceBlock(1, 6), order + " 10^-6"));
      assertFalse(
          isNano(new PcapngFileWriter(order).interfaceBlock(1, 0x80 | 29), order + " 2^-29"));
      assertFalse(isNano(new PcapngFileWriter(order).interfaceBlock(1, null), order + " default"));
    }
  }

  @Test
  void pcapngIsNanosecondOnlyWhenEveryInterfaceIs() throws IOException {
    assertTrue(
        isNano(
            new PcapngFileWriter(ByteOrder.LITTLE_ENDIAN).interfaceBlock(1, 9).interfaceBlock(1, 9),
            "both"));
    assertFalse(
        isNano(
            new PcapngFileWriter(ByteOrder.LITTLE_ENDIAN).interfaceBlock(1, 9).interfaceBlock(1, 6),
            "one"));
    assertFalse(isNano(new PcapngFileWriter(ByteOrder.LITTLE_ENDIAN), "no interface"));
  }

  @Test
  void unknownAndEmptyFilesAreNotNanosecond() throws IOException {
    assertFalse(
        FileTimestampPrecision.isNanosecond(Files.writeString(dir.resolve("t.txt"), "hello")));
    assertFalse(FileTimestampPrecision.isNanosecond(Files.write(dir.resolve("e"), new byte[0])));
  }

  private boolean isNano(PcapngFileWriter writer, String name) throws IOException {
    return FileTimestampPrecision.isNanosecond(
        writer.packet(0, 1, FRAME).writeTo(dir.resolve(name.replace(' ', '_') + ".pcapng")));
  }
}
