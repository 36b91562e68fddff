package io.tapflow.bench;

import io.tapflow.cli.generate.ChatTrafficGenerator;
import io.tapflow.cli.generate.GenerateCommand;
import io.tapflow.cli.generate.PcapWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.profile.StackProfiler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Part 1: generates the decode captures, runs {@link DecodeBenchmark} under JMH and prints
 * packets/s and MB/s. {@code DecodeBench DIR CONNECTIONS EXCHANGES [quick] [profile]
 * [redact=FIELD,...]}: with {@code redact=}, the decode core alone, without and with those fields
 * redacted.
 */
public final class DecodeBench {
  private DecodeBench() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int connections = Integer.parseInt(args[1]);
    int exchanges = Integer.parseInt(args[2]);
    boolean quick = java.util.Arrays.asList(args).contains("quick");
    boolean profile = java.util.Arrays.asList(args).contains("profile");
    String redact =
        java.util.Arrays.stream(args)
            .filter(a -> a.startsWith("redact="))
            .map(a -> a.substring("redact=".length()))
            .findFirst()
            .orElse(null);
    Files.createDirectories(dir);
    long[][] sizes = new long[2][];
    String[] modes = {"plain", "deflate"};
    for (int m = 0; m < 2; m++) {
      Path file = dir.resolve("decode-" + modes[m] + ".pcap");
      ChatTrafficGenerator.Spec spec =
          ChatTrafficGenerator.Spec.of(connections, exchanges, m == 1, 1);
      ChatTrafficGenerator.Summary s;
      try (PcapWriter w = new PcapWriter(file)) {
        s = ChatTrafficGenerator.generate(spec, w);
      }
      // described once the writer is closed: its file size counts the bytes still buffered
      System.out.println(GenerateCommand.describe(file, spec, s));
      CaptureSegments c = CaptureSegments.read(file);
      sizes[m] = new long[] {c.segments().size(), c.frameBytes()};
    }
    ChainedOptionsBuilder o =
        new OptionsBuilder()
            .include(DecodeBenchmark.class.getName() + (redact == null ? "" : ".decodeCapture$"))
            .forks(1)
            .threads(1)
            .warmupIterations(quick ? 2 : 4)
            .warmupTime(TimeValue.seconds(quick ? 1 : 2))
            .measurementIterations(quick ? 3 : 6)
            .measurementTime(TimeValue.seconds(quick ? 1 : 2))
            .jvmArgs("-Xms1g", "-Xmx2g", "-Dbench.dir=" + dir.toAbsolutePath());
    if (redact != null) {
      o = o.param("redact", "", redact);
    }
    if (profile) {
      o = o.addProfiler(StackProfiler.class, "lines=4;top=12").addProfiler(GCProfiler.class);
    }
    Collection<RunResult> results = new Runner(o.build()).run();
    System.out.println();
    System.out.println(
        "| part | capture | redacted | packets | frame MB | ms/capture | packets/s | MB/s |");
    System.out.println("|---|---|---|---|---|---|---|---|");
    for (RunResult r : results) {
      String mode = r.getParams().getParam("compression");
      int m = mode.equals("plain") ? 0 : 1;
      String bench =
          r.getParams().getBenchmark().endsWith("ThroughTable")
              ? "decode core through ConnectionTable"
              : "decode core";
      double ms = r.getPrimaryResult().getScore();
      double err = r.getPrimaryResult().getScoreError();
      double pps = sizes[m][0] / (ms / 1000);
      double mbps = sizes[m][1] / 1e6 / (ms / 1000);
      String redacted = r.getParams().getParam("redact");
      System.out.printf(
          "| %s | %s, %d conns x %d exchanges | %s | %d | %.1f | %.1f ± %.1f | %.0f |"
              + " %.1f |%n",
          bench,
          mode,
          connections,
          exchanges,
          redacted.isEmpty() ? "-" : redacted,
          sizes[m][0],
          sizes[m][1] / 1e6,
          ms,
          err,
          pps,
          mbps);
      System.out.printf(
          "RESULT %s_%s%s_packets_per_s=%.0f mb_per_s=%.1f packets=%d%n",
          bench.contains("Table") ? "decode_table" : "decode",
          mode,
          redacted.isEmpty() ? "" : "_redacted",
          pps,
          mbps,
          sizes[m][0]);
    }
  }
}
