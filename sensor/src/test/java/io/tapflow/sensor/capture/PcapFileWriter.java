package io.tapflow.sensor.capture;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes small classic pcap files (microsecond or nanosecond, little-endian) for tests. */
final class PcapFileWriter {

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final boolean nanosecond;

  /** Starts a file with the given link type; {@code nanosecond} picks magic a1b23c4d. */
  PcapFileWriter(int linkType, boolean nanosecond) {
    this.nanosecond = nanosecond;
    ByteBuffer header = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
    header.putInt(nanosecond ? 0xA1B23C4D : 0xA1B2C3D4);
    header.putShort((short) 2).putShort((short) 4); // version 2.4
    header.putInt(0).putInt(0); // thiszone, sigfigs
    header.putInt(262144); // snaplen
    header.putInt(linkType);
    out.writeBytes(header.array());
  }

  /**
   * Adds a record stamped {@code timestampNanos}; the fraction is truncated for microsecond files.
   */
  PcapFileWriter add(long timestampNanos, byte[] frame, int capturedLength, int wireLength) {
    ByteBuffer record = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    long fraction = Math.floorMod(timestampNanos, 1_000_000_000L);
    record.putInt((int) Math.floorDiv(timestampNanos, 1_000_000_000L));
    record.putInt((int) (nanosecond ? fraction : fraction / 1000));
    record.putInt(capturedLength).putInt(wireLength);
    out.writeBytes(record.array());
    out.write(frame, 0, capturedLength);
    return this;
  }

  /** Adds a whole frame. */
  PcapFileWriter add(long timestampNanos, byte[] frame) {
    return add(timestampNanos, frame, frame.length, frame.length);
  }

  Path writeTo(Path file) throws IOException {
    return Files.write(file, out.toByteArray());
  }
}
