package io.tapflow.processor.websocket;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * One capture of real WebSocket peers from {@code src/test/resources/captures}, with what the peers
 * say they sent, split into what the decoder tests need: each direction's bytes after the HTTP
 * head, the TCP segments they came in, the negotiated permessage-deflate and the frames, walked
 * independently of the decoder.
 */
final class PeerSession {

  /** The variants {@code make-deflate-captures.sh} records. */
  static final List<String> VARIANTS =
      List.of(
          "deflate-context-takeover",
          "deflate-no-context-takeover",
          "deflate-window-bits",
          "deflate-fragmented",
          "deflate-large",
          "plain");

  /** One line of the peers' {@code .sent.jsonl}. */
  record Sent(WsOpcode opcode, long length, String sha256, int fragments, boolean compressed) {}

  /** Bytes of one direction that arrived in one TCP segment. */
  record Chunk(int offset, int length, long timestampNanos) {
    int end() {
      return offset + length;
    }
  }

  /** A frame as the bytes lay it out. */
  record Frame(int offset, int headerLength, long payloadLength, int opcode, boolean fin) {
    long end() {
      return offset + headerLength + payloadLength;
    }

    boolean isControl() {
      return WebSocketProtocol.isControl(opcode);
    }
  }

  /** The frames of one delivered message, in the order the decoder delivers messages. */
  record Span(List<Frame> frames) {
    int start() {
      return frames.get(0).offset();
    }

    long end() {
      return frames.get(frames.size() - 1).end();
    }

    /** The payload bytes on the wire: compressed, for a compressed message. */
    long wirePayloadLength() {
      return frames.stream().mapToLong(Frame::payloadLength).sum();
    }
  }

  /** One direction after the HTTP head. */
  static final class Direction {
    final boolean sentByClient;
    final byte[] bytes;
    final List<Chunk> chunks;
    final List<Sent> sent;
    final List<Frame> frames;
    final List<Span> spans;

    private Direction(boolean sentByClient, byte[] bytes, List<Chunk> chunks, List<Sent> sent) {
      this.sentByClient = sentByClient;
      this.bytes = bytes;
      this.chunks = chunks;
      this.sent = sent;
      this.frames = walk(bytes);
      this.spans = spans(frames);
    }
  }

  final String variant;
  final String acceptedExtensions;
  final PerMessageDeflate deflate;
  final Direction client;
  final Direction server;

  private PeerSession(
      String variant, String acceptedExtensions, Direction client, Direction server) {
    this.variant = variant;
    this.acceptedExtensions = acceptedExtensions;
    this.deflate = PerMessageDeflate.fromAcceptedExtensions(acceptedExtensions);
    this.client = client;
    this.server = server;
  }

  Direction direction(boolean sentByClient) {
    return sentByClient ? client : server;
  }

  @Override
  public String toString() {
    return variant;
  }

  static PeerSession load(String variant) {
    try {
      PcapTcpStreams streams = PcapTcpStreams.read(resource(variant + ".pcap"));
      int clientHead = headLength(streams.client);
      int serverHead = headLength(streams.server);
      String response = new String(streams.server, 0, serverHead, StandardCharsets.ISO_8859_1);
      Path sent = resource(variant + ".sent.jsonl");
      return new PeerSession(
          variant,
          header(response, "Sec-WebSocket-Extensions"),
          new Direction(
              true,
              java.util.Arrays.copyOfRange(streams.client, clientHead, streams.client.length),
              chunks(streams.segments, true, clientHead),
              sent(sent, "client")),
          new Direction(
              false,
              java.util.Arrays.copyOfRange(streams.server, serverHead, streams.server.length),
              chunks(streams.segments, false, serverHead),
              sent(sent, "server")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path resource(String name) {
    try {
      return Path.of(PeerSession.class.getResource("/captures/" + name).toURI());
    } catch (URISyntaxException | NullPointerException e) {
      throw new IllegalStateException("no test resource captures/" + name, e);
    }
  }

  /** The length of the HTTP head at the start of a stream, its blank line included. */
  private static int headLength(byte[] stream) {
    for (int i = 3; i < stream.length; i++) {
      if (stream[i - 3] == '\r'
          && stream[i - 2] == '\n'
          && stream[i - 1] == '\r'
          && stream[i] == '\n') {
        return i + 1;
      }
    }
    throw new IllegalStateException("no end of HTTP head");
  }

  /** The values of every header line with this name, joined with commas; null if none. */
  private static String header(String head, String name) {
    List<String> values = new ArrayList<>();
    for (String line : head.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
        values.add(line.substring(colon + 1).trim());
      }
    }
    return values.isEmpty() ? null : String.join(", ", values);
  }

  private static List<Chunk> chunks(
      List<PcapTcpStreams.Segment> segments, boolean fromClient, int headLength) {
    List<Chunk> chunks = new ArrayList<>();
    for (PcapTcpStreams.Segment s : segments) {
      if (s.fromClient() != fromClient) {
        continue;
      }
      long start = Math.max(s.offset(), headLength);
      long end = s.offset() + s.payload().length;
      if (start < end) {
        chunks.add(new Chunk((int) (start - headLength), (int) (end - start), s.timestampNanos()));
      }
    }
    return List.copyOf(chunks);
  }

  /** The lines of a {@code .sent.jsonl} file from one direction, in order. */
  private static List<Sent> sent(Path jsonl, String direction) throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    List<Sent> sent = new ArrayList<>();
    for (String line : Files.readAllLines(jsonl)) {
      JsonNode n = mapper.readTree(line);
      if (!n.get("direction").asText().equals(direction)) {
        continue;
      }
      sent.add(
          new Sent(
              WsOpcode.valueOf(n.get("opcode").asText()),
              n.get("length").asLong(),
              n.get("sha256").asText(),
              n.get("fragments").asInt(),
              n.get("compressed").asBoolean()));
    }
    return List.copyOf(sent);
  }

  /** The frames laid out in a complete, well-formed stream. */
  static List<Frame> walk(byte[] bytes) {
    List<Frame> frames = new ArrayList<>();
    int at = 0;
    while (at < bytes.length) {
      int b0 = bytes[at] & 0xff;
      int b1 = bytes[at + 1] & 0xff;
      int length7 = b1 & 0x7f;
      int lengthBytes = length7 == 126 ? 2 : length7 == 127 ? 8 : 0;
      long payloadLength = length7;
      if (lengthBytes > 0) {
        payloadLength = 0;
        for (int i = 0; i < lengthBytes; i++) {
          payloadLength = (payloadLength << 8) | (bytes[at + 2 + i] & 0xff);
        }
      }
      int headerLength = 2 + lengthBytes + ((b1 & 0x80) != 0 ? 4 : 0);
      Frame frame = new Frame(at, headerLength, payloadLength, b0 & 0x0f, (b0 & 0x80) != 0);
      frames.add(frame);
      at = (int) frame.end();
    }
    return List.copyOf(frames);
  }

  /** Groups frames into messages, ordered as delivered: by the end of their last frame. */
  static List<Span> spans(List<Frame> frames) {
    List<Span> spans = new ArrayList<>();
    List<Frame> open = null;
    for (Frame f : frames) {
      if (f.isControl()) {
        spans.add(new Span(List.of(f)));
        continue;
      }
      if (f.opcode() != WebSocketProtocol.OPCODE_CONTINUATION) {
        open = new ArrayList<>();
      }
      open.add(f);
      if (f.fin()) {
        spans.add(new Span(List.copyOf(open)));
        open = null;
      }
    }
    spans.sort(Comparator.comparingLong(Span::end));
    return List.copyOf(spans);
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** What a decoded message says about itself, in the terms of {@link Sent}. */
  static Sent asSent(WsMessage m) {
    return new Sent(
        m.opcode(), m.payloadLength(), sha256(m.content()), m.fragments(), m.compressed());
  }

  static String lower(WsOpcode opcode) {
    return opcode.name().toLowerCase(Locale.ROOT);
  }
}
