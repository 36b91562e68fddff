package io.tapflow.cli.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** deploy/prometheus and the compose stack's Prometheus configuration, checked with promtool. */
class PrometheusRulesTest {
  private static final Path PROMETHEUS = Deploy.DIR.resolve("prometheus");
  private static final Duration TIMEOUT = Duration.ofMinutes(2);

  @Test
  void everyPrometheusConfigurationPassesPromtoolCheckConfig() throws Exception {
    List<Path> configs = new ArrayList<>(Deploy.files(PROMETHEUS, ".yml"));
    configs.add(Deploy.DIR.resolve("compose/prometheus.yml"));
    for (Path config : configs) {
      Deploy.Run r =
          Deploy.run(
              config.getParent(),
              TIMEOUT,
              "prometheus",
              "promtool",
              "check",
              "config",
              config.getFileName().toString());
      assertEquals(0, r.exitCode(), config + ":\n" + r.output());
      assertFalse(r.output().contains("WARNING"), config + ":\n" + r.output());
    }
  }

  @Test
  void everyRuleFilePassesPromtoolCheckRules() throws Exception {
    for (Path rules : Deploy.files(PROMETHEUS.resolve("rules"), ".yml")) {
      Deploy.Run r =
          Deploy.run(
              PROMETHEUS, TIMEOUT, "prometheus", "promtool", "check", "rules", rules.toString());
      assertEquals(0, r.exitCode(), rules + ":\n" + r.output());
      assertFalse(r.output().contains("WARNING"), rules + ":\n" + r.output());
    }
  }

  @Test
  void theRuleTestsPassPromtoolTestRules() throws Exception {
    for (Path tests : Deploy.files(PROMETHEUS.resolve("tests"), ".yml")) {
      Deploy.Run r =
          Deploy.run(
              tests.getParent(),
              TIMEOUT,
              "prometheus",
              "promtool",
              "test",
              "rules",
              tests.getFileName().toString());
      assertEquals(0, r.exitCode(), tests + ":\n" + r.output());
      assertTrue(r.output().contains("SUCCESS"), tests + ":\n" + r.output());
    }
  }

  @Test
  void everyAlertIsTestedFiring() throws Exception {
    Set<String> alerts = new TreeSet<>();
    for (Path file : Deploy.files(PROMETHEUS.resolve("rules"), ".yml")) {
      for (JsonNode group : Deploy.YAML.readTree(file.toFile()).path("groups")) {
        for (JsonNode rule : group.path("rules")) {
          if (rule.has("alert")) {
            alerts.add(rule.path("alert").asText());
          }
        }
      }
    }
    for (Path file : Deploy.files(PROMETHEUS.resolve("tests"), ".yml")) {
      for (JsonNode test : Deploy.YAML.readTree(file.toFile()).path("tests")) {
        for (JsonNode t : test.path("alert_rule_test")) {
          if (!t.path("exp_alerts").isEmpty()) {
            alerts.remove(t.path("alertname").asText());
          }
        }
      }
    }
    assertEquals(Set.of(), alerts, "alerts no promtool test shows firing");
  }
}
