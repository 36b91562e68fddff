package io.tapflow.cli.analyze;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tapflow.cli.ByteSearch;
import io.tapflow.cli.TopicReader;
import io.tapflow.cli.broker.EmbeddedKafkaBroker;
import io.tapflow.processor.analysis.AnalyzerConfig;
import io.tapflow.schemas.ChatEvent;
import io.tapflow.schemas.ConnectionRecord;
import io.tapflow.schemas.Opcode;
import io.tapflow.schemas.Topics;
import io.tapflow.schemas.WebSocketMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The committed sample captures (made by samples/make-chat-capture.sh with real python-websockets
 * peers) through the whole pipeline on an embedded broker. Expected timings are tshark's frame
 * times of the same capture.
 */
class SampleCaptureEndToEndTest {
  private static final Path SAMPLES = Path.of("..", "samples");
  private static EmbeddedKafkaBroker broker;

  @BeforeAll
  static void startBroker() {
    broker = EmbeddedKafkaBroker.start();
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
  }

  private static AnalyzeRun.Result analyze(String file, String prefix) throws Exception {
    return AnalyzeRun.run(
        new AnalyzeRun.Options(
            SAMPLES.resolve(file),
            broker.bootstrapServers(),
            Map.of(),
            prefix,
            2,
            "sample",
            true,
            Duration.ofMinutes(2)));
  }

  @Test
  void theChatSampleGivesMynicksGreetingAndBothLatencies() throws Exception {
    AnalyzeRun.Result r = analyze("chat.pcap", "plain.");
    assertEquals(40, r.packetsRead());
    // Every segment, and per partition one heartbeat before the capture and one end-of-capture.
    assertEquals(40 + 2 + 2, r.recordsPublished());
    assertEquals(0, r.recordsFailed());
    // Every record arrived: no gap in any partition's sequence (2 partitions here).
    assertEquals(0.0, counterTotal(r, "tapflow_processor_records_lost"));

    assertEquals(
        List.of("mynick: Merhaba, herkes!", "ayse: Günaydın! Çay içelim mi? ğüşiöç ĞÜŞİÖÇ"),
        AnalyzeCommand.chatLines(r.chat()));
    ChatEvent login = r.chat().get(0);
    assertEquals("login", login.getType());
    assertEquals("mynick", login.getNick());
    assertEquals("1", login.getRoom());

    assertEquals(13, r.messages().stream().filter(m -> m.getOpcode() == Opcode.TEXT).count());
    assertEquals(4, r.messages().stream().filter(m -> m.getOpcode() == Opcode.CLOSE).count());
    assertEquals(17, r.messages().size());

    List<ConnectionRecord> finals =
        r.connections().stream().filter(ConnectionRecord::getFinal$).toList();
    assertEquals(2, finals.size());
    ConnectionRecord mynick = byClient(finals, "127.0.0.1:47273");
    assertEquals("127.0.0.1:47272", mynick.getServer());
    assertEquals(101, mynick.getHttpStatus());
    assertEquals(31L, mynick.getTcpHandshakeMicros());
    assertEquals(976L, mynick.getUpgradeLatencyMicros());
    assertEquals("/", mynick.getPath());
    assertEquals(1000, mynick.getCloseCode());
    ConnectionRecord ayse = byClient(finals, "127.0.0.1:47274");
    assertEquals(21L, ayse.getTcpHandshakeMicros());
    assertEquals(514L, ayse.getUpgradeLatencyMicros());
    // One record at the upgrade and one final record per connection.
    assertEquals(4, r.connections().size());
  }

  @Test
  void theCompressedSampleGivesTheSameTextsAsThePlainOne() throws Exception {
    AnalyzeRun.Result plain = analyze("chat.pcap", "plain2.");
    AnalyzeRun.Result deflate = analyze("chat-deflate.pcap", "deflate.");
    assertEquals(texts(plain.messages()), texts(deflate.messages()));
    assertTrue(
        deflate.messages().stream()
            .filter(m -> m.getOpcode() == Opcode.TEXT)
            .allMatch(WebSocketMessage::getCompressed));
    assertEquals(AnalyzeCommand.chatLines(plain.chat()), AnalyzeCommand.chatLines(deflate.chat()));
  }

  private static final byte[] GREETING = "Merhaba, herkes!".getBytes(StandardCharsets.UTF_8);

  @Test
  void withContentRedactedNoOutputRecordHoldsTheChatLinesAndTheNicksStay() throws Exception {
    AnalyzerConfig redacting = AnalyzerConfig.DEFAULT.withRedactFields(List.of("content"));
    for (String file : List.of("chat.pcap", "chat-deflate.pcap")) {
      String prefix = "redacted-" + file.replace(".pcap", "") + ".";
      AnalyzeRun.Result r =
          AnalyzeRun.run(
              new AnalyzeRun.Options(
                      SAMPLES.resolve(file),
                      broker.bootstrapServers(),
                      Map.of(),
                      prefix,
                      2,
                      "sample",
                      true,
                      Duration.ofMinutes(2))
                  .withAnalyzer(redacting));
      assertEquals(
          List.of("mynick: [redacted]", "ayse: [redacted]"),
          AnalyzeCommand.chatLines(r.chat()),
          file);
      assertEquals(17, r.messages().size(), file);
      assertEquals(5.0, counterTotal(r, "tapflow_redactions"), file);
      assertEquals(0.0, counterTotal(r, "tapflow_redaction_unparsed"), file);

      Topics topics = Topics.DEFAULT.withPrefix(prefix);
      int records = 0;
      for (String topic :
          List.of(
              topics.messages(),
              topics.connections(),
              topics.chat(),
              topics.anomalies(),
              topics.deadLetters())) {
        for (ConsumerRecord<String, byte[]> record : rawRecords(topic)) {
          records++;
          assertFalse(ByteSearch.contains(record.value(), GREETING), topic + " holds the greeting");
          assertFalse(ByteSearch.contains(record.value(), TURKISH), topic + " holds ayse's line");
          assertFalse(
              ByteSearch.contains(record.value(), TURKISH_ESCAPED), topic + " holds ayse's line");
          for (Header h : record.headers()) {
            assertFalse(ByteSearch.contains(h.value(), GREETING), topic + " header " + h.key());
          }
        }
      }
      // 17 messages, 4 connection records, 13 chat events, no anomaly, nothing undecodable.
      assertEquals(17 + 4 + 13, records, file);

      // analyze --direct redacts alike: the same records (the order across partitions aside).
      AnalyzeRun.Result direct = DirectAnalysis.run(SAMPLES.resolve(file), "sample", redacting);
      assertEquals(sorted(r.messages()), sorted(direct.messages()), file);
      assertEquals(sorted(r.chat()), sorted(direct.chat()), file);
      assertEquals(sorted(r.connections()), sorted(direct.connections()), file);
      assertEquals(5.0, counterTotal(direct, "tapflow_redactions"), file);
    }
    // What the packets topic carries is the capture's raw segments: the uncompressed sample's
    // server frames are not masked, so the greeting is there (the sensor's payload options are
    // what keeps payloads off it).
    assertTrue(
        rawRecords(Topics.DEFAULT.withPrefix("redacted-chat.").packets()).stream()
            .anyMatch(record -> ByteSearch.contains(record.value(), GREETING)));
  }

  /** ayse's line as the client sends it, and as the server escapes it. */
  private static final byte[] TURKISH = "Günaydın!".getBytes(StandardCharsets.UTF_8);

  private static final byte[] TURKISH_ESCAPED =
      "G\\u00fcnayd\\u0131n!".getBytes(StandardCharsets.UTF_8);

  private static List<ConsumerRecord<String, byte[]>> rawRecords(String topic) {
    Properties client = new Properties();
    client.put("bootstrap.servers", broker.bootstrapServers());
    return TopicReader.readAll(client, topic, new ByteArrayDeserializer(), Duration.ofMinutes(1));
  }

  private static List<String> sorted(List<?> records) {
    return records.stream().map(Object::toString).sorted().toList();
  }

  private static double counterTotal(AnalyzeRun.Result r, String name) {
    double total = 0;
    for (var snapshot : r.registry().scrape()) {
      if (snapshot.getMetadata().getName().equals(name)) {
        for (var d :
            ((io.prometheus.metrics.model.snapshots.CounterSnapshot) snapshot).getDataPoints()) {
          total += d.getValue();
        }
      }
    }
    return total;
  }

  private static List<String> texts(List<WebSocketMessage> messages) {
    return messages.stream()
        .filter(m -> m.getOpcode() == Opcode.TEXT)
        .map(m -> m.getDirection() + " " + m.getText())
        .sorted()
        .toList();
  }

  private static ConnectionRecord byClient(List<ConnectionRecord> records, String client) {
    return records.stream().filter(c -> c.getClient().equals(client)).findFirst().orElseThrow();
  }
}
