package io.tapflow.bench;

import io.tapflow.schemas.AvroSerde;
import io.tapflow.schemas.ChatEvent;
import io.tapflow.schemas.ChatEventKind;
import io.tapflow.schemas.Direction;
import io.tapflow.schemas.Opcode;
import io.tapflow.schemas.PacketKind;
import io.tapflow.schemas.PacketRecord;
import io.tapflow.schemas.TapflowSerdes;
import io.tapflow.schemas.TimestampPrecision;
import io.tapflow.schemas.ValueSerde;
import io.tapflow.schemas.ValueSerdes;
import io.tapflow.schemas.WebSocketMessage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The processor's value Serdes alone, per record: reading a packet, writing a WebSocket message and
 * a chat event, through {@code ValueSerdes} (what the topology uses) and through Avro's own coders
 * ({@code TapflowSerdes}). Records are shaped as the benchmark's chat traffic: IPv4, payloads of 20
 * to 300 bytes, JSON texts. Only public API, so the same class measures an older build's jars.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SerdeBenchmark {
  private static final int RECORDS = 1024;

  private final AvroSerde<PacketRecord> avroPackets = TapflowSerdes.packetRecord();
  private final AvroSerde<WebSocketMessage> avroMessages = TapflowSerdes.webSocketMessage();
  private final AvroSerde<ChatEvent> avroChat = TapflowSerdes.chatEvent();
  private final ValueSerde<PacketRecord> packets = ValueSerdes.singleObject().packetRecord();
  private final ValueSerde<WebSocketMessage> messages =
      ValueSerdes.singleObject().webSocketMessage();
  private final ValueSerde<ChatEvent> chat = ValueSerdes.singleObject().chatEvent();

  private byte[][] packetBytes;
  private WebSocketMessage[] messageRecords;
  private ChatEvent[] chatRecords;
  private int next;

  @Setup(Level.Trial)
  public void records() {
    Random random = new Random(1);
    packetBytes = new byte[RECORDS][];
    messageRecords = new WebSocketMessage[RECORDS];
    chatRecords = new ChatEvent[RECORDS];
    for (int i = 0; i < RECORDS; i++) {
      byte[] payload = new byte[random.nextInt(10) < 3 ? 0 : 20 + random.nextInt(280)];
      random.nextBytes(payload);
      packetBytes[i] =
          avroPackets.encode(
              PacketRecord.newBuilder()
                  .setKind(PacketKind.SEGMENT)
                  .setSensorId("bench")
                  .setSensorSeq(1_000_000 + i)
                  .setPartitionSeq(900_000 + i)
                  .setSensorRunId("3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b")
                  .setTimestamp(Instant.ofEpochSecond(1_764_000_000L + i, 123_456_000))
                  .setTimestampPrecision(TimestampPrecision.MICRO)
                  .setInterface$("proc-plain-1000x30.pcap")
                  .setLinkType(1)
                  .setVlanIds(List.of())
                  .setIpVersion(4)
                  .setSrcAddr(ByteBuffer.wrap(new byte[] {10, 0, 0, (byte) i}))
                  .setDstAddr(ByteBuffer.wrap(new byte[] {10, 0, 1, 1}))
                  .setSrcPort(40_000 + i)
                  .setDstPort(47300)
                  .setSeq(random.nextInt() & 0xFFFFFFFFL)
                  .setAck(random.nextInt() & 0xFFFFFFFFL)
                  .setFlags(0x18)
                  .setWindow(512)
                  .setPayload(ByteBuffer.wrap(payload))
                  .setPayloadWireLength(payload.length)
                  .setCapturedLength(payload.length + 66)
                  .setWireLength(payload.length + 66)
                  .build());
      String text =
          "{\"type\":\"say\",\"from_client_id\":\"7f00000108fc0000000"
              + (i % 10)
              + "\",\"from_client_name\":\"user"
              + i
              + "\",\"content\":\""
              + "x".repeat(random.nextInt(200))
              + "\",\"time\":\"2026-12-02 12:00:00\"}";
      Instant t = Instant.ofEpochSecond(1_764_000_000L + i, 987_654_000);
      messageRecords[i] =
          WebSocketMessage.newBuilder()
              .setConnectionId("C" + Integer.toHexString(0x5f3a91 * (i + 1)))
              .setSensor("bench")
              .setClient("10.0.0." + (i % 250) + ":" + (40_000 + i))
              .setServer("10.0.1.1:47300")
              .setDirection(i % 2 == 0 ? Direction.CLIENT_TO_SERVER : Direction.SERVER_TO_CLIENT)
              .setTimestamp(t)
              .setOpcode(Opcode.TEXT)
              .setPayloadLength(text.getBytes(StandardCharsets.UTF_8).length)
              .setText(text)
              .build();
      chatRecords[i] =
          ChatEvent.newBuilder()
              .setConnectionId(messageRecords[i].getConnectionId())
              .setTimestamp(t)
              .setDirection(messageRecords[i].getDirection())
              .setType("say")
              .setKind(ChatEventKind.MESSAGE)
              .setNick("user" + i)
              .setRoom("1")
              .setContent("x".repeat(random.nextInt(200)))
              .setFromClientId("7f00000108fc0000000" + (i % 10))
              .setToClientId("all")
              .build();
    }
  }

  private int nextIndex() {
    int i = next;
    next = (i + 1) & (RECORDS - 1);
    return i;
  }

  @Benchmark
  public PacketRecord decodePacket() {
    return packets.decode(packetBytes[nextIndex()]);
  }

  @Benchmark
  public PacketRecord decodePacketAvro() {
    return avroPackets.decode(packetBytes[nextIndex()]);
  }

  @Benchmark
  public byte[] encodeMessage() {
    return messages.encode("tapflow.ws.messages", messageRecords[nextIndex()]);
  }

  @Benchmark
  public byte[] encodeMessageAvro() {
    return avroMessages.encode(messageRecords[nextIndex()]);
  }

  @Benchmark
  public byte[] encodeChat() {
    return chat.encode("tapflow.chat", chatRecords[nextIndex()]);
  }

  @Benchmark
  public byte[] encodeChatAvro() {
    return avroChat.encode(chatRecords[nextIndex()]);
  }
}
