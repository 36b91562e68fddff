package io.tapflow.cli.analyze;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tapflow.cli.KafkaOptions;
import io.tapflow.cli.ListenerProbe;
import io.tapflow.cli.RedactionOptions;
import io.tapflow.cli.output.JsonLines;
import io.tapflow.processor.analysis.AnalyzerConfig;
import io.tapflow.schemas.ChatEvent;
import io.tapflow.schemas.ConnectionRecord;
import io.tapflow.schemas.Direction;
import io.tapflow.schemas.WebSocketMessage;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
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
            analyzer);
    long started = System.nanoTime();
    AnalyzeRun.Result r =
        direct ? DirectAnalysis.run(capture, sensorId, analyzer) : AnalyzeRun.run(options);
    double seconds = (System.nanoTime() - started) / 1e9;
    Files.createDirectories(out);
    // The four files are independent: written side by side.
    List<Callable<Void>> writes =
        List.of(
            () -> write(out.resolve("messages.jsonl"), r.messages(), JsonLines::message),
            () -> write(out.resolve("connections.jsonl"), r.connections(), JsonLines::connection),
            () -> write(out.resolve("chat.jsonl"), r.chat(), JsonLines::chat),
            () -> write(out.resolve("anomalies.jsonl"), r.anomalies(), JsonLines::anomaly));
    ExecutorService writers = Executors.newFixedThreadPool(2);
    try {
      for (Future<Void> f : writers.invokeAll(writes)) {
        f.get();
      }
    } finally {
      writers.shutdown();
    }
    try (OutputStream o = Files.newOutputStream(out.resolve("metrics.prom"))) {
      AnalyzeRun.writeMetrics(r.registry(), o);
    }
    if (!quiet) {
      printSummary(System.out, r, seconds);
    }
    if (r.recordsFailed() > 0) {
      System.err.printf(
          "tapflow analyze: %d of %d records could not be published to Kafka; the output is"
              + " incomplete (see tapflow_sensor_publish_errors_total)%n",
          r.recordsFailed(), r.recordsPublished());
      return 1;
    }
    return 0;
  }

  private static <T> Void write(Path file, List<T> items, Function<T, ObjectNode> json)
      throws IOException {
    try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
        JsonLines.Output lines = new JsonLines.Output(o)) {
      for (T item : items) {
        lines.write(json.apply(item));
      }
    }
    return null;
  }

  private void printSummary(PrintStream p, AnalyzeRun.Result r, double seconds) {
    if (direct) {
      p.printf(
          "tapflow analyze %s: %d packets read, decoded in this process (no Kafka), %.1f s%n",
          capture, r.packetsRead(), seconds);
    } else {
      p.printf(
          "tapflow analyze %s: %d packets read, %d records published, %.1f s%n",
          capture, r.packetsRead(), r.recordsPublished(), seconds);
    }
    List<ConnectionRecord> finals =
        r.connections().stream()
            .filter(ConnectionRecord::getFinal$)
            .sorted(java.util.Comparator.comparing(ConnectionRecord::getStartTime))
            .toList();
    p.printf("%nConnections (%d):%n", finals.size());
    for (ConnectionRecord c : finals) {
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
    p.printf("%nMessages: %d", r.messages().size());
    long toServer =
        r.messages().stream().filter(m -> m.getDirection() == Direction.CLIENT_TO_SERVER).count();
    p.printf(" (%d client->server, %d server->client)%n", toServer, r.messages().size() - toServer);
    List<WebSocketMessage> shown = r.messages().stream().limit(10).toList();
    for (WebSocketMessage m : shown) {
      p.printf(
          "  %s %s %s %s%n",
          JsonLines.time(m.getTimestamp()), arrow(m.getDirection()), m.getOpcode(), preview(m));
    }
    if (r.messages().size() > shown.size()) {
      p.printf(
          "  ... (%d more in %s)%n",
          r.messages().size() - shown.size(), out.resolve("messages.jsonl"));
    }
    p.printf("%nChat (%d events):%n", r.chat().size());
    for (String line : chatLines(r.chat())) {
      p.println("  " + line);
    }
    if (!r.anomalies().isEmpty()) {
      p.printf("%nAnomalies (%d):%n", r.anomalies().size());
      r.anomalies().stream()
          .limit(10)
          .forEach(a -> p.printf("  %s %s %s%n", a.getConnectionId(), a.getCode(), a.getDetail()));
    }
    p.printf("%nWrote %s/{messages,connections,chat,anomalies}.jsonl and metrics.prom%n", out);
  }

  /**
   * Who said what: every "say" a client sent, with the nick that client logged in with on the same
   * connection (a server echoes each line to every client in the room, so those are not repeated).
   */
  public static List<String> chatLines(List<ChatEvent> events) {
    java.util.Map<String, String> nicks = new java.util.HashMap<>();
    List<String> lines = new java.util.ArrayList<>();
    for (ChatEvent e : events) {
      if (e.getDirection() != Direction.CLIENT_TO_SERVER) {
        continue;
      }
      if ("login".equals(e.getType()) && e.getNick() != null) {
        nicks.put(e.getConnectionId(), e.getNick());
      } else if ("say".equals(e.getType())) {
        String nick =
            e.getNick() != null ? e.getNick() : nicks.getOrDefault(e.getConnectionId(), "?");
        lines.add(nick + ": " + e.getContent());
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
