package io.tapflow.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The hand-written coders in the schema registry wire format, against a minimal in-process registry
 * (register a schema, fetch one by id): bodies written as Avro's writer writes them, and packets
 * read through Avro's resolving decoder as before.
 */
class RegistryCodersTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<Integer, String> SCHEMAS = new ConcurrentHashMap<>();
  private static HttpServer server;
  private static SchemaRegistryClient client;

  @BeforeAll
  static void startRegistry() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/subjects/", RegistryCodersTest::register);
    server.createContext("/schemas/ids/", RegistryCodersTest::schemaById);
    server.start();
    client =
        SchemaRegistryClient.create(
            SchemaRegistrySettings.of("http://127.0.0.1:" + server.getAddress().getPort()));
  }

  @AfterAll
  static void stopRegistry() {
    server.stop(0);
  }

  @Test
  void webSocketMessagesAndChatEventsAreWrittenAsAvrosRegistryWriterWritesThem() {
    ValueSerdes values = ValueSerdes.withRegistry(client);
    ValueSerde<WebSocketMessage> messages = values.webSocketMessage();
    ValueSerde<ChatEvent> chat = values.chatEvent();
    RegistryAvroSerde<WebSocketMessage> avroMessages =
        new RegistryAvroSerde<>(WebSocketMessage.getClassSchema(), client);
    RegistryAvroSerde<ChatEvent> avroChat =
        new RegistryAvroSerde<>(ChatEvent.getClassSchema(), client);
    int messagesId = messages.prepareTopic("tapflow.ws.messages");
    byte[] first =
        messages.encode("tapflow.ws.messages", new AvroRecords(1).nextWebSocketMessage());
    assertArrayEquals(WireFormat.registryHeader(messagesId), java.util.Arrays.copyOf(first, 5));
    AvroRecords random = new AvroRecords(5);
    for (int i = 0; i < 2000; i++) {
      WebSocketMessage m = random.nextWebSocketMessage();
      byte[] ours = messages.encode("tapflow.ws.messages", m);
      assertArrayEquals(avroMessages.encode("tapflow.ws.messages", m), ours, "message " + i);
      assertEquals(avroMessages.decode(ours), messages.decode(ours));
      ChatEvent e = random.nextChatEvent();
      assertArrayEquals(avroChat.encode("tapflow.chat", e), chat.encode("tapflow.chat", e));
    }
  }

  @Test
  void aNullInAFieldThatIsNotAUnionIsASerializationExceptionAsWithAvrosRegistryWriter() {
    ValueSerde<ChatEvent> chat = ValueSerdes.withRegistry(client).chatEvent();
    RegistryAvroSerde<ChatEvent> avroChat =
        new RegistryAvroSerde<>(ChatEvent.getClassSchema(), client);
    ChatEvent e = new AvroRecords(8).nextChatEvent();
    e.setType(null);
    SerializationException avro =
        assertThrows(SerializationException.class, () -> avroChat.encode("tapflow.chat", e));
    SerializationException ours =
        assertThrows(SerializationException.class, () -> chat.encode("tapflow.chat", e));
    assertTrue(avro.getMessage().startsWith("cannot encode io.tapflow.schemas.ChatEvent: "));
    assertEquals(
        "cannot encode io.tapflow.schemas.ChatEvent: java.lang.NullPointerException: null value"
            + " for ChatEvent.type",
        ours.getMessage());
  }

  @Test
  void theRegistryHeaderIsMagicZeroAndTheBigEndianSchemaId() {
    assertEquals("0000000001", java.util.HexFormat.of().formatHex(WireFormat.registryHeader(1)));
    assertEquals(
        "0012345678", java.util.HexFormat.of().formatHex(WireFormat.registryHeader(0x12345678)));
    assertEquals("00ffffffff", java.util.HexFormat.of().formatHex(WireFormat.registryHeader(-1)));
  }

  @Test
  void packetsInTheRegistryFormatAreReadThroughAvrosDecoderAsBefore() throws IOException {
    ValueSerde<PacketRecord> packets = ValueSerdes.withRegistry(client).packetRecord();
    RegistryAvroSerde<PacketRecord> avro =
        new RegistryAvroSerde<>(PacketRecord.getClassSchema(), client);
    AvroRecords random = new AvroRecords(3);
    for (int i = 0; i < 500; i++) {
      byte[] bytes = avro.encode("tapflow.packets", random.nextPacketRecord());
      assertEquals(avro.decode(bytes), packets.decode(bytes));
    }
    // A value of an older schema (before partitionSeq and sensorRunId), under its own id.
    Schema current = PacketRecord.getClassSchema();
    List<Schema.Field> fields =
        current.getFields().stream()
            .filter(f -> !f.name().equals("partitionSeq") && !f.name().equals("sensorRunId"))
            .map(f -> new Schema.Field(f, f.schema()))
            .toList();
    Schema older =
        Schema.createRecord(
            current.getName(), current.getDoc(), current.getNamespace(), false, fields);
    int olderId = client.register("older-packets-value", older);
    PacketRecord p = PacketRecordDecoderTest.withTimestampNanos(42);
    GenericRecord old = new GenericData.Record(older);
    for (Schema.Field f : older.getFields()) {
      old.put(f.name(), p.get(f.name()));
    }
    old.put("timestamp", 42L);
    old.put("kind", new GenericData.EnumSymbol(older.getField("kind").schema(), "SEGMENT"));
    old.put(
        "timestampPrecision",
        new GenericData.EnumSymbol(older.getField("timestampPrecision").schema(), "MICRO"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(WireFormat.registryHeader(olderId));
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(older).write(old, encoder);
    encoder.flush();
    PacketRecord decoded = packets.decode(out.toByteArray());
    p.setPartitionSeq(-1L);
    p.setSensorRunId("");
    assertEquals(p, decoded);
  }

  /** POST /subjects/{subject}/versions: the schema's id, the same for the same schema text. */
  private static void register(HttpExchange x) throws IOException {
    String text = JSON.readTree(x.getRequestBody().readAllBytes()).get("schema").asText();
    int id;
    synchronized (SCHEMAS) {
      id =
          SCHEMAS.entrySet().stream()
              .filter(e -> e.getValue().equals(text))
              .map(Map.Entry::getKey)
              .findFirst()
              .orElse(SCHEMAS.size() + 1);
      SCHEMAS.put(id, text);
    }
    answer(x, JSON.createObjectNode().put("id", id).toString());
  }

  /** GET /schemas/ids/{id}. */
  private static void schemaById(HttpExchange x) throws IOException {
    String path = x.getRequestURI().getPath();
    String text = SCHEMAS.get(Integer.parseInt(path.substring(path.lastIndexOf('/') + 1)));
    answer(x, JSON.createObjectNode().put("schema", text).toString());
  }

  private static void answer(HttpExchange x, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().set("Content-Type", "application/vnd.schemaregistry.v1+json");
    x.sendResponseHeaders(200, b.length);
    x.getResponseBody().write(b);
    x.close();
  }
}
