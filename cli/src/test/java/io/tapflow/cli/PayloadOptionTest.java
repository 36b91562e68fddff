package io.tapflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tapflow.sensor.publish.PayloadMode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code --payload} on the commands that publish packets: its default, its forms, its errors. */
class PayloadOptionTest {
  @Test
  void everyCommandThatPublishesTakesThePayloadModeAndDefaultsToFull() {
    SensorCommand sensor = new SensorCommand();
    new CommandLine(sensor).parseArgs();
    assertEquals(PayloadMode.FULL, sensor.payload);
    new CommandLine(sensor).parseArgs("--payload", "cap:128");
    assertEquals(PayloadMode.cap(128), sensor.payload);
    new CommandLine(sensor).parseArgs("--payload", "none");
    assertEquals(PayloadMode.NONE, sensor.payload);

    DemoCommand demo = new DemoCommand();
    new CommandLine(demo).parseArgs("--payload", "none");
    assertEquals(PayloadMode.NONE, demo.payload);
  }

  @Test
  void analyzeDirectWithNoneWritesNoMessagesAndCountsEveryPayloadByteWithheld(@TempDir Path out)
      throws Exception {
    int exit =
        Main.commandLine()
            .execute(
                "analyze",
                "../samples/chat.pcap",
                "--direct",
                "--payload",
                "none",
                "--quiet",
                "--out",
                out.toString());
    assertEquals(0, exit);
    assertEquals(0, Files.size(out.resolve("messages.jsonl")));
    assertEquals(2, Files.readAllLines(out.resolve("connections.jsonl")).size());
    assertTrue(
        Files.readAllLines(out.resolve("metrics.prom"))
            .contains("tapflow_sensor_payload_withheld_bytes_total{sensor=\"local\"} 2515.0"));
  }

  @Test
  void aWrongModeEndsTheCommandWithUsageAndTheFormsAccepted() {
    StringWriter err = new StringWriter();
    int exit =
        Main.commandLine()
            .setErr(new PrintWriter(err))
            .execute("sensor", "--payload", "cap:0", "--bootstrap-servers", "127.0.0.1:1");
    assertEquals(2, exit);
    assertTrue(
        err.toString()
            .startsWith(
                "Invalid value for option '--payload': payload mode must be full, none or cap:N"
                    + " with N from 1 to 2147483647: cap:0"),
        err.toString());
  }
}
