package io.tapflow.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.tapflow.cli.broker.EmbeddedKafkaBroker;
import io.tapflow.schemas.PacketKind;
import io.tapflow.schemas.PacketRecord;
import io.tapflow.schemas.TapflowSerdes;
import io.tapflow.sensor.capture.CaptureConfig;
import io.tapflow.sensor.capture.PcapSource;
import io.tapflow.sensor.metrics.SensorMetrics;
import io.tapflow.sensor.publish.PacketPublisher;
import io.tapflow.sensor.publish.PacketRecordEncoder;
import io.tapflow.sensor.publish.PayloadMode;
import io.tapflow.sensor.publish.PublishConfig;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The sample captures replayed through a {@link PacketPublisher} with {@code content} redacted,
 * against a real broker, record by record against the same capture published in full: only the
 * bytes inside content values change (the text frames of {@code chat.pcap}), compressed messages
 * are withheld ({@code chat-deflate.pcap}), {@code cap:N} cuts the redacted bytes, and {@code none}
 * leaves nothing to redact.
 */
class PacketPublisherRedactionTest {
  private static final Path CHAT = Path.of("..", "samples", "chat.pcap");
  private static final Path DEFLATE = Path.of("..", "samples", "chat-deflate.pcap");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static EmbeddedKafkaBroker broker;
  private static int topics;

  @BeforeAll
  static void startBroker() throws Exception {
    broker = EmbeddedKafkaBroker.start();
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
  }

  /** One replay: its segments in capture order and its sensor metrics. */
  private record Replay(List<PacketRecord> segments, PrometheusRegistry registry) {
    double counter(String name, String labelValue) {
      double sum = 0;
      for (MetricSnapshot s : registry.scrape()) {
        if (s.getMetadata().getPrometheusName().equals(name)) {
          for (var d : ((CounterSnapshot) s).getDataPoints()) {
            if (labelValue == null || d.getLabels().toString().contains("\"" + labelValue + "\"")) {
              sum += d.getValue();
            }
          }
        }
      }
      return sum;
    }

    int series(String name) {
      for (MetricSnapshot s : registry.scrape()) {
        if (s.getMetadata().getPrometheusName().equals(name)) {
          return s.getDataPoints().size();
        }
      }
      return 0;
    }
  }

  private static Replay replay(Path capture, PayloadMode payload, List<String> redact)
      throws Exception {
    String topic = "redact-" + topics++ + ".tapflow.packets";
    Properties client = new Properties();
    client.put("bootstrap.servers", broker.bootstrapServers());
    try (Admin admin = Admin.create(client)) {
      admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
    }
    PrometheusRegistry registry = new PrometheusRegistry();
    try (PacketPublisher publisher =
            new PacketPublisher(
                PublishConfig.file(broker.bootstrapServers(), Map.of())
                    .withPayload(payload)
                    .withRedactFields(redact),
                "replay",
                capture.getFileName().toString(),
                topic,
                PacketRecordEncoder.singleObjectHeader(),
                new SensorMetrics(registry));
        PcapSource source = PcapSource.open(CaptureConfig.offline(capture))) {
      publisher.awaitPartitionsWritable();
      source.run(publisher);
      publisher.flush();
    }
    List<PacketRecord> segments =
        TopicReader.readAll(
                client, topic, TapflowSerdes.packetRecord().deserializer(), Duration.ofMinutes(1))
            .stream()
            .map(ConsumerRecord::value)
            .filter(r -> r.getKind() == PacketKind.SEGMENT)
            .sorted(Comparator.comparingLong(PacketRecord::getSensorSeq))
            .toList();
    assertEquals(40, segments.size());
    return new Replay(segments, registry);
  }

  @Test
  void chatPcapDiffersFromFullOnlyInsideTheFiveContentValues() throws Exception {
    Replay full = replay(CHAT, PayloadMode.FULL, List.of());
    Replay redacted = replay(CHAT, PayloadMode.FULL, List.of("content"));
    assertEquals(5.0, redacted.counter("tapflow_sensor_redactions", "content"));
    assertEquals(0.0, redacted.counter("tapflow_sensor_redaction_withheld_segments", null));
    assertEquals(0.0, redacted.counter("tapflow_sensor_payload_withheld_bytes", null));
    assertEquals(0, full.series("tapflow_sensor_redactions"));

    int changed = 0;
    for (int i = 0; i < 40; i++) {
      byte[] f = bytes(full.segments().get(i).getPayload());
      byte[] r = bytes(redacted.segments().get(i).getPayload());
      assertEquals(f.length, r.length);
      if (Arrays.equals(f, r)) {
        continue;
      }
      changed++;
      // One text frame per segment: its JSON is the full one with content as stars.
      JsonNode before = JSON.readTree(frameText(f));
      JsonNode after = JSON.readTree(frameText(r));
      assertEquals("say", after.get("type").asText());
      String raw = rawContent(frameText(f));
      assertEquals(
          "*".repeat(raw.getBytes(StandardCharsets.UTF_8).length), after.get("content").asText());
      ((ObjectNode) before).remove("content");
      ((ObjectNode) after).remove("content");
      assertEquals(before, after);
      assertFalse(new String(frameText(r), StandardCharsets.UTF_8).contains("Merhaba"));
    }
    assertEquals(5, changed);
  }

  @Test
  void chatDeflatePcapHasEveryCompressedMessageWithheldAndTheRestAsCaptured() throws Exception {
    Replay full = replay(DEFLATE, PayloadMode.FULL, List.of());
    Replay redacted = replay(DEFLATE, PayloadMode.FULL, List.of("content"));
    int compressed = 0;
    long compressedBytes = 0;
    for (int i = 0; i < 40; i++) {
      byte[] f = bytes(full.segments().get(i).getPayload());
      byte[] r = bytes(redacted.segments().get(i).getPayload());
      // Every data frame of this capture has RSV1 and starts its own segment.
      boolean data = f.length > 0 && (f[0] & 0x40) != 0 && (f[0] & 0x0F) <= 2;
      if (data) {
        compressed++;
        compressedBytes += f.length;
        assertEquals(0, r.length);
        assertEquals(f.length, redacted.segments().get(i).getPayloadWireLength());
      } else {
        assertArrayEquals(f, r); // handshake heads, close frames, no payload
      }
    }
    assertEquals(17 - 4, compressed); // 17 messages, of which 4 close frames
    assertEquals(
        compressed, redacted.counter("tapflow_sensor_redaction_withheld_segments", "compressed"));
    assertEquals(compressed, redacted.counter("tapflow_sensor_redaction_withheld_segments", null));
    assertEquals(
        compressedBytes, redacted.counter("tapflow_sensor_redaction_withheld_bytes", "compressed"));
    assertEquals(compressedBytes, redacted.counter("tapflow_sensor_payload_withheld_bytes", null));
    assertEquals(0.0, redacted.counter("tapflow_sensor_redactions", null));
  }

  @Test
  void capNKeepsTheFirstNBytesOfTheRedactedPayloadAndNoneHasNothingToRedact() throws Exception {
    Replay redacted = replay(CHAT, PayloadMode.FULL, List.of("content"));
    Replay capped = replay(CHAT, PayloadMode.cap(64), List.of("content"));
    long cut = 0;
    for (int i = 0; i < 40; i++) {
      byte[] r = bytes(redacted.segments().get(i).getPayload());
      assertArrayEquals(
          Arrays.copyOf(r, Math.min(64, r.length)), bytes(capped.segments().get(i).getPayload()));
      cut += Math.max(0, r.length - 64);
    }
    assertEquals(cut, capped.counter("tapflow_sensor_payload_withheld_bytes", null));
    // Values whose end lies beyond the cap were still redacted, and are counted.
    assertEquals(5.0, capped.counter("tapflow_sensor_redactions", "content"));

    Replay none = replay(CHAT, PayloadMode.NONE, List.of("content"));
    assertEquals(0, none.series("tapflow_sensor_redactions"));
    assertEquals(0, none.series("tapflow_sensor_redaction_withheld_segments"));
    assertEquals(2515.0, none.counter("tapflow_sensor_payload_withheld_bytes", null));
  }

  /** The unmasked payload of the one text frame {@code segment} holds. */
  private static byte[] frameText(byte[] segment) {
    assertEquals(0x81, segment[0] & 0xFF);
    int length = segment[1] & 0x7F;
    int at = 2;
    if (length == 126) {
      length = (segment[2] & 0xFF) << 8 | (segment[3] & 0xFF);
      at = 4;
    }
    boolean masked = (segment[1] & 0x80) != 0;
    byte[] key = masked ? Arrays.copyOfRange(segment, at, at + 4) : null;
    at += masked ? 4 : 0;
    assertEquals(segment.length, at + length);
    byte[] text = Arrays.copyOfRange(segment, at, segment.length);
    for (int i = 0; masked && i < text.length; i++) {
      text[i] ^= key[i & 3];
    }
    return text;
  }

  /** The content member's string as written in {@code json} (escapes as they are). */
  private static String rawContent(byte[] json) {
    String text = new String(json, StandardCharsets.UTF_8);
    int start = text.indexOf("\"content\":\"") + "\"content\":\"".length();
    int end = start;
    while (text.charAt(end) != '"') {
      end += text.charAt(end) == '\\' ? 2 : 1;
    }
    return text.substring(start, end);
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }
}
