package io.tapflow.cli.analyze;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code analyze --direct --redact-field}: the command's files, with what they count. */
class AnalyzeRedactionTest {
  @TempDir Path out;

  @Test
  void theCompressedSampleWritesNoChatLineAndCountsEveryRedaction() throws Exception {
    int exit =
        new CommandLine(new AnalyzeCommand())
            .execute(
                Path.of("..", "samples", "chat-deflate.pcap").toString(),
                "--direct",
                "--redact-field",
                "content",
                "--out",
                out.toString(),
                "--quiet");
    assertEquals(0, exit);
    for (String file :
        List.of("messages.jsonl", "chat.jsonl", "connections.jsonl", "anomalies.jsonl")) {
      String text = Files.readString(out.resolve(file));
      assertFalse(text.contains("Merhaba"), file);
      assertFalse(text.contains("Günaydın") || text.contains("G\\u00fcnayd"), file);
    }
    List<String> says =
        Files.readAllLines(out.resolve("chat.jsonl")).stream()
            .filter(l -> l.contains("\"type\":\"say\""))
            .toList();
    assertEquals(5, says.size());
    for (String say : says) {
      assertTrue(say.contains("\"content\":\"[redacted]\""), say);
    }
    assertEquals(
        1,
        says.stream().filter(l -> l.contains("\"nick\":\"mynick\"")).count(),
        "the server's echo of mynick's line keeps the nick");
    String metrics = Files.readString(out.resolve("metrics.prom"));
    assertTrue(metrics.contains("\ntapflow_redactions_total{field=\"content\"} 5.0\n"), metrics);
    assertTrue(metrics.contains("\ntapflow_redaction_unparsed_total 0.0\n"), metrics);
  }
}
