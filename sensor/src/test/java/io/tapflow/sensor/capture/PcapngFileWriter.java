package io.tapflow.sensor.capture;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes small pcapng files (one section, chosen byte order) for tests. */
final class PcapngFileWriter {

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteOrder order;

  /** Starts a file with a Section Header Block in the given byte order. */
  PcapngFileWriter(ByteOrder order) {
    this.order = order;
    ByteBuffer body = buffer(16);
    body.putInt(0x1A2B3C4D).putShort((short) 1).putShort((short) 0).putLong(-1L);
    block(0x0A0D0D0A, body.array());
  }

  /**
   * Adds an Interface Description Block; {@code tsresol} is the if_tsresol byte, or null to leave
   * the option out (microseconds).
   */
  PcapngFileWriter interfaceBlock(int linkType, Integer tsresol) {
    ByteBuffer body = buffer(tsresol == null ? 8 : 20);
    body.putShort((short) linkType).putShort((short) 0).putInt(262144);
    if (tsresol != null) {
      body.putShort((short) 9).putShort((short) 1).put((byte) (int) tsresol).put(new byte[3]);
      body.putShort((short) 0).putShort((short) 0); // opt_endofopt
    }
    block(1, body.array());
    return this;
  }

  /** Adds an Enhanced Packet Block stamped {@code ticks} in its interface's resolution. */
  PcapngFileWriter packet(int interfaceId, long ticks, byte[] data) {
    int padded = (data.length + 3) & ~3;
    ByteBuffer body = buffer(20 + padded);
    body.putInt(interfaceId).putInt((int) (ticks >>> 32)).putInt((int) ticks);
    body.putInt(data.length).putInt(data.length).put(data);
    block(6, body.array());
    return this;
  }

  Path writeTo(Path file) throws IOException {
    return Files.write(file, out.toByteArray());
  }

  private ByteBuffer buffer(int size) {
    return ByteBuffer.allocate(size).order(order);
  }

  private void block(int type, byte[] body) {
    ByteBuffer block = buffer(12 + body.length);
    block.putInt(type).putInt(12 + body.length).put(body).putInt(12 + body.length);
    out.writeBytes(block.array());
  }
}
