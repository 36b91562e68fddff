package io.tapflow.cli.consume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tapflow.cli.analyze.AnalyzeRun;
import io.tapflow.cli.broker.EmbeddedKafkaBroker;
import io.tapflow.schemas.Anomaly;
import io.tapflow.schemas.ChatEvent;
import io.tapflow.schemas.ConnectionRecord;
import io.tapflow.schemas.PacketRecord;
import io.tapflow.schemas.TapflowSerdes;
import io.tapflow.schemas.WebSocketMessage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ways docs/CONSUMING.md shows to read tapflow's topics without tapflow: the two Java examples
 * (run here, and shown verbatim in the document) and kcat, on the chat sample's outputs.
 */
class ConsumingExamplesTest {
  private static final Path DOC = Path.of("..", "docs", "CONSUMING.md");
  private static final Path EXAMPLES =
      Path.of("src", "test", "java", "io", "tapflow", "cli", "consume");
  private static final Path AVSC = Path.of("..", "schemas", "src", "main", "avro");
  private static final List<String> CHAT_MESSAGES =
      List.of(
          "2026-11-25T01:13:14.298198Z mynick: Merhaba, herkes!",
          "2026-11-25T01:13:15.311065Z ayse: Günaydın! Çay içelim mi? ğüşiöç ĞÜŞİÖÇ",
          "2026-11-25T01:13:15.312139Z ayse: Günaydın! Çay içelim mi? ğüşiöç ĞÜŞİÖÇ");
  private static final String MYNICK_KEY = "local|127.0.0.1:47272|127.0.0.1:47273";
  private static final String AYSE_KEY = "local|127.0.0.1:47272|127.0.0.1:47274";

  private static EmbeddedKafkaBroker broker;
  private static AnalyzeRun.Result sample;

  @BeforeAll
  static void runTheSample() throws Exception {
    broker = EmbeddedKafkaBroker.start();
    sample = analyze("eos.", true);
    analyze("alo.", false);
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
  }

  private static AnalyzeRun.Result analyze(String prefix, boolean exactlyOnce) throws Exception {
    return AnalyzeRun.run(
        new AnalyzeRun.Options(
            Path.of("..", "samples", "chat.pcap"),
            broker.bootstrapServers(),
            Map.of(),
            prefix,
            2,
            "local",
            exactlyOnce,
            Duration.ofMinutes(2)));
  }

  private static Properties kafka() {
    Properties p = new Properties();
    p.put("bootstrap.servers", broker.bootstrapServers());
    return p;
  }

  private static List<String> sorted(List<String> lines) {
    List<String> s = new ArrayList<>(lines);
    Collections.sort(s);
    return s;
  }

  @Test
  void thePlainExampleDecodesTheChatWithKafkaClientsAndAvroOnly() throws Exception {
    assertEquals(
        CHAT_MESSAGES,
        sorted(PlainConsumerExample.chatMessages(kafka(), "eos.tapflow.chat", AVSC)));
    String source = Files.readString(EXAMPLES.resolve("PlainConsumerExample.java"));
    assertTrue(source.contains("import org.apache.avro.message.BinaryMessageDecoder;"));
    assertEquals(
        List.of(),
        source.lines().filter(l -> l.startsWith("import") && l.contains("tapflow")).toList());
  }

  @Test
  void theSchemasExampleGivesTheSameLines() {
    assertEquals(
        CHAT_MESSAGES, sorted(SchemasConsumerExample.chatMessages(kafka(), "eos.tapflow.chat")));
  }

  @Test
  void theDocumentShowsBothExamplesAsTheyAreCompiledAndRun() throws IOException {
    String doc = Files.readString(DOC);
    for (String example : List.of("PlainConsumerExample.java", "SchemasConsumerExample.java")) {
      String source = Files.readString(EXAMPLES.resolve(example));
      assertTrue(
          doc.contains("```java\n" + source + "```\n"),
          "docs/CONSUMING.md must show " + example + " exactly as it is");
    }
  }

  @Test
  void theDocumentListsTheFingerprintOfEverySchemaAsOnTheWire() throws IOException {
    String doc = Files.readString(DOC);
    for (Schema s :
        List.of(
            PacketRecord.getClassSchema(),
            WebSocketMessage.getClassSchema(),
            ConnectionRecord.getClassSchema(),
            ChatEvent.getClassSchema(),
            Anomaly.getClassSchema())) {
      String row = "| `" + s.getName() + ".avsc` | `" + wireFingerprint(s) + "` |";
      assertTrue(doc.contains(row), "docs/CONSUMING.md must have the row " + row);
    }
  }

  /** The 8 fingerprint bytes as they follow C3 01 on the wire (little-endian), in hex. */
  private static String wireFingerprint(Schema s) {
    long f = SchemaNormalization.parsingFingerprint64(s);
    byte[] b = new byte[8];
    for (int i = 0; i < 8; i++) {
      b[i] = (byte) (f >>> (8 * i));
    }
    return HexFormat.ofDelimiter(" ").formatHex(b);
  }

  @Test
  void kcatListsEveryRecordWithItsConnectionKey() throws Exception {
    List<String> keys =
        sorted(lines(kcat("-C", "-t", "eos.tapflow.chat", "-e", "-q", "-f", "%k\\n")));
    List<String> expected = new ArrayList<>();
    expected.addAll(Collections.nCopies(9, MYNICK_KEY));
    expected.addAll(Collections.nCopies(4, AYSE_KEY));
    assertEquals(expected, keys);
  }

  @Test
  void kcatGivesTheSingleObjectEncodedBytesThatTheSchemaDecodes() throws Exception {
    // Each value as its size, a newline and its bytes.
    byte[] out = kcat("-C", "-t", "eos.tapflow.chat", "-e", "-q", "-f", "%S\\n%s");
    List<String> decoded = new ArrayList<>();
    int i = 0;
    while (i < out.length) {
      int newline = i;
      while (out[newline] != '\n') {
        newline++;
      }
      int size = Integer.parseInt(new String(out, i, newline - i, StandardCharsets.US_ASCII));
      byte[] value = Arrays.copyOfRange(out, newline + 1, newline + 1 + size);
      assertEquals(
          "c3 01 " + wireFingerprint(ChatEvent.getClassSchema()),
          HexFormat.ofDelimiter(" ").formatHex(value, 0, 10));
      decoded.add(TapflowSerdes.chatEvent().decode(value).toString());
      i = newline + 1 + size;
    }
    assertEquals(sorted(sample.chat().stream().map(ChatEvent::toString).toList()), sorted(decoded));
  }

  @Test
  void kcatStartsAtATimeWithTheKafkaTimestampWhichIsTheCaptureTime() throws Exception {
    // At-least-once topics: no transaction markers (whose commit-time stamps would make the
    // lookup land earlier on exactly-once topics).
    List<String> stamps =
        sorted(
            lines(
                kcat(
                    "-C",
                    "-t",
                    "alo.tapflow.chat",
                    "-o",
                    "s@1795569195306",
                    "-e",
                    "-q",
                    "-f",
                    "%T %k\\n")));
    assertEquals(
        List.of(
            "1795569195306 " + AYSE_KEY,
            "1795569195308 " + MYNICK_KEY,
            "1795569195310 " + AYSE_KEY,
            "1795569195310 " + AYSE_KEY,
            "1795569195311 " + MYNICK_KEY,
            "1795569195312 " + AYSE_KEY,
            "1795569195315 " + MYNICK_KEY),
        stamps);
  }

  private static List<String> lines(byte[] out) {
    String text = new String(out, StandardCharsets.UTF_8);
    return text.isEmpty() ? List.of() : Arrays.asList(text.split("\n"));
  }

  /** Runs kcat against the broker and returns its standard output. */
  private static byte[] kcat(String... args) throws Exception {
    List<String> command =
        Stream.concat(Stream.of("kcat", "-b", broker.bootstrapServers()), Stream.of(args)).toList();
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (InputStream in = p.getInputStream()) {
      in.transferTo(out);
    }
    assertTrue(p.waitFor(2, TimeUnit.MINUTES), "kcat did not end");
    assertEquals(0, p.exitValue(), "kcat " + command);
    return out.toByteArray();
  }
}
