package io.tapflow.sensor.capture;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Tells whether a pcap or pcapng file records its timestamps to the nanosecond, by reading its
 * headers.
 *
 * <p>libpcap hands every timestamp over in the precision the reader asks for, scaling microseconds
 * up; it does not say what the file itself holds. A pcap file says so in its magic number ({@code
 * a1b2c3d4} microseconds, {@code a1b23c4d} nanoseconds). A pcapng file says so per interface, in
 * the {@code if_tsresol} option of each Interface Description Block (default 10^-6): the file
 * counts as nanosecond when every interface described before the first packet has a resolution of
 * 10^-9 or 2^-30 or finer.
 */
final class FileTimestampPrecision {

  private static final int PCAP_MICRO = 0xA1B2C3D4;
  private static final int PCAP_NANO = 0xA1B23C4D;
  private static final int PCAPNG_SECTION_HEADER = 0x0A0D0D0A;
  private static final int PCAPNG_BYTE_ORDER_MAGIC = 0x1A2B3C4D;
  private static final int PCAPNG_INTERFACE_DESCRIPTION = 1;
  private static final int PCAPNG_PACKET_OBSOLETE = 2;
  private static final int PCAPNG_SIMPLE_PACKET = 3;
  private static final int PCAPNG_ENHANCED_PACKET = 6;
  private static final int OPT_ENDOFOPT = 0;
  private static final int OPT_IF_TSRESOL = 9;

  /** Interface descriptions longer than this are not read (they would be malformed). */
  private static final int MAX_INTERFACE_BLOCK = 1 << 20;

  private FileTimestampPrecision() {}

  /**
   * Returns whether {@code file} records nanosecond timestamps; false for microsecond files and for
   * files it does not recognize.
   */
  static boolean isNanosecond(Path file) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer magic = read(channel, 0, 4, ByteOrder.BIG_ENDIAN);
      if (magic == null) {
        return false;
      }
      int big = magic.getInt(0);
      int little = Integer.reverseBytes(big);
      if (big == PCAP_NANO || little == PCAP_NANO) {
        return true;
      }
      if (big == PCAP_MICRO || little == PCAP_MICRO) {
        return false;
      }
      return big == PCAPNG_SECTION_HEADER && pcapngIsNanosecond(channel);
    }
  }

  private static boolean pcapngIsNanosecond(FileChannel channel) throws IOException {
    ByteOrder order = ByteOrder.BIG_ENDIAN;
    boolean sawInterface = false;
    long position = 0;
    while (true) {
      ByteBuffer header = read(channel, position, 12, order);
      if (header == null) {
        return sawInterface;
      }
      int type = header.getInt(0);
      if (type == PCAPNG_SECTION_HEADER) {
        int byteOrderMagic = header.getInt(8);
        if (byteOrderMagic == Integer.reverseBytes(PCAPNG_BYTE_ORDER_MAGIC)) {
          order = order == ByteOrder.BIG_ENDIAN ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
          header.order(order);
        } else if (byteOrderMagic != PCAPNG_BYTE_ORDER_MAGIC) {
          return false;
        }
      }
      long length = header.getInt(4) & 0xFFFFFFFFL;
      if (length < 12 || length % 4 != 0) {
        return false;
      }
      switch (type) {
        case PCAPNG_PACKET_OBSOLETE, PCAPNG_SIMPLE_PACKET, PCAPNG_ENHANCED_PACKET -> {
          return sawInterface;
        }
        case PCAPNG_INTERFACE_DESCRIPTION -> {
          if (length > MAX_INTERFACE_BLOCK) {
            return false;
          }
          ByteBuffer block = read(channel, position, (int) length, order);
          if (block == null || !interfaceIsNanosecond(block)) {
            return false;
          }
          sawInterface = true;
        }
        default -> {}
      }
      position += length;
    }
  }

  /** Reads if_tsresol from an Interface Description Block: 8-byte header, 8-byte body, options. */
  private static boolean interfaceIsNanosecond(ByteBuffer block) {
    int end = block.limit() - 4;
    int option = 16;
    while (option + 4 <= end) {
      int code = block.getShort(option) & 0xFFFF;
      int length = block.getShort(option + 2) & 0xFFFF;
      if (code == OPT_ENDOFOPT) {
        break;
      }
      if (code == OPT_IF_TSRESOL && length >= 1 && option + 5 <= end) {
        int resolution = block.get(option + 4) & 0xFF;
        // Most significant bit 0: a negative power of 10; 1: a negative power of 2.
        return (resolution & 0x80) == 0 ? resolution >= 9 : (resolution & 0x7F) >= 30;
      }
      option += 4 + ((length + 3) & ~3);
    }
    return false; // if_tsresol absent: 10^-6
  }

  private static ByteBuffer read(FileChannel channel, long position, int length, ByteOrder order)
      throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(length).order(order);
    while (buffer.hasRemaining()) {
      if (channel.read(buffer, position + buffer.position()) < 0) {
        return null;
      }
    }
    return buffer.flip();
  }
}
