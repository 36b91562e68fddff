package io.tapflow.cli;

import io.tapflow.cli.broker.EmbeddedKafkaBroker;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code broker} command: a standalone single-node KRaft broker for local use. */
@Command(
    name = "broker",
    mixinStandardHelpOptions = true,
    description = "Runs a single-node Kafka broker (KRaft) in this process until interrupted.")
public final class BrokerCommand implements Callable<Integer> {
  /** Where the other commands look for a broker when given no --bootstrap-servers. */
  public static final String LOCAL_BOOTSTRAP = "127.0.0.1:9092";

  @Option(names = "--port", description = "Listener port (default: ${DEFAULT-VALUE}).")
  int port = 9092;

  @Option(names = "--data-dir", description = "Data directory (default: ${DEFAULT-VALUE}).")
  Path dataDir = Path.of(System.getProperty("java.io.tmpdir"), "tapflow-broker");

  @Option(
      names = "--metrics-address",
      description = "Where /metrics (JVM metrics) is served (default: ${DEFAULT-VALUE}).")
  String metricsAddress = "127.0.0.1:9468";

  @Override
  public Integer call() throws Exception {
    EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dataDir, false, port);
    MetricsServer metrics =
        MetricsServer.start(
            new io.prometheus.metrics.model.registry.PrometheusRegistry(), metricsAddress);
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  metrics.close();
                  broker.close();
                  stop.countDown();
                }));
    System.out.println(
        "tapflow broker: listening on " + broker.bootstrapServers() + ", data in " + dataDir);
    stop.await();
    return 0;
  }
}
