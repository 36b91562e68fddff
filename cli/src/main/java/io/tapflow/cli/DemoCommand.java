package io.tapflow.cli;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tapflow.cli.broker.EmbeddedBrokerLogs;
import io.tapflow.cli.broker.EmbeddedKafkaBroker;
import io.tapflow.cli.tail.TailQuery;
import io.tapflow.cli.tail.TailTopic;
import io.tapflow.cli.tail.TopicTail;
import io.tapflow.processor.analysis.AnalyzerConfig;
import io.tapflow.schemas.Topics;
import io.tapflow.sensor.capture.CaptureConfig;
import io.tapflow.sensor.capture.PcapSource;
import io.tapflow.sensor.publish.PayloadMode;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The {@code demo} command: broker, live sensor and processor in one process. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Starts an embedded broker, a live sensor and the processor in this process and prints",
      "decoded WebSocket messages as they happen. Needs root or CAP_NET_RAW."
    })
public final class DemoCommand implements Callable<Integer> {
  @Option(
      names = {"-i", "--interface"},
      description = "Interface (default: ${DEFAULT-VALUE}).")
  String iface = "lo";

  @Option(
      names = {"-f", "--filter"},
      description = "BPF filter (default: ${DEFAULT-VALUE}).")
  String filter = "tcp";

  @Option(
      names = "--payload",
      description =
          "What of each segment's payload the sensor publishes: full, cap:N (the first N bytes)"
              + " or none (headers and lengths only). Default: ${DEFAULT-VALUE}.",
      converter = PayloadModeConverter.class)
  PayloadMode payload = PayloadMode.FULL;

  @Option(
      names = "--metrics-address",
      description = "Where /metrics is served (default: ${DEFAULT-VALUE}).")
  String metricsAddress = "127.0.0.1:9467";

  @Mixin RedactionOptions redaction = new RedactionOptions();

  @Override
  public Integer call() throws Exception {
    AnalyzerConfig analyzer = redaction.applyTo(AnalyzerConfig.DEFAULT);
    PrometheusRegistry registry = new PrometheusRegistry();
    EmbeddedBrokerLogs.quietForOneRun();
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
        Pipeline pipeline =
            Pipeline.create(
                new Pipeline.Settings(
                    broker.bootstrapServers(),
                    Map.of(),
                    Topics.DEFAULT,
                    1,
                    1,
                    "tapflow-demo",
                    true,
                    "demo",
                    iface,
                    null,
                    payload,
                    analyzer),
                registry);
        MetricsServer server = MetricsServer.start(registry, metricsAddress);
        PcapSource source = PcapSource.open(CaptureConfig.live(iface).withFilter(filter))) {
      pipeline.startProcessor();
      Thread capture =
          new Thread(
              () -> {
                try {
                  source.run(pipeline.publisher());
                } catch (Exception e) {
                  System.err.println("tapflow demo: capture failed: " + e.getMessage());
                }
              },
              "capture");
      capture.setDaemon(true);
      capture.start();
      Runtime.getRuntime().addShutdownHook(new Thread(source::stop));
      System.err.printf(
          "tapflow demo: capturing on %s (%s), /metrics on port %d; decoded messages follow%n",
          iface, filter, server.port());
      TopicTail.run(
          pipeline.clientProperties(),
          Topics.DEFAULT,
          TailQuery.of(TailTopic.MESSAGES).following(true),
          new PrintStream(System.out, false, StandardCharsets.UTF_8),
          System.err,
          Clock.systemUTC());
    }
    return 0;
  }
}
