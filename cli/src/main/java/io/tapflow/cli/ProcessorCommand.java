package io.tapflow.cli;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tapflow.cli.query.QueryServer;
import io.tapflow.processor.analysis.AnalyzerConfig;
import io.tapflow.processor.metrics.ProcessorMetrics;
import io.tapflow.processor.metrics.ProcessorMetrics.ServiceNames;
import io.tapflow.processor.streams.LiveViewConfig;
import io.tapflow.processor.streams.ProcessorApp;
import io.tapflow.processor.streams.ProcessorConfig;
import io.tapflow.processor.tcp.TcpReassembler;
import io.tapflow.schemas.Topics;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The {@code processor} command: the Kafka Streams application, until interrupted. */
@Command(
    name = "processor",
    mixinStandardHelpOptions = true,
    description = "Runs the processor (Kafka Streams) that decodes the packets topic.")
public final class ProcessorCommand implements Callable<Integer> {
  private static final String LOCAL_BROKER = BrokerCommand.LOCAL_BOOTSTRAP;

  @Option(
      names = "--application-id",
      description = "Kafka Streams application id (default: ${DEFAULT-VALUE}).")
  String applicationId = "tapflow-processor";

  @Option(names = "--topic-prefix", description = "Prefix for every topic name.")
  String topicPrefix = "";

  @Option(
      names = "--partitions",
      description = "Partitions when creating the topics (default: ${DEFAULT-VALUE}).")
  int partitions = 6;

  @Option(names = "--state-dir", description = "Kafka Streams state directory.")
  String stateDir;

  @Option(names = "--threads", description = "Stream threads (default: ${DEFAULT-VALUE}).")
  int threads = 1;

  @Option(names = "--at-least-once", description = "Process at-least-once instead of exactly-once.")
  boolean atLeastOnce;

  @Option(
      names = "--replication-factor",
      description = "Replication factor of internal topics (-1: broker default).")
  int replicationFactor = -1;

  @Option(
      names = "--checkpoint-interval",
      description =
          "Seconds between checkpoints of the connections' state to the changelogged store; a"
              + " restarted task replays the packets since its last one, so the packets topic's"
              + " retention must be longer (0: at every commit; default: ${DEFAULT-VALUE}).")
  double checkpointSeconds = 10;

  @Option(
      names = "--metrics-address",
      description = "Where /metrics is served (default: ${DEFAULT-VALUE}).")
  String metricsAddress = "127.0.0.1:9466";

  @Option(
      names = "--query-address",
      paramLabel = "HOST:PORT",
      description =
          "Serves live lookups of connections (GET /connections, /connections/{key|id},"
              + " .../messages) on this address, and advertises it to the other instances (Kafka"
              + " Streams' application.server) unless --query-advertised-address says otherwise."
              + " Off unless given; every instance of the application needs it.")
  String queryAddress;

  @Option(
      names = "--query-advertised-address",
      paramLabel = "HOST:PORT",
      description =
          "The address the other instances reach this one's lookups at (default: --query-address).")
  String queryAdvertisedAddress;

  @Option(
      names = "--query-messages",
      description = "Last messages kept per connection for lookups (default: ${DEFAULT-VALUE}).")
  int queryMessages = LiveViewConfig.DEFAULT.messagesPerConnection();

  @Option(
      names = "--query-history-mib",
      description =
          "MiB of kept messages per task (partition); past it the least recently active"
              + " connections' messages go first (default: ${DEFAULT-VALUE}).")
  int queryHistoryMib = (int) (LiveViewConfig.DEFAULT.messageBytesPerTask() >> 20);

  @Option(
      names = "--idle-timeout",
      description =
          "Seconds of capture time without a packet that end a connection (default: ${DEFAULT-VALUE}).")
  long idleTimeoutSeconds = AnalyzerConfig.DEFAULT.idleTimeoutNanos() / 1_000_000_000L;

  @Option(
      names = "--interim-interval",
      description =
          "Seconds of capture time between interim connection records (default: ${DEFAULT-VALUE}).")
  long interimSeconds = AnalyzerConfig.DEFAULT.interimIntervalNanos() / 1_000_000_000L;

  @Option(
      names = "--max-connections",
      description =
          "Connections tracked per task; the least recently active beyond it end (default: ${DEFAULT-VALUE}).")
  int maxConnections = AnalyzerConfig.DEFAULT.maxConnections();

  @Option(
      names = "--max-buffered-bytes",
      description =
          "Out-of-order bytes buffered per connection direction (default: ${DEFAULT-VALUE}).")
  int maxBufferedBytes = AnalyzerConfig.DEFAULT.reassembly().maxBufferedBytes();

  @Option(
      names = "--service",
      paramLabel = "NAME=[HOST:]PORT",
      description =
          "Names the service of a server endpoint or port in metric labels; may be repeated."
              + " Servers not named are labelled with their port.")
  List<String> services = new ArrayList<>();

  @Option(
      names = "--unmapped-service",
      paramLabel = "NAME",
      description =
          "Labels every server not named by --service with NAME instead of its port (bounds the"
              + " labels on hosts with many listening ports).")
  String unmappedService;

  @Mixin KafkaOptions kafka;

  @Mixin RedactionOptions redaction = new RedactionOptions();

  /** The analysis settings these options give. */
  AnalyzerConfig analyzerConfig() {
    TcpReassembler.Limits d = AnalyzerConfig.DEFAULT.reassembly();
    return redaction
        .applyTo(AnalyzerConfig.DEFAULT)
        .withTimeouts(idleTimeoutSeconds * 1_000_000_000L, interimSeconds * 1_000_000_000L)
        .withMaxConnections(maxConnections)
        .withReassembly(
            new TcpReassembler.Limits(
                maxBufferedBytes,
                d.maxBufferedSegments(),
                d.maxRetainedBytes(),
                d.holeGraceNanos()));
  }

  /**
   * The {@code application.server} to advertise: {@code --query-advertised-address}, else {@code
   * --query-address}; null when lookups are off.
   *
   * @throws IllegalArgumentException when the address cannot be advertised (a wildcard host, port
   *     0)
   */
  String advertisedQueryAddress() {
    if (queryAddress == null) {
      if (queryAdvertisedAddress != null) {
        throw new IllegalArgumentException("--query-advertised-address needs --query-address");
      }
      return null;
    }
    MetricsServer.parse(queryAddress, "a query address");
    String advertised = queryAdvertisedAddress == null ? queryAddress : queryAdvertisedAddress;
    InetSocketAddress a = MetricsServer.parse(advertised, "an advertised query address");
    String host = a.getHostString();
    if (host.equals("0.0.0.0") || host.equals("::") || host.equals("*") || a.getPort() == 0) {
      throw new IllegalArgumentException(
          "the other instances cannot reach "
              + advertised
              + ": give the host and port they reach this one at with --query-advertised-address");
    }
    return advertised;
  }

  @Override
  public Integer call() throws Exception {
    String bootstrap = kafka.bootstrapOr(LOCAL_BROKER);
    String applicationServer = advertisedQueryAddress();
    AnalyzerConfig analyzer = analyzerConfig();
    Map<String, String> props = kafka.clientProperties();
    Topics topics = Topics.DEFAULT.withPrefix(topicPrefix);
    ListenerProbe.check(bootstrap, props);
    int packetsPartitions;
    try (Admin admin = Admin.create(kafka.properties(LOCAL_BROKER))) {
      TopicAdmin.ensure(admin, topics, partitions, (short) -1, Map.of());
      packetsPartitions = TopicAdmin.partitions(admin, topics.packets());
    }
    ProcessorConfig config =
        ProcessorConfig.builder(bootstrap)
            .applicationId(applicationId)
            .topics(topics)
            .exactlyOnce(!atLeastOnce)
            .replicationFactor(replicationFactor)
            .stateDir(stateDir)
            .streamThreads(threads)
            .checkpointIntervalMs(Math.round(checkpointSeconds * 1000))
            .analyzer(analyzer)
            .liveView(
                LiveViewConfig.DEFAULT
                    .withEnabled(applicationServer != null)
                    .withMessagesPerConnection(queryMessages)
                    .withMessageBytesPerTask((long) queryHistoryMib << 20))
            .applicationServer(applicationServer)
            .clientProperties(props)
            .schemaRegistry(kafka.schemaRegistry().orElse(null))
            .build();
    ServiceNames serviceNames = ServiceNames.parse(services, unmappedService);
    PrometheusRegistry registry = new PrometheusRegistry();
    KafkaMetricsBridge kafkaMetrics = KafkaMetricsBridge.register(registry);
    CountDownLatch stop = new CountDownLatch(1);
    // The app first: a schema registry that cannot be reached stops the start before any port
    // opens.
    try (ProcessorApp app = new ProcessorApp(config, new ProcessorMetrics(registry, serviceNames));
        MetricsServer server = MetricsServer.start(registry, metricsAddress);
        QueryServer queries =
            queryAddress == null
                ? null
                : QueryServer.start(app.liveQueries(), packetsPartitions, queryAddress)) {
      kafkaMetrics.add("streams", app.streams()::metrics);
      Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
      app.start();
      System.err.printf(
          "tapflow processor %s: reading %s at %s, /metrics on port %d%s%n",
          applicationId,
          topics.packets(),
          bootstrap,
          server.port(),
          queries == null
              ? ""
              : ", lookups on port "
                  + queries.port()
                  + " (advertised as "
                  + applicationServer
                  + ")");
      stop.await();
    }
    return 0;
  }
}
