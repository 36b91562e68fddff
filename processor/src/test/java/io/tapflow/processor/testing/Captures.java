package io.tapflow.processor.testing;

import io.tapflow.processor.tcp.Segment;
import io.tapflow.sensor.capture.CaptureConfig;
import io.tapflow.sensor.capture.PcapSource;
import io.tapflow.sensor.decode.ConnectionKey;
import io.tapflow.sensor.decode.PacketDecoder;
import io.tapflow.sensor.decode.TcpSegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads committed captures into processor segments, grouped by connection key, for tests. */
public final class Captures {
  /** The repository's samples folder, seen from a module's directory. */
  public static final Path SAMPLES = Path.of("..", "samples");

  /** The peer captures kept with the end-to-end tests. */
  public static final Path PEER_CAPTURES =
      Path.of("..", "cli", "src", "test", "resources", "peer-captures");

  private Captures() {}

  /** The processor's view of a segment the sensor decoded, captured at {@code timestampNanos}. */
  public static Segment segment(TcpSegment t, long timestampNanos) {
    return new Segment(
        t.srcAddr(),
        t.srcPort(),
        t.dstAddr(),
        t.dstPort(),
        t.seq(),
        t.ack(),
        t.flags(),
        t.window(),
        t.payload(),
        t.payloadWireLength(),
        timestampNanos);
  }

  /** Every TCP segment of {@code file}, by connection key (sensor "test"), in capture order. */
  public static Map<String, List<Segment>> read(Path file) throws Exception {
    Map<String, List<Segment>> out = new LinkedHashMap<>();
    PacketDecoder decoder = new PacketDecoder();
    try (PcapSource source = PcapSource.open(CaptureConfig.offline(file))) {
      source.run(
          (linkType, ts, nano, data, caplen, wirelen) -> {
            if (decoder.decode(linkType, data, caplen, wirelen) instanceof TcpSegment t) {
              Segment s = segment(t, ts);
              out.computeIfAbsent(ConnectionKey.of("test", t), k -> new ArrayList<>()).add(s);
            }
          });
    }
    return out;
  }
}
