package io.tapflow.cli.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The compose stack: {@code docker-compose config} validates the file against the Compose schema
 * (no daemon needed), and the parts must fit together: mounted files exist, the Dockerfile copies
 * paths that exist, Prometheus scrapes the ports the commands serve, Grafana loads the dashboards
 * from where they are mounted.
 */
class ComposeStackTest {
  private static final Path COMPOSE = Deploy.DIR.resolve("compose");
  private static final Path REPO = Deploy.DIR.getParent();

  @Test
  void theComposeFilePassesDockerComposeConfig() throws Exception {
    Deploy.Run r =
        Deploy.run(
            COMPOSE,
            Duration.ofMinutes(1),
            "docker-compose",
            "docker-compose",
            "-f",
            "compose.yaml",
            "config",
            "-q");
    assertEquals(0, r.exitCode(), r.output());
    assertEquals("", r.output().strip(), "docker-compose config had something to say");
  }

  @Test
  void everyMountedFileExistsAndTheDockerfileCopiesPathsThatExist() throws Exception {
    JsonNode services = compose().path("services");
    List<String> missing = new ArrayList<>();
    services.forEach(
        s ->
            s.path("volumes")
                .forEach(
                    v -> {
                      String source = v.asText().split(":")[0];
                      if (source.startsWith(".") && !Files.exists(COMPOSE.resolve(source))) {
                        missing.add(source);
                      }
                    }));
    JsonNode build = services.path("processor").path("build");
    Path context = COMPOSE.resolve(build.path("context").asText()).normalize();
    assertEquals(REPO, context);
    Path dockerfile = context.resolve(build.path("dockerfile").asText());
    assertTrue(Files.isRegularFile(dockerfile), dockerfile.toString());
    Matcher copy =
        Pattern.compile("(?m)^COPY (?!--from)(\\S+) ").matcher(Files.readString(dockerfile));
    while (copy.find()) {
      if (!Files.exists(context.resolve(copy.group(1)))) {
        missing.add(copy.group(1));
      }
    }
    assertEquals(List.of(), missing);
  }

  @Test
  void prometheusScrapesWhatTheCommandsServeAndGrafanaFindsTheDashboards() throws Exception {
    JsonNode services = compose().path("services");
    JsonNode prometheus = Deploy.YAML.readTree(COMPOSE.resolve("prometheus.yml").toFile());
    List<String> targets = new ArrayList<>();
    prometheus
        .path("scrape_configs")
        .forEach(
            job ->
                job.path("static_configs")
                    .forEach(sc -> sc.path("targets").forEach(t -> targets.add(t.asText()))));
    assertTrue(
        targets.contains("processor:" + port(services.path("processor"))), targets.toString());
    assertTrue(
        targets.contains("host.docker.internal:" + port(services.path("sensor"))),
        targets.toString());

    JsonNode sensor = services.path("sensor");
    assertEquals("host", sensor.path("network_mode").asText());
    assertEquals(List.of("ALL"), texts(sensor.path("cap_drop")));
    assertEquals(List.of("NET_RAW"), texts(sensor.path("cap_add")));
    assertTrue(
        texts(sensor.path("command"))
            .contains("--state-file=/var/lib/tapflow-sensor/sensor.state"));
    assertEquals(List.of("sensor-state:/var/lib/tapflow-sensor"), texts(sensor.path("volumes")));
    assertTrue(compose().path("volumes").has("sensor-state"));

    JsonNode provider =
        Deploy.YAML
            .readTree(Deploy.DIR.resolve("grafana/provisioning/dashboards/tapflow.yml").toFile())
            .path("providers")
            .get(0);
    String dashboards = provider.path("options").path("path").asText();
    assertTrue(
        texts(services.path("grafana").path("volumes"))
            .contains("../grafana/dashboards:" + dashboards + ":ro"),
        "grafana mounts the dashboards at " + dashboards);
  }

  private static JsonNode compose() throws Exception {
    return Deploy.YAML.readTree(COMPOSE.resolve("compose.yaml").toFile());
  }

  /** The port of a service's --metrics-address. */
  private static String port(JsonNode service) {
    for (JsonNode arg : service.path("command")) {
      if (arg.asText().startsWith("--metrics-address=")) {
        return arg.asText().substring(arg.asText().lastIndexOf(':') + 1);
      }
    }
    throw new AssertionError("no --metrics-address in " + service);
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
