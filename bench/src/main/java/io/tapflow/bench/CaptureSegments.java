package io.tapflow.bench;

import io.tapflow.processor.tcp.Segment;
import io.tapflow.sensor.capture.CaptureConfig;
import io.tapflow.sensor.capture.PcapSource;
import io.tapflow.sensor.decode.ConnectionKey;
import io.tapflow.sensor.decode.PacketDecoder;
import io.tapflow.sensor.decode.TcpSegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A capture decoded once into processor segments, in capture order, each with the index of its
 * connection: the input of the in-process benchmarks.
 *
 * @param segments every TCP segment, in capture order
 * @param connection for each segment, the index of its connection in {@code keys}
 * @param keys the connection keys, in order of first appearance
 * @param frameBytes captured frame bytes of those segments
 */
public record CaptureSegments(
    List<Segment> segments, int[] connection, List<String> keys, long frameBytes) {

  /** Reads {@code file} the way the sensor does: PcapSource (offline) and PacketDecoder. */
  public static CaptureSegments read(Path file) throws Exception {
    List<Segment> segments = new ArrayList<>();
    List<Integer> conn = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    Map<String, Integer> index = new HashMap<>();
    long[] bytes = {0};
    PacketDecoder decoder = new PacketDecoder();
    try (PcapSource source = PcapSource.open(CaptureConfig.offline(file))) {
      source.run(
          (linkType, ts, nano, data, caplen, wirelen) -> {
            if (decoder.decode(linkType, data, caplen, wirelen) instanceof TcpSegment t) {
              segments.add(toSegment(t, ts));
              String key = ConnectionKey.of("bench", t);
              Integer i = index.get(key);
              if (i == null) {
                i = keys.size();
                keys.add(key);
                index.put(key, i);
              }
              conn.add(i);
              bytes[0] += caplen;
            }
          });
    }
    int[] c = conn.stream().mapToInt(Integer::intValue).toArray();
    return new CaptureSegments(segments, c, keys, bytes[0]);
  }

  /** The processor's view of a decoded TCP segment. */
  public static Segment toSegment(TcpSegment t, long timestampNanos) {
    return io.tapflow.cli.analyze.DirectAnalysis.toSegment(t, timestampNanos);
  }
}
