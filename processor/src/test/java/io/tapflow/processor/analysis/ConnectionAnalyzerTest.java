package io.tapflow.processor.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tapflow.processor.app.AppEvent;
import io.tapflow.processor.tcp.Segment;
import io.tapflow.processor.tcp.TcpConnection.Side;
import io.tapflow.processor.tcp.TcpSession;
import io.tapflow.processor.websocket.WsMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConnectionAnalyzerTest {
  private static final String KEY = "s|10.0.0.1:50000|10.0.0.2:8080";
  private static final String REQUEST =
      "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
          + "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n";
  private static final String RESPONSE =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
          + "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n";

  /** Records everything as lines, for exact comparison. */
  static final class Recorder implements AnalysisListener {
    final List<String> lines = new ArrayList<>();

    @Override
    public void onMessage(ConnectionInfo c, Side sender, WsMessage m) {
      lines.add("message " + sender + " " + m);
    }

    @Override
    public void onAppEvent(ConnectionInfo c, Side sender, long ts, AppEvent e) {
      lines.add("app " + sender + " " + ts + " " + e);
    }

    @Override
    public void onConnectionRecord(ConnectionSummary s) {
      lines.add("record " + s);
    }

    @Override
    public void onAnomaly(ConnectionInfo c, String code, String detail, long ts) {
      lines.add("anomaly " + code + " " + detail + " " + ts);
    }

    @Override
    public void onFirstMessage(ConnectionInfo c, long nanosSinceUpgrade) {
      lines.add("first message after " + nanosSinceUpgrade);
    }

    @Override
    public void onGap(ConnectionInfo c, Side side, long length, long ts) {
      lines.add("gap " + side + " " + length + " " + ts);
    }

    @Override
    public void onRedacted(ConnectionInfo c, Side sender, String field, int count) {
      lines.add("redacted " + sender + " " + field + " " + count);
    }

    @Override
    public void onRedactionUnparsed(ConnectionInfo c, Side sender) {
      lines.add("unparsed " + sender);
    }
  }

  /**
   * A compressed session (RFC 7692 §7.2.3 frames: "Hello" twice with context takeover, so the
   * second message needs the first one's window), a server frame in the 101's segment, close.
   */
  static List<Segment> compressedSession() {
    TcpSession s = TcpSession.standard();
    HexFormat hex = HexFormat.of();
    List<Segment> out = new ArrayList<>(s.handshake());
    out.add(s.clientSends(REQUEST.substring(0, 40)));
    out.add(s.clientSends(REQUEST.substring(40)));
    byte[] head = RESPONSE.getBytes(StandardCharsets.ISO_8859_1);
    byte[] hello = hex.parseHex("c107f248cdc9c90700");
    byte[] both = new byte[head.length + hello.length];
    System.arraycopy(head, 0, both, 0, head.length);
    System.arraycopy(hello, 0, both, head.length, hello.length);
    out.add(s.serverSends(both));
    out.add(s.serverSends(hex.parseHex("c105f2001100")));
    out.add(s.serverSends(hex.parseHex("00")));
    out.add(s.clientSends(hex.parseHex("8882010203040 2ea".replace(" ", ""))));
    out.add(s.serverSends(hex.parseHex("880203e8")));
    out.addAll(s.close());
    return out;
  }

  private static List<String> analyse(List<Segment> segments, boolean snapshotEverySegment) {
    Recorder rec = new Recorder();
    ConnectionAnalyzer a =
        ConnectionAnalyzer.open(KEY, "s", segments.get(0), AnalyzerConfig.DEFAULT);
    for (Segment seg : segments) {
      a.onSegment(seg, rec);
      if (snapshotEverySegment) {
        a = ConnectionAnalyzer.restore(a.snapshot(), AnalyzerConfig.DEFAULT);
      }
    }
    return rec.lines;
  }

  @Test
  void aCompressedSessionInflatesBothMessagesWithContextTakeover() {
    List<String> lines = analyse(compressedSession(), false);
    List<String> texts =
        lines.stream().filter(l -> l.startsWith("message SERVER") && l.contains("TEXT")).toList();
    assertEquals(2, texts.size());
    for (String t : texts) {
      assertEquals(true, t.contains("content=5 bytes 48656c6c6f"), t); // "Hello"
    }
    assertEquals(
        1, lines.stream().filter(l -> l.startsWith("record") && l.contains("kind=FINAL")).count());
  }

  @Test
  void restoringFromASnapshotAfterEverySegmentChangesNothing() {
    List<Segment> session = compressedSession();
    assertEquals(analyse(session, false), analyse(session, true));
  }

  /**
   * Snapshots of the previous format (version 4, fixed-width integers), as a processor before this
   * one left them in its store: each restores to the state the current format holds at the same
   * point (the same version 5 bytes) and goes on to report exactly what an analyzer never
   * interrupted reports.
   */
  @Test
  void snapshotsOfTheFixedWidthVersionRestoreAndContinueAsIfNeverStopped() throws IOException {
    List<Segment> session = compressedSession();
    List<String> v4 = new ArrayList<>();
    try (InputStream in =
        ConnectionAnalyzerTest.class.getResourceAsStream("compressed-session-v4-snapshots.txt")) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
        if (!line.startsWith("#")) {
          String[] f = line.split(" ");
          assertEquals(v4.size() + 1, Integer.parseInt(f[0]));
          v4.add(f[1]);
        }
      }
    }
    assertEquals(session.size(), v4.size());

    Recorder whole = new Recorder();
    ConnectionAnalyzer a =
        ConnectionAnalyzer.open(KEY, "s", session.get(0), AnalyzerConfig.DEFAULT);
    List<byte[]> snapshots = new ArrayList<>();
    List<Integer> linesAfter = new ArrayList<>();
    for (Segment seg : session) {
      a.onSegment(seg, whole);
      snapshots.add(a.snapshot());
      linesAfter.add(whole.lines.size());
    }
    for (int k = 0; k < session.size(); k++) {
      byte[] old = HexFormat.of().parseHex(v4.get(k));
      assertEquals(4, old[0]);
      ConnectionAnalyzer restored = ConnectionAnalyzer.restore(old, AnalyzerConfig.DEFAULT);
      assertArrayEquals(snapshots.get(k), restored.snapshot(), "after segment " + (k + 1));
      Recorder rest = new Recorder();
      for (Segment seg : session.subList(k + 1, session.size())) {
        restored.onSegment(seg, rest);
      }
      assertEquals(whole.lines.subList(linesAfter.get(k), whole.lines.size()), rest.lines);
    }
  }

  /**
   * The snapshot's size is what a connection's stored state costs (docs/BENCHMARKS.md, (6)). The
   * version 4 snapshots of the same points took 608, 609, 610, 702, 1 038, 1 577, 1 587, 1 586, 1
   * 403, 1 399, 1 396, 1 400 and 1 400 bytes; most of those were counters at 0 written in 8 bytes.
   */
  @Test
  void theCompressedSessionsSnapshotsTakeTheBytesTheirValuesNeed() {
    List<Segment> session = compressedSession();
    ConnectionAnalyzer a =
        ConnectionAnalyzer.open(KEY, "s", session.get(0), AnalyzerConfig.DEFAULT);
    List<Integer> sizes = new ArrayList<>();
    for (Segment seg : session) {
      a.onSegment(seg, new Recorder());
      sizes.add(a.snapshot().length);
    }
    assertEquals(List.of(248, 245, 250, 340, 672, 681, 691, 690, 507, 503, 501, 506, 506), sizes);
  }

  @Test
  void aDamagedSnapshotIsRefusedWithTheReason() {
    List<Segment> session = compressedSession();
    ConnectionAnalyzer a =
        ConnectionAnalyzer.open(KEY, "s", session.get(0), AnalyzerConfig.DEFAULT);
    for (Segment seg : session.subList(0, 7)) {
      a.onSegment(seg, new Recorder());
    }
    byte[] good = a.snapshot();
    byte[] longer = Arrays.copyOf(good, good.length + 1);
    assertEquals("java.io.IOException: 1 bytes after the analyzer snapshot", refusal(longer));
    assertEquals(
        "java.io.EOFException: snapshot ends early", refusal(Arrays.copyOf(good, good.length - 1)));
    assertEquals("java.io.IOException: empty analyzer snapshot", refusal(new byte[0]));
    byte[] v3 = good.clone();
    v3[0] = 3;
    assertEquals("java.io.IOException: unknown analyzer snapshot version 3", refusal(v3));
  }

  /**
   * Every byte of every snapshot of the compressed session changed to each of five values: each
   * either restores or is refused as corrupt, and none makes the restore allocate more than a few
   * times the snapshot (a damaged length field used to be allocated whole, up to 2 GiB).
   */
  @Test
  void everyOneByteDamageIsRestoredOrRefusedWithoutAllocatingWhatALengthClaims() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    List<Segment> session = compressedSession();
    ConnectionAnalyzer a =
        ConnectionAnalyzer.open(KEY, "s", session.get(0), AnalyzerConfig.DEFAULT);
    int restored = 0;
    int refused = 0;
    long worst = 0;
    for (Segment seg : session) {
      a.onSegment(seg, new Recorder());
      byte[] good = a.snapshot();
      for (int i = 1; i < good.length; i++) {
        for (int v : new int[] {0x00, 0x7f, 0x80, 0xff, good[i] ^ 0x01}) {
          byte[] bad = good.clone();
          bad[i] = (byte) v;
          long before = threads.getCurrentThreadAllocatedBytes();
          try {
            ConnectionAnalyzer.restore(bad, AnalyzerConfig.DEFAULT);
            restored++;
          } catch (UncheckedIOException e) {
            refused++;
          }
          worst = Math.max(worst, threads.getCurrentThreadAllocatedBytes() - before);
        }
      }
    }
    // 8 994 of the 31 635 damaged snapshots are refused; the others changed a value (a counter, a
    // time, a byte of text) that a snapshot may hold.
    assertEquals(List.of(31_635, 8_994), List.of(restored + refused, refused));
    assertTrue(worst < 1 << 20, "a restore allocated " + worst + " bytes");
  }

  private static String refusal(byte[] snapshot) {
    UncheckedIOException e =
        assertThrows(
            UncheckedIOException.class,
            () -> ConnectionAnalyzer.restore(snapshot, AnalyzerConfig.DEFAULT));
    assertEquals("corrupt analyzer snapshot", e.getMessage());
    return e.getCause().toString();
  }

  @Test
  void aRejectedUpgradeGivesARecordWithItsStatusAndNoMessages() {
    TcpSession s = TcpSession.standard();
    List<Segment> segs = new ArrayList<>(s.handshake());
    segs.add(s.clientSends(REQUEST));
    segs.add(s.serverSends("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"));
    segs.add(s.clientSends(new byte[] {(byte) 0x81, 0x00}));
    segs.addAll(s.close());
    List<String> lines = analyse(segs, false);
    assertEquals(0, lines.stream().filter(l -> l.startsWith("message")).count());
    List<String> records = lines.stream().filter(l -> l.startsWith("record")).toList();
    assertEquals(2, records.size());
    assertEquals(true, records.get(1).contains("httpStatus=403"), records.get(1));
  }

  @Test
  void aConnectionThatIsNotHttpGivesOnlyItsFinalRecord() {
    TcpSession s = TcpSession.standard();
    List<Segment> segs = new ArrayList<>(s.handshake());
    segs.add(s.clientSends("SSH-2.0-OpenSSH_9.6\r\n"));
    segs.add(s.serverSends("SSH-2.0-OpenSSH_9.6\r\n"));
    segs.addAll(s.close());
    List<String> lines = analyse(segs, false);
    assertEquals(1, lines.size());
    assertEquals(true, lines.get(0).contains("httpStatus=null"), lines.get(0));
    assertEquals(true, lines.get(0).contains("clientBytes=21, serverBytes=21"), lines.get(0));
  }
}
