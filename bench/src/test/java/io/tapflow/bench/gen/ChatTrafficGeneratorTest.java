package io.tapflow.bench.gen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tapflow.bench.CaptureSegments;
import io.tapflow.bench.CountingListener;
import io.tapflow.processor.analysis.AnalyzerConfig;
import io.tapflow.processor.analysis.ConnectionAnalyzer;
import io.tapflow.processor.tcp.Segment;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChatTrafficGeneratorTest {
  @TempDir Path dir;

  private ChatTrafficGenerator.Summary write(Path file, ChatTrafficGenerator.Spec spec)
      throws Exception {
    try (PcapWriter w = new PcapWriter(file)) {
      return ChatTrafficGenerator.generate(spec, w);
    }
  }

  @Test
  void acceptIsTheRfc6455ExampleValue() {
    // RFC 6455 §1.3.
    assertEquals(
        "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", ChatTrafficGenerator.accept("dGhlIHNhbXBsZSBub25jZQ=="));
  }

  @Test
  void deflateGivesTheRfc7692ExampleBytesAndKeepsItsContext() {
    // RFC 7692 §7.2.3.1 and §7.2.3.2: "Hello" twice with context takeover.
    Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    byte[] hello = "Hello".getBytes(StandardCharsets.US_ASCII);
    assertArrayEquals(
        HexFormat.of().parseHex("f248cdc9c90700"), ChatTrafficGenerator.deflate(d, hello));
    assertArrayEquals(
        HexFormat.of().parseHex("f200110000"), ChatTrafficGenerator.deflate(d, hello));
    d.end();
  }

  @Test
  void theSameSeedGivesTheSameBytes() throws Exception {
    ChatTrafficGenerator.Spec spec = ChatTrafficGenerator.Spec.of(7, 5, true, 42);
    write(dir.resolve("a.pcap"), spec);
    write(dir.resolve("b.pcap"), spec);
    assertArrayEquals(
        Files.readAllBytes(dir.resolve("a.pcap")), Files.readAllBytes(dir.resolve("b.pcap")));
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void tsharkDecodesEveryWebSocketFrame(boolean compression) throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/tshark")), "tshark is not installed");
    Path file = dir.resolve("chat.pcap");
    ChatTrafficGenerator.Summary s =
        write(file, ChatTrafficGenerator.Spec.of(12, 20, compression, 3));
    Process p =
        new ProcessBuilder(
                "tshark",
                "-r",
                file.toString(),
                "-d",
                "tcp.port==47300,http",
                "-o",
                "tcp.reassemble_out_of_order:TRUE",
                "-Y",
                "websocket",
                "-T",
                "fields",
                "-e",
                "websocket.opcode",
                "-e",
                "text")
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    p.getInputStream().transferTo(out);
    assertEquals(true, p.waitFor(60, TimeUnit.SECONDS));
    long opcodes = 0;
    long texts = 0;
    long says = 0;
    for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
      if (line.isEmpty()) {
        continue;
      }
      String[] fields = line.split("\t", 2);
      for (String op : fields[0].split(",")) {
        opcodes++;
        texts += op.equals("1") ? 1 : 0;
      }
      // tshark shows the text, inflated when compressed; each say line appears as JSON.
      says += fields.length > 1 ? fields[1].split("\"type\":\"say\"", -1).length - 1 : 0;
    }
    assertEquals(s.webSocketFrames(), opcodes);
    assertEquals(s.textMessages(), texts);
    assertEquals(12 * 2, s.closeFrames());
    assertEquals(true, says > 0);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void tapflowDecodesEveryMessageWithoutAnomalies(boolean compression) throws Exception {
    Path file = dir.resolve("chat.pcap");
    ChatTrafficGenerator.Summary s =
        write(file, ChatTrafficGenerator.Spec.of(12, 20, compression, 3));
    CaptureSegments c = CaptureSegments.read(file);
    assertEquals(s.packets(), c.segments().size());
    assertEquals(12, c.keys().size());
    CountingListener listener = new CountingListener();
    ConnectionAnalyzer[] analyzers = new ConnectionAnalyzer[c.keys().size()];
    List<Segment> segments = c.segments();
    for (int i = 0; i < segments.size(); i++) {
      int k = c.connection()[i];
      if (analyzers[k] == null) {
        analyzers[k] =
            ConnectionAnalyzer.open(
                c.keys().get(k), "bench", segments.get(i), AnalyzerConfig.DEFAULT);
      }
      analyzers[k].onSegment(segments.get(i), listener);
    }
    assertEquals(0, listener.anomalies, () -> "anomaly: " + listener.lastAnomaly);
    assertEquals(0, listener.gaps);
    assertEquals(s.webSocketFrames(), listener.messages);
    assertEquals(s.textMessages(), listener.appEvents);
    for (ConnectionAnalyzer a : analyzers) {
      assertEquals("fin", a.endReason());
    }
  }
}
