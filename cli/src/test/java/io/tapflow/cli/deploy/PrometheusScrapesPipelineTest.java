package io.tapflow.cli.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tapflow.cli.KafkaMetricsBridge;
import io.tapflow.cli.MetricsServer;
import io.tapflow.cli.Pipeline;
import io.tapflow.cli.broker.EmbeddedKafkaBroker;
import io.tapflow.processor.metrics.ProcessorMetrics.ServiceNames;
import io.tapflow.schemas.Topics;
import io.tapflow.sensor.capture.CaptureConfig;
import io.tapflow.sensor.capture.PcapSource;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus (Debian's {@code prometheus}) scrapes a running sensor and processor fed with
 * committed captures, evaluates deploy/prometheus's rules, and then every expression of every panel
 * of every dashboard in deploy/grafana, every template variable's query and every recording rule
 * must return data (at least one finite sample); every metric an alert reads must exist.
 */
class PrometheusScrapesPipelineTest {
  private static final Path CHAT = Path.of("..", "samples", "chat.pcap");

  /** A capture whose 101 carries a wrong Sec-WebSocket-Accept: one anomaly per replay. */
  private static final Path WRONG_ACCEPT =
      Path.of("src", "test", "resources", "peer-captures", "zeek-wrong-accept-header.pcap");

  private static final String SENSOR = "sensor-a";
  private static final Duration DEADLINE = Duration.ofSeconds(150);
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{?(\\w+)\\}?");
  private static final Pattern LABEL_VALUES =
      Pattern.compile("^label_values\\((.*),\\s*\\w+\\s*\\)$", Pattern.DOTALL);
  private static final Pattern METRIC =
      Pattern.compile("\\b(tapflow_\\w+|[a-z_]+:[a-z0-9_:]+|up)\\b(?![(\"])");

  @TempDir Path tmp;

  @Test
  void everyDashboardPanelVariableAndRecordingRuleReturnsDataFromARunningPipeline()
      throws Exception {
    Map<String, String> expressions = new LinkedHashMap<>();
    for (Path dashboard : Deploy.files(Deploy.DIR.resolve("grafana/dashboards"), ".json")) {
      dashboardExpressions(dashboard, expressions);
    }
    Set<String> alertMetrics = new HashSet<>();
    List<Path> rules = Deploy.files(Deploy.DIR.resolve("prometheus/rules"), ".yml");
    for (Path file : rules) {
      ruleExpressions(file, expressions, alertMetrics);
    }
    assertTrue(expressions.size() > 40, "expressions found: " + expressions.size());

    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
      PrometheusRegistry sensorRegistry = new PrometheusRegistry();
      PrometheusRegistry processorRegistry = new PrometheusRegistry();
      Pipeline.Settings settings =
          new Pipeline.Settings(
              broker.bootstrapServers(),
              Map.of(),
              Topics.DEFAULT.withPrefix("scrape."),
              2,
              1,
              "tapflow-scrape-test",
              true,
              SENSOR,
              "chat.pcap");
      try (Pipeline pipeline =
          Pipeline.create(
              settings,
              sensorRegistry,
              processorRegistry,
              ServiceNames.parse(List.of("chat=47272"), null))) {
        pipeline.startProcessor();
        KafkaMetricsBridge.register(sensorRegistry)
            .add("producer", pipeline.publisher()::kafkaMetrics);
        KafkaMetricsBridge.register(processorRegistry)
            .add("streams", pipeline.processor().streams()::metrics);
        pipeline.sensorMetrics().expectHeartbeats(SENSOR);
        try (MetricsServer sensor = MetricsServer.start(sensorRegistry, "127.0.0.1:0");
            MetricsServer processor = MetricsServer.start(processorRegistry, "127.0.0.1:0")) {
          AtomicBoolean running = new AtomicBoolean(true);
          AtomicReference<Throwable> replayFailure = new AtomicReference<>();
          Thread replay = new Thread(() -> replay(pipeline, running, replayFailure), "replay");
          replay.start();
          try {
            Path config = prometheusConfig(sensor.port(), processor.port(), rules);
            int port = freePort();
            Process prometheus = startPrometheus(config, port);
            try {
              awaitData(port, expressions, alertMetrics, prometheus, replayFailure);
            } finally {
              prometheus.destroy();
              if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly();
              }
            }
          } finally {
            running.set(false);
            replay.join(30_000);
          }
          assertEquals(null, replayFailure.get(), "the replay failed");
        }
      }
    }
  }

  /**
   * Replays the captures at capture pace, over and over, with end-of-capture and a heartbeat after
   * each, until told to stop: traffic for every rate, quantile and anomaly panel.
   */
  private static void replay(
      Pipeline pipeline, AtomicBoolean running, AtomicReference<Throwable> failure) {
    try {
      while (running.get()) {
        for (Path capture : List.of(CHAT, WRONG_ACCEPT)) {
          try (PcapSource source =
              PcapSource.open(
                  CaptureConfig.offline(capture)
                      .withReplayPace(CaptureConfig.ReplayPace.CAPTURE_PACE))) {
            source.run(pipeline.publisher());
            pipeline.sensorMetrics().captureStats(SENSOR, source.stats());
          }
          pipeline.endOfCapture();
          pipeline.publisher().heartbeat(System.currentTimeMillis() * 1_000_000L);
          Thread.sleep(200);
        }
      }
    } catch (Throwable t) {
      failure.set(t);
    }
  }

  /** Adds each panel target's and each query variable's expression of {@code file}. */
  private static void dashboardExpressions(Path file, Map<String, String> into) throws IOException {
    JsonNode dashboard = Deploy.JSON.readTree(file.toFile());
    String name = file.getFileName().toString();
    List<JsonNode> panels = new ArrayList<>();
    dashboard.path("panels").forEach(panels::add);
    for (int i = 0; i < panels.size(); i++) {
      panels.get(i).path("panels").forEach(panels::add); // panels inside collapsed rows
    }
    for (JsonNode panel : panels) {
      for (JsonNode target : panel.path("targets")) {
        String expr = target.path("expr").asText("");
        assertTrue(
            !expr.isBlank(), name + " panel \"" + panel.path("title").asText() + "\": no expr");
        into.put(
            name + " panel \"" + panel.path("title").asText() + "\" " + target.path("refId"),
            substitute(expr));
      }
    }
    for (JsonNode variable : dashboard.path("templating").path("list")) {
      if (variable.path("type").asText().equals("query")) {
        String query = variable.path("query").path("query").asText(variable.path("query").asText());
        Matcher m = LABEL_VALUES.matcher(query.trim());
        assertTrue(m.matches(), name + " variable " + variable.path("name") + ": " + query);
        into.put(name + " variable $" + variable.path("name").asText(), substitute(m.group(1)));
      }
    }
  }

  /**
   * Adds each recording rule's expression and recorded series of {@code file}; collects the metric
   * names alert expressions read.
   */
  private static void ruleExpressions(Path file, Map<String, String> into, Set<String> alertMetrics)
      throws IOException {
    for (JsonNode group : Deploy.YAML.readTree(file.toFile()).path("groups")) {
      for (JsonNode rule : group.path("rules")) {
        String expr = rule.path("expr").asText();
        if (rule.has("record")) {
          String record = rule.path("record").asText();
          into.put("rule " + record, expr);
          into.put("recorded series " + record, record);
        } else {
          Matcher m = METRIC.matcher(expr);
          while (m.find()) {
            alertMetrics.add(m.group(1));
          }
        }
      }
    }
  }

  /** Grafana's variables as a query over everything would have them: every value, short ranges. */
  static String substitute(String expr) {
    Matcher m = VARIABLE.matcher(expr);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value =
          switch (m.group(1)) {
            case "sensor", "service" -> ".*";
            case "__rate_interval", "__interval" -> "15s";
            case "__range" -> "5m";
            default -> throw new AssertionError("unknown dashboard variable in: " + expr);
          };
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }

  private Path prometheusConfig(int sensorPort, int processorPort, List<Path> rules)
      throws IOException {
    StringBuilder yaml = new StringBuilder();
    yaml.append("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n");
    yaml.append("rule_files:\n");
    for (Path r : rules) {
      yaml.append("  - \"").append(r).append("\"\n");
    }
    yaml.append("scrape_configs:\n");
    yaml.append("  - job_name: tapflow-sensor\n    static_configs:\n");
    yaml.append("      - targets: [\"127.0.0.1:").append(sensorPort).append("\"]\n");
    yaml.append("  - job_name: tapflow-processor\n    static_configs:\n");
    yaml.append("      - targets: [\"127.0.0.1:").append(processorPort).append("\"]\n");
    Path config = tmp.resolve("prometheus.yml");
    Files.writeString(config, yaml);
    return config;
  }

  private Process startPrometheus(Path config, int port) throws IOException {
    Path log = tmp.resolve("prometheus.log");
    try {
      return new ProcessBuilder(
              "prometheus",
              "--config.file=" + config,
              "--storage.tsdb.path=" + tmp.resolve("data"),
              "--web.listen-address=127.0.0.1:" + port,
              "--log.level=warn")
          .redirectErrorStream(true)
          .redirectOutput(log.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .start();
    } catch (IOException e) {
      return fail("prometheus is not installed: apt-get install prometheus", e);
    }
  }

  /** Queries until every expression has data and every alert metric exists, or fails. */
  private void awaitData(
      int port,
      Map<String, String> expressions,
      Set<String> alertMetrics,
      Process prometheus,
      AtomicReference<Throwable> replayFailure)
      throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    Map<String, String> missing = new LinkedHashMap<>(expressions);
    Set<String> absent = new HashSet<>(alertMetrics);
    while (true) {
      if (!prometheus.isAlive()) {
        fail(
            "prometheus exited with "
                + prometheus.exitValue()
                + ":\n"
                + Files.readString(tmp.resolve("prometheus.log")));
      }
      if (replayFailure.get() != null) {
        throw new AssertionError("the replay failed", replayFailure.get());
      }
      try {
        missing.entrySet().removeIf(e -> hasFiniteSample(http, port, e.getValue()));
        absent.removeIf(name -> hasFiniteSample(http, port, "count({__name__=\"" + name + "\"})"));
      } catch (IllegalStateException notReady) {
        // Prometheus is still starting.
      }
      if (missing.isEmpty() && absent.isEmpty()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        StringBuilder report = new StringBuilder("no data after " + DEADLINE + " for:\n");
        missing.forEach(
            (what, expr) ->
                report.append("  ").append(what).append(": ").append(expr).append('\n'));
        absent.forEach(
            name -> report.append("  metric read by an alert: ").append(name).append('\n'));
        fail(report.toString());
      }
      Thread.sleep(2000);
    }
  }

  /** Whether an instant query of {@code expr} returns at least one finite sample. */
  private static boolean hasFiniteSample(HttpClient http, int port, String expr) {
    JsonNode body;
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(
                          "http://127.0.0.1:"
                              + port
                              + "/api/v1/query?query="
                              + URLEncoder.encode(expr, StandardCharsets.UTF_8)))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      body = Deploy.JSON.readTree(r.body());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    if (!body.path("status").asText().equals("success")) {
      throw new AssertionError("query failed: " + expr + ": " + body);
    }
    for (JsonNode sample : body.path("data").path("result")) {
      double v = Double.parseDouble(sample.path("value").path(1).asText("NaN"));
      if (Double.isFinite(v)) {
        return true;
      }
    }
    return false;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
