package io.tapflow.processor.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tapflow.processor.metrics.ProcessorMetrics;
import io.tapflow.processor.tcp.Segment;
import io.tapflow.processor.tcp.TcpSession;
import io.tapflow.schemas.ChatEvent;
import io.tapflow.schemas.ConnectionRecord;
import io.tapflow.schemas.Direction;
import io.tapflow.schemas.Opcode;
import io.tapflow.schemas.PacketKind;
import io.tapflow.schemas.PacketRecord;
import io.tapflow.schemas.TapflowSerdes;
import io.tapflow.schemas.Topics;
import io.tapflow.schemas.WebSocketMessage;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TapflowTopologyTest {
  @TempDir Path stateDir;

  private static final String KEY = "s1|10.0.0.1:50000|10.0.0.2:8080";
  private static final String REQUEST =
      "GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  private static final String RESPONSE =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

  private static final String SAY =
      "{\"type\":\"say\",\"client_name\":\"mynick\",\"content\":\"Merhaba\"}";

  /** The segments of a session: upgrade, a masked chat "say", the server's echo, close. */
  static List<Segment> chatSession() {
    TcpSession s = TcpSession.standard();
    List<Segment> out = new ArrayList<>(s.handshake());
    out.add(s.clientSends(REQUEST));
    out.add(s.serverSends(RESPONSE));
    out.add(
        s.clientSends(
            masked("{\"type\":\"say\",\"client_name\":\"mynick\",\"content\":\"Merhaba\"}")));
    out.add(
        s.serverSends(
            unmasked(
                "{\"type\":\"say\",\"from_client_name\":\"mynick\",\"content\":\"Merhaba\"}")));
    out.add(s.clientSends(HexFormat.of().parseHex("8882010203040 2ea".replace(" ", ""))));
    out.addAll(s.close());
    return out;
  }

  @Test
  void aChatSessionGivesItsMessagesConnectionRecordsAndChatEvents() {
    try (TopologyTestDriver driver = driver()) {
      TestInputTopic<String, PacketRecord> in = input(driver);
      for (Segment seg : chatSession()) {
        in.pipeInput(KEY, record(seg));
      }
      List<WebSocketMessage> messages =
          outputs(driver, Topics.DEFAULT.messages(), TapflowSerdes.webSocketMessage());
      assertEquals(3, messages.size());
      assertEquals(Opcode.TEXT, messages.get(0).getOpcode());
      assertEquals(Direction.CLIENT_TO_SERVER, messages.get(0).getDirection());
      assertEquals("10.0.0.1:50000", messages.get(0).getClient());
      assertEquals(
          "{\"type\":\"say\",\"client_name\":\"mynick\",\"content\":\"Merhaba\"}",
          messages.get(0).getText());
      assertEquals(Direction.SERVER_TO_CLIENT, messages.get(1).getDirection());
      assertEquals(Opcode.CLOSE, messages.get(2).getOpcode());
      assertEquals(1000, messages.get(2).getCloseCode());

      List<ConnectionRecord> records =
          outputs(driver, Topics.DEFAULT.connections(), TapflowSerdes.connectionRecord());
      assertEquals(2, records.size());
      assertEquals(false, records.get(0).getFinal$());
      ConnectionRecord last = records.get(1);
      assertEquals(true, last.getFinal$());
      assertEquals(101, last.getHttpStatus());
      assertEquals("/chat", last.getPath());
      assertEquals("example.com", last.getHost());
      assertEquals(20L, last.getTcpHandshakeMicros()); // SYN at +10 µs, ACK at +30 µs
      assertEquals(10L, last.getUpgradeLatencyMicros());
      // The request head, the masked text frame (6-byte header) and the 8-byte masked close frame.
      assertEquals(REQUEST.length() + 6 + SAY.length() + 8, last.getClientBytes());
      assertEquals(2L, last.getClientMessages());
      assertEquals(1L, last.getServerMessages());

      List<ChatEvent> chat = outputs(driver, Topics.DEFAULT.chat(), TapflowSerdes.chatEvent());
      assertEquals(
          List.of("say mynick Merhaba", "say mynick Merhaba"),
          chat.stream().map(e -> e.getType() + " " + e.getNick() + " " + e.getContent()).toList());
    }
  }

  @Test
  void recordsThatAreNotAvroAreSkippedAndTheNextOnesDecoded() {
    try (TopologyTestDriver driver = driver()) {
      driver
          .createInputTopic(Topics.DEFAULT.packets(), new StringSerializer(), (t, v) -> (byte[]) v)
          .pipeInput(KEY, new byte[] {1, 2, 3});
      TestInputTopic<String, PacketRecord> in = input(driver);
      for (Segment seg : chatSession()) {
        in.pipeInput(KEY, record(seg));
      }
      assertEquals(
          3, outputs(driver, Topics.DEFAULT.messages(), TapflowSerdes.webSocketMessage()).size());
    }
  }

  /**
   * The dead-letter record itself is asserted on a real broker (SchemaRegistryEndToEndTest): the
   * test driver does not produce Kafka Streams' dead-letter records.
   */
  @Test
  void aRegistryFramedPacketWithoutARegistryIsCountedAndTheNextOnesDecoded() {
    try (TopologyTestDriver driver = driver()) {
      driver
          .createInputTopic(Topics.DEFAULT.packets(), new StringSerializer(), (t, v) -> (byte[]) v)
          .pipeInput(KEY, HexFormat.of().parseHex("00000000070a0b0c"));
      TestInputTopic<String, PacketRecord> in = input(driver);
      for (Segment seg : chatSession()) {
        in.pipeInput(KEY, record(seg));
      }
      assertEquals(1.0, metrics.undecodableRecords.get());
      assertEquals(
          3, outputs(driver, Topics.DEFAULT.messages(), TapflowSerdes.webSocketMessage()).size());
    }
  }

  @Test
  void gapsInASensorRunsPartitionSequenceAreCountedAsLostRecords() {
    try (TopologyTestDriver driver = driver()) {
      TestInputTopic<String, PacketRecord> in = input(driver);
      List<Segment> session = chatSession();
      long[] sequence = {0, 1, 3, 4, 4, 8};
      for (int i = 0; i < sequence.length; i++) {
        PacketRecord r = record(session.get(i));
        r.setSensorRunId("run-1");
        r.setPartitionSeq(sequence[i]);
        in.pipeInput(KEY, r);
      }
      assertEquals(1.0 + 3.0, metrics.recordsLost.labelValues("s1").get());
      PacketRecord restarted = record(session.get(6));
      restarted.setSensorRunId("run-2");
      restarted.setPartitionSeq(0);
      in.pipeInput(KEY, restarted);
      assertEquals(4.0, metrics.recordsLost.labelValues("s1").get());
    }
  }

  @Test
  void endOfCaptureEndsAnOpenConnectionWithAFinalRecord() {
    try (TopologyTestDriver driver = driver()) {
      TestInputTopic<String, PacketRecord> in = input(driver);
      List<Segment> session = chatSession();
      for (Segment seg : session.subList(0, 6)) {
        in.pipeInput(KEY, record(seg));
      }
      PacketRecord eoc = record(session.get(5));
      eoc.setKind(PacketKind.END_OF_CAPTURE);
      in.pipeInput("s1", eoc);
      List<ConnectionRecord> records =
          outputs(driver, Topics.DEFAULT.connections(), TapflowSerdes.connectionRecord());
      assertEquals(
          List.of(false, true), records.stream().map(ConnectionRecord::getFinal$).toList());
      assertEquals(null, records.get(1).getCloseCode());
    }
  }

  private ProcessorMetrics metrics;

  private TopologyTestDriver driver() {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "topology-test");
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    ProcessorConfig config =
        ProcessorConfig.builder("unused:9092").stateDir(stateDir.toString()).build();
    p.putAll(ProcessorApp.properties(config));
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString()); // never shared with another run
    metrics = new ProcessorMetrics(new PrometheusRegistry());
    p.put(UndecodableRecordHandler.METRICS_CONFIG, metrics);
    return new TopologyTestDriver(TapflowTopology.build(config, metrics), p);
  }

  private static TestInputTopic<String, PacketRecord> input(TopologyTestDriver driver) {
    return driver.createInputTopic(
        Topics.DEFAULT.packets(),
        new StringSerializer(),
        TapflowSerdes.packetRecord().serializer());
  }

  private static <T extends org.apache.avro.specific.SpecificRecordBase> List<T> outputs(
      TopologyTestDriver driver, String topic, io.tapflow.schemas.AvroSerde<T> serde) {
    return driver
        .createOutputTopic(topic, new StringDeserializer(), serde.deserializer())
        .readValuesToList();
  }

  static PacketRecord record(Segment s) {
    long ts = s.timestampNanos();
    return PacketRecord.newBuilder()
        .setSensorId("s1")
        .setSensorSeq(0)
        .setTimestamp(Instant.ofEpochSecond(ts / 1_000_000_000L, ts % 1_000_000_000L))
        .setInterface$("test")
        .setLinkType(1)
        .setIpVersion(4)
        .setSrcAddr(ByteBuffer.wrap(s.srcAddr()))
        .setDstAddr(ByteBuffer.wrap(s.dstAddr()))
        .setSrcPort(s.srcPort())
        .setDstPort(s.dstPort())
        .setSeq(s.seq())
        .setAck(s.ack())
        .setFlags(s.flags())
        .setWindow(65535)
        .setPayload(ByteBuffer.wrap(s.payload()))
        .setPayloadWireLength(s.payloadWireLength())
        .setCapturedLength(54 + s.payload().length)
        .setWireLength(54 + s.payload().length)
        .build();
  }

  /** A masked single-frame text message (mask key 01 02 03 04). */
  static byte[] masked(String text) {
    byte[] p = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] f = new byte[6 + p.length];
    f[0] = (byte) 0x81;
    f[1] = (byte) (0x80 | p.length);
    byte[] key = {1, 2, 3, 4};
    System.arraycopy(key, 0, f, 2, 4);
    for (int i = 0; i < p.length; i++) {
      f[6 + i] = (byte) (p[i] ^ key[i % 4]);
    }
    return f;
  }

  /** An unmasked single-frame text message. */
  static byte[] unmasked(String text) {
    byte[] p = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] f = new byte[2 + p.length];
    f[0] = (byte) 0x81;
    f[1] = (byte) p.length;
    System.arraycopy(p, 0, f, 2, p.length);
    return f;
  }
}
