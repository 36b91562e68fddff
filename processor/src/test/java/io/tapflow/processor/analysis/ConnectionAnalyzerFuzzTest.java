package io.tapflow.processor.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tapflow.processor.app.AppEvent;
import io.tapflow.processor.http.HttpAnomaly;
import io.tapflow.processor.tcp.Segment;
import io.tapflow.processor.tcp.TcpConnection.Side;
import io.tapflow.processor.tcp.TcpReassembler;
import io.tapflow.processor.tcp.TcpSummary;
import io.tapflow.processor.testing.FuzzCorpus;
import io.tapflow.processor.testing.Texts;
import io.tapflow.processor.websocket.WebSocketAnomalies;
import io.tapflow.processor.websocket.WebSocketConfig;
import io.tapflow.processor.websocket.WebSocketCounters;
import io.tapflow.processor.websocket.WsMessage;
import io.tapflow.processor.websocket.WsOpcode;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes a whole {@link ConnectionAnalyzer} (TCP reassembly, HTTP Upgrade, WebSocket framing found
 * with or without a handshake, permessage-deflate, the chat decoder) with any sequence of segments
 * of one connection, ticks of the clock and an end, as the processor drives it.
 *
 * <p>What must hold after every step: nothing thrown; the snapshot within the bound the limits set;
 * the connection record consistent (a Zeek {@code conn_state} and history, every packet counted
 * once as the client's, the server's or a duplicate, the WebSocket counters matching the messages
 * delivered and never more than the bytes delivered); anomalies from the known codes with {@code
 * key=value} detail; messages within their caps. At the end exactly one final record, the last. And
 * an analyzer restored from a snapshot taken at a {@code SNAPSHOT} step reports exactly what the
 * original reports from there on, and ends with the same snapshot.
 *
 * <p>Input: byte 0 picks the limits ({@link #CONFIGS}, bits 0-1) and whether endpoint A has the
 * higher port (bit 2). Then steps: a byte below 0x80 is a segment (bit 0: sent by B) followed by
 * flags (1 byte), seq and ack (4 each), window (2), payload length (2), bytes cut by the snaplen
 * (1), time since the previous step in 10 µs units (2), and the payload; {@link #TICK} advances the
 * clock by a big-endian u16 of 10 ms units and ticks; {@link #END} ends the connection; {@link
 * #SNAPSHOT} starts a restored copy to compare.
 */
class ConnectionAnalyzerFuzzTest {

  static final int TICK = 0x80;
  static final int END = 0x81;
  static final int SNAPSHOT = 0x82;

  static final int SEGMENT_HEADER = 16;

  static final List<AnalyzerConfig> CONFIGS =
      List.of(
          config(new TcpReassembler.Limits(4096, 16, 1024, 200_000_000L), 256, 4096, 512, 512)
              .withRedactFields(List.of("content", "client_name")),
          AnalyzerConfig.DEFAULT,
          config(new TcpReassembler.Limits(512, 4, 256, 1_000_000L), 64, 300, 128, 128),
          config(
              new TcpReassembler.Limits(1 << 16, 64, 4096, 200_000_000L), 1024, 1 << 16, 0, 4096));

  private static AnalyzerConfig config(
      TcpReassembler.Limits tcp, int content, long inflated, int resync, int head) {
    return new AnalyzerConfig(
        tcp,
        new WebSocketConfig(content, inflated, resync),
        head,
        1_000_000L,
        30_000_000_000L,
        10_000_000_000L,
        30_000_000_000L,
        1,
        List.of());
  }

  private static final byte[] ADDRESS_A = {10, 0, 0, 1};
  private static final byte[] ADDRESS_B = {10, 0, 0, 2};
  private static final String KEY = "fuzz|10.0.0.1:8080|10.0.0.2:50000";

  /** Every code an analyzer may report. */
  static final Set<String> CODES = codes();

  private static Set<String> codes() {
    Set<String> codes = new HashSet<>();
    for (Class<?> type : List.of(WebSocketAnomalies.class, HttpAnomaly.class)) {
      for (Field f : type.getFields()) {
        if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
          try {
            codes.add((String) f.get(null));
          } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
          }
        }
      }
    }
    codes.addAll(
        List.of("tcp_overlap_conflict", "http_gap", "websocket_early_client_data_dropped"));
    return Set.copyOf(codes);
  }

  private static final Set<String> CONN_STATES =
      Set.of(
          "S0", "S1", "SF", "REJ", "S2", "S3", "RSTO", "RSTR", "RSTOS0", "RSTRH", "SH", "SHR",
          "OTH");

  private static final String HISTORY_LETTERS = "^SsHhAaDdFfRrTtGgWwQq";

  private static final Set<String> END_REASONS = Set.of("fin", "rst", "idle", "end_of_capture");

  /** What one analyzer reported, as text for comparison, and what is still to check. */
  static final class Recorder implements AnalysisListener {
    final List<String> events = new ArrayList<>();
    final List<WsMessage> unchecked = new ArrayList<>();

    /** The messages whose text was redacted: their content is not the payload sent. */
    final Set<WsMessage> redacted = java.util.Collections.newSetFromMap(new IdentityHashMap<>());

    private boolean redactingNext;
    final List<ConnectionSummary> records = new ArrayList<>();
    long clientMessages;
    long serverMessages;

    @Override
    public void onMessage(ConnectionInfo connection, Side sender, WsMessage m) {
      events.add(sender + " " + m + " " + HexFormat.of().formatHex(m.content()));
      unchecked.add(m);
      if (redactingNext) {
        redacted.add(m);
        redactingNext = false;
      }
      if (sender == Side.CLIENT) {
        clientMessages++;
      } else {
        serverMessages++;
      }
    }

    @Override
    public void onAppEvent(ConnectionInfo connection, Side sender, long ts, AppEvent event) {
      events.add(sender + " " + ts + " " + event);
    }

    @Override
    public void onConnectionRecord(ConnectionSummary summary) {
      events.add(summary.toString());
      records.add(summary);
    }

    @Override
    public void onFirstMessage(ConnectionInfo connection, long nanosSinceUpgrade) {
      events.add("first message " + nanosSinceUpgrade);
    }

    @Override
    public void onGap(ConnectionInfo connection, Side side, long length, long timestampNanos) {
      events.add("gap " + side + " " + length + " @" + timestampNanos);
      assertTrue(length > 0, "gap of " + length);
    }

    @Override
    public void onAnomaly(ConnectionInfo connection, String code, String detail, long ts) {
      events.add("anomaly " + code + " " + detail + " @" + ts);
      assertTrue(CODES.contains(code), "unknown anomaly code " + code);
      assertTrue(Texts.isDetail(detail), "detail '" + detail + "' of " + code);
    }

    @Override
    public void onRedacted(ConnectionInfo connection, Side sender, String field, int count) {
      events.add("redacted " + sender + " " + field + " " + count);
      assertTrue(count > 0, "redacted " + count);
      redactingNext = true;
    }

    @Override
    public void onRedactionUnparsed(ConnectionInfo connection, Side sender) {
      events.add("unparsed " + sender);
    }
  }

  /** One connection as the processor keeps it: its analyzer and what it was fed. */
  private static final class Tracked {
    final ConnectionAnalyzer analyzer;
    final Recorder recorder = new Recorder();
    long segments;
    ConnectionAnalyzer shadow;
    Recorder shadowRecorder;
    int shadowFrom;

    Tracked(ConnectionAnalyzer analyzer) {
      this.analyzer = analyzer;
    }
  }

  @FuzzTest(maxDuration = "30s")
  void anySegmentSequenceKeepsTheAnalyzerBoundedConsistentAndRestorable(byte[] input) {
    if (input.length < 1) {
      return;
    }
    AnalyzerConfig config = CONFIGS.get((input[0] & 3) % CONFIGS.size());
    boolean aIsHigher = (input[0] & 4) != 0;
    int portA = aIsHigher ? 50000 : 8080;
    int portB = aIsHigher ? 8080 : 50000;
    long clock = 1_700_000_000_000_000_000L;
    Tracked current = null;
    int at = 1;
    while (at < input.length) {
      int k = input[at++] & 0xff;
      if (k < TICK) {
        if (input.length - at < SEGMENT_HEADER) {
          break;
        }
        boolean fromB = (k & 1) != 0;
        int flags = input[at] & 0xff;
        long seq = u32(input, at + 1);
        long ack = u32(input, at + 5);
        int window = u16(input, at + 9);
        int length = Math.min(u16(input, at + 11), input.length - at - SEGMENT_HEADER);
        int missing = input[at + 13] & 0xff;
        clock += u16(input, at + 14) * 10_000L;
        at += SEGMENT_HEADER;
        byte[] payload = java.util.Arrays.copyOfRange(input, at, at + length);
        at += length;
        Segment s =
            new Segment(
                fromB ? ADDRESS_B : ADDRESS_A,
                fromB ? portB : portA,
                fromB ? ADDRESS_A : ADDRESS_B,
                fromB ? portA : portB,
                seq,
                ack,
                flags,
                window,
                payload,
                length + missing,
                clock);
        if (current != null && current.analyzer.startsNewConnection(s)) {
          finish(current, config, clock);
          current = null;
        }
        if (current == null) {
          current = new Tracked(ConnectionAnalyzer.open(KEY, "fuzz", s, config));
        }
        current.segments++;
        current.analyzer.onSegment(s, current.recorder);
        if (current.shadow != null) {
          current.shadow.onSegment(s, current.shadowRecorder);
        }
      } else if (current == null) {
        continue;
      } else if (k == TICK) {
        if (input.length - at < 2) {
          break;
        }
        clock += u16(input, at) * 10_000_000L;
        at += 2;
        current.analyzer.tick(clock, current.recorder);
        if (current.shadow != null) {
          current.shadow.tick(clock, current.shadowRecorder);
        }
      } else if (k == END) {
        current.analyzer.end(clock, "end_of_capture", current.recorder);
        if (current.shadow != null) {
          current.shadow.end(clock, "end_of_capture", current.shadowRecorder);
        }
      } else if (k == SNAPSHOT) {
        compareShadow(current);
        byte[] snapshot = current.analyzer.snapshot();
        current.shadow = ConnectionAnalyzer.restore(snapshot, config);
        assertArrayEquals(snapshot, current.shadow.snapshot(), "a restored analyzer is the same");
        current.shadowRecorder = new Recorder();
        current.shadowFrom = current.recorder.events.size();
        // A packet repeated right across the snapshot would be a capture duplicate to the
        // original only (the previous payload is not kept): let time pass the window.
        clock += config.duplicateWindowNanos() + 1;
      } else {
        continue;
      }
      check(current, config);
    }
    if (current != null) {
      finish(current, config, clock);
    }
  }

  private static void finish(Tracked t, AnalyzerConfig config, long clock) {
    t.analyzer.end(clock, "end_of_capture", t.recorder);
    if (t.shadow != null) {
      t.shadow.end(clock, "end_of_capture", t.shadowRecorder);
    }
    check(t, config);
    compareShadow(t);
    assertTrue(t.analyzer.finished());
    List<ConnectionSummary> records = t.recorder.records;
    assertTrue(!records.isEmpty(), "no final record");
    ConnectionSummary last = records.get(records.size() - 1);
    assertTrue(last.isFinal(), "the last record is not final");
    assertEquals(1, records.stream().filter(ConnectionSummary::isFinal).count(), "final records");
    assertTrue(END_REASONS.contains(last.endReason()), last.endReason());
    assertEquals(t.analyzer.endReason(), last.endReason());
    assertTrue(records.get(0).firstRecord(), "the first record says so");
  }

  private static void compareShadow(Tracked t) {
    if (t.shadow == null) {
      return;
    }
    assertEquals(
        t.recorder.events.subList(t.shadowFrom, t.recorder.events.size()), t.shadowRecorder.events);
    assertArrayEquals(t.analyzer.snapshot(), t.shadow.snapshot());
  }

  private static void check(Tracked t, AnalyzerConfig config) {
    int snapshot = t.analyzer.snapshot().length;
    long bound = snapshotBound(config);
    assertTrue(snapshot <= bound, "snapshot of " + snapshot + " bytes > " + bound);

    ConnectionSummary s = t.analyzer.summary(ConnectionSummary.Kind.INTERIM);
    TcpSummary tcp = s.tcp();
    assertTrue(CONN_STATES.contains(tcp.state()), tcp.state());
    for (char c : tcp.history().toCharArray()) {
      assertTrue(HISTORY_LETTERS.indexOf(c) >= 0, "history " + tcp.history());
    }
    assertEquals(
        t.segments,
        tcp.clientPackets() + tcp.serverPackets() + tcp.duplicatePackets(),
        "every packet counted once");
    assertTrue(tcp.truncatedBytes() >= 0 && tcp.missedBytes() >= tcp.truncatedBytes());
    assertTrue(tcp.durationMicros() >= 0);
    assertEquals(t.recorder.clientMessages, s.clientMessages());
    assertEquals(t.recorder.serverMessages, s.serverMessages());
    checkCounters(s.clientCounters(), s.clientMessages(), tcp.clientBytes());
    checkCounters(s.serverCounters(), s.serverMessages(), tcp.serverBytes());

    WebSocketConfig ws = config.webSocket();
    for (WsMessage m : t.recorder.unchecked) {
      if (t.recorder.redacted.remove(m)) {
        assertEquals(WsOpcode.TEXT, m.opcode());
        continue; // a redacted copy: its length is not the payload's
      }
      assertTrue(m.content().length <= ws.maxContentBytes(), "content " + m.content().length);
      assertTrue(m.content().length <= m.payloadLength(), m.toString());
      if (!m.truncated()) {
        assertEquals(m.payloadLength(), m.content().length + m.missingBytes(), m.toString());
      }
    }
    t.recorder.unchecked.clear();
    List<ConnectionSummary> records = t.recorder.records;
    for (int i = 0; i < records.size() - 1; i++) {
      assertTrue(!records.get(i).isFinal(), "a record after the final one");
    }
  }

  private static void checkCounters(WebSocketCounters c, long messages, long delivered) {
    if (c == null) {
      assertEquals(0, messages);
      return;
    }
    assertEquals(messages, c.messages());
    assertTrue(
        c.wireBytes() + c.skippedBytes() <= delivered,
        "decoded " + c.wireBytes() + " + skipped " + c.skippedBytes() + " of " + delivered);
  }

  /**
   * The most an analyzer's snapshot can hold under {@code config}: per direction the reassembler
   * (out-of-order bytes and their 21-byte entries, retained bytes), the HTTP heads and the texts
   * taken from them (UTF-8 can double ISO-8859-1), the bytes held before the response or the
   * framing decides (256 KiB of client bytes after the request, or the inspected bytes plus one
   * segment, each chunk with 12 bytes of its own), the WebSocket decoders, a close reason, and 2
   * KiB of fixed fields.
   */
  static long snapshotBound(AnalyzerConfig config) {
    TcpReassembler.Limits r = config.reassembly();
    WebSocketConfig ws = config.webSocket();
    long tcp =
        2L * (256 + r.maxBufferedBytes() + 21L * r.maxBufferedSegments() + r.maxRetainedBytes());
    long http = 8L * config.maxHttpHeadBytes();
    long oneSegment = 0xffff + 0xff;
    long held =
        13L * Math.max(256 * 1024, ws.maxResyncBytes() + oneSegment)
            + 13L * (Math.max(1, ws.maxResyncBytes()) + oneSegment);
    long decoders =
        2L
            * (1024
                + ws.maxResyncBytes()
                + 2L * ws.maxContentBytes()
                + Math.min(ws.maxInflatedBytes(), Integer.MAX_VALUE)
                + 32768);
    return 2048 + tcp + http + held + decoders + 3L * ws.maxContentBytes();
  }

  static int u16(byte[] b, int at) {
    return ((b[at] & 0xff) << 8) | (b[at + 1] & 0xff);
  }

  static long u32(byte[] b, int at) {
    return ((long) u16(b, at) << 16) | u16(b, at + 2);
  }

  /** Payload bytes a seed keeps of a connection. */
  private static final int SEED_PAYLOAD_BYTES = 4096;

  /**
   * The seeds: every connection of the committed captures, its segments as captured (up to 4 KiB of
   * payload), the first sender as endpoint A, a snapshot step halfway, then the end.
   */
  @Test
  void committedSeedsAreTheConnectionsOfTheCommittedCaptures() throws Exception {
    Map<String, byte[]> seeds = new TreeMap<>();
    for (Map.Entry<String, List<Segment>> c : FuzzCorpus.connections().entrySet()) {
      seeds.put(c.getKey(), seed(c.getValue()));
    }
    assertTrue(seeds.size() >= 25, "seeds: " + seeds.keySet());
    FuzzCorpus.check(
        getClass(), "anySegmentSequenceKeepsTheAnalyzerBoundedConsistentAndRestorable", seeds);
  }

  private static byte[] seed(List<Segment> segments) {
    Segment first = segments.get(0);
    ByteArrayOutputStream seed = new ByteArrayOutputStream();
    seed.write(first.srcPort() > first.dstPort() ? 4 : 0); // the first limits
    int payload = 0;
    int kept = 0;
    while (kept < segments.size() && payload < SEED_PAYLOAD_BYTES) {
      payload += segments.get(kept++).payload().length;
    }
    long previous = first.timestampNanos();
    for (int i = 0; i < kept; i++) {
      Segment s = segments.get(i);
      if (i == kept / 2) {
        seed.write(SNAPSHOT);
      }
      boolean fromA =
          s.srcPort() == first.srcPort() && java.util.Arrays.equals(s.srcAddr(), first.srcAddr());
      seed.write(fromA ? 0 : 1);
      seed.write(s.flags());
      write(seed, s.seq(), 4);
      write(seed, s.ack(), 4);
      write(seed, s.window(), 2);
      write(seed, s.payload().length, 2);
      seed.write(Math.min(0xff, s.payloadWireLength() - s.payload().length));
      write(seed, Math.min(0xffff, Math.max(0, (s.timestampNanos() - previous) / 10_000)), 2);
      seed.write(s.payload(), 0, s.payload().length);
      previous = s.timestampNanos();
    }
    seed.write(END);
    return seed.toByteArray();
  }

  private static void write(ByteArrayOutputStream out, long value, int bytes) {
    for (int i = bytes - 1; i >= 0; i--) {
      out.write((int) (value >>> (8 * i)));
    }
  }
}
