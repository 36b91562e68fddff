package io.tapflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tapflow.cli.analyze.AnalyzeRun;
import io.tapflow.cli.broker.EmbeddedKafkaBroker;
import io.tapflow.cli.broker.TestCertificates;
import io.tapflow.cli.output.JsonLines;
import io.tapflow.schemas.Topics;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tapflow commands against a broker that speaks TLS: SCRAM-SHA-512 over TLS (SASL_SSL) and TLS
 * alone (SSL), with a certificate authority made for the test. Every command runs in a child JVM
 * configured only through Kafka client properties (a {@code --client-config} file or {@code -X}),
 * its log at INFO captured, and no password may appear in anything it prints.
 */
class SaslSslEndToEndTest {
  private static final Path CHAT = Path.of("..", "samples", "chat.pcap").toAbsolutePath();
  private static final String USER = "tapflow-sensor";
  private static final String PASSWORD = "scram-Pw-5d1e97c4";
  private static final String KEYSTORE_PASSWORD = "keystore-Pw-8c2a44e1";
  private static final String TRUSTSTORE_PASSWORD = "truststore-Pw-3b7f10a9";
  private static final String WRONG_PASSWORD = "wrong-Pw-77e0b1f2";
  private static final String SCRAM_LOGIN =
      "org.apache.kafka.common.security.scram.ScramLoginModule";

  /** The processor's /metrics: on 127.0.0.2 only (this test's port range is 48400-48499). */
  private static final int METRICS_PORT = 48410;

  @TempDir static Path tmp;
  private static EmbeddedKafkaBroker broker;
  private static TestCertificates.Stores stores;

  @BeforeAll
  static void startBroker() throws Exception {
    stores = TestCertificates.create(tmp, KEYSTORE_PASSWORD, TRUSTSTORE_PASSWORD);
    broker =
        EmbeddedKafkaBroker.start(
            new EmbeddedKafkaBroker.Tls(
                stores.brokerKeystore(), KEYSTORE_PASSWORD, Map.of(USER, PASSWORD)));
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
  }

  @Test
  void sensorProcessorAndTailCarryTheChatSampleOverSaslSslAndPrintNoSecret() throws Exception {
    // The reference: the same capture through the same code over the PLAINTEXT listener.
    AnalyzeRun.Result plain =
        AnalyzeRun.run(
            new AnalyzeRun.Options(
                CHAT,
                broker.bootstrapServers(),
                Map.of(),
                "plain.",
                2,
                "sample",
                true,
                Duration.ofMinutes(3)));
    List<String> expected =
        plain.chat().stream().map(e -> JsonLines.line(JsonLines.chat(e))).sorted().toList();

    // Old capture timestamps: topics without time retention (as analyze makes them), made before
    // the commands run so that they only find them.
    Topics topics = Topics.DEFAULT.withPrefix("sasl.");
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      TopicAdmin.ensure(admin, topics, 2, (short) 1, Map.of("retention.ms", "-1"));
    }
    // The sensor reads everything from one file; the processor keeps its passwords in a second
    // file that Kafka's FileConfigProvider reads (as a Kubernetes Secret would be mounted).
    Path sensorConfig =
        secretFile(
            "sensor.properties",
            saslProperties(PASSWORD) + "ssl.truststore.password=" + TRUSTSTORE_PASSWORD + "\n");
    Path secrets =
        secretFile(
            "secrets.properties",
            "scram.password=" + PASSWORD + "\ntruststore.password=" + TRUSTSTORE_PASSWORD + "\n");
    Path processorConfig =
        secretFile(
            "processor.properties",
            "config.providers=file\n"
                + "config.providers.file.class="
                + "org.apache.kafka.common.config.provider.FileConfigProvider\n"
                + saslProperties("${file:" + secrets + ":scram.password}")
                + "ssl.truststore.password=${file:"
                + secrets
                + ":truststore.password}\n");
    String cp = TapflowProcess.testClasspath();
    String bootstrap = broker.saslSslBootstrapServers();
    List<TapflowProcess> runs = new ArrayList<>();
    try {
      TapflowProcess sensor =
          TapflowProcess.start(
              tmp,
              "sensor",
              List.of(),
              cp,
              "info",
              List.of(
                  "sensor",
                  "-r",
                  CHAT.toString(),
                  "--sensor-id",
                  "sample",
                  "--topic-prefix",
                  "sasl.",
                  "--metrics-address",
                  "127.0.0.1:0",
                  "--bootstrap-servers",
                  bootstrap,
                  "--client-config",
                  sensorConfig.toString()));
      runs.add(sensor);
      assertEquals(0, sensor.waitFor(Duration.ofMinutes(3)), sensor.stderr());

      TapflowProcess processor =
          TapflowProcess.start(
              tmp,
              "processor",
              List.of(),
              cp,
              "info",
              List.of(
                  "processor",
                  "--application-id",
                  "sasl-test",
                  "--topic-prefix",
                  "sasl.",
                  "--state-dir",
                  tmp.resolve("state").toString(),
                  "--metrics-address",
                  "127.0.0.2:" + METRICS_PORT,
                  "--bootstrap-servers",
                  bootstrap,
                  "--client-config",
                  processorConfig.toString()));
      runs.add(processor);
      awaitProcessed(topics, "sasl-test", processor, Duration.ofMinutes(3));

      // /metrics listens on the address it was given, and not on 127.0.0.1.
      HttpResponse<String> metrics =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.2:" + METRICS_PORT + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertEquals(200, metrics.statusCode());
      assertTrue(
          metrics.body().contains("tapflow_processor_packets_total{"), "no processor metrics");
      assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", METRICS_PORT).close());

      // tail gets its settings as -X options alone.
      List<String> tailArgs =
          new ArrayList<>(
              List.of("tail", "chat", "--topic-prefix", "sasl.", "--bootstrap-servers", bootstrap));
      saslSettings(PASSWORD).forEach((k, v) -> tailArgs.addAll(List.of("-X", k + "=" + v)));
      TapflowProcess tail = TapflowProcess.start(tmp, "tail", List.of(), cp, "info", tailArgs);
      runs.add(tail);
      assertEquals(0, tail.waitFor(Duration.ofMinutes(2)), tail.stderr());
      List<String> lines = tail.stdout().lines().sorted().toList();
      assertEquals(expected, lines);
      assertEquals(
          List.of("ayse: Günaydın! Çay içelim mi? ğüşiöç ĞÜŞİÖÇ", "mynick: Merhaba, herkes!"),
          sayLines(lines));

      processor.close();
      for (TapflowProcess run : runs) {
        assertNoSecret(run);
      }
      // The clients did print their configuration, with the secret values hidden.
      for (TapflowProcess run : List.of(sensor, processor)) {
        assertTrue(run.stderr().contains("sasl.jaas.config = [hidden]"), run.stderr());
        assertTrue(run.stderr().contains("ssl.truststore.password = [hidden]"), run.stderr());
        assertTrue(run.stderr().contains("security.protocol = SASL_SSL"), run.stderr());
      }
    } finally {
      for (TapflowProcess run : runs) {
        run.close();
      }
    }
  }

  @Test
  void aWrongPasswordEndsTheCommandWithAnAuthenticationErrorAndNoSecret() throws Exception {
    Path config =
        secretFile(
            "wrong.properties",
            saslProperties(WRONG_PASSWORD)
                + "ssl.truststore.password="
                + TRUSTSTORE_PASSWORD
                + "\n");
    String cp = TapflowProcess.testClasspath();
    try (TapflowProcess sensor =
            TapflowProcess.start(
                tmp,
                "sensor-wrong",
                List.of(),
                cp,
                "info",
                List.of(
                    "sensor",
                    "-r",
                    CHAT.toString(),
                    "--topic-prefix",
                    "wrong.",
                    "--metrics-address",
                    "127.0.0.1:0",
                    "--bootstrap-servers",
                    broker.saslSslBootstrapServers(),
                    "--client-config",
                    config.toString()));
        TapflowProcess tail = tailWith("tail-wrong", saslSettings(WRONG_PASSWORD))) {
      for (TapflowProcess run : List.of(sensor, tail)) {
        assertEquals(1, run.waitFor(Duration.ofMinutes(2)), run.stderr());
        String command = run == sensor ? "sensor" : "tail";
        assertTrue(
            run.stderr()
                .contains(
                    "tapflow "
                        + command
                        + ": Kafka authentication failed: Authentication failed during"
                        + " authentication due to invalid credentials with SASL mechanism"
                        + " SCRAM-SHA-512 (check sasl.mechanism and the user name and password in"
                        + " sasl.jaas.config)"),
            run.stderr());
        assertNoSecret(run);
        assertFalse(run.output().contains(WRONG_PASSWORD), run.name());
      }
    }
  }

  @Test
  void aPlaintextClientAtATlsListenerATlsClientAtAPlaintextOneAndNoBrokerFailClearly()
      throws Exception {
    Map<String, String> saslPlaintext = saslSettings(PASSWORD);
    saslPlaintext.put("security.protocol", "SASL_PLAINTEXT");
    Map<String, String> shortWait = Map.of("default.api.timeout.ms", "5000");
    Map<String, String> tlsShortWait = saslSettings(PASSWORD);
    tlsShortWait.putAll(shortWait);
    try (TapflowProcess noTls =
            tailWith("tail-plain-at-tls", Map.of(), broker.sslBootstrapServers());
        TapflowProcess noTlsSasl =
            tailWith("tail-sasl-plain-at-tls", saslPlaintext, broker.saslSslBootstrapServers());
        TapflowProcess tlsAtPlaintext =
            tailWith("tail-tls-at-plain", tlsShortWait, broker.bootstrapServers());
        TapflowProcess nobody = tailWith("tail-no-broker", shortWait, "127.0.0.1:" + 48409)) {
      for (TapflowProcess run : List.of(noTls, noTlsSasl, tlsAtPlaintext, nobody)) {
        assertEquals(1, run.waitFor(Duration.ofMinutes(2)), run.stderr());
        assertNoSecret(run);
      }
      assertTrue(
          noTls
              .stderr()
              .contains(
                  "tapflow tail: Kafka at "
                      + broker.sslBootstrapServers()
                      + " speaks TLS, but security.protocol is PLAINTEXT: set"
                      + " security.protocol=SSL or SASL_SSL (and ssl.truststore.*) with"
                      + " --client-config or -X\n"),
          noTls.stderr());
      assertTrue(
          noTlsSasl
              .stderr()
              .contains(
                  "tapflow tail: Kafka at "
                      + broker.saslSslBootstrapServers()
                      + " speaks TLS, but security.protocol is SASL_PLAINTEXT: "),
          noTlsSasl.stderr());
      // A TLS client at a plaintext listener, and no broker at all: no answer in time.
      for (TapflowProcess run : List.of(tlsAtPlaintext, nobody)) {
        assertTrue(
            run.stderr()
                .contains(
                    "tapflow tail: no answer from Kafka in time: Timeout expired while fetching"
                        + " topic metadata (is a broker listening at --bootstrap-servers, and does"
                        + " security.protocol match that listener: SSL or SASL_SSL for TLS,"
                        + " PLAINTEXT or SASL_PLAINTEXT otherwise? The wait is"
                        + " default.api.timeout.ms)\n"),
            run.stderr());
      }
    }
  }

  @Test
  void theProbeTellsTlsListenersFromPlaintextOnes() {
    assertEquals(ListenerProbe.Answer.TLS, probe(broker.sslBootstrapServers()));
    assertEquals(ListenerProbe.Answer.TLS, probe(broker.saslSslBootstrapServers()));
    assertEquals(ListenerProbe.Answer.KAFKA, probe(broker.bootstrapServers()));
    assertEquals(ListenerProbe.Answer.UNKNOWN, probe("127.0.0.1:48409")); // nothing listens
  }

  private static ListenerProbe.Answer probe(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    return ListenerProbe.probe(
        hostPort.substring(0, colon),
        Integer.parseInt(hostPort.substring(colon + 1)),
        Duration.ofSeconds(10));
  }

  @Test
  void aMalformedJaasConfigIsReportedWithoutItsPassword() throws Exception {
    Map<String, String> settings = saslSettings(PASSWORD);
    // No closing semicolon.
    settings.put(
        "sasl.jaas.config",
        SCRAM_LOGIN + " required username=\"" + USER + "\" password=\"" + PASSWORD + "\"");
    try (TapflowProcess tail = tailWith("tail-bad-jaas", settings)) {
      assertEquals(1, tail.waitFor(Duration.ofMinutes(2)), tail.stderr());
      assertTrue(
          tail.stderr()
              .contains(
                  "tapflow tail: KafkaException: Failed to construct kafka consumer"
                      + " (IllegalArgumentException: JAAS config entry not terminated by"
                      + " semi-colon)\n"),
          tail.stderr());
      assertNoSecret(tail);
    }
  }

  private static TapflowProcess tailWith(String name, Map<String, String> settings)
      throws IOException {
    return tailWith(name, settings, broker.saslSslBootstrapServers());
  }

  private static TapflowProcess tailWith(
      String name, Map<String, String> settings, String bootstrap) throws IOException {
    List<String> args =
        new ArrayList<>(
            List.of("tail", "chat", "--topic-prefix", "none.", "--bootstrap-servers", bootstrap));
    settings.forEach((k, v) -> args.addAll(List.of("-X", k + "=" + v)));
    return TapflowProcess.start(tmp, name, List.of(), TapflowProcess.testClasspath(), "info", args);
  }

  /** The SASL_SSL client settings as -X would take them, the truststore password included. */
  private static Map<String, String> saslSettings(String password) {
    Map<String, String> m = new HashMap<>();
    m.put("security.protocol", "SASL_SSL");
    m.put("sasl.mechanism", "SCRAM-SHA-512");
    m.put("sasl.jaas.config", jaas(password));
    m.put("ssl.truststore.type", "PKCS12");
    m.put("ssl.truststore.location", stores.truststore().toString());
    m.put("ssl.truststore.password", TRUSTSTORE_PASSWORD);
    return m;
  }

  /** The SASL_SSL client settings as a properties file, without the truststore password. */
  private static String saslProperties(String password) {
    return "security.protocol=SASL_SSL\n"
        + "sasl.mechanism=SCRAM-SHA-512\n"
        + "sasl.jaas.config="
        + jaas(password)
        + "\n"
        + "ssl.truststore.type=PKCS12\n"
        + "ssl.truststore.location="
        + stores.truststore()
        + "\n";
  }

  private static String jaas(String password) {
    return SCRAM_LOGIN + " required username=\"" + USER + "\" password=\"" + password + "\";";
  }

  /** A file only its owner may read, as client configurations with secrets should be. */
  private static Path secretFile(String name, String content) throws IOException {
    Path file = tmp.resolve(name);
    Files.writeString(file, content, StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    return file;
  }

  private static void assertNoSecret(TapflowProcess run) {
    String output = run.output();
    for (String secret : List.of(PASSWORD, KEYSTORE_PASSWORD, TRUSTSTORE_PASSWORD, "password=\"")) {
      assertFalse(output.contains(secret), run.name() + " printed a secret (" + secret + ")");
    }
  }

  /** "nick: text" for every chat line a client said, as analyze prints them. */
  private static List<String> sayLines(List<String> jsonLines) throws IOException {
    ObjectMapper json = new ObjectMapper();
    Map<String, String> nicks = new HashMap<>();
    List<JsonNode> events = new ArrayList<>();
    for (String line : jsonLines) {
      events.add(json.readTree(line));
    }
    for (JsonNode e : events) {
      if (e.path("direction").asText().equals("CLIENT_TO_SERVER")
          && e.path("type").asText().equals("login")) {
        nicks.put(e.path("connectionId").asText(), e.path("nick").asText());
      }
    }
    return events.stream()
        .filter(e -> e.path("direction").asText().equals("CLIENT_TO_SERVER"))
        .filter(e -> e.path("type").asText().equals("say"))
        .map(e -> nicks.get(e.path("connectionId").asText()) + ": " + e.path("content").asText())
        .sorted()
        .collect(Collectors.toList());
  }

  /**
   * Waits until the processor has committed its position at the end of every packets partition and
   * every output partition's transactions are settled (read over the PLAINTEXT listener).
   */
  private static void awaitProcessed(
      Topics topics, String applicationId, TapflowProcess processor, Duration timeout)
      throws InterruptedException, ExecutionException {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      Map<TopicPartition, Long> end =
          ends(admin, List.of(topics.packets()), IsolationLevel.READ_UNCOMMITTED);
      List<String> outputs =
          List.of(topics.messages(), topics.connections(), topics.chat(), topics.anomalies());
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        if (!processor.isAlive()) {
          throw new AssertionError("the processor ended:\n" + processor.stderr());
        }
        Map<TopicPartition, OffsetAndMetadata> committed =
            admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata().get();
        boolean done =
            end.entrySet().stream()
                .allMatch(
                    e ->
                        e.getValue() == 0
                            || (committed.get(e.getKey()) != null
                                && committed.get(e.getKey()).offset() >= e.getValue()));
        if (done
            && ends(admin, outputs, IsolationLevel.READ_COMMITTED)
                .equals(ends(admin, outputs, IsolationLevel.READ_UNCOMMITTED))) {
          return;
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError("the processor did not catch up:\n" + processor.stderr());
        }
        Thread.sleep(200);
      }
    }
  }

  private static Map<TopicPartition, Long> ends(
      Admin admin, List<String> topicNames, IsolationLevel isolation)
      throws InterruptedException, ExecutionException {
    Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
    admin.describeTopics(topicNames).allTopicNames().get().values().stream()
        .flatMap(d -> d.partitions().stream().map(p -> new TopicPartition(d.name(), p.partition())))
        .forEach(tp -> specs.put(tp, OffsetSpec.latest()));
    var result = admin.listOffsets(specs, new ListOffsetsOptions(isolation));
    Map<TopicPartition, Long> out = new HashMap<>();
    for (TopicPartition tp : specs.keySet()) {
      out.put(tp, result.partitionResult(tp).get().offset());
    }
    return out;
  }
}
