package io.tapflow.cli.analyze;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.tapflow.cli.ByteSearch;
import io.tapflow.cli.TopicReader;
import io.tapflow.cli.broker.EmbeddedKafkaBroker;
import io.tapflow.schemas.AvroSerde;
import io.tapflow.schemas.ChatEvent;
import io.tapflow.schemas.ConnectionRecord;
import io.tapflow.schemas.Direction;
import io.tapflow.schemas.PacketKind;
import io.tapflow.schemas.PacketRecord;
import io.tapflow.schemas.TapflowSerdes;
import io.tapflow.schemas.WebSocketMessage;
import io.tapflow.sensor.publish.PayloadMode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * samples/chat.pcap through sensor, Kafka and processor with each payload mode ({@code --payload}):
 * with {@code none} no payload byte reaches the packets topic, yet the connections' byte and packet
 * counts and states are those of {@code full}, and nothing is decoded; with {@code cap:256} only
 * the two 260-byte server segments (one frame each) lose their last 4 bytes, so exactly their
 * messages are cut and their chat events are missing.
 */
class PayloadModeEndToEndTest {
  private static final Path CHAT = Path.of("..", "samples", "chat.pcap");
  private static final AvroSerde<PacketRecord> PACKETS = TapflowSerdes.packetRecord();
  private static EmbeddedKafkaBroker broker;
  private static Run full;

  /** One run: its outputs and the raw values of its packets topic. */
  private record Run(AnalyzeRun.Result result, List<byte[]> packets) {
    List<PacketRecord> segments() {
      return packets.stream()
          .map(PACKETS::decode)
          .filter(p -> p.getKind() == PacketKind.SEGMENT)
          .sorted(
              Comparator.comparing(PacketRecord::getTimestamp)
                  .thenComparing(PacketRecord::getSrcPort)
                  .thenComparing(PacketRecord::getSeq))
          .toList();
    }

    List<ConnectionRecord> finals() {
      return result.connections().stream()
          .filter(ConnectionRecord::getFinal$)
          .sorted(Comparator.comparing(ConnectionRecord::getClient))
          .toList();
    }
  }

  @BeforeAll
  static void startBrokerAndRunFull() throws Exception {
    broker = EmbeddedKafkaBroker.start();
    full = run(PayloadMode.FULL, "full.");
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
  }

  private static Run run(PayloadMode mode, String prefix) throws Exception {
    AnalyzeRun.Result r =
        AnalyzeRun.run(
            new AnalyzeRun.Options(
                    CHAT,
                    broker.bootstrapServers(),
                    Map.of(),
                    prefix,
                    2,
                    "privacy",
                    true,
                    Duration.ofMinutes(2))
                .withPayload(mode));
    Properties client = new Properties();
    client.put("bootstrap.servers", broker.bootstrapServers());
    List<byte[]> values =
        TopicReader.readAll(
                client,
                prefix + "tapflow.packets",
                new ByteArrayDeserializer(),
                Duration.ofMinutes(1))
            .stream()
            .map(ConsumerRecord::value)
            .toList();
    return new Run(r, values);
  }

  @Test
  void withNoneNoPayloadLeavesTheHostAndTheConnectionsAreCountedAsWithFull() throws Exception {
    Run none = run(PayloadMode.NONE, "none.");
    assertEquals(40 + 2 + 2, none.packets().size());
    assertEquals(0, none.result().recordsFailed());

    // The raw values: every segment's payload is empty and its wire length the full run's; no
    // value holds the first bytes (up to 16) of any payload the capture carried.
    List<PacketRecord> fullSegments = full.segments();
    List<PacketRecord> noneSegments = none.segments();
    assertEquals(40, noneSegments.size());
    long payloadBytes = 0;
    for (int i = 0; i < 40; i++) {
      PacketRecord f = fullSegments.get(i);
      PacketRecord n = noneSegments.get(i);
      assertEquals(0, n.getPayload().remaining(), n.toString());
      assertEquals(f.getPayloadWireLength(), n.getPayloadWireLength());
      assertEquals(f.getPayload().remaining(), f.getPayloadWireLength());
      assertEquals(withoutPayloadAndRun(f), withoutPayloadAndRun(n));
      payloadBytes += f.getPayloadWireLength();
    }
    assertEquals(2515, payloadBytes);
    int checked = 0;
    for (PacketRecord f : fullSegments) {
      byte[] p = bytes(f.getPayload());
      if (p.length >= 4) {
        byte[] start = Arrays.copyOf(p, Math.min(16, p.length));
        for (byte[] value : none.packets()) {
          assertFalse(ByteSearch.contains(value, start), "a payload's bytes on the packets topic");
        }
        checked++;
      }
    }
    assertEquals(21, checked); // every segment with a payload (the shortest has 4 bytes)
    assertEquals(2515.0, counter(none, "tapflow_sensor_payload_withheld_bytes"));
    assertEquals(0.0, counter(full, "tapflow_sensor_payload_withheld_bytes"));

    // The connections: bytes, packets and states as with full; every byte a gap in place.
    List<ConnectionRecord> fullFinals = full.finals();
    List<ConnectionRecord> noneFinals = none.finals();
    assertEquals(2, noneFinals.size());
    for (int i = 0; i < 2; i++) {
      ConnectionRecord f = fullFinals.get(i);
      ConnectionRecord n = noneFinals.get(i);
      assertEquals(f.getClient(), n.getClient());
      assertEquals(f.getClientBytes(), n.getClientBytes());
      assertEquals(f.getServerBytes(), n.getServerBytes());
      assertEquals(f.getClientPackets(), n.getClientPackets());
      assertEquals(f.getServerPackets(), n.getServerPackets());
      assertEquals("SF", f.getState());
      assertEquals("SF", n.getState());
      assertEquals(f.getTcpHandshakeMicros(), n.getTcpHandshakeMicros());
      assertEquals(f.getEndReason(), n.getEndReason());
      assertEquals("ShADadfF", f.getHistory());
      assertEquals("ShADGadgfF", n.getHistory());
      assertEquals(0, f.getMissedBytes());
      assertEquals(f.getClientBytes() + f.getServerBytes(), n.getMissedBytes());
      assertEquals(n.getMissedBytes(), n.getTruncatedBytes());
      assertEquals(null, n.getHttpStatus());
      assertEquals(0, n.getClientMessages());
      assertEquals(0, n.getServerMessages());
    }
    assertEquals(List.of(414L, 430L), noneFinals.stream().map(c -> c.getClientBytes()).toList());
    assertEquals(List.of(1021L, 650L), noneFinals.stream().map(c -> c.getServerBytes()).toList());
    assertEquals(List.of(1435L, 1080L), noneFinals.stream().map(c -> c.getMissedBytes()).toList());
    // Without the upgrade there is no record at the upgrade: the two final records only.
    assertEquals(2, none.result().connections().size());
    assertEquals(4, full.result().connections().size());

    // Nothing decoded, and nothing reported for the bytes withheld.
    assertEquals(List.of(), none.result().messages());
    assertEquals(List.of(), none.result().chat());
    assertEquals(List.of(), none.result().anomalies());
    assertEquals(0.0, counter(none, "tapflow_processor_records_lost"));
  }

  @Test
  void withCap256OnlyTheTwoLongServerFramesAreCutAndExactlyTheirChatEventsAreMissing()
      throws Exception {
    Run cap = run(PayloadMode.cap(256), "cap.");
    List<PacketRecord> fullSegments = full.segments();
    List<PacketRecord> capSegments = cap.segments();
    int cut = 0;
    for (int i = 0; i < 40; i++) {
      byte[] f = bytes(fullSegments.get(i).getPayload());
      byte[] c = bytes(capSegments.get(i).getPayload());
      assertArrayEquals(Arrays.copyOf(f, Math.min(256, f.length)), c);
      assertEquals(
          fullSegments.get(i).getPayloadWireLength(), capSegments.get(i).getPayloadWireLength());
      cut += f.length > 256 ? 1 : 0;
    }
    assertEquals(2, cut);
    assertEquals(8.0, counter(cap, "tapflow_sensor_payload_withheld_bytes"));

    // Messages: the same 17; the two carried by the 260-byte segments lack their last 4 bytes.
    List<WebSocketMessage> fullMessages = full.result().messages();
    List<WebSocketMessage> capMessages = cap.result().messages();
    assertEquals(17, capMessages.size());
    List<WebSocketMessage> changed = new ArrayList<>();
    for (int i = 0; i < 17; i++) {
      WebSocketMessage f = fullMessages.get(i);
      WebSocketMessage c = capMessages.get(i);
      if (f.equals(c)) {
        continue;
      }
      changed.add(c);
      assertEquals(Direction.SERVER_TO_CLIENT, c.getDirection());
      assertEquals(f.getPayloadLength(), c.getPayloadLength());
      assertEquals(256, f.getPayloadLength()); // 4 header bytes and 256 in the segment
      assertEquals(4, c.getMissingBytes());
      assertEquals(0, f.getMissingBytes());
      byte[] fullText = f.getText().getBytes(StandardCharsets.UTF_8);
      assertEquals(
          new String(fullText, 0, fullText.length - 4, StandardCharsets.UTF_8), c.getText());
      assertTrue(c.getText().endsWith("\"time\":\"2024-01-01 10:00:"), c.getText());
      WebSocketMessage same = WebSocketMessage.newBuilder(c).build();
      same.setText(f.getText());
      same.setMissingBytes(0);
      assertEquals(f, same);
    }
    assertEquals(2, changed.size());
    // One on each connection.
    assertEquals(
        full.finals().stream().map(ConnectionRecord::getConnectionId).sorted().toList(),
        changed.stream().map(WebSocketMessage::getConnectionId).sorted().toList());

    // Chat: every event but the two those messages carried (ayse's greeting echoed to both).
    List<ChatEvent> missing = new ArrayList<>(full.result().chat());
    missing.removeAll(cap.result().chat());
    assertEquals(13, full.result().chat().size());
    assertEquals(11, cap.result().chat().size());
    assertEquals(2, missing.size());
    for (ChatEvent e : missing) {
      assertEquals("say", e.getType());
      assertEquals(Direction.SERVER_TO_CLIENT, e.getDirection());
      assertEquals("ayse", e.getNick());
      assertEquals("Günaydın! Çay içelim mi? ğüşiöç ĞÜŞİÖÇ", e.getContent());
    }
    assertEquals(List.of(), cap.result().anomalies());

    // The connections: as with full, but for the 4 bytes of each cut frame, a gap in place.
    List<ConnectionRecord> fullFinals = full.finals();
    List<ConnectionRecord> capFinals = cap.finals();
    for (int i = 0; i < 2; i++) {
      ConnectionRecord f = fullFinals.get(i);
      ConnectionRecord c = capFinals.get(i);
      assertEquals(f.getClientBytes(), c.getClientBytes());
      assertEquals(f.getServerBytes(), c.getServerBytes());
      assertEquals(f.getClientMessages(), c.getClientMessages());
      assertEquals(f.getServerMessages(), c.getServerMessages());
      assertEquals(f.getState(), c.getState());
      assertEquals(101, c.getHttpStatus());
      assertEquals("ShADadgfF", c.getHistory());
      assertEquals(4, c.getMissedBytes());
      assertEquals(4, c.getTruncatedBytes());
    }
  }

  @Test
  void analyzeDirectWithAPayloadModeGivesWhatTheKafkaPipelineGives() throws Exception {
    for (PayloadMode mode : List.of(PayloadMode.NONE, PayloadMode.cap(256))) {
      AnalyzeRun.Result kafka =
          run(mode, "direct-" + mode.toString().replace(':', '-') + ".").result();
      AnalyzeRun.Result direct = DirectAnalysis.run(CHAT, "privacy", mode);
      assertEquals(kafka.messages(), direct.messages(), mode + " messages");
      assertEquals(kafka.connections(), direct.connections(), mode + " connections");
      assertEquals(kafka.chat(), direct.chat(), mode + " chat");
      assertEquals(kafka.anomalies(), direct.anomalies(), mode + " anomalies");
      assertEquals(
          counter(kafka, "tapflow_sensor_payload_withheld_bytes"),
          counter(direct, "tapflow_sensor_payload_withheld_bytes"),
          mode + " withheld");
    }
  }

  /** {@code r} with an empty payload and a fixed run id: what does not depend on the mode. */
  private static PacketRecord withoutPayloadAndRun(PacketRecord r) {
    PacketRecord copy = PacketRecord.newBuilder(r).build();
    copy.setPayload(ByteBuffer.allocate(0));
    copy.setSensorRunId("");
    return copy;
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }

  private static double counter(Run run, String name) {
    return counter(run.result(), name);
  }

  private static double counter(AnalyzeRun.Result result, String name) {
    double total = 0;
    for (var snapshot : result.registry().scrape()) {
      if (snapshot.getMetadata().getName().equals(name)) {
        for (var d : ((CounterSnapshot) snapshot).getDataPoints()) {
          total += d.getValue();
        }
      }
    }
    return total;
  }
}
