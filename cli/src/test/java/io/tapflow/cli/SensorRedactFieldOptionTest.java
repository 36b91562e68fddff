package io.tapflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code sensor --redact-field}: repeatable, none by default, an empty name a usage error. */
class SensorRedactFieldOptionTest {
  @Test
  void theSensorTakesRepeatedFieldNamesAndDefaultsToNone() {
    SensorCommand sensor = new SensorCommand();
    new CommandLine(sensor).parseArgs();
    assertEquals(List.of(), sensor.redactFields);
    sensor = new SensorCommand();
    new CommandLine(sensor).parseArgs("--redact-field", "content", "--redact-field", "msg");
    assertEquals(List.of("content", "msg"), sensor.redactFields);
  }

  @Test
  void anEmptyNameEndsTheCommandWithAUsageError() {
    StringWriter err = new StringWriter();
    int exit =
        Main.commandLine()
            .setErr(new PrintWriter(err))
            .execute("sensor", "--redact-field", "", "--bootstrap-servers", "127.0.0.1:1");
    assertEquals(2, exit);
    assertTrue(err.toString().startsWith("--redact-field: a name cannot be empty"), err.toString());
  }
}
