package io.tapflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tapflow.sensor.capture.CaptureConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The sensor's capture options as they reach {@link CaptureConfig}. */
class SensorCommandCaptureOptionsTest {

  private static SensorCommand parse(String... args) {
    SensorCommand command = new SensorCommand();
    new CommandLine(command).parseArgs(args);
    return command;
  }

  @Test
  void liveDefaultsHandPacketsOverWithin10Milliseconds() {
    assertEquals(
        CaptureConfig.live("lo").withFilter("tcp").withTimeoutMillis(10),
        parse("-i", "lo").captureConfig());
    assertEquals(10, CaptureConfig.DEFAULT_TIMEOUT_MILLIS);
  }

  @Test
  void liveOptionsReachTheCapture() {
    assertEquals(
        CaptureConfig.live("eth1")
            .withFilter("tcp port 8080")
            .withSnaplen(1500)
            .withBufferSizeBytes(8 << 20)
            .withTimeoutMillis(250),
        parse(
                "-i",
                "eth1",
                "-f",
                "tcp port 8080",
                "--snaplen",
                "1500",
                "--buffer-size",
                "8388608",
                "--capture-timeout-ms",
                "250")
            .captureConfig());
  }

  @Test
  void aTimeoutThatIsNotPositiveIsRefusedBeforeAnythingStarts() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> parse("-i", "lo", "--capture-timeout-ms", "0").captureConfig());
    assertEquals("timeoutMillis must be positive: 0", e.getMessage());
  }

  @Test
  void aFileIgnoresTheLiveOptions() {
    assertEquals(
        CaptureConfig.offline(Path.of("x.pcap")).withFilter("tcp"),
        parse("-r", "x.pcap", "--capture-timeout-ms", "250").captureConfig());
  }
}
