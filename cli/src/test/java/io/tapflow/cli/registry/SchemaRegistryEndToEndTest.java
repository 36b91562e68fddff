package io.tapflow.cli.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.tapflow.cli.Main;
import io.tapflow.cli.Pipeline;
import io.tapflow.cli.TopicAdmin;
import io.tapflow.cli.TopicReader;
import io.tapflow.cli.analyze.AnalyzeCommand;
import io.tapflow.cli.analyze.AnalyzeRun;
import io.tapflow.cli.broker.EmbeddedKafkaBroker;
import io.tapflow.schemas.ChatEvent;
import io.tapflow.schemas.ChatEventKind;
import io.tapflow.schemas.Direction;
import io.tapflow.schemas.Opcode;
import io.tapflow.schemas.SchemaRegistryClient;
import io.tapflow.schemas.SchemaRegistryException;
import io.tapflow.schemas.SchemaRegistrySettings;
import io.tapflow.schemas.TapflowSerdes;
import io.tapflow.schemas.Topics;
import io.tapflow.schemas.ValueSerdes;
import io.tapflow.schemas.WireFormat;
import io.tapflow.sensor.capture.CaptureConfig;
import io.tapflow.sensor.capture.PcapSource;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.data.TimeConversions;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * tapflow writing through a real schema registry (Apicurio Registry 2.6, its Confluent-compatible
 * API) on an embedded broker, and a reader that is not tapflow's code (Apicurio's own Kafka
 * deserializer) reading what it wrote.
 */
class SchemaRegistryEndToEndTest {
  private static final Path CHAT = Path.of("..", "samples", "chat.pcap");
  private static final Duration TIMEOUT = Duration.ofMinutes(2);
  private static final ObjectMapper JSON = new ObjectMapper();

  private static EmbeddedKafkaBroker broker;
  private static ApicurioRegistry registry;

  @BeforeAll
  static void start() throws Exception {
    broker = EmbeddedKafkaBroker.start();
    registry = ApicurioRegistry.start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (registry != null) {
      registry.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void theChatSampleIsFramedWithTheRegistrysIdsAndApicuriosDeserializerReadsTheChat()
      throws Exception {
    AnalyzeRun.Result r =
        AnalyzeRun.run(
            new AnalyzeRun.Options(
                    CHAT, broker.bootstrapServers(), Map.of(), "", 2, "sample", true, TIMEOUT)
                .withSchemaRegistry(SchemaRegistrySettings.of(registry.ccompatUrl())));
    assertEquals(0, r.recordsFailed());
    assertEquals(
        List.of("mynick: Merhaba, herkes!", "ayse: Günaydın! Çay içelim mi? ğüşiöç ĞÜŞİÖÇ"),
        AnalyzeCommand.chatLines(r.chat()));
    assertEquals(17, r.messages().size());
    assertEquals(4, r.connections().size());

    Topics t = Topics.DEFAULT;
    assertEquals(
        List.of(
            "tapflow.anomalies-value",
            "tapflow.chat-value",
            "tapflow.connections-value",
            "tapflow.packets-value",
            "tapflow.ws.messages-value"),
        subjects("tapflow."));
    // Every value of every topic: magic byte 0 and the id the registry gives the topic's subject.
    Map<String, Integer> counts = new HashMap<>();
    Set<Integer> ids = new TreeSet<>();
    for (String topic : List.of(t.packets(), t.messages(), t.connections(), t.chat())) {
      int id = latestId(topic + "-value");
      ids.add(id);
      for (ConsumerRecord<String, byte[]> rec : rawRecords(topic)) {
        assertEquals(WireFormat.SCHEMA_REGISTRY, WireFormat.of(rec.value()), topic);
        assertEquals(0, rec.value()[0]);
        assertEquals(id, WireFormat.schemaId(rec.value()), topic);
        counts.merge(topic, 1, Integer::sum);
      }
    }
    assertEquals(4, ids.size(), "one schema, one id per record type");
    // 40 segments, per partition a heartbeat before and an end of capture after.
    assertEquals(
        Map.of(t.packets(), 44, t.messages(), 17, t.connections(), 4, t.chat(), r.chat().size()),
        counts);

    List<GenericRecord> chat = readWithApicurio(t.chat());
    assertEquals(
        List.of("mynick: Merhaba, herkes!", "ayse: Günaydın! Çay içelim mi? ğüşiöç ĞÜŞİÖÇ"),
        chatLines(chat));
    GenericRecord login = chat.get(0);
    assertEquals("login", login.get("type").toString());
    assertEquals("mynick", login.get("nick").toString());
    assertEquals("1", login.get("room").toString());
    List<String> texts = new ArrayList<>();
    for (GenericRecord m : readWithApicurio(t.messages())) {
      if (m.get("opcode").toString().equals("TEXT")) {
        texts.add(m.get("direction") + " " + m.get("text"));
      }
    }
    assertEquals(
        r.messages().stream()
            .filter(m -> m.getOpcode() == Opcode.TEXT)
            .map(m -> m.getDirection() + " " + m.getText())
            .toList(),
        texts);
    assertEquals(13, texts.size());
  }

  @Test
  void theSameSchemaRegisteredTwiceGetsTheSameIdAndTheRegistryJudgesItsEvolution()
      throws Exception {
    String subject = "evolution.tapflow.chat-value";
    Schema current = ChatEvent.getClassSchema();
    int id = client().register(subject, current);
    assertEquals(id, client().register(subject, current), "a second client, no cache");
    assertEquals(id, latestId(subject));

    put("/config/" + subject, "{\"compatibility\":\"BACKWARD\"}");
    assertTrue(client().isCompatible(subject, current));
    Schema withDefault = withField(current, "lang", "\"tr\"");
    assertTrue(client().isCompatible(subject, withDefault));
    int evolvedId = client().register(subject, withDefault);
    assertNotEquals(id, evolvedId);
    assertEquals(evolvedId, latestId(subject));

    Schema withoutDefault = withField(withDefault, "country", null);
    assertEquals(false, client().isCompatible(subject, withoutDefault));
    SchemaRegistryException refused =
        assertThrows(
            SchemaRegistryException.class, () -> client().register(subject, withoutDefault));
    assertEquals(409, refused.httpStatus());
    assertEquals(409, refused.errorCode());
    assertTrue(
        refused
            .getMessage()
            .startsWith(
                "register the schema of io.tapflow.schemas.ChatEvent under "
                    + subject
                    + ": the schema registry at "
                    + registry.ccompatUrl()
                    + " answered HTTP 409 error 409: "),
        refused.getMessage());
  }

  @Test
  void aValueWrittenWithANewerSchemaReadsAsTheCurrentClass() throws Exception {
    String subject = "newer.tapflow.chat-value";
    Schema newer = withField(ChatEvent.getClassSchema(), "lang", "\"tr\"");
    int id = client().register(subject, newer);
    ChatEvent say = say("Günaydın!");
    GenericData model = new GenericData();
    model.addLogicalTypeConversion(new TimeConversions.TimestampNanosConversion());
    GenericData.Record written = new GenericData.Record(newer);
    for (Schema.Field f : ChatEvent.getClassSchema().getFields()) {
      written.put(f.name(), say.get(f.name()));
    }
    written.put("lang", "en");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(new byte[] {0, (byte) (id >>> 24), (byte) (id >>> 16), (byte) (id >>> 8), (byte) id});
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericData.Record>(newer, model).write(written, encoder);
    encoder.flush();

    ChatEvent read = ValueSerdes.withRegistry(client()).chatEvent().decode(out.toByteArray());
    assertEquals(say, read);
  }

  @Test
  void aTopicHalfMovedToTheRegistryTailsWholeAndWithoutARegistryItsFramedHalfIsReported()
      throws Exception {
    Topics topics = Topics.DEFAULT.withPrefix("mixed.");
    try (Admin admin = Admin.create(clientProps())) {
      TopicAdmin.ensure(admin, topics, 1, (short) 1, Map.of());
    }
    ChatEvent before = say("Merhaba, herkes!");
    ChatEvent after = say("Günaydın!");
    byte[] framed = ValueSerdes.withRegistry(client()).chatEvent().encode(topics.chat(), after);
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(clientProps(), new StringSerializer(), new ByteArraySerializer())) {
      producer.send(
          new ProducerRecord<>(topics.chat(), "k", TapflowSerdes.chatEvent().encode(before)));
      producer.send(new ProducerRecord<>(topics.chat(), "k", framed));
      producer.flush();
    }
    String beforeLine =
        "{\"connectionId\":\"C1\",\"timestamp\":\"2024-05-01T10:00:00.123456Z\","
            + "\"direction\":\"CLIENT_TO_SERVER\",\"type\":\"say\",\"kind\":\"MESSAGE\","
            + "\"nick\":\"mynick\",\"room\":null,\"content\":\"Merhaba, herkes!\","
            + "\"fromClientId\":null,\"toClientId\":null}";
    String afterLine = beforeLine.replace("Merhaba, herkes!", "Günaydın!");

    Run withRegistry =
        cli(
            "tail",
            "chat",
            "--topic-prefix",
            "mixed.",
            "--bootstrap-servers",
            broker.bootstrapServers(),
            "--schema-registry-url",
            registry.ccompatUrl());
    assertEquals(0, withRegistry.exit(), withRegistry.err());
    assertEquals(beforeLine + "\n" + afterLine + "\n", withRegistry.out());

    Run without =
        cli(
            "tail",
            "chat",
            "--topic-prefix",
            "mixed.",
            "--bootstrap-servers",
            broker.bootstrapServers());
    assertEquals(1, without.exit());
    assertEquals(beforeLine + "\n", without.out());
    assertEquals(
        "tapflow tail: skipping a record that does not decode (mixed.tapflow.chat-0 offset 1): a"
            + " io.tapflow.schemas.ChatEvent in the schema registry wire format (schema id "
            + latestId("mixed.tapflow.chat-value")
            + ") but no schema registry is configured (--schema-registry-url)\n",
        without.err());
  }

  @Test
  void aProcessorWithoutARegistrySendsFramedPacketsToTheDeadLetterTopicAndGoesOn()
      throws Exception {
    Topics topics = Topics.DEFAULT.withPrefix("dlq.");
    String app = "dlq-" + UUID.randomUUID();
    PrometheusRegistry metrics = new PrometheusRegistry();
    try (Pipeline framed =
            Pipeline.create(
                settings(topics, app, SchemaRegistrySettings.of(registry.ccompatUrl())),
                new PrometheusRegistry());
        Pipeline plain = Pipeline.create(settings(topics, app, null), metrics)) {
      try (PcapSource source = PcapSource.open(CaptureConfig.offline(CHAT))) {
        source.run(framed.publisher());
      }
      framed.endOfCapture();
      plain.startProcessor();
      plain.awaitProcessed(TIMEOUT);
    }
    int id = latestId("dlq.tapflow.packets-value");
    List<ConsumerRecord<String, byte[]>> dead = rawRecords(topics.deadLetters());
    // The framed pipeline's 40 segments, 2 heartbeats and 2 ends of capture; the plain one's two
    // heartbeats decode.
    assertEquals(44, dead.size());
    for (ConsumerRecord<String, byte[]> d : dead) {
      assertEquals(WireFormat.SCHEMA_REGISTRY, WireFormat.of(d.value()));
      assertEquals(id, WireFormat.schemaId(d.value()));
      assertEquals(
          "a io.tapflow.schemas.PacketRecord in the schema registry wire format (schema id "
              + id
              + ") but no schema registry is configured (--schema-registry-url)",
          header(d, "__streams.errors.message"));
      assertEquals(
          "org.apache.kafka.common.errors.SerializationException",
          header(d, "__streams.errors.exception"));
    }
    double undecodable =
        metrics.scrape().stream()
            .filter(s -> s.getMetadata().getName().equals("tapflow_processor_undecodable_records"))
            .mapToDouble(s -> ((CounterSnapshot) s).getDataPoints().get(0).getValue())
            .sum();
    assertEquals(44.0, undecodable);
  }

  @Test
  void aRegistryThatCannotBeReachedStopsEveryWriterAtStartWithExitCode3() throws Exception {
    String url = "http://127.0.0.1:" + ApicurioRegistry.closedPort();
    String prefix = "unreachable.";
    Run sensor =
        cli(
            "sensor",
            "-r",
            CHAT.toString(),
            "--topic-prefix",
            prefix,
            "--bootstrap-servers",
            broker.bootstrapServers(),
            "--schema-registry-url",
            url);
    assertEquals(Main.EXIT_SCHEMA_REGISTRY, sensor.exit());
    assertTrue(
        sensor
            .err()
            .startsWith(
                "tapflow sensor: register the schema of io.tapflow.schemas.PacketRecord under"
                    + " unreachable.tapflow.packets-value: the schema registry at "
                    + url
                    + " cannot be reached: java.net.ConnectException"),
        sensor.err());
    assertEquals(1, sensor.err().lines().count(), sensor.err());

    Run processor =
        cli(
            "processor",
            "--topic-prefix",
            prefix,
            "--metrics-address",
            "127.0.0.1:0",
            "--bootstrap-servers",
            broker.bootstrapServers(),
            "--schema-registry-url",
            url);
    assertEquals(Main.EXIT_SCHEMA_REGISTRY, processor.exit());
    assertTrue(
        processor
            .err()
            .startsWith(
                "tapflow processor: register the schema of io.tapflow.schemas.WebSocketMessage"
                    + " under unreachable.tapflow.ws.messages-value: the schema registry at "
                    + url
                    + " cannot be reached"),
        processor.err());

    Run analyze =
        cli(
            "analyze",
            CHAT.toString(),
            "--quiet",
            "--topic-prefix",
            prefix,
            "--bootstrap-servers",
            broker.bootstrapServers(),
            "-X",
            "schema.registry.url=" + url);
    assertEquals(Main.EXIT_SCHEMA_REGISTRY, analyze.exit());
    assertTrue(analyze.err().startsWith("tapflow analyze: register the schema"), analyze.err());

    Run misspelt =
        cli(
            "tail",
            "chat",
            "--bootstrap-servers",
            broker.bootstrapServers(),
            "-X",
            "schema.registry.user.info=a:b");
    assertEquals(2, misspelt.exit());
    assertTrue(
        misspelt
            .err()
            .startsWith("unknown schema registry setting(s) [schema.registry.user.info]; known:"),
        misspelt.err());
  }

  // --- helpers

  private record Run(int exit, String out, String err) {}

  /** Runs the tapflow command line, capturing what it prints. */
  private static Run cli(String... args) {
    StringWriter err = new StringWriter();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    int exit;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
      exit = Main.commandLine().setErr(new PrintWriter(err, true)).execute(args);
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
    return new Run(
        exit,
        out.toString(StandardCharsets.UTF_8),
        err.toString() + stderr.toString(StandardCharsets.UTF_8));
  }

  private static Pipeline.Settings settings(
      Topics topics, String app, SchemaRegistrySettings schemaRegistry) {
    return new Pipeline.Settings(
        broker.bootstrapServers(),
        Map.of(),
        topics,
        2,
        1,
        app,
        true,
        "sample",
        "chat.pcap",
        schemaRegistry);
  }

  private static SchemaRegistryClient client() {
    return SchemaRegistryClient.create(SchemaRegistrySettings.of(registry.ccompatUrl()));
  }

  private static ChatEvent say(String content) {
    return ChatEvent.newBuilder()
        .setConnectionId("C1")
        .setTimestamp(Instant.parse("2024-05-01T10:00:00.123456789Z"))
        .setDirection(Direction.CLIENT_TO_SERVER)
        .setType("say")
        .setKind(ChatEventKind.MESSAGE)
        .setNick("mynick")
        .setContent(content)
        .build();
  }

  /**
   * {@code schema} with a string field added (with {@code defaultJson} as its default, or none).
   */
  private static Schema withField(Schema schema, String name, String defaultJson) throws Exception {
    ObjectNode json = (ObjectNode) JSON.readTree(schema.toString());
    ObjectNode field = JSON.createObjectNode().put("name", name).put("type", "string");
    field.put("doc", "added");
    if (defaultJson != null) {
      field.set("default", JSON.readTree(defaultJson));
    }
    ((ArrayNode) json.get("fields")).add(field);
    return new Schema.Parser().parse(json.toString());
  }

  private static Properties clientProps() {
    Properties p = new Properties();
    p.put("bootstrap.servers", broker.bootstrapServers());
    return p;
  }

  private static List<ConsumerRecord<String, byte[]>> rawRecords(String topic) {
    return TopicReader.readAll(clientProps(), topic, new ByteArrayDeserializer(), TIMEOUT);
  }

  /** {@code topic}'s values decoded by Apicurio's own deserializer (the Confluent protocol). */
  private static List<GenericRecord> readWithApicurio(String topic) {
    AvroKafkaDeserializer<GenericRecord> d = new AvroKafkaDeserializer<>();
    d.configure(
        Map.of(
            "apicurio.registry.url",
            registry.apicurioUrl(),
            "apicurio.registry.as-confluent",
            true,
            "apicurio.registry.use-id",
            "contentId",
            "apicurio.registry.headers.enabled",
            false),
        false);
    List<GenericRecord> out = new ArrayList<>();
    for (ConsumerRecord<String, GenericRecord> r :
        TopicReader.readAll(clientProps(), topic, d, TIMEOUT)) {
      out.add(r.value());
    }
    return out;
  }

  /** The chat lines of AnalyzeCommand.chatLines, from generic records. */
  private static List<String> chatLines(List<GenericRecord> events) {
    Map<String, String> nicks = new HashMap<>();
    List<String> lines = new ArrayList<>();
    for (GenericRecord e : events) {
      if (!e.get("direction").toString().equals("CLIENT_TO_SERVER")) {
        continue;
      }
      String connection = e.get("connectionId").toString();
      String type = e.get("type").toString();
      Object nick = e.get("nick");
      if (type.equals("login") && nick != null) {
        nicks.put(connection, nick.toString());
      } else if (type.equals("say")) {
        lines.add(
            (nick != null ? nick.toString() : nicks.getOrDefault(connection, "?"))
                + ": "
                + e.get("content"));
      }
    }
    return lines;
  }

  private static String header(ConsumerRecord<?, ?> r, String name) {
    Header h = r.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  private static List<String> subjects(String prefix) throws Exception {
    List<String> out = new ArrayList<>();
    for (JsonNode s : get("/subjects")) {
      if (s.asText().startsWith(prefix)) {
        out.add(s.asText());
      }
    }
    out.sort(null);
    return out;
  }

  /** The id of {@code subject}'s latest version, asked of the registry over HTTP. */
  private static int latestId(String subject) throws Exception {
    return get("/subjects/" + subject + "/versions/latest").get("id").intValue();
  }

  private static JsonNode get(String path) throws Exception {
    return http(HttpRequest.newBuilder(URI.create(registry.ccompatUrl() + path)).GET());
  }

  private static JsonNode put(String path, String body) throws Exception {
    return http(
        HttpRequest.newBuilder(URI.create(registry.ccompatUrl() + path))
            .header("Content-Type", "application/vnd.schemaregistry.v1+json")
            .PUT(HttpRequest.BodyPublishers.ofString(body)));
  }

  private static JsonNode http(HttpRequest.Builder request) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                request.timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return JSON.readTree(r.body());
  }
}
