package io.tapflow.processor.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.tapflow.processor.app.AppEvent;
import io.tapflow.processor.tcp.Segment;
import io.tapflow.processor.tcp.TcpConnection.Side;
import io.tapflow.processor.tcp.TcpSession;
import io.tapflow.processor.testing.Captures;
import io.tapflow.processor.testing.SegmentMutator;
import io.tapflow.processor.websocket.Frames;
import io.tapflow.processor.websocket.WsMessage;
import io.tapflow.processor.websocket.WsOpcode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;

/**
 * Redaction of configured JSON fields in the analysis: what the listener gets (messages, chat
 * events, counts) for the committed sample captures, compressed or not, however the segments are
 * split, and for a compressed message fragmented over frames and delivered one byte a segment.
 */
class ConnectionAnalyzerRedactionTest {
  private static final AnalyzerConfig CONTENT =
      AnalyzerConfig.DEFAULT.withRedactFields(List.of("content"));

  /** Records messages (whole text), chat events and redaction reports as lines. */
  static final class Lines implements AnalysisListener {
    final List<String> lines = new ArrayList<>();
    final List<WsMessage> messages = new ArrayList<>();

    @Override
    public void onMessage(ConnectionInfo c, Side sender, WsMessage m) {
      messages.add(m);
      String body =
          m.opcode() == WsOpcode.TEXT || m.opcode() == WsOpcode.BINARY
              ? new String(m.content(), StandardCharsets.UTF_8)
              : m.content().length + " bytes";
      lines.add(
          "message "
              + sender
              + " "
              + m.opcode()
              + " "
              + body
              + " length="
              + m.payloadLength()
              + (m.compressed() ? " compressed" : "")
              + " fragments="
              + m.fragments());
    }

    @Override
    public void onAppEvent(ConnectionInfo c, Side sender, long ts, AppEvent e) {
      lines.add(
          "chat "
              + sender
              + " "
              + e.type()
              + " nick="
              + e.nick()
              + " content="
              + e.content()
              + " from="
              + e.fromClientId());
    }

    @Override
    public void onConnectionRecord(ConnectionSummary s) {}

    @Override
    public void onFirstMessage(ConnectionInfo c, long nanosSinceUpgrade) {}

    @Override
    public void onGap(ConnectionInfo c, Side side, long length, long ts) {
      lines.add("gap " + side + " " + length);
    }

    @Override
    public void onAnomaly(ConnectionInfo c, String code, String detail, long ts) {
      lines.add("anomaly " + code + " " + detail);
    }

    @Override
    public void onRedacted(ConnectionInfo c, Side sender, String field, int count) {
      lines.add("redacted " + sender + " " + field + " " + count);
    }

    @Override
    public void onRedactionUnparsed(ConnectionInfo c, Side sender) {
      lines.add("unparsed " + sender);
    }

    List<String> starting(String prefix) {
      return lines.stream().filter(l -> l.startsWith(prefix)).toList();
    }
  }

  private static Lines analyse(String key, List<Segment> segments, AnalyzerConfig config) {
    Lines out = new Lines();
    ConnectionAnalyzer a = ConnectionAnalyzer.open(key, "test", segments.get(0), config);
    for (Segment s : segments) {
      a.onSegment(s, out);
    }
    a.end(segments.get(segments.size() - 1).timestampNanos(), "end_of_capture", out);
    return out;
  }

  /** Every connection of a sample capture, in order of first sight, through one listener each. */
  private static List<Lines> sample(String file, AnalyzerConfig config) throws Exception {
    List<Lines> out = new ArrayList<>();
    for (Map.Entry<String, List<Segment>> c :
        Captures.read(Captures.SAMPLES.resolve(file)).entrySet()) {
      out.add(analyse(c.getKey(), c.getValue(), config));
    }
    return out;
  }

  private static final String MYNICK_SAYS =
      "{\"type\":\"say\",\"to_client_id\":\"all\",\"to_client_name\":\"所有人\","
          + "\"content\":\"[redacted]\"}";
  private static final String SERVER_SAYS_MYNICK =
      "{\"type\":\"say\",\"from_client_id\":\"7f000001b8a800000001\",\"from_client_name\":"
          + "\"mynick\",\"to_client_id\":\"all\",\"content\":\"[redacted]\","
          + "\"time\":\"2024-01-01 10:00:00\"}";
  private static final String SERVER_SAYS_AYSE =
      "{\"type\":\"say\",\"from_client_id\":\"7f000001b8a800000002\",\"from_client_name\":"
          + "\"ayse\",\"to_client_id\":\"all\",\"content\":\"[redacted]\","
          + "\"time\":\"2024-01-01 10:00:00\"}";

  private static void assertChatSampleRedacted(List<Lines> connections, String compressed) {
    assertEquals(2, connections.size());
    Lines mynick = connections.get(0);
    Lines ayse = connections.get(1);
    assertEquals(
        List.of(
            "chat CLIENT login nick=mynick content=null from=null",
            "chat SERVER login nick=mynick content=null from=7f000001b8a800000001",
            "chat CLIENT say nick=null content=[redacted] from=null",
            "chat SERVER say nick=mynick content=[redacted] from=7f000001b8a800000001",
            "chat SERVER ping nick=null content=null from=null",
            "chat CLIENT pong nick=null content=null from=null",
            "chat SERVER login nick=ayse content=null from=7f000001b8a800000002",
            "chat SERVER say nick=ayse content=[redacted] from=7f000001b8a800000002",
            "chat SERVER logout nick=ayse content=null from=7f000001b8a800000002"),
        mynick.starting("chat "));
    assertEquals(
        List.of(
            "chat CLIENT login nick=ayse content=null from=null",
            "chat SERVER login nick=ayse content=null from=7f000001b8a800000002",
            "chat CLIENT say nick=null content=[redacted] from=null",
            "chat SERVER say nick=ayse content=[redacted] from=7f000001b8a800000002"),
        ayse.starting("chat "));
    // Payload lengths stay those of the wire (93: the client's say with its real content).
    assertEquals(
        List.of(
            "message CLIENT TEXT " + MYNICK_SAYS + " length=93" + compressed + " fragments=1",
            "message SERVER TEXT "
                + SERVER_SAYS_MYNICK
                + " length=161"
                + compressed
                + " fragments=1",
            "message SERVER TEXT "
                + SERVER_SAYS_AYSE
                + " length=256"
                + compressed
                + " fragments=1"),
        mynick.starting("message").stream().filter(l -> l.contains("\"say\"")).toList());
    assertEquals(
        List.of(
            "redacted CLIENT content 1", "redacted SERVER content 1", "redacted SERVER content 1"),
        mynick.starting("redacted"));
    assertEquals(
        List.of("redacted CLIENT content 1", "redacted SERVER content 1"),
        ayse.starting("redacted"));
    for (Lines c : connections) {
      assertEquals(List.of(), c.starting("unparsed"));
      for (String line : c.lines) {
        assertFalse(line.contains("Merhaba") || line.contains("Günaydın"), line);
        assertFalse(line.contains("G\\u00fcnayd"), line);
      }
    }
  }

  @Test
  void theChatSampleGivesChatLinesWithTheirContentRedactedAndTheirNicksIntact() throws Exception {
    List<Lines> redacted = sample("chat.pcap", CONTENT);
    assertChatSampleRedacted(redacted, "");
    // Every message with no content member is the very message the unredacted analysis gives.
    List<Lines> plain = sample("chat.pcap", AnalyzerConfig.DEFAULT);
    for (int i = 0; i < plain.size(); i++) {
      List<WsMessage> expected =
          plain.get(i).messages.stream().filter(m -> !hasContent(m)).toList();
      assertEquals(
          expected, redacted.get(i).messages.stream().filter(m -> !hasContent(m)).toList());
      assertEquals(plain.get(i).messages.size(), redacted.get(i).messages.size());
    }
  }

  private static boolean hasContent(WsMessage m) {
    return new String(m.content(), StandardCharsets.UTF_8).contains("\"content\":");
  }

  @Test
  void theCompressedChatSampleIsRedactedAfterInflatingAlike() throws Exception {
    assertChatSampleRedacted(sample("chat-deflate.pcap", CONTENT), " compressed");
  }

  @Test
  void segmentsSplitRetransmittedAndReorderedGiveTheSameRedactedOutput() throws Exception {
    for (String file : List.of("chat.pcap", "chat-deflate.pcap")) {
      for (Map.Entry<String, List<Segment>> c :
          Captures.read(Captures.SAMPLES.resolve(file)).entrySet()) {
        List<String> expected = perDirection(analyse(c.getKey(), c.getValue(), CONTENT));
        for (int seed = 0; seed < 30; seed++) {
          List<Segment> mutated = new SegmentMutator(seed, 50_000_000L).mutate(c.getValue(), 3);
          assertEquals(
              expected,
              perDirection(analyse(c.getKey(), mutated, CONTENT)),
              file + " seed " + seed);
        }
      }
    }
  }

  /** The lines in wire order per direction (how directions interleave depends on arrival). */
  private static List<String> perDirection(Lines l) {
    List<String> out = new ArrayList<>();
    for (String side : List.of(" CLIENT ", " SERVER ")) {
      for (String line : l.lines) {
        if (line.contains(side) || line.endsWith(side.stripTrailing())) {
          out.add(line);
        }
      }
    }
    return out;
  }

  private static final String REQUEST =
      "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
          + "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n";
  private static final String RESPONSE =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
          + "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n";

  @Test
  void aCompressedMessageFragmentedOverFramesAndSegmentsIsRedactedWhole() {
    byte[] say =
        "{\"type\":\"say\",\"content\":\"sır\",\"meta\":{\"content\":[1,2]},\"n\":1}"
            .getBytes(StandardCharsets.UTF_8);
    Deflater client = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    byte[] compressed = Frames.deflate(client, say);
    int third = compressed.length / 3;
    byte[] frames =
        concat(
            Frames.masked(0x41, 0x11223344, Arrays.copyOfRange(compressed, 0, third)),
            Frames.masked(0x00, 0x55667788, Arrays.copyOfRange(compressed, third, 2 * third)),
            Frames.masked(
                0x80, 0x99aabbcc, Arrays.copyOfRange(compressed, 2 * third, compressed.length)));
    Deflater server = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    TcpSession s = TcpSession.standard();
    List<Segment> segments = new ArrayList<>(s.handshake());
    segments.add(s.clientSends(REQUEST));
    segments.add(s.serverSends(RESPONSE));
    for (byte b : frames) {
      segments.add(s.clientSends(new byte[] {b})); // one byte a segment
    }
    // Two compressed server messages, the second using the first's window.
    segments.add(
        s.serverSends(
            Frames.frame(0xc1, Frames.deflate(server, "{\"content\":\"gizli\"}".getBytes()))));
    segments.add(
        s.serverSends(
            Frames.frame(0xc1, Frames.deflate(server, "{\"content\":\"gizli\"}".getBytes()))));
    // Not JSON: left as it is, counted. Binary: not text, not looked at.
    segments.add(s.clientSends(Frames.masked(0x81, 0x01020304, "content: gizli".getBytes())));
    segments.add(
        s.clientSends(Frames.masked(0x82, 0x01020304, "{\"content\":\"bin\"}".getBytes())));
    segments.addAll(s.close());

    Lines out = analyse("s|10.0.0.1:50000|10.0.0.2:8080", segments, CONTENT);
    assertEquals(
        List.of(
            "redacted CLIENT content 2",
            "message CLIENT TEXT {\"type\":\"say\",\"content\":\"[redacted]\",\"meta\":{\"content\":"
                + "\"[redacted]\"},\"n\":1} length="
                + say.length
                + " compressed fragments=3",
            "chat CLIENT say nick=null content=[redacted] from=null",
            "redacted SERVER content 1",
            "message SERVER TEXT {\"content\":\"[redacted]\"} length=19 compressed fragments=1",
            "redacted SERVER content 1",
            "message SERVER TEXT {\"content\":\"[redacted]\"} length=19 compressed fragments=1",
            "unparsed CLIENT",
            "message CLIENT TEXT content: gizli length=14 fragments=1",
            "message CLIENT BINARY {\"content\":\"bin\"} length=17 fragments=1"),
        out.lines);
    // What a snapshot restores goes on redacting: the analyzer keeps no redaction state.
    assertEquals(
        out.lines, analyseWithSnapshots("s|10.0.0.1:50000|10.0.0.2:8080", segments, CONTENT).lines);
  }

  private static Lines analyseWithSnapshots(
      String key, List<Segment> segments, AnalyzerConfig config) {
    Lines out = new Lines();
    ConnectionAnalyzer a = ConnectionAnalyzer.open(key, "test", segments.get(0), config);
    for (Segment s : segments) {
      a.onSegment(s, out);
      a = ConnectionAnalyzer.restore(a.snapshot(), config);
    }
    a.end(segments.get(segments.size() - 1).timestampNanos(), "end_of_capture", out);
    return out;
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }
}
