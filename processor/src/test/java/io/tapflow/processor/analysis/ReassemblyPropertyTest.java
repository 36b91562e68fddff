package io.tapflow.processor.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tapflow.processor.tcp.Segment;
import io.tapflow.processor.testing.Captures;
import io.tapflow.processor.testing.SegmentMutator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Recorded sessions whose segments are re-split at random offsets, captured twice, partly
 * retransmitted (overlapping their neighbours) and reordered give exactly the same messages and
 * byte counts as the original, for many seeds.
 */
class ReassemblyPropertyTest {
  private static final int SEEDS = 100;

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "samples/chat.pcap",
        "samples/chat-deflate.pcap",
        "peer/zeek-jupyter-websocket.pcap",
        "peer/zeek-wstunnel-ssh.pcap",
        "peer/suricata-websocket-compressed-example_websocket.pcap",
        "peer/suricata-websocket-control-frag-input.pcap",
        "peer/zeek-two-binary-fragments.pcap"
      })
  void mutatedSegmentsGiveTheSameMessagesAndByteCounts(String capture) throws Exception {
    Path file =
        capture.startsWith("samples/")
            ? Captures.SAMPLES.resolve(capture.substring(8))
            : Captures.PEER_CAPTURES.resolve(capture.substring(5));
    Map<String, List<Segment>> connections = Captures.read(file);
    for (Map.Entry<String, List<Segment>> c : connections.entrySet()) {
      List<String> expected = decode(c.getKey(), c.getValue());
      for (int seed = 0; seed < SEEDS; seed++) {
        List<Segment> mutated = new SegmentMutator(seed, 50_000_000L).mutate(c.getValue(), 3);
        assertEquals(expected, decode(c.getKey(), mutated), capture + " seed " + seed);
      }
    }
  }

  /** The messages and the final byte and message counts of one connection. */
  static List<String> decode(String key, List<Segment> segments) {
    ConnectionAnalyzerTest.Recorder rec = new ConnectionAnalyzerTest.Recorder();
    ConnectionAnalyzer a =
        ConnectionAnalyzer.open(key, "test", segments.get(0), AnalyzerConfig.DEFAULT);
    for (Segment s : segments) {
      a.onSegment(s, rec);
    }
    a.end(segments.get(segments.size() - 1).timestampNanos(), "end_of_capture", rec);
    // Wire order holds per direction; how the two directions interleave depends on arrival.
    List<String> out = new ArrayList<>();
    for (String direction : List.of("message CLIENT", "message SERVER")) {
      for (String line : rec.lines) {
        if (line.startsWith(direction)) {
          out.add(line);
        }
      }
    }
    ConnectionSummary s = a.summary(ConnectionSummary.Kind.FINAL);
    out.add(
        "bytes "
            + s.tcp().clientBytes()
            + "/"
            + s.tcp().serverBytes()
            + " messages "
            + s.clientMessages()
            + "/"
            + s.serverMessages()
            + " missed "
            + s.tcp().missedBytes());
    return out;
  }
}
