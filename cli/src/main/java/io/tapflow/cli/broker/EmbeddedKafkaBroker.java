package io.tapflow.cli.broker;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * Runs a single-node KRaft Kafka broker (broker and controller in one) inside this JVM.
 *
 * <p>Built from Kafka's own server classes ({@link KafkaRaftServer}); it is a real broker with
 * transactions, so Kafka Streams runs exactly-once against it. Internal topics use replication
 * factor 1. Data lives in the given directory, or in a temporary one that is deleted on close.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
  private static final String CONTROLLER_LISTENER = "CONTROLLER";

  private final Path dataDir;
  private final boolean deleteOnClose;
  private final int port;
  private final KafkaRaftServer server;

  private EmbeddedKafkaBroker(
      Path dataDir, boolean deleteOnClose, int port, KafkaRaftServer server) {
    this.dataDir = dataDir;
    this.deleteOnClose = deleteOnClose;
    this.port = port;
    this.server = server;
  }

  /** Starts a broker with its data in a new temporary directory and a free port on 127.0.0.1. */
  public static EmbeddedKafkaBroker start() {
    try {
      return start(Files.createTempDirectory("tapflow-kafka-"), true, 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Starts a broker with its data in {@code dataDir} (formatted on first use, reused after) on
   * {@code port} (0 for any free port).
   */
  public static EmbeddedKafkaBroker start(Path dataDir, boolean deleteOnClose, int port) {
    try {
      Files.createDirectories(dataDir);
      int brokerPort = port == 0 ? freePort() : port;
      int controllerPort = freePort();
      Path logDir = dataDir.resolve("log");
      Properties props = new Properties();
      props.put("process.roles", "broker,controller");
      props.put("node.id", "1");
      props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
      props.put(
          "listeners",
          "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
      props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
      props.put("controller.listener.names", CONTROLLER_LISTENER);
      props.put("inter.broker.listener.name", "PLAINTEXT");
      props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
      props.put("log.dirs", logDir.toString());
      props.put("num.partitions", "1");
      props.put("offsets.topic.replication.factor", "1");
      props.put("offsets.topic.num.partitions", "1");
      props.put("transaction.state.log.replication.factor", "1");
      props.put("transaction.state.log.min.isr", "1");
      props.put("transaction.state.log.num.partitions", "1");
      props.put("share.coordinator.state.topic.replication.factor", "1");
      props.put("share.coordinator.state.topic.min.isr", "1");
      props.put("group.initial.rebalance.delay.ms", "0");
      // The cleaner's 128 MiB default dedupe buffer lives on the heap; keep the broker small.
      props.put("log.cleaner.dedupe.buffer.size", String.valueOf(2 * 1024 * 1024));
      props.put("log.flush.interval.messages", String.valueOf(Long.MAX_VALUE));
      props.put("auto.create.topics.enable", "false");
      KafkaConfig config = new KafkaConfig(props, false);
      if (!Files.exists(logDir.resolve("meta.properties"))) {
        new Formatter()
            .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
            .setNodeId(1)
            .setClusterId(Uuid.randomUuid().toString())
            .setDirectories(List.of(logDir.toString()))
            .setMetadataLogDirectory(logDir.toString())
            .setControllerListenerName(CONTROLLER_LISTENER)
            .setReleaseVersion(MetadataVersion.latestProduction())
            .run();
      }
      KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
      server.startup();
      return new EmbeddedKafkaBroker(dataDir, deleteOnClose, brokerPort, server);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Exception e) {
      throw new IllegalStateException("embedded Kafka broker failed to start: " + e, e);
    }
  }

  /** The bootstrap servers string of this broker. */
  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  /** Where the broker keeps its data. */
  public Path dataDir() {
    return dataDir;
  }

  @Override
  public void close() {
    server.shutdown();
    server.awaitShutdown();
    if (deleteOnClose) {
      deleteRecursively(dataDir);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress("127.0.0.1", 0));
      return socket.getLocalPort();
    }
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // Best effort: a temporary directory that survives is not worth failing a run for.
    }
  }
}
