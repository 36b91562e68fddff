package io.tapflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tapflow.cli.analyze.AnalyzeCommand;
import io.tapflow.cli.broker.EmbeddedKafkaBroker;
import io.tapflow.schemas.Direction;
import io.tapflow.schemas.PacketKind;
import io.tapflow.schemas.PacketRecord;
import io.tapflow.schemas.TapflowSerdes;
import io.tapflow.schemas.Topics;
import io.tapflow.schemas.WebSocketMessage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code tapflow sensor -i lo --redact-field content} (a child JVM, live capture on the loopback
 * interface: needs root or CAP_NET_RAW, as CI has) while real python-websockets peers play the
 * workerman-chat conversation of {@code samples/chat-client.py}: without compression no secret
 * leaves the sensor, the processor decodes every message with the {@code content} values as stars
 * of their length, and the counters say exactly what was done; with permessage-deflate every
 * compressed message's segment is withheld and counted.
 */
class SensorRedactionEndToEndTest {
  private static final String MERHABA = "Merhaba, herkes!";
  private static final String TURKISH = "Günaydın! Çay içelim mi? ğüşiöç ĞÜŞİÖÇ";
  private static final ObjectMapper JSON = new ObjectMapper();

  private static EmbeddedKafkaBroker broker;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void startBroker() throws Exception {
    broker = EmbeddedKafkaBroker.start();
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
  }

  /** One capture: the sensor's counters at its end and the segments on its packets topic. */
  private record Capture(String prefix, String metrics, List<PacketRecord> segments) {
    double metric(String name, String label) {
      double sum = 0;
      for (String line : metrics.lines().toList()) {
        if (line.startsWith(name + "{") && line.contains(label)) {
          sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
      return sum;
    }
  }

  @Test
  void uncompressedChatLeavesTheHostWithEveryContentValueStarredAndDecodesSo() throws Exception {
    Capture capture = capture("none", 29950, "plain.");

    // The counters: the 5 content values (2 said, 3 echoed), nothing withheld.
    assertEquals(5.0, capture.metric("tapflow_sensor_redactions_total", "field=\"content\""));
    assertEquals(0.0, capture.metric("tapflow_sensor_redaction_withheld_segments_total", ""));
    assertEquals(0.0, capture.metric("tapflow_sensor_redaction_withheld_bytes_total", ""));
    assertEquals(0.0, capture.metric("tapflow_sensor_payload_withheld_bytes_total", ""));

    // The raw records: every payload whole; no secret in any (server frames are not masked), and
    // the server's echoes carry exactly the stars.
    int withPayload = 0;
    boolean starsSeen = false;
    for (PacketRecord r : capture.segments()) {
      byte[] p = bytes(r.getPayload());
      assertEquals(r.getPayloadWireLength(), p.length, r.toString());
      withPayload += p.length > 0 ? 1 : 0;
      for (String secret : List.of(MERHABA, "Merhaba", phpJson(TURKISH), "G\\u00fcnayd")) {
        assertFalse(
            ByteSearch.contains(p, secret.getBytes(StandardCharsets.UTF_8)), secret + " in " + r);
      }
      starsSeen |= ByteSearch.contains(p, ascii("\"content\":\"" + "*".repeat(16) + "\""));
    }
    assertTrue(withPayload >= 4 + 13, "segments with payload: " + withPayload);
    assertTrue(starsSeen);

    // The processor decodes the packets topic: every message, the content values as stars.
    Topics topics = Topics.DEFAULT.withPrefix(capture.prefix());
    List<WebSocketMessage> messages;
    List<String> chat;
    try (Pipeline pipeline =
        Pipeline.create(
            new Pipeline.Settings(
                broker.bootstrapServers(),
                Map.of(),
                topics,
                2,
                1,
                capture.prefix() + "processor",
                true,
                "unused",
                "lo"),
            new PrometheusRegistry())) {
      pipeline.startProcessor();
      pipeline.awaitProcessed(Duration.ofMinutes(2));
      messages =
          pipeline.read(
              topics.messages(),
              TapflowSerdes.webSocketMessage().deserializer(),
              Duration.ofMinutes(1));
      chat =
          AnalyzeCommand.chatLines(
              pipeline.read(
                  topics.chat(), TapflowSerdes.chatEvent().deserializer(), Duration.ofMinutes(1)));
    }
    // The chat lines (one per say): each text as the stars its UTF-8 bytes became.
    assertEquals(
        List.of(
            "mynick: " + stars(MERHABA.length()),
            "ayse: " + stars(TURKISH.getBytes(StandardCharsets.UTF_8).length)),
        chat);
    List<String> texts = new ArrayList<>();
    int contents = 0;
    for (WebSocketMessage m : messages) {
      if (m.getText() == null) {
        continue;
      }
      texts.add(m.getText());
      assertEquals(0, m.getMissingBytes(), m.toString());
      JsonNode tree = JSON.readTree(m.getText());
      if (!tree.has("content")) {
        continue;
      }
      contents++;
      String content = tree.get("content").asText();
      assertEquals("say", tree.get("type").asText());
      assertEquals("all", tree.get("to_client_id").asText());
      if (m.getDirection() == Direction.CLIENT_TO_SERVER) {
        assertEquals("所有人", tree.get("to_client_name").asText());
        assertTrue(
            content.equals(stars(MERHABA.getBytes(StandardCharsets.UTF_8).length))
                || content.equals(stars(TURKISH.getBytes(StandardCharsets.UTF_8).length)),
            content);
      } else {
        assertEquals("2024-01-01 10:00:00", tree.get("time").asText());
        String from = tree.get("from_client_name").asText();
        assertEquals(
            from.equals("mynick") ? stars(MERHABA.length()) : stars(phpJson(TURKISH).length()),
            content);
        assertTrue(from.equals("mynick") || from.equals("ayse"), from);
      }
    }
    assertEquals(5, contents);
    assertEquals(13, texts.size()); // every text message of the conversation decoded
    for (String t : texts) {
      for (String secret : List.of(MERHABA, "Merhaba", TURKISH, "G\\u00fcnayd")) {
        assertFalse(t.contains(secret), t);
      }
    }
  }

  @Test
  void withPermessageDeflateEveryCompressedMessageIsWithheldAndCounted() throws Exception {
    Capture capture = capture("deflate", 29960, "deflate.");
    long withheldSegments = 0;
    long withheldBytes = 0;
    for (PacketRecord r : capture.segments()) {
      if (r.getPayloadWireLength() > 0 && r.getPayload().remaining() == 0) {
        withheldSegments++;
        withheldBytes += r.getPayloadWireLength();
      }
    }
    // 13 text messages, each compressed in its own segment; the heads and close frames pass.
    assertEquals(13, withheldSegments);
    assertEquals(
        13.0,
        capture.metric(
            "tapflow_sensor_redaction_withheld_segments_total", "reason=\"compressed\""));
    assertEquals(
        (double) withheldBytes,
        capture.metric("tapflow_sensor_redaction_withheld_bytes_total", "reason=\"compressed\""));
    assertEquals(13.0, capture.metric("tapflow_sensor_redaction_withheld_segments_total", ""));
    assertEquals(
        (double) withheldBytes, capture.metric("tapflow_sensor_payload_withheld_bytes_total", ""));
    assertEquals(0.0, capture.metric("tapflow_sensor_redactions_total", ""));
  }

  /**
   * Runs the chat conversation with {@code compression} (none or deflate) on {@code port} (the
   * clients from the next two ports) under a live sensor redacting {@code content}.
   */
  private Capture capture(String compression, int port, String prefix) throws Exception {
    Path dir = Files.createTempDirectory("tapflow-sredact-");
    ChatSampleServer server = ChatSampleServer.start(port); // listening before the capture
    try {
      try (TapflowProcess sensor =
          TapflowProcess.start(
              dir,
              "sensor",
              List.of(),
              TapflowProcess.testClasspath(),
              "warn",
              List.of(
                  "sensor",
                  "-i",
                  "lo",
                  "-f",
                  "tcp port " + port,
                  "--sensor-id",
                  "redact",
                  "--topic-prefix",
                  prefix,
                  "--partitions",
                  "2",
                  "--metrics-address",
                  "127.0.0.1:0",
                  "--bootstrap-servers",
                  broker.bootstrapServers(),
                  "--redact-field",
                  "content"))) {
        sensor.awaitStderr("tapflow sensor redact: capturing lo", Duration.ofMinutes(2));
        assertTrue(sensor.stderr().contains("payload full, redacting content"), sensor.stderr());
        Matcher started = Pattern.compile("/metrics on port (\\d+)").matcher(sensor.stderr());
        assertTrue(started.find(), sensor.stderr());
        int metricsPort = Integer.parseInt(started.group(1));
        Thread.sleep(1000); // let libpcap's handle settle before the peers talk

        server.converse("--compression", compression);
        Thread.sleep(1500); // the last FINs captured and published
        String metrics = awaitSettled(sensor, metricsPort);
        sensor.stop(Duration.ofMinutes(1));
        Properties client = new Properties();
        client.put("bootstrap.servers", broker.bootstrapServers());
        List<PacketRecord> segments =
            TopicReader.readAll(
                    client,
                    prefix + "tapflow.packets",
                    TapflowSerdes.packetRecord().deserializer(),
                    Duration.ofMinutes(1))
                .stream()
                .map(ConsumerRecord::value)
                .filter(r -> r.getKind() == PacketKind.SEGMENT)
                .toList();
        assertEquals(
            capture(metrics, "tapflow_sensor_records_published_total", "kind=\"segment\""),
            (double) segments.size());
        return new Capture(prefix, metrics, segments);
      }
    } finally {
      server.close();
    }
  }

  /** The sensor's metrics once nothing is pending and every captured packet is published. */
  private String awaitSettled(TapflowProcess sensor, int metricsPort) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    String text = "";
    while (System.nanoTime() < deadline) {
      assertTrue(sensor.isAlive(), sensor.stderr());
      text =
          http.send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      double captured = capture(text, "tapflow_sensor_packets_captured_total", "");
      double published =
          capture(text, "tapflow_sensor_records_published_total", "kind=\"segment\"");
      if (captured > 0 && captured == published) {
        return text;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the sensor did not publish every packet:\n" + text);
  }

  private static double capture(String metrics, String name, String label) {
    return new Capture("", metrics, List.of()).metric(name, label);
  }

  /** A string as chat-server.py writes it in JSON: non-ASCII as {@code \}{@code uXXXX}. */
  private static String phpJson(String text) {
    StringBuilder sb = new StringBuilder();
    for (char ch : text.toCharArray()) {
      if (ch < 0x80) {
        sb.append(ch);
      } else {
        sb.append(String.format("\\u%04x", (int) ch));
      }
    }
    return sb.toString();
  }

  private static String stars(int n) {
    return "*".repeat(n);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }
}
