package io.tapflow.sensor.redact;

import io.tapflow.sensor.decode.TcpSegment;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * One TCP connection's segments for tests, numbered as a real stack numbers them (client
 * 10.0.0.1:40000, server 10.0.0.2:8080), with WebSocket handshakes and frames to put in them.
 */
final class WebSocketConversation {
  static final int FIN = 0x01;
  static final int SYN = 0x02;
  static final int RST = 0x04;
  static final int PSH = 0x08;
  static final int ACK = 0x10;

  /** Bytes before the payload in each segment's frame, so that offsets are exercised. */
  static final int HEADER = 54;

  static final String REQUEST =
      "GET /chat HTTP/1.1\r\nHost: 10.0.0.2:8080\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
          + "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n";
  static final String RESPONSE =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
  static final String RESPONSE_DEFLATE =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
          + "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n\r\n";

  static final byte[] MASK = {0x37, (byte) 0xfa, 0x21, 0x3d};

  private final byte[] client = {10, 0, 0, 1};
  private final byte[] server = {10, 0, 0, 2};
  private final int clientPort;
  private long clientNext = 1_000;
  private long serverNext = 4_294_967_000L; // wraps around 2^32 after 296 bytes

  WebSocketConversation() {
    this(40_000);
  }

  WebSocketConversation(int clientPort) {
    this.clientPort = clientPort;
  }

  TcpSegment clientSyn() {
    TcpSegment s = segment(true, clientNext, SYN, new byte[0]);
    clientNext++;
    return s;
  }

  TcpSegment serverSynAck() {
    TcpSegment s = segment(false, serverNext, SYN | ACK, new byte[0]);
    serverNext = (serverNext + 1) & 0xFFFF_FFFFL;
    return s;
  }

  /** The client's next segment, carrying {@code payload}. */
  TcpSegment client(byte[] payload) {
    TcpSegment s = segment(true, clientNext, ACK | PSH, payload);
    clientNext = (clientNext + payload.length) & 0xFFFF_FFFFL;
    return s;
  }

  /** The server's next segment, carrying {@code payload}. */
  TcpSegment server(byte[] payload) {
    TcpSegment s = segment(false, serverNext, ACK | PSH, payload);
    serverNext = (serverNext + payload.length) & 0xFFFF_FFFFL;
    return s;
  }

  long clientNext() {
    return clientNext;
  }

  long serverNext() {
    return serverNext;
  }

  /** A segment of the client's ({@code fromClient}) or server's at {@code seq}. */
  TcpSegment segment(boolean fromClient, long seq, int flags, byte[] payload) {
    byte[] frame = new byte[HEADER + payload.length];
    System.arraycopy(payload, 0, frame, HEADER, payload.length);
    return new TcpSegment(
        4,
        fromClient ? client : server,
        fromClient ? server : client,
        fromClient ? clientPort : 8080,
        fromClient ? 8080 : clientPort,
        seq,
        0,
        flags,
        65535,
        frame,
        HEADER,
        payload.length,
        payload.length,
        new int[0]);
  }

  /** A segment whose capture kept the first {@code captured} of {@code payload}'s bytes. */
  TcpSegment clientTruncated(byte[] payload, int captured) {
    byte[] frame = new byte[HEADER + captured];
    System.arraycopy(payload, 0, frame, HEADER, captured);
    TcpSegment s =
        new TcpSegment(
            4,
            client,
            server,
            clientPort,
            8080,
            clientNext,
            0,
            ACK,
            65535,
            frame,
            HEADER,
            captured,
            payload.length,
            new int[0]);
    clientNext += payload.length;
    return s;
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * One frame: {@code first} is its first byte (FIN 0x80, RSV1 0x40, opcode), masked with {@code
   * mask} unless null; the shortest length encoding.
   */
  static byte[] frame(int first, byte[] mask, byte[] payload) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(first);
    int maskBit = mask == null ? 0 : 0x80;
    if (payload.length < 126) {
      out.write(maskBit | payload.length);
    } else if (payload.length < 65536) {
      out.write(maskBit | 126);
      out.write(payload.length >> 8);
      out.write(payload.length);
    } else {
      out.write(maskBit | 127);
      for (int shift = 56; shift >= 0; shift -= 8) {
        out.write((int) ((long) payload.length >> shift));
      }
    }
    if (mask != null) {
      out.writeBytes(mask);
    }
    for (int i = 0; i < payload.length; i++) {
      out.write(mask == null ? payload[i] : payload[i] ^ mask[i & 3]);
    }
    return out.toByteArray();
  }

  static byte[] text(byte[] mask, String json) {
    return frame(0x81, mask, utf8(json));
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
