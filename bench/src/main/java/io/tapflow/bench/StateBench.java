package io.tapflow.bench;

import io.tapflow.cli.generate.ChatTrafficGenerator;
import io.tapflow.processor.analysis.AnalyzerConfig;
import io.tapflow.processor.analysis.ConnectionAnalyzer;
import io.tapflow.processor.tcp.Segment;
import io.tapflow.sensor.decode.ConnectionKey;
import io.tapflow.sensor.decode.LinkTypes;
import io.tapflow.sensor.decode.PacketDecoder;
import io.tapflow.sensor.decode.TcpSegment;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Part 6: the state of many idle open connections. Generates {@code N} connections that upgrade,
 * log in, exchange a few messages and stay open, feeds them through ConnectionAnalyzer the way
 * ConnectionProcessor does (a live map of analyzers and a snapshot per connection), then measures
 * the snapshot bytes (what the state store and its changelog hold) and the heap after GC. {@code
 * StateBench CONNECTIONS EXCHANGES plain|deflate}.
 */
public final class StateBench {
  private StateBench() {}

  public static void main(String[] args) throws Exception {
    int n = Integer.parseInt(args[0]);
    int exchanges = Integer.parseInt(args[1]);
    boolean deflate = args[2].equals("deflate");
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long heap0 = heapAfterGc(memory);
    long rss0 = rssBytes();
    Map<String, ConnectionAnalyzer> live = new LinkedHashMap<>(n * 2, 0.75f, true);
    Map<String, byte[]> store = new HashMap<>(n * 2);
    CountingListener listener = new CountingListener();
    PacketDecoder decoder = new PacketDecoder();
    ChatTrafficGenerator.Spec spec =
        ChatTrafficGenerator.Spec.of(n, exchanges, deflate, 6).open().withThink(200_000);
    int batch = 500;
    long packets = 0;
    for (int first = 0; first < n; first += batch) {
      int count = Math.min(batch, n - first);
      long[] p = {0};
      ChatTrafficGenerator.generate(
          spec.batch(first, count),
          (micros, frame) -> {
            p[0]++;
            if (decoder.decode(LinkTypes.ETHERNET, frame, frame.length, frame.length)
                instanceof TcpSegment t) {
              String key = ConnectionKey.of("bench", t);
              Segment s = CaptureSegments.toSegment(t, micros * 1000);
              ConnectionAnalyzer a = live.get(key);
              if (a == null) {
                a = ConnectionAnalyzer.open(key, "bench", s, AnalyzerConfig.DEFAULT);
                live.put(key, a);
              }
              a.onSegment(s, listener);
            }
          });
      packets += p[0];
    }
    // What ConnectionProcessor leaves in the store once every connection has gone idle.
    int[] sizes = new int[live.size()];
    long keyBytes = 0;
    int i = 0;
    for (Map.Entry<String, ConnectionAnalyzer> e : live.entrySet()) {
      byte[] snap = e.getValue().snapshot();
      store.put(e.getKey(), snap);
      sizes[i++] = snap.length;
      keyBytes += e.getKey().getBytes(StandardCharsets.UTF_8).length;
    }
    long heapBoth = heapAfterGc(memory);
    if (Boolean.getBoolean("bench.histogram")) {
      histogram(20);
    }
    long rssBoth = rssBytes();
    store.clear();
    long heapLive = heapAfterGc(memory);
    Arrays.sort(sizes);
    long total = 0;
    for (int s : sizes) {
      total += s;
    }
    int open = 0;
    for (ConnectionAnalyzer a : live.values()) {
      open += a.finished() ? 0 : 1;
    }
    String mode = deflate ? "deflate" : "plain";
    System.out.printf(
        "connections=%d open=%d packets=%d messages=%d anomalies=%d%n",
        live.size(), open, packets, listener.messages, listener.anomalies);
    System.out.printf(
        "RESULT state_%s snapshot_mean_bytes=%.0f snapshot_p50=%d snapshot_p99=%d snapshot_max=%d"
            + " key_mean_bytes=%.0f heap_live_analyzers_per_conn=%.0f"
            + " heap_analyzers_and_snapshots_per_conn=%.0f rss_delta_per_conn=%.0f"
            + " heap_total_mib=%.0f%n",
        mode,
        (double) total / sizes.length,
        sizes[sizes.length / 2],
        sizes[(int) (sizes.length * 0.99)],
        sizes[sizes.length - 1],
        (double) keyBytes / sizes.length,
        (double) (heapLive - heap0) / n,
        (double) (heapBoth - heap0) / n,
        (double) (rssBoth - rss0) / n,
        heapBoth / 1048576.0);
    if (live.size() != n || open != n) {
      throw new IllegalStateException("expected " + n + " open connections");
    }
    timeSnapshots(mode, live);
  }

  /**
   * The CPU a checkpoint spends per connection: writing every live analyzer's snapshot, and reading
   * them back as a restore does; five passes, the fastest of the last three.
   */
  static void timeSnapshots(String mode, Map<String, ConnectionAnalyzer> live) {
    ConnectionAnalyzer[] analyzers = live.values().toArray(new ConnectionAnalyzer[0]);
    byte[][] snapshots = new byte[analyzers.length][];
    long bestWrite = Long.MAX_VALUE;
    long bestRead = Long.MAX_VALUE;
    long sink = 0;
    for (int pass = 0; pass < 5; pass++) {
      long t0 = System.nanoTime();
      for (int i = 0; i < analyzers.length; i++) {
        snapshots[i] = analyzers[i].snapshot();
      }
      long t1 = System.nanoTime();
      for (byte[] snapshot : snapshots) {
        sink += ConnectionAnalyzer.restore(snapshot, AnalyzerConfig.DEFAULT).lastTimestamp();
      }
      long t2 = System.nanoTime();
      if (pass >= 2) {
        bestWrite = Math.min(bestWrite, t1 - t0);
        bestRead = Math.min(bestRead, t2 - t1);
      }
    }
    System.out.printf(
        "RESULT state_%s_cpu snapshot_ns_per_conn=%.0f restore_ns_per_conn=%.0f (sink %d)%n",
        mode,
        (double) bestWrite / analyzers.length,
        (double) bestRead / analyzers.length,
        sink & 1);
  }

  /** The top of the live class histogram (jcmd GC.class_histogram), to see what the heap holds. */
  static void histogram(int lines) throws Exception {
    String h =
        (String)
            ManagementFactory.getPlatformMBeanServer()
                .invoke(
                    new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"),
                    "gcClassHistogram",
                    new Object[] {new String[0]},
                    new String[] {String[].class.getName()});
    h.lines().limit(lines + 3).forEach(l -> System.out.println("HISTO " + l));
  }

  static long heapAfterGc(MemoryMXBean memory) throws InterruptedException {
    for (int i = 0; i < 4; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return memory.getHeapMemoryUsage().getUsed();
  }

  /** The process's resident set (VmRSS), which includes native memory such as zlib's. */
  static long rssBytes() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    return -1;
  }
}
