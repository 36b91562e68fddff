package io.tapflow.cli;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tapflow.cli.broker.EmbeddedKafkaBroker;
import io.tapflow.processor.metrics.ProcessorMetrics;
import io.tapflow.processor.streams.ProcessorApp;
import io.tapflow.processor.streams.ProcessorConfig;
import io.tapflow.schemas.Topics;
import io.tapflow.sensor.capture.CaptureConfig;
import io.tapflow.sensor.capture.PcapSource;
import io.tapflow.sensor.metrics.SensorMetrics;
import io.tapflow.sensor.publish.PacketPublisher;
import java.nio.file.Files;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
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

  @Override
  public Integer call() throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
      String bootstrap = broker.bootstrapServers();
      Topics topics = Topics.DEFAULT;
      Properties props = new Properties();
      props.put("bootstrap.servers", bootstrap);
      try (Admin admin = Admin.create(props)) {
        TopicAdmin.ensure(admin, topics, 1, (short) 1, Map.of());
      }
      PrometheusRegistry registry = new PrometheusRegistry();
      ProcessorConfig pc =
          ProcessorConfig.builder(bootstrap)
              .applicationId("tapflow-demo")
              .replicationFactor(1)
              .stateDir(Files.createTempDirectory("tapflow-demo-state").toString())
              .build();
      try (ProcessorApp app = new ProcessorApp(pc, new ProcessorMetrics(registry));
          PacketPublisher publisher =
              new PacketPublisher(
                  "demo",
                  iface,
                  topics.packets(),
                  PacketPublisher.createProducer(
                      PacketPublisher.producerProperties(bootstrap, Map.of())),
                  new SensorMetrics(registry));
          PcapSource source = PcapSource.open(CaptureConfig.live(iface).withFilter(filter))) {
        app.start();
        Thread capture =
            new Thread(
                () -> {
                  try {
                    source.run(publisher);
                  } catch (Exception e) {
                    System.err.println("tapflow demo: capture failed: " + e.getMessage());
                  }
                },
                "capture");
        capture.setDaemon(true);
        capture.start();
        Runtime.getRuntime().addShutdownHook(new Thread(source::stop));
        System.err.printf(
            "tapflow demo: capturing on %s (%s); decoded messages follow%n", iface, filter);
        props.put("isolation.level", "read_committed");
        TailCommand.tail(props, topics.messages(), TailCommand.messagesFormat(), true, System.out);
      }
    }
    return 0;
  }
}
