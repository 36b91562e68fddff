package io.tapflow.cli.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tapflow.processor.analysis.AnalysisListener;
import io.tapflow.processor.analysis.AnalyzerConfig;
import io.tapflow.processor.analysis.ConnectionAnalyzer;
import io.tapflow.processor.analysis.ConnectionInfo;
import io.tapflow.processor.analysis.ConnectionSummary;
import io.tapflow.processor.app.AppEvent;
import io.tapflow.processor.tcp.Segment;
import io.tapflow.processor.tcp.TcpConnection.Side;
import io.tapflow.processor.websocket.WsMessage;
import io.tapflow.sensor.capture.CaptureConfig;
import io.tapflow.sensor.capture.PcapSource;
import io.tapflow.sensor.decode.ConnectionKey;
import io.tapflow.sensor.decode.PacketDecoder;
import io.tapflow.sensor.decode.TcpSegment;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
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
    Counts counts = new Counts();
    Map<String, ConnectionAnalyzer> analyzers = new LinkedHashMap<>();
    long[] segments = {0};
    PacketDecoder decoder = new PacketDecoder();
    // Read the way the sensor does (PcapSource, PacketDecoder), one analyzer per connection key.
    try (PcapSource source = PcapSource.open(CaptureConfig.offline(file))) {
      source.run(
          (linkType, ts, nano, data, caplen, wirelen) -> {
            if (decoder.decode(linkType, data, caplen, wirelen) instanceof TcpSegment t) {
              Segment segment =
                  new Segment(
                      t.srcAddr(),
                      t.srcPort(),
                      t.dstAddr(),
                      t.dstPort(),
                      t.seq(),
                      t.ack(),
                      t.flags(),
                      t.window(),
                      t.payload(),
                      t.payloadWireLength(),
                      ts);
              String key = ConnectionKey.of("gen", t);
              analyzers
                  .computeIfAbsent(
                      key, k -> ConnectionAnalyzer.open(k, "gen", segment, AnalyzerConfig.DEFAULT))
                  .onSegment(segment, counts);
              segments[0]++;
            }
          });
    }
    assertEquals(s.packets(), segments[0]);
    assertEquals(12, analyzers.size());
    assertEquals(0, counts.anomalies, () -> "anomaly: " + counts.lastAnomaly);
    assertEquals(0, counts.gaps);
    assertEquals(s.webSocketFrames(), counts.messages);
    assertEquals(s.textMessages(), counts.appEvents);
    for (ConnectionAnalyzer a : analyzers.values()) {
      assertEquals("fin", a.endReason());
    }
  }

  /** Counts what the analysis emits. */
  private static final class Counts implements AnalysisListener {
    long messages;
    long appEvents;
    long gaps;
    long anomalies;
    String lastAnomaly;

    @Override
    public void onMessage(ConnectionInfo connection, Side sender, WsMessage message) {
      messages++;
    }

    @Override
    public void onAppEvent(
        ConnectionInfo connection, Side sender, long timestampNanos, AppEvent e) {
      appEvents++;
    }

    @Override
    public void onConnectionRecord(ConnectionSummary summary) {}

    @Override
    public void onFirstMessage(ConnectionInfo connection, long nanosSinceUpgrade) {}

    @Override
    public void onGap(ConnectionInfo connection, Side side, long length, long timestampNanos) {
      gaps++;
    }

    @Override
    public void onAnomaly(ConnectionInfo connection, String code, String detail, long ts) {
      anomalies++;
      lastAnomaly = code + " " + detail;
    }

    @Override
    public void onRedacted(ConnectionInfo connection, Side sender, String field, int count) {
      throw new AssertionError("nothing is redacted here: " + field);
    }

    @Override
    public void onRedactionUnparsed(ConnectionInfo connection, Side sender) {
      throw new AssertionError("nothing is redacted here");
    }
  }
}
