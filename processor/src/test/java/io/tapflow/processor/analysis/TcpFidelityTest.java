package io.tapflow.processor.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tapflow.processor.tcp.Segment;
import io.tapflow.processor.tcp.TcpSession;
import io.tapflow.processor.testing.Captures;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the analysis makes of messy TCP: wrap-around, midstream starts, lost segments. */
class TcpFidelityTest {
  private static final String REQUEST =
      "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  private static final String RESPONSE =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

  private static ConnectionAnalyzerTest.Recorder analyse(List<Segment> segments) {
    ConnectionAnalyzerTest.Recorder rec = new ConnectionAnalyzerTest.Recorder();
    ConnectionAnalyzer a =
        ConnectionAnalyzer.open("k", "test", segments.get(0), AnalyzerConfig.DEFAULT);
    for (Segment s : segments) {
      a.onSegment(s, rec);
    }
    a.end(segments.get(segments.size() - 1).timestampNanos(), "end_of_capture", rec);
    return rec;
  }

  private static String finalRecord(ConnectionAnalyzerTest.Recorder rec) {
    List<String> finals = rec.lines.stream().filter(l -> l.contains("kind=FINAL")).toList();
    assertEquals(1, finals.size());
    return finals.get(0);
  }

  /** A masked text frame with a 16-bit length, mask key 0a 0b 0c 0d. */
  private static byte[] maskedText(String text) {
    byte[] p = text.getBytes(StandardCharsets.UTF_8);
    byte[] f = new byte[8 + p.length];
    f[0] = (byte) 0x81;
    f[1] = (byte) (0x80 | 126);
    f[2] = (byte) (p.length >> 8);
    f[3] = (byte) p.length;
    byte[] key = {10, 11, 12, 13};
    System.arraycopy(key, 0, f, 4, 4);
    for (int i = 0; i < p.length; i++) {
      f[8 + i] = (byte) (p[i] ^ key[i % 4]);
    }
    return f;
  }

  @Test
  void aMessageWhoseBytesCrossTheSequenceWrapIsDecodedWhole() {
    TcpSession s =
        new TcpSession(
            new byte[] {10, 0, 0, 1},
            50000,
            new byte[] {10, 0, 0, 2},
            8080,
            (1L << 32) - REQUEST.length() - 700,
            77,
            1_000_000_000L,
            10_000L);
    List<Segment> segs = new ArrayList<>(s.handshake());
    segs.add(s.clientSends(REQUEST));
    segs.add(s.serverSends(RESPONSE));
    String text = "x".repeat(1000) + "y".repeat(1000) + "z".repeat(1000);
    byte[] frame = maskedText(text);
    for (int off = 0; off < frame.length; off += 500) {
      byte[] part = java.util.Arrays.copyOfRange(frame, off, Math.min(frame.length, off + 500));
      segs.add(s.clientSends(part));
    }
    segs.addAll(s.close());
    assertTrue(segs.get(4).seq() < segs.get(3).seq(), "the sequence numbers wrap");
    ConnectionAnalyzerTest.Recorder rec = analyse(segs);
    List<String> messages = rec.lines.stream().filter(l -> l.startsWith("message")).toList();
    assertEquals(1, messages.size());
    assertTrue(messages.get(0).contains("opcode=TEXT, content=3000 bytes 7878"), messages.get(0));
    assertTrue(finalRecord(rec).contains("clientBytes=" + (REQUEST.length() + frame.length)));
  }

  @Test
  void aConnectionCapturedFromItsMiddleIsTrackedWithItsBytes() throws Exception {
    List<Segment> all =
        Captures.read(Captures.SAMPLES.resolve("chat.pcap")).values().iterator().next();
    List<Segment> late = all.subList(8, all.size());
    long clientBytes = 0;
    long serverBytes = 0;
    for (Segment s : late) {
      if (s.srcPort() == 47273) {
        clientBytes += s.payload().length;
      } else {
        serverBytes += s.payload().length;
      }
    }
    String record = finalRecord(analyse(late));
    // No SYN seen; the first packet came from the server; both FINs seen: Zeek's SF.
    assertTrue(record.contains("state=SF, history=^dDAfF,"), record);
    assertTrue(
        record.contains("clientBytes=" + clientBytes + ", serverBytes=" + serverBytes), record);
    assertTrue(record.contains("client=127.0.0.1:47273"), record);
    assertTrue(record.contains("httpStatus=null"), record);
    String open = finalRecord(analyse(all.subList(8, 20)));
    assertTrue(open.contains("state=OTH"), open);
  }

  @Test
  void aLostSegmentBecomesAGapOfItsExactLength() throws Exception {
    List<Segment> all =
        Captures.read(Captures.SAMPLES.resolve("chat.pcap")).values().iterator().next();
    List<Segment> lossy = new ArrayList<>();
    Segment lost = null;
    for (Segment s : all) {
      // The server's ping: 17 bytes ({"type":"ping"} in a 2-byte-header frame).
      if (lost == null && s.srcPort() == 47272 && s.payload().length == 17) {
        lost = s;
        continue;
      }
      lossy.add(s);
    }
    ConnectionAnalyzerTest.Recorder rec = analyse(lossy);
    String record = finalRecord(rec);
    assertTrue(record.contains("missedBytes=17,"), record);
    assertTrue(record.contains("history=ShADadfFg,"), record);
    // Every message before the hole is decoded; the ping is not invented.
    assertEquals(
        0, rec.lines.stream().filter(l -> l.contains("7b2274797065223a2270696e67227d")).count());
  }

  @Test
  void jupytersSessionHasTheHistoryZeekLogs() throws Exception {
    List<Segment> segs =
        Captures.read(Captures.PEER_CAPTURES.resolve("zeek-jupyter-websocket.pcap"))
            .values()
            .iterator()
            .next();
    String record = finalRecord(analyse(segs));
    assertTrue(record.contains("history=ShADadfF,"), record);
    assertTrue(record.contains("state=SF,"), record);
  }
}
