package io.tapflow.processor.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tapflow.processor.app.AppEvent;
import io.tapflow.processor.tcp.Segment;
import io.tapflow.processor.tcp.TcpConnection.Side;
import io.tapflow.processor.websocket.WsMessage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;

/**
 * What a hostile peer can make a whole {@link ConnectionAnalyzer} keep, with the default limits:
 * each case is reported (an anomaly or a counter), and what is kept is measured exactly by the
 * snapshot, the state the processor stores, rather than by the JVM's heap.
 *
 * <p>Elsewhere: frames claiming 2^63 bytes in {@code WebSocketDecoderMemoryTest}, the reassembly
 * bounds alone in {@code TcpReassemblerTest}, 100 000 half-open connections in {@code
 * ConnectionLifecycleTest.aSynFloodKeepsTheTrackedConnectionsWithinTheirLimit}.
 */
class HostileInputTest {
  private static final String KEY = "s|10.0.0.1:50000|10.0.0.2:8080";
  private static final byte[] CLIENT = {10, 0, 0, 1};
  private static final byte[] SERVER = {10, 0, 0, 2};
  private static final long T0 = 1_700_000_000_000_000_000L;
  private static final long CLIENT_ISN = 1000;
  private static final long SERVER_ISN = 5000;
  private static final int SYN = 0x02;
  private static final int ACK = 0x10;
  private static final int PSH_ACK = 0x18;
  private static final String REQUEST =
      "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
          + "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n";
  private static final String RESPONSE =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
          + "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n";

  /** Counts what the analyzer reports, keeping only the anomalies and records. */
  static final class Counting implements AnalysisListener {
    final List<String> anomalies = new ArrayList<>();
    final List<ConnectionSummary> records = new ArrayList<>();
    final List<WsMessage> messages = new ArrayList<>();
    long gaps;
    long gapBytes;

    @Override
    public void onMessage(ConnectionInfo c, Side sender, WsMessage m) {
      messages.add(m);
    }

    @Override
    public void onAppEvent(ConnectionInfo c, Side sender, long ts, AppEvent e) {}

    @Override
    public void onConnectionRecord(ConnectionSummary s) {
      records.add(s);
    }

    @Override
    public void onAnomaly(ConnectionInfo c, String code, String detail, long ts) {
      anomalies.add(code + " " + detail);
    }

    @Override
    public void onFirstMessage(ConnectionInfo c, long nanosSinceUpgrade) {}

    @Override
    public void onGap(ConnectionInfo c, Side side, long length, long ts) {
      gaps++;
      gapBytes += length;
    }

    @Override
    public void onRedacted(ConnectionInfo c, Side sender, String field, int count) {
      throw new AssertionError("nothing is redacted here: " + field);
    }

    @Override
    public void onRedactionUnparsed(ConnectionInfo c, Side sender) {
      throw new AssertionError("nothing is redacted here");
    }
  }

  private final Counting out = new Counting();
  private long now = T0;
  private ConnectionAnalyzer analyzer;

  private static Segment segment(
      boolean fromClient, long seq, long ack, int flags, byte[] payload, long ts) {
    return new Segment(
        fromClient ? CLIENT : SERVER,
        fromClient ? 50000 : 8080,
        fromClient ? SERVER : CLIENT,
        fromClient ? 8080 : 50000,
        seq % (1L << 32),
        ack % (1L << 32),
        flags,
        1000,
        payload,
        payload.length,
        ts);
  }

  private void feed(Segment s) {
    if (analyzer == null) {
      analyzer = ConnectionAnalyzer.open(KEY, "s", s, AnalyzerConfig.DEFAULT);
    }
    analyzer.onSegment(s, out);
  }

  /** SYN, SYN/ACK, ACK: client data starts at offset 0, server data likewise. */
  private void handshake() {
    feed(segment(true, CLIENT_ISN, 0, SYN, new byte[0], now++));
    feed(segment(false, SERVER_ISN, CLIENT_ISN + 1, SYN | ACK, new byte[0], now++));
    feed(segment(true, CLIENT_ISN + 1, SERVER_ISN + 1, ACK, new byte[0], now++));
  }

  /** Sends a stream's bytes from {@code offset} in segments of 1400 bytes; returns the end. */
  private long send(boolean fromClient, long offset, byte[] data) {
    long isn = fromClient ? CLIENT_ISN : SERVER_ISN;
    long peerNext = fromClient ? SERVER_ISN + 1 : CLIENT_ISN + 1;
    for (int at = 0; at < data.length; at += 1400) {
      byte[] piece = Arrays.copyOfRange(data, at, Math.min(data.length, at + 1400));
      feed(segment(fromClient, isn + 1 + offset + at, peerNext, PSH_ACK, piece, now++));
    }
    return offset + data.length;
  }

  /** The peer acknowledges a stream up to {@code offset}: its bytes need not be kept. */
  private void ack(boolean ofClient, long offset, long peerOffset) {
    long seq = (ofClient ? SERVER_ISN : CLIENT_ISN) + 1 + peerOffset;
    long ack = (ofClient ? CLIENT_ISN : SERVER_ISN) + 1 + offset;
    feed(segment(!ofClient, seq, ack, ACK, new byte[0], now++));
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  private static byte[] repeat(char c, int n) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) c);
    return b;
  }

  @Test
  void aMillionOutOfOrderSegmentsIntoOneConnectionKeep4096BufferedGivingUpOneHoleEach() {
    handshake();
    int afterHandshake = analyzer.snapshot().length;
    // Segment i covers client offsets [1 + 101 i, 101 + 101 i): a byte is missing before each, so
    // every segment is out of order and the 4096-segment bound, not the 1 MiB one, is reached
    // first (4096 x 100 bytes). The server acknowledges what was delivered every 64 segments.
    int n = 1_000_000;
    byte[] payload = repeat('x', 100);
    int acks = 0;
    for (int i = 0; i < n; i++) {
      long offset = 1 + 101L * i;
      feed(segment(true, CLIENT_ISN + 1 + offset, SERVER_ISN + 1, PSH_ACK, payload, now));
      now += 1000;
      int count = i + 1;
      if (count > 4096 && count % 64 == 0) {
        ack(true, 101L * (count - 4096), 0);
        acks++;
      }
    }

    ConnectionSummary s = analyzer.summary(ConnectionSummary.Kind.INTERIM);
    long givenUp = n - 4096;
    assertEquals(givenUp * 100, s.tcp().clientBytes());
    assertEquals(givenUp, s.tcp().missedBytes());
    assertEquals(givenUp, out.gaps);
    assertEquals(n, s.tcp().outOfOrderPackets());
    assertEquals(2 + n, s.tcp().clientPackets());
    assertEquals(1 + acks, s.tcp().serverPackets());
    assertEquals(0, s.tcp().duplicatePackets());
    assertEquals("S1", s.tcp().state());
    // G when the given-up holes number 1, 10, 100, ... (Zeek's history repeats).
    assertEquals("ShADGGaGGGG", s.tcp().history());
    assertEquals(List.of(), out.anomalies);
    // What is kept: the 4096 buffered segments, each a 16-byte entry (as varints its offset, about
    // 10^8, takes 4 bytes, its time 9, its length 2, and a byte says it holds data) and its 100
    // bytes; the history's 8 more letters; and 21 bytes more of counters, whose varints grew with
    // their values (client, server and out-of-order packets, the G letter's count: 2 bytes each;
    // the stream's next offset and delivered bytes, 3 each; its gap bytes, gaps and out-of-order
    // segments, 2 each; the number of buffered segments, 1). Nothing else grew.
    assertEquals(afterHandshake + 8 + 21 + 4096 * (16 + 100), analyzer.snapshot().length);

    analyzer.end(now, "end_of_capture", out);
    ConnectionSummary last = out.records.get(out.records.size() - 1);
    assertEquals("end_of_capture", last.endReason());
    assertEquals((long) n * 100, last.tcp().clientBytes());
    assertEquals(n, last.tcp().missedBytes());
    assertEquals("ShADGGaGGGGG", last.tcp().history());
  }

  @Test
  void aRequestHeadWithoutEndIsCutAtTheLimitAndNothingOfItIsKept() {
    handshake();
    long offset = send(true, 0, ascii("GET /chat HTTP/1.1\r\nHost: h\r\nX-Pad: "));
    offset = send(true, offset, repeat('a', 1 << 20));
    ack(true, offset, 0);
    int afterOneMib = analyzer.snapshot().length;
    for (int i = 0; i < 9; i++) {
      offset = send(true, offset, repeat('a', 1 << 20));
    }
    ack(true, offset, 0);

    assertEquals(List.of("http_head_too_long max_bytes=65536"), out.anomalies);
    assertEquals(afterOneMib, analyzer.snapshot().length);
    assertEquals(offset, analyzer.summary(ConnectionSummary.Kind.INTERIM).tcp().clientBytes());
  }

  @Test
  void aResponseHeadWithoutEndIsCutAtTheLimitAndNothingOfItIsKept() {
    handshake();
    long clientEnd = send(true, 0, ascii(REQUEST));
    long offset = send(false, 0, ascii("HTTP/1.1 101 Switching Protocols\r\nX-Pad: "));
    offset = send(false, offset, repeat('a', 1 << 20));
    ack(false, offset, clientEnd);
    int afterOneMib = analyzer.snapshot().length;
    for (int i = 0; i < 9; i++) {
      offset = send(false, offset, repeat('a', 1 << 20));
    }
    ack(false, offset, clientEnd);

    assertEquals(List.of("http_head_too_long max_bytes=65536"), out.anomalies);
    assertEquals(afterOneMib, analyzer.snapshot().length);
    assertEquals(List.of(), out.records, "no upgrade record without a response");
  }

  @Test
  void clientBytesAfterTheRequestAreHeldUpTo256KibUntilTheResponseAndTheRestIsReported() {
    handshake();
    long request = send(true, 0, ascii(REQUEST));
    ack(true, request, 0);
    int beforeFlood = analyzer.snapshot().length;
    // 1 MiB of client frames before the server answers, in 749 segments (748 of 1400 bytes):
    // 256 KiB is held for the response to decide on, in the first 187 segments and 350 bytes of
    // the 188th; every byte after that is reported dropped, once per segment.
    long offset = send(true, request, repeat('x', 1 << 20));

    String prefix = "websocket_early_client_data_dropped length=";
    long dropped = 0;
    for (String a : out.anomalies) {
      assertEquals(prefix, a.substring(0, prefix.length()));
      dropped += Long.parseLong(a.substring(prefix.length()));
    }
    assertEquals((1 << 20) - 256 * 1024, dropped);
    assertEquals(749 - 187, out.anomalies.size());
    // Held: 256 KiB in 188 chunks, each with its time (9 bytes as a varint) and length (2) (each
    // segment after the room was gone added an empty chunk, without bound, before the fix); the
    // 64 KiB of unacknowledged client bytes the reassembler keeps to check retransmissions; and 8
    // bytes more of counters, whose varints grew with their values (the stream's next offset,
    // delivered and kept bytes, 2 each; client packets and the number of chunks, 1 each).
    assertEquals(
        beforeFlood + 256 * 1024 + 188 * (9 + 2) + 64 * 1024 + 8,
        analyzer.snapshot().length,
        "delivered " + (offset - request));
  }

  @Test
  void aDecompressionBombIsCutAt16MibAndLeavesTheStateAsBefore() {
    handshake();
    long clientEnd = send(true, 0, ascii(REQUEST));
    long serverEnd = send(false, 0, ascii(RESPONSE));
    ack(false, serverEnd, clientEnd);
    ack(true, clientEnd, serverEnd);
    int beforeBomb = analyzer.snapshot().length;

    serverEnd = send(false, serverEnd, bombFrame());
    ack(false, serverEnd, clientEnd);

    assertEquals(
        List.of(
            "websocket_decompression_limit side=server opcode=binary exceeded=inflated_length"
                + " limit=16777216"),
        out.anomalies);
    WsMessage m = out.messages.get(0);
    assertEquals(16L << 20, m.payloadLength());
    assertEquals(1 << 20, m.content().length);
    assertEquals(true, m.truncated());
    // The window was forgotten with the cut message; nothing of the bomb is kept. What grew is 11
    // bytes of counters, whose varints grew with their values: the server stream's next offset and
    // delivered bytes (1 each), the frame parser's last frame length and bytes read (2 each), the
    // direction's wire bytes (2) and payload bytes (3, the 16 MiB counted).
    assertEquals(beforeBomb + 11, analyzer.snapshot().length);
  }

  /** A server binary frame: 50 MiB of zeros deflated, about 50 KB. */
  private static byte[] bombFrame() {
    Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
    ByteArrayOutputStream compressed = new ByteArrayOutputStream();
    byte[] zeros = new byte[1 << 20];
    byte[] buf = new byte[64 * 1024];
    for (int i = 0; i < 50; i++) {
      deflater.setInput(zeros);
      while (!deflater.needsInput()) {
        compressed.write(buf, 0, deflater.deflate(buf));
      }
    }
    int n;
    while ((n = deflater.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH)) > 0) {
      compressed.write(buf, 0, n);
    }
    deflater.end();
    byte[] payload = compressed.toByteArray();
    payload = Arrays.copyOf(payload, payload.length - 4); // RFC 7692: drop 00 00 ff ff
    ByteArrayOutputStream frame = new ByteArrayOutputStream();
    frame.write(0xc2); // FIN, RSV1, binary
    frame.write(126); // a 16-bit length: the bomb is under 64 KiB
    frame.write(payload.length >>> 8);
    frame.write(payload.length);
    frame.write(payload, 0, payload.length);
    return frame.toByteArray();
  }
}
