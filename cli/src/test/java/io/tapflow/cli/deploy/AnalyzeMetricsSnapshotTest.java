package io.tapflow.cli.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tapflow.cli.analyze.AnalyzeCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The metrics.prom that {@code analyze --out} writes for the chat sample: the values the capture
 * holds (tshark's frame times for the latencies), and nothing {@code promtool check metrics} lints.
 */
class AnalyzeMetricsSnapshotTest {
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
    Map<String, Double> v = samples(Files.readString(metrics));
    String chat = "{sensor=\"local\",service=\"47272\"}";
    assertEquals(2, v.get("tapflow_tcp_handshake_seconds_count" + chat));
    assertEquals((31 + 21) * 1e-6, v.get("tapflow_tcp_handshake_seconds_sum" + chat), 1e-12);
    assertEquals(2, v.get("tapflow_websocket_upgrade_seconds_count" + chat));
    assertEquals((976 + 514) * 1e-6, v.get("tapflow_websocket_upgrade_seconds_sum" + chat), 1e-12);
    assertEquals(2, v.get("tapflow_websocket_first_message_seconds_count" + chat));
    assertEquals(5, v.get(messages("CLIENT_TO_SERVER", "TEXT")));
    assertEquals(8, v.get(messages("SERVER_TO_CLIENT", "TEXT")));
    assertEquals(2, v.get(messages("CLIENT_TO_SERVER", "CLOSE")));
    assertEquals(2, v.get(messages("SERVER_TO_CLIENT", "CLOSE")));
    assertEquals(2, v.get("tapflow_connections_opened_total{sensor=\"local\",service=\"47272\"}"));
    assertEquals(
        2,
        v.get(
            "tapflow_connections_ended_total{reason=\"fin\",sensor=\"local\",service=\"47272\","
                + "state=\"SF\"}"));
    assertEquals(40, v.get("tapflow_sensor_packets_captured_total{sensor=\"local\"}"));
    assertEquals(40, v.get("tapflow_sensor_pcap_received_packets_total{sensor=\"local\"}"));
    assertEquals(0, v.get("tapflow_sensor_kernel_dropped_packets_total{sensor=\"local\"}"));
    assertEquals(
        0, v.get("tapflow_sensor_packets_dropped_total{reason=\"not_tcp\",sensor=\"local\"}"));
    assertEquals(
        40, v.get("tapflow_sensor_records_published_total{kind=\"segment\",sensor=\"local\"}"));
    Deploy.Run r =
        Deploy.run(
            out, Duration.ofMinutes(1), "prometheus", metrics, "promtool", "check", "metrics");
    assertEquals("", r.output().strip(), "promtool check metrics found problems");
    assertEquals(0, r.exitCode(), r.output());
  }

  private static String messages(String direction, String opcode) {
    return "tapflow_websocket_messages_total{direction=\""
        + direction
        + "\",opcode=\""
        + opcode
        + "\",sensor=\"local\",service=\"47272\"}";
  }

  /** Each sample line of a text exposition: series (name and labels as written) to value. */
  private static Map<String, Double> samples(String text) {
    Map<String, Double> samples = new HashMap<>();
    for (String line : text.lines().toList()) {
      if (!line.startsWith("#") && !line.isBlank()) {
        int space = line.lastIndexOf(' ');
        samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
      }
    }
    return samples;
  }
}
