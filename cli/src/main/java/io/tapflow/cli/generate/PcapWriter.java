package io.tapflow.cli.generate;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a classic pcap file (little-endian, microsecond timestamps, link type 1 Ethernet), the
 * format libpcap, tcpdump, tshark and tcpreplay all read.
 */
public final class PcapWriter implements PacketSink, Closeable {
  /** Magic of a microsecond-resolution pcap file. */
  static final int MAGIC_MICROS = 0xa1b2c3d4;

  static final int LINKTYPE_ETHERNET = 1;
  static final int SNAPLEN = 262_144;

  private final OutputStream out;
  private final ByteBuffer header = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
  private long packets;
  private long bytes;

  public PcapWriter(Path file) throws IOException {
    this.out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20);
    header
        .putInt(MAGIC_MICROS)
        .putShort((short) 2)
        .putShort((short) 4)
        .putInt(0) // thiszone: UTC
        .putInt(0) // sigfigs
        .putInt(SNAPLEN)
        .putInt(LINKTYPE_ETHERNET);
    out.write(header.array(), 0, 24);
  }

  @Override
  public void packet(long timestampMicros, byte[] frame) throws IOException {
    header.clear();
    header
        .putInt((int) (timestampMicros / 1_000_000))
        .putInt((int) (timestampMicros % 1_000_000))
        .putInt(frame.length)
        .putInt(frame.length);
    out.write(header.array(), 0, 16);
    out.write(frame);
    packets++;
    bytes += frame.length;
  }

  public long packets() {
    return packets;
  }

  /** Frame bytes written (without the pcap record headers). */
  public long bytes() {
    return bytes;
  }

  @Override
  public void close() throws IOException {
    out.close();
  }
}
