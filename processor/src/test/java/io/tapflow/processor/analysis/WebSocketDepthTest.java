package io.tapflow.processor.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tapflow.processor.tcp.Segment;
import io.tapflow.processor.testing.Captures;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** WebSocket decoding in the whole analysis chain: no handshake, loss, anomalies, counters. */
class WebSocketDepthTest {

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

  private static List<String> messages(ConnectionAnalyzerTest.Recorder rec, String side) {
    return rec.lines.stream().filter(l -> l.startsWith("message " + side)).toList();
  }

  private static String finalRecord(ConnectionAnalyzerTest.Recorder rec) {
    return rec.lines.stream().filter(l -> l.contains("kind=FINAL")).findFirst().orElseThrow();
  }

  private static List<Segment> first(String file) throws Exception {
    return Captures.read(
            file.startsWith("peer:")
                ? Captures.PEER_CAPTURES.resolve(file.substring(5))
                : Captures.SAMPLES.resolve(file))
        .values()
        .iterator()
        .next();
  }

  @Test
  void aCaptureStartingAfterTheHandshakeIsDecodedAsWebSocket() throws Exception {
    List<Segment> all = first("chat.pcap");
    ConnectionAnalyzerTest.Recorder full = analyse(all);
    // From the server's second message on: packets 0-7 hold the handshake and the first frames.
    ConnectionAnalyzerTest.Recorder late = analyse(all.subList(8, all.size()));
    String record = finalRecord(late);
    assertTrue(record.contains("midStream=true"), record);
    assertTrue(record.contains("client=127.0.0.1:47273"), record);
    // The same messages as with the handshake, from the first frame captured whole on. (Messages
    // completed while the framing was still being confirmed carry the time of the confirmation.)
    for (String side : List.of("SERVER", "CLIENT")) {
      List<String> fullSide = withoutTimes(messages(full, side));
      List<String> lateSide = withoutTimes(messages(late, side));
      assertEquals(fullSide.subList(fullSide.size() - lateSide.size(), fullSide.size()), lateSide);
    }
    assertEquals(7, messages(late, "SERVER").size());
    assertEquals(3, messages(late, "CLIENT").size());
  }

  @Test
  void aCompressedSessionWithoutItsHandshakeIsFlaggedNotGuessed() throws Exception {
    List<Segment> all = first("chat-deflate.pcap");
    ConnectionAnalyzerTest.Recorder late = analyse(all.subList(8, all.size()));
    assertTrue(
        late.lines.stream()
            .anyMatch(l -> l.startsWith("anomaly websocket_compressed_without_handshake")),
        late.lines.toString());
    for (String m : messages(late, "SERVER")) {
      if (m.contains("opcode=TEXT")) {
        assertTrue(m.contains("content=0 bytes") && m.contains("compressed=true"), m);
      }
    }
  }

  @Test
  void theWrongAcceptAndTheOversizedCloseGiveTheirAnomalies() throws Exception {
    ConnectionAnalyzerTest.Recorder wrong = analyse(first("peer:zeek-wrong-accept-header.pcap"));
    assertTrue(
        wrong.lines.stream()
            .anyMatch(
                l ->
                    l.startsWith("anomaly websocket_wrong_accept_header")
                        && l.contains("expected=N8ntNYkX6Qerw4tK3s/CYzpSZNc=")
                        && l.contains("found=N8ntNYkX6Qerw4tK3s/CYzpSZNc=-wrong")),
        wrong.lines.toString());
    assertEquals(1, messages(wrong, "SERVER").size()); // the ping is decoded all the same
    ConnectionAnalyzerTest.Recorder close =
        analyse(first("peer:zeek-oversized-close-frame.pcapng"));
    assertTrue(
        close.lines.stream()
            .anyMatch(l -> l.startsWith("anomaly websocket_control_frame_too_long")),
        close.lines.toString());
    assertTrue(messages(close, "SERVER").get(0).contains("closeCode=1000"));
  }

  @Test
  void theCompressedSuricataCaptureInflatesTheToggleItAsserts() throws Exception {
    ConnectionAnalyzerTest.Recorder rec =
        analyse(first("peer:suricata-websocket-compressed-example_websocket.pcap"));
    String toggle = java.util.HexFormat.of().formatHex("TOGGLE=5659131662f54334".getBytes());
    assertTrue(rec.lines.stream().anyMatch(l -> l.contains(toggle)), rec.lines.toString());
  }

  @Test
  void thePingInTheSameSegmentAsThe101DecodesAsWhenSeparate() throws Exception {
    List<String> separate = payloads(analyse(first("peer:zeek-reply-ping-separate.pcap")));
    List<String> coalesced = payloads(analyse(first("peer:zeek-reply-ping-coalesced.pcap")));
    assertEquals(separate, coalesced);
    assertEquals(6, separate.size());
  }

  private static List<String> payloads(ConnectionAnalyzerTest.Recorder rec) {
    List<String> out = new ArrayList<>();
    for (String l : rec.lines) {
      if (l.startsWith("message")) {
        out.add(l.substring(0, l.indexOf(", timestampNanos")));
      }
    }
    return out;
  }

  private static List<String> withoutTimes(List<String> messages) {
    return messages.stream().map(l -> l.substring(0, l.indexOf(", timestampNanos"))).toList();
  }

  @Test
  void withSegmentsRemovedEveryMessageDecodedIsOneOfTheOriginals() throws Exception {
    for (String file :
        List.of("chat.pcap", "peer:zeek-wstunnel-ssh.pcap", "peer:zeek-jupyter-websocket.pcap")) {
      Map<String, List<Segment>> connections =
          Captures.read(
              file.startsWith("peer:")
                  ? Captures.PEER_CAPTURES.resolve(file.substring(5))
                  : Captures.SAMPLES.resolve(file));
      for (List<Segment> all : connections.values()) {
        List<String> full = payloads(analyse(all));
        for (int seed = 0; seed < 20; seed++) {
          Random random = new Random(seed);
          List<Segment> lossy = new ArrayList<>(all.subList(0, Math.min(8, all.size())));
          for (Segment s : all.subList(Math.min(8, all.size()), all.size())) {
            if (s.payload().length == 0 || random.nextInt(6) != 0) {
              lossy.add(s);
            }
          }
          List<String> decoded = new ArrayList<>();
          for (String l : analyse(lossy).lines) {
            if (l.startsWith("message")
                && l.contains("missingBytes=0")
                && !l.contains("resynchronized=true")) {
              decoded.add(l.substring(0, l.indexOf(", timestampNanos")));
            }
          }
          for (String side : List.of("message CLIENT", "message SERVER")) {
            List<String> fullSide = full.stream().filter(m -> m.startsWith(side)).toList();
            int at = 0;
            for (String m : decoded) {
              if (!m.startsWith(side)) {
                continue;
              }
              int found = fullSide.subList(at, fullSide.size()).indexOf(m);
              assertTrue(found >= 0, file + " seed " + seed + ": not an original message: " + m);
              at += found + 1;
            }
          }
        }
      }
    }
  }

  @Test
  void theConnectionRecordCountsFramesAndMessagesPerDirection() throws Exception {
    String record = finalRecord(analyse(first("chat.pcap")));
    assertTrue(
        record.contains(
            "clientCounters=WebSocketCounters[textFrames=3, binaryFrames=0, continuationFrames=0,"
                + " closeFrames=1, pingFrames=0, pongFrames=0, reservedFrames=0, textMessages=3,"
                + " binaryMessages=0, closeMessages=1, pingMessages=0, pongMessages=0,"
                + " wireBytes=187, payloadBytes=163, skippedBytes=0, resynchronizations=0]"),
        record);
  }
}
