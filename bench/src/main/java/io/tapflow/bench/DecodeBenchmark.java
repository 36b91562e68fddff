package io.tapflow.bench;

import io.tapflow.processor.analysis.AnalyzerConfig;
import io.tapflow.processor.analysis.ConnectionAnalyzer;
import io.tapflow.processor.analysis.ConnectionTable;
import io.tapflow.processor.tcp.Segment;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The decode core alone: a whole generated capture, pre-decoded into segments, through
 * ConnectionAnalyzer (TCP reassembly, HTTP Upgrade, WebSocket, permessage-deflate, chat JSON) with
 * a listener that only counts. One operation is the whole capture, in capture order.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class DecodeBenchmark {
  /** The capture: {@code <bench.dir>/decode-<compression>.pcap}. */
  @Param({"plain", "deflate"})
  public String compression;

  /**
   * JSON fields redacted in text messages, comma-separated ({@code --redact-field}); empty for
   * none, the default.
   */
  @Param({""})
  public String redact;

  private AnalyzerConfig config;
  private List<Segment> segments;
  private int[] connection;
  private List<String> keys;
  private ConnectionAnalyzer[] analyzers;

  @Setup(Level.Trial)
  public void read() throws Exception {
    Path dir = Path.of(System.getProperty("bench.dir", "bench/target/captures"));
    CaptureSegments c = CaptureSegments.read(dir.resolve("decode-" + compression + ".pcap"));
    segments = c.segments();
    connection = c.connection();
    keys = c.keys();
    analyzers = new ConnectionAnalyzer[keys.size()];
    config =
        AnalyzerConfig.DEFAULT.withRedactFields(
            redact.isEmpty() ? List.of() : List.of(redact.split(",")));
  }

  @Benchmark
  public long decodeCapture() {
    CountingListener listener = new CountingListener();
    ConnectionAnalyzer[] a = analyzers;
    java.util.Arrays.fill(a, null);
    for (int i = 0; i < segments.size(); i++) {
      Segment s = segments.get(i);
      int k = connection[i];
      if (a[k] == null) {
        a[k] = ConnectionAnalyzer.open(keys.get(k), "bench", s, config);
      }
      a[k].onSegment(s, listener);
    }
    return listener.messages + listener.appEvents;
  }

  /**
   * The same through {@link ConnectionTable}, as ConnectionProcessor and {@code analyze --direct}
   * feed it: analyzers looked up by connection key in the access-ordered map, the sensor's clock
   * and its sweep every second of capture time, change tracking for checkpoints.
   */
  @Benchmark
  public long decodeCaptureThroughTable() {
    CountingListener listener = new CountingListener();
    ConnectionTable table = new ConnectionTable(config, NO_EVENTS, true);
    for (int i = 0; i < segments.size(); i++) {
      table.segment(keys.get(connection[i]), "bench", segments.get(i), listener);
    }
    return listener.messages + listener.appEvents + table.size();
  }

  private static final ConnectionTable.Events NO_EVENTS =
      new ConnectionTable.Events() {
        @Override
        public void opened(ConnectionAnalyzer a) {}

        @Override
        public void ended(ConnectionAnalyzer a) {}

        @Override
        public void forgotten(ConnectionAnalyzer a) {}

        @Override
        public void lost(String sensor, long records) {}
      };
}
