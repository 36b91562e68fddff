package io.tapflow.processor.websocket;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the two byte streams of the one TCP connection in a classic pcap file recorded with {@code
 * tcpdump -i lo}; test-only, and only for loss-free captures (processor does not depend on sensor).
 *
 * <p>Just enough parsing: link type 1 (Ethernet, which is what {@code lo} gives), IPv4, TCP. The
 * client is the sender of the SYN; each segment's payload is placed in its direction's stream by
 * its sequence number.
 */
final class PcapTcpStreams {

  /** One payload-carrying segment, in capture order. */
  record Segment(boolean fromClient, long offset, byte[] payload, long timestampNanos) {}

  private static final int LINKTYPE_ETHERNET = 1;
  private static final int ETHERTYPE_IPV4 = 0x0800;
  private static final int PROTOCOL_TCP = 6;
  private static final int TCP_SYN = 0x02;
  private static final int TCP_ACK = 0x10;

  final List<Segment> segments;
  final byte[] client;
  final byte[] server;

  private PcapTcpStreams(List<Segment> segments, byte[] client, byte[] server) {
    this.segments = segments;
    this.client = client;
    this.server = server;
  }

  static PcapTcpStreams read(Path file) throws IOException {
    ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(file));
    int magic = in.order(ByteOrder.BIG_ENDIAN).getInt(0);
    boolean nanos;
    if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d) {
      in.order(ByteOrder.BIG_ENDIAN);
      nanos = magic == 0xa1b23c4d;
    } else if (Integer.reverseBytes(magic) == 0xa1b2c3d4
        || Integer.reverseBytes(magic) == 0xa1b23c4d) {
      in.order(ByteOrder.LITTLE_ENDIAN);
      nanos = Integer.reverseBytes(magic) == 0xa1b23c4d;
    } else {
      throw new IOException(file + ": not a classic pcap file");
    }
    int linkType = in.getInt(20);
    if (linkType != LINKTYPE_ETHERNET) {
      throw new IOException(file + ": link type " + linkType + ", expected Ethernet");
    }
    in.position(24);

    List<Segment> segments = new ArrayList<>();
    ByteArrayOutputStream client = new ByteArrayOutputStream();
    ByteArrayOutputStream server = new ByteArrayOutputStream();
    String clientEndpoint = null;
    long clientIsn = 0;
    long serverIsn = 0;
    while (in.remaining() >= 16) {
      long seconds = Integer.toUnsignedLong(in.getInt());
      long fraction = Integer.toUnsignedLong(in.getInt());
      int capturedLength = in.getInt();
      int wireLength = in.getInt();
      if (capturedLength != wireLength) {
        throw new IOException(file + ": a packet was cut by the snap length");
      }
      byte[] frame = new byte[capturedLength];
      in.get(frame);
      long timestampNanos = seconds * 1_000_000_000L + (nanos ? fraction : fraction * 1000);

      ByteBuffer p = ByteBuffer.wrap(frame);
      if ((p.getShort(12) & 0xffff) != ETHERTYPE_IPV4) {
        continue;
      }
      int ip = 14;
      int ipHeaderLength = (p.get(ip) & 0x0f) * 4;
      int ipTotalLength = p.getShort(ip + 2) & 0xffff;
      if ((p.get(ip + 9) & 0xff) != PROTOCOL_TCP) {
        continue;
      }
      String source = address(frame, ip + 12) + ":" + (p.getShort(ip + ipHeaderLength) & 0xffff);
      int tcp = ip + ipHeaderLength;
      long seq = Integer.toUnsignedLong(p.getInt(tcp + 4));
      int tcpHeaderLength = ((p.get(tcp + 12) & 0xf0) >> 4) * 4;
      int flags = p.get(tcp + 13) & 0xff;
      int payloadAt = tcp + tcpHeaderLength;
      int payloadLength = ip + ipTotalLength - payloadAt;

      if ((flags & TCP_SYN) != 0) {
        if ((flags & TCP_ACK) == 0) {
          clientEndpoint = source;
          clientIsn = seq;
        } else {
          serverIsn = seq;
        }
        continue;
      }
      if (clientEndpoint == null) {
        throw new IOException(file + ": data before the SYN");
      }
      if (payloadLength == 0) {
        continue;
      }
      boolean fromClient = source.equals(clientEndpoint);
      ByteArrayOutputStream stream = fromClient ? client : server;
      long offset = (seq - ((fromClient ? clientIsn : serverIsn) + 1)) & 0xffffffffL;
      if (offset != stream.size()) {
        throw new IOException(
            file + ": segment at offset " + offset + " where " + stream.size() + " was due");
      }
      byte[] payload = new byte[payloadLength];
      System.arraycopy(frame, payloadAt, payload, 0, payloadLength);
      stream.writeBytes(payload);
      segments.add(new Segment(fromClient, offset, payload, timestampNanos));
    }
    return new PcapTcpStreams(List.copyOf(segments), client.toByteArray(), server.toByteArray());
  }

  private static String address(byte[] frame, int at) {
    return (frame[at] & 0xff)
        + "."
        + (frame[at + 1] & 0xff)
        + "."
        + (frame[at + 2] & 0xff)
        + "."
        + (frame[at + 3] & 0xff);
  }
}
