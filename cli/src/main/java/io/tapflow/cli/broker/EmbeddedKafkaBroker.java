package io.tapflow.cli.broker;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
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
 * factor 1. Data lives in the given directory, or in a temporary one that is deleted on close. A
 * broker closed with its data kept starts again from the same directory and port as the same
 * cluster, topics and records intact (its controller listener gets a new free port each time):
 * {@code SensorBrokerOutageEndToEndTest} takes the broker away from a live sensor that way.
 *
 * <p>Every listener binds to 127.0.0.1. The PLAINTEXT listener is always there (it is also the
 * inter-broker listener); with {@link Tls} the broker also opens an SSL listener and a SASL_SSL
 * listener that authenticates SCRAM-SHA-512 users, created when the data directory is formatted.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
  private static final String CONTROLLER_LISTENER = "CONTROLLER";
  private static final String SCRAM_MECHANISM = "SCRAM-SHA-512";

  /**
   * TLS for the SSL and SASL_SSL listeners, and the users the SASL_SSL listener accepts.
   *
   * @param keystore a PKCS12 keystore holding the broker's key and certificate chain (the
   *     certificate names 127.0.0.1, where every listener binds)
   * @param keystorePassword the keystore's password, also the key's
   * @param scramUsers SCRAM-SHA-512 users by name, with their passwords; neither may contain a
   *     comma, a bracket or a double quote (Kafka's bootstrap SCRAM syntax)
   * @param sslPort the SSL listener's port (0: any free port)
   * @param saslSslPort the SASL_SSL listener's port (0: any free port)
   */
  public record Tls(
      Path keystore,
      String keystorePassword,
      Map<String, String> scramUsers,
      int sslPort,
      int saslSslPort) {
    public Tls {
      scramUsers = Map.copyOf(scramUsers);
      for (Map.Entry<String, String> u : scramUsers.entrySet()) {
        if (!scramSafe(u.getKey()) || !scramSafe(u.getValue())) {
          // Never the password itself in the message.
          throw new IllegalArgumentException(
              "SCRAM user "
                  + (scramSafe(u.getKey()) ? u.getKey() : "name")
                  + ": names and passwords must not be empty nor contain , [ ] or \"");
        }
      }
    }

    /** TLS with the listeners on any free ports. */
    public Tls(Path keystore, String keystorePassword, Map<String, String> scramUsers) {
      this(keystore, keystorePassword, scramUsers, 0, 0);
    }

    private static boolean scramSafe(String s) {
      return !s.isEmpty() && s.chars().noneMatch(c -> c == ',' || c == '[' || c == ']' || c == '"');
    }

    /** Names the keystore and the users, never a password. */
    @Override
    public String toString() {
      return "Tls[keystore="
          + keystore
          + ", scramUsers="
          + scramUsers.keySet()
          + ", sslPort="
          + sslPort
          + ", saslSslPort="
          + saslSslPort
          + "]";
    }
  }

  private final Path dataDir;
  private final boolean deleteOnClose;
  private final int port;
  private final int sslPort;
  private final int saslSslPort;
  private final KafkaRaftServer server;

  private EmbeddedKafkaBroker(
      Path dataDir,
      boolean deleteOnClose,
      int port,
      int sslPort,
      int saslSslPort,
      KafkaRaftServer server) {
    this.dataDir = dataDir;
    this.deleteOnClose = deleteOnClose;
    this.port = port;
    this.sslPort = sslPort;
    this.saslSslPort = saslSslPort;
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
    return start(dataDir, deleteOnClose, port, null);
  }

  /**
   * Starts a broker with its data in a new temporary directory, a PLAINTEXT listener on a free port
   * and the SSL and SASL_SSL listeners {@code tls} describes.
   */
  public static EmbeddedKafkaBroker start(Tls tls) {
    try {
      return start(Files.createTempDirectory("tapflow-kafka-"), true, 0, tls);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Starts a broker with its data in {@code dataDir} (formatted on first use, reused after: SCRAM
   * users are created only when it is formatted) with a PLAINTEXT listener on {@code port} (0 for
   * any free port) and, unless {@code tls} is null, SSL and SASL_SSL listeners.
   */
  public static EmbeddedKafkaBroker start(Path dataDir, boolean deleteOnClose, int port, Tls tls) {
    try {
      Files.createDirectories(dataDir);
      int brokerPort = port == 0 ? freePort() : requireFree(port);
      int controllerPort = freePort();
      int sslPort = tls == null ? -1 : tls.sslPort() == 0 ? freePort() : requireFree(tls.sslPort());
      int saslSslPort =
          tls == null ? -1 : tls.saslSslPort() == 0 ? freePort() : requireFree(tls.saslSslPort());
      Path logDir = dataDir.resolve("log");
      Properties props = new Properties();
      props.put("process.roles", "broker,controller");
      props.put("node.id", "1");
      props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
      String listeners = "PLAINTEXT://127.0.0.1:" + brokerPort;
      String protocols = "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT";
      if (tls != null) {
        listeners += ",SSL://127.0.0.1:" + sslPort + ",SASL_SSL://127.0.0.1:" + saslSslPort;
        protocols += ",SSL:SSL,SASL_SSL:SASL_SSL";
        props.put("ssl.keystore.type", "PKCS12");
        props.put("ssl.keystore.location", tls.keystore().toAbsolutePath().toString());
        props.put("ssl.keystore.password", tls.keystorePassword());
        props.put("ssl.key.password", tls.keystorePassword());
        props.put("ssl.client.auth", "none");
        props.put("sasl.enabled.mechanisms", SCRAM_MECHANISM);
        // The server side of SCRAM needs the login module, without credentials of its own.
        props.put(
            "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config",
            "org.apache.kafka.common.security.scram.ScramLoginModule required;");
      }
      props.put("listeners", listeners + ",CONTROLLER://127.0.0.1:" + controllerPort);
      props.put("advertised.listeners", listeners);
      props.put("controller.listener.names", CONTROLLER_LISTENER);
      props.put("inter.broker.listener.name", "PLAINTEXT");
      props.put("listener.security.protocol.map", protocols);
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
        List<String> scram = new ArrayList<>();
        if (tls != null) {
          // The users go into the bootstrap metadata as SCRAM credential records (salted).
          tls.scramUsers()
              .forEach(
                  (name, password) ->
                      scram.add(
                          SCRAM_MECHANISM + "=[name=" + name + ",password=" + password + "]"));
        }
        new Formatter()
            .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
            .setNodeId(1)
            .setClusterId(Uuid.randomUuid().toString())
            .setDirectories(List.of(logDir.toString()))
            .setMetadataLogDirectory(logDir.toString())
            .setControllerListenerName(CONTROLLER_LISTENER)
            .setReleaseVersion(MetadataVersion.latestProduction())
            .setScramArguments(scram)
            .run();
      }
      KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
      server.startup();
      return new EmbeddedKafkaBroker(
          dataDir, deleteOnClose, brokerPort, sslPort, saslSslPort, server);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Exception e) {
      throw new IllegalStateException("embedded Kafka broker failed to start: " + e, e);
    }
  }

  /** The bootstrap servers string of this broker's PLAINTEXT listener. */
  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  /** The bootstrap servers string of the SSL listener (TLS, no client authentication). */
  public String sslBootstrapServers() {
    return "127.0.0.1:" + tlsPort(sslPort);
  }

  /** The bootstrap servers string of the SASL_SSL listener (TLS, SCRAM-SHA-512 users). */
  public String saslSslBootstrapServers() {
    return "127.0.0.1:" + tlsPort(saslSslPort);
  }

  private static int tlsPort(int port) {
    if (port < 0) {
      throw new IllegalStateException("this broker was started without TLS");
    }
    return port;
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

  /**
   * Fails (an {@link IllegalStateException} caused by the {@link java.net.BindException}) when
   * {@code port} cannot be listened on now. Kafka's broker treats a listener it cannot bind as
   * fatal and ends the whole JVM, which for a broker inside another program (a test, {@code
   * analyze}) is the wrong answer: better a clear exception before it starts.
   */
  private static int requireFree(int port) throws IOException {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress("127.0.0.1", port));
    } catch (java.net.BindException e) {
      throw new IllegalStateException(
          "embedded Kafka broker cannot listen on 127.0.0.1:" + port + ": " + e.getMessage(), e);
    }
    return port;
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
