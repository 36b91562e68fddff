package io.tapflow.cli.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * deploy/systemd checked by {@code systemd-analyze verify}, which reports an unknown key or a bad
 * value only as a warning with exit status 0: any output at all fails. Then what the units promise:
 * the sensor without root, with CAP_NET_RAW alone.
 */
class SystemdUnitsTest {
  private static final Path SYSTEMD = Deploy.DIR.resolve("systemd");

  @Test
  void everyUnitPassesSystemdAnalyzeVerifyWithoutAWord() throws Exception {
    for (Path unit : Deploy.files(SYSTEMD, ".service")) {
      Deploy.Run r =
          Deploy.run(
              SYSTEMD,
              Duration.ofMinutes(1),
              "systemd",
              "systemd-analyze",
              "verify",
              unit.toString());
      assertEquals(0, r.exitCode(), unit + ":\n" + r.output());
      assertEquals("", r.output().strip(), unit + " (any output is a problem)");
    }
  }

  @Test
  void theSensorRunsAsAnUnprivilegedUserWithOnlyNetRaw() throws Exception {
    Map<String, List<String>> s = service(SYSTEMD.resolve("tapflow-sensor.service"));
    assertEquals(List.of("tapflow"), s.get("User"));
    Set<String> caps = Set.of("CAP_NET_RAW");
    assertEquals(caps, words(s.get("AmbientCapabilities")));
    assertEquals(caps, words(s.get("CapabilityBoundingSet")));
    assertEquals(List.of("yes"), s.get("NoNewPrivileges"));
    String exec = String.join(" ", s.get("ExecStart"));
    assertTrue(exec.contains("io.tapflow.cli.Main sensor"), exec);
    assertTrue(s.get("Environment").contains("TAPFLOW_METRICS_ADDRESS=127.0.0.1:9465"));
  }

  @Test
  void theSensorKeepsItsNumberingInItsStateDirectory() throws Exception {
    Map<String, List<String>> s = service(SYSTEMD.resolve("tapflow-sensor.service"));
    // ProtectSystem=strict leaves only the state directory writable: the file must be in it.
    assertEquals(List.of("strict"), s.get("ProtectSystem"));
    assertEquals(List.of("tapflow-sensor"), s.get("StateDirectory"));
    String exec = String.join(" ", s.get("ExecStart"));
    assertTrue(exec.contains("--state-file ${STATE_DIRECTORY}/sensor.state"), exec);
  }

  @Test
  void theProcessorRunsWithoutCapabilitiesAndKeepsItsStateInItsStateDirectory() throws Exception {
    Map<String, List<String>> s = service(SYSTEMD.resolve("tapflow-processor.service"));
    assertNotEquals(List.of("root"), s.get("User"));
    assertEquals(List.of(""), s.get("CapabilityBoundingSet"));
    assertEquals(List.of("tapflow"), s.get("StateDirectory"));
    String exec = String.join(" ", s.get("ExecStart"));
    assertTrue(exec.contains("io.tapflow.cli.Main processor"), exec);
    assertTrue(exec.contains("--state-dir ${STATE_DIRECTORY}/state"), exec);
    assertTrue(s.get("Environment").contains("TAPFLOW_METRICS_ADDRESS=127.0.0.1:9466"));
  }

  private static Set<String> words(List<String> values) {
    return Set.of(String.join(" ", values).trim().split("\\s+"));
  }

  /** The [Service] section's settings, continuation lines joined, quotes around a value removed. */
  private static Map<String, List<String>> service(Path unit) throws IOException {
    Map<String, List<String>> settings = new HashMap<>();
    String section = "";
    List<String> lines = new ArrayList<>();
    StringBuilder pending = new StringBuilder();
    for (String line : Files.readAllLines(unit)) {
      if (line.endsWith("\\")) {
        pending.append(line, 0, line.length() - 1).append(' ');
        continue;
      }
      lines.add(pending + line);
      pending.setLength(0);
    }
    for (String line : lines) {
      String l = line.strip();
      if (l.isEmpty() || l.startsWith("#")) {
        continue;
      }
      if (l.startsWith("[")) {
        section = l;
        continue;
      }
      if (section.equals("[Service]")) {
        int eq = l.indexOf('=');
        String value = l.substring(eq + 1).strip();
        if (value.length() > 1 && value.startsWith("\"") && value.endsWith("\"")) {
          value = value.substring(1, value.length() - 1);
        }
        settings.computeIfAbsent(l.substring(0, eq).strip(), k -> new ArrayList<>()).add(value);
      }
    }
    return settings;
  }
}
