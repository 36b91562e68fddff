package io.tapflow.cli.analyze;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tapflow.cli.KafkaOptions;
import io.tapflow.cli.ListenerProbe;
import io.tapflow.cli.PayloadModeConverter;
import io.tapflow.cli.RedactionOptions;
import io.tapflow.cli.output.JsonLines;
import io.tapflow.cli.output.JsonLinesFiles;
import io.tapflow.processor.analysis.AnalyzerConfig;
import io.tapflow.processor.output.OutputForwarder;
import io.tapflow.schemas.ChatEvent;
import io.tapflow.schemas.ConnectionRecord;
import io.tapflow.schemas.Direction;
import io.tapflow.schemas.WebSocketMessage;
import io.tapflow.sensor.publish.PayloadMode;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The {@code analyze} command: a capture file through the whole pipeline into JSON lines. */
@Command(
    name = "analyze",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the whole pipeline (sensor -> Kafka -> processor) on a pcap/pcapng file and writes",
      "messages.jsonl, connections.jsonl, chat.jsonl, anomalies.jsonl and metrics.prom."
    })
public final class AnalyzeCommand implements Callable<Integer> {
  @Parameters(index = "0", description = "The capture file (pcap or pcapng).")
  Path capture;

  @Option(names = "--out", description = "Output directory (default: ${DEFAULT-VALUE}).")
  Path out = Path.of("tapflow-out");

  @Mixin KafkaOptions kafka;

  @Mixin RedactionOptions redaction = new RedactionOptions();

  @Option(names = "--topic-prefix", description = "Prefix for every topic name.")
  String topicPrefix;

  @Option(
      names = "--partitions",
      description = "Partitions of the topics (default: ${DEFAULT-VALUE}).")
  int partitions = 1;

  @Option(
      names = "--sensor-id",
      description = "Sensor id on the records (default: ${DEFAULT-VALUE}).")
  String sensorId = "local";

  @Option(names = "--at-least-once", description = "Process at-least-once instead of exactly-once.")
  boolean atLeastOnce;

  @Option(names = "--quiet", description = "Print no summary.")
  boolean quiet;

  @Option(
      names = "--payload",
      description =
          "What of each segment's payload the sensor side publishes: full, cap:N (the first N"
              + " bytes) or none (headers and lengths only). Default: ${DEFAULT-VALUE}.",
      converter = PayloadModeConverter.class)
  PayloadMode payload = PayloadMode.FULL;

  @Option(
      names = "--direct",
      description =
          "Decode in this process without Kafka (no broker, no topics): the processor's analysis"
              + " and outputs, as one partition would give them, at the decoder's speed.")
  boolean direct;

  @Override
  public Integer call() throws Exception {
    if (!Files.isReadable(capture)) {
      System.err.println("tapflow analyze: cannot read " + capture);
      return 2;
    }
    if (direct
        && (kafka.bootstrapServers != null
            || topicPrefix != null
            || partitions != 1
            || atLeastOnce
            || kafka.schemaRegistry().isPresent())) {
      System.err.println(
          "tapflow analyze: --direct uses no Kafka; it takes no --bootstrap-servers,"
              + " --topic-prefix, --partitions, --at-least-once or schema registry settings");
      return 2;
    }
    AnalyzerConfig analyzer = redaction.applyTo(AnalyzerConfig.DEFAULT);
    if (kafka.bootstrapServers != null) {
      ListenerProbe.check(kafka.bootstrapServers, kafka.clientProperties());
    }
    AnalyzeRun.Options options =
        new AnalyzeRun.Options(
            capture,
            kafka.bootstrapServers,
            kafka.clientProperties(),
            topicPrefix,
            partitions,
            sensorId,
            !atLeastOnce,
            Duration.ofMinutes(30),
            kafka.schemaRegistry().orElse(null),
            payload,
            analyzer);
    long started = System.nanoTime();
    AnalyzeSummary summary = new AnalyzeSummary();
    long packetsRead;
    long published;
    long failed;
    PrometheusRegistry registry;
    // The four files are written by threads of their own, beside the analysis (direct) or beside
    // each other (read back from Kafka).
    try (JsonLinesFiles files = new JsonLinesFiles(out)) {
      OutputForwarder.Sink both =
          (output, key, value, ts) -> {
            files.send(output, key, value, ts);
            summary.send(output, key, value, ts);
          };
      if (direct) {
        DirectAnalysis.Counts c = DirectAnalysis.run(capture, sensorId, payload, analyzer, both);
        packetsRead = c.packetsRead();
        published = 0;
        failed = 0;
        registry = c.registry();
      } else {
        AnalyzeRun.Result r = AnalyzeRun.run(options);
        r.messages().forEach(m -> both.send(OutputForwarder.MESSAGES, null, m, 0));
        r.connections().forEach(c -> both.send(OutputForwarder.CONNECTIONS, null, c, 0));
        r.chat().forEach(e -> both.send(OutputForwarder.CHAT, null, e, 0));
        r.anomalies().forEach(a -> both.send(OutputForwarder.ANOMALIES, null, a, 0));
        packetsRead = r.packetsRead();
        published = r.recordsPublished();
        failed = r.recordsFailed();
        registry = r.registry();
      }
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    try (OutputStream o = Files.newOutputStream(out.resolve("metrics.prom"))) {
      AnalyzeRun.writeMetrics(registry, o);
    }
    if (!quiet) {
      printSummary(System.out, summary, packetsRead, published, seconds);
    }
    if (failed > 0) {
      System.err.printf(
          "tapflow analyze: %d of %d records could not be published to Kafka; the output is"
              + " incomplete (see tapflow_sensor_publish_errors_total)%n",
          failed, published);
      return 1;
    }
    return 0;
  }

  private void printSummary(
      PrintStream p, AnalyzeSummary s, long packetsRead, long published, double seconds) {
    if (direct) {
      p.printf(
          "tapflow analyze %s: %d packets read, decoded in this process (no Kafka), %.1f s%n",
          capture, packetsRead, seconds);
    } else {
      p.printf(
          "tapflow analyze %s: %d packets read, %d records published, %.1f s%n",
          capture, packetsRead, published, seconds);
    }
    List<ConnectionRecord> finals =
        s.finals.stream()
            .sorted(java.util.Comparator.comparing(ConnectionRecord::getStartTime))
            .toList();
    p.printf("%nConnections (%d):%n", finals.size());
    for (ConnectionRecord c :
        finals.subList(0, Math.min(finals.size(), AnalyzeSummary.CHAT_SHOWN))) {
      p.printf(
          "  %s  %s -> %s  %s%s  tcp handshake %s  upgrade %s  messages %d/%d  bytes %d/%d%s%n",
          c.getConnectionId(),
          c.getClient(),
          c.getServer(),
          c.getHttpStatus() == null ? "no HTTP upgrade" : "HTTP " + c.getHttpStatus(),
          c.getPath() == null ? "" : " " + c.getPath(),
          micros(c.getTcpHandshakeMicros()),
          micros(c.getUpgradeLatencyMicros()),
          c.getClientMessages(),
          c.getServerMessages(),
          c.getClientBytes(),
          c.getServerBytes(),
          c.getCloseCode() == null ? "" : "  close " + c.getCloseCode());
    }
    more(p, finals.size() - AnalyzeSummary.CHAT_SHOWN, "connections.jsonl");
    p.printf("%nMessages: %d", s.messages);
    p.printf(
        " (%d client->server, %d server->client)%n",
        s.clientMessages, s.messages - s.clientMessages);
    for (WebSocketMessage m : s.firstMessages) {
      p.printf(
          "  %s %s %s %s%n",
          JsonLines.time(m.getTimestamp()), arrow(m.getDirection()), m.getOpcode(), preview(m));
    }
    more(p, s.messages - s.firstMessages.size(), "messages.jsonl");
    p.printf("%nChat (%d events):%n", s.chatEvents);
    for (String line : s.firstChatLines) {
      p.println("  " + line);
    }
    more(p, s.chatLines - s.firstChatLines.size(), "chat.jsonl");
    if (s.anomalies > 0) {
      p.printf("%nAnomalies (%d):%n", s.anomalies);
      s.firstAnomalies.forEach(
          a -> p.printf("  %s %s %s%n", a.getConnectionId(), a.getCode(), a.getDetail()));
      more(p, s.anomalies - s.firstAnomalies.size(), "anomalies.jsonl");
    }
    p.printf("%nWrote %s/{messages,connections,chat,anomalies}.jsonl and metrics.prom%n", out);
  }

  private void more(PrintStream p, long more, String file) {
    if (more > 0) {
      p.printf("  ... (%d more in %s)%n", more, out.resolve(file));
    }
  }

  /**
   * Who said what: every "say" a client sent, with the nick that client logged in with on the same
   * connection (a server echoes each line to every client in the room, so those are not repeated).
   */
  public static List<String> chatLines(List<ChatEvent> events) {
    java.util.Map<String, String> nicks = new java.util.HashMap<>();
    List<String> lines = new java.util.ArrayList<>();
    for (ChatEvent e : events) {
      String line = AnalyzeSummary.chatLine(e, nicks);
      if (line != null) {
        lines.add(line);
      }
    }
    return lines;
  }

  private static String arrow(Direction d) {
    return d == Direction.CLIENT_TO_SERVER ? "->" : "<-";
  }

  private static String preview(WebSocketMessage m) {
    String s;
    if (m.getText() != null) {
      s = m.getText();
    } else if (m.getCloseCode() != null) {
      s = m.getCloseCode() + (m.getCloseReason() == null ? "" : " " + m.getCloseReason());
    } else {
      s = m.getPayloadLength() + " bytes";
    }
    return s.length() > 100 ? s.substring(0, 100) + "..." : s;
  }

  private static String micros(Long v) {
    return v == null ? "-" : v + " µs";
  }
}
