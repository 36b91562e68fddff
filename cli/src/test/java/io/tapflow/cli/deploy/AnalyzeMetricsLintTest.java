package io.tapflow.cli.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tapflow.cli.analyze.AnalyzeCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The metrics.prom that {@code analyze --out} writes passes {@code promtool check metrics}. */
class AnalyzeMetricsLintTest {
  @TempDir Path out;

  @Test
  void analyzeWritesAMetricsSnapshotPromtoolFindsNothingWrongWith() throws Exception {
    int exit =
        new CommandLine(new AnalyzeCommand())
            .execute(
                Path.of("..", "samples", "chat.pcap").toString(),
                "--out",
                out.toString(),
                "--quiet");
    assertEquals(0, exit);
    Path metrics = out.resolve("metrics.prom");
    String text = Files.readString(metrics);
    assertTrue(text.contains("tapflow_websocket_messages_total{"), text);
    assertTrue(text.contains("tapflow_tcp_handshake_seconds_bucket{"), text);
    assertTrue(text.contains("tapflow_sensor_packets_captured_total{sensor=\"local\"} 40.0"), text);
    Deploy.Run r =
        Deploy.run(
            out, Duration.ofMinutes(1), "prometheus", metrics, "promtool", "check", "metrics");
    assertEquals("", r.output().strip(), "promtool check metrics found problems");
    assertEquals(0, r.exitCode(), r.output());
  }
}
