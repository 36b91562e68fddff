package io.tapflow.cli.analyze;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tapflow.cli.broker.EmbeddedKafkaBroker;
import io.tapflow.schemas.ConnectionRecord;
import io.tapflow.schemas.Direction;
import io.tapflow.schemas.WebSocketMessage;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs every peer capture through the whole pipeline on a real (embedded) broker and compares the
 * messages and connection timings with tshark's decode of the same capture.
 */
class PeerCapturesEndToEndTest {
  private static EmbeddedKafkaBroker broker;
  private static int run;

  @BeforeAll
  static void startBroker() {
    broker = EmbeddedKafkaBroker.start();
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
  }

  static Stream<String> captures() throws Exception {
    try (Stream<Path> files = Files.list(dir())) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".pcap") || n.endsWith(".pcapng"))
          .sorted()
          .toList()
          .stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("captures")
  void everyMessageAndHandshakeTimingEqualsTsharksAndDirectEqualsKafka(String capture)
      throws Exception {
    AnalyzeRun.Result r =
        AnalyzeRun.run(
            new AnalyzeRun.Options(
                dir().resolve(capture),
                broker.bootstrapServers(),
                Map.of(),
                "peer" + (run++) + ".",
                1,
                "test",
                true,
                Duration.ofMinutes(2)));

    List<String[]> conns = tsv(capture + ".tshark.conns.tsv");
    Map<String, String> clientOfStream = new LinkedHashMap<>();
    for (String[] c : conns) {
      clientOfStream.put(c[0], c[1]);
    }

    Map<String, List<String>> expected = new LinkedHashMap<>();
    for (String[] m : tsv(capture + ".tshark.msgs.tsv")) {
      String client = clientOfStream.get(m[0]);
      boolean fromClient = m[1].equals(client);
      String server = fromClient ? m[2] : m[1];
      String key = client + " " + server + (fromClient ? " ->" : " <-");
      expected.computeIfAbsent(key, k -> new ArrayList<>()).add(tsharkLine(m));
    }
    Map<String, List<String>> actual = new LinkedHashMap<>();
    for (WebSocketMessage m : r.messages()) {
      String key =
          m.getClient()
              + " "
              + m.getServer()
              + (m.getDirection() == Direction.CLIENT_TO_SERVER ? " ->" : " <-");
      actual.computeIfAbsent(key, k -> new ArrayList<>()).add(ourLine(m));
    }
    assertEquals(expected, actual);

    List<ConnectionRecord> finals =
        r.connections().stream().filter(ConnectionRecord::getFinal$).toList();
    assertEquals(conns.size(), finals.size(), "final connection records");
    for (String[] c : conns) {
      ConnectionRecord ours =
          finals.stream()
              .filter(f -> f.getClient().equals(c[1]) && f.getServer().equals(c[2]))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no connection record for " + c[1]));
      assertEquals(micros(c[7]), ours.getTcpHandshakeMicros(), "tcp handshake of " + c[1]);
      assertEquals(leg(c[3], c[4]), ours.getSynToSynAckMicros(), "SYN to SYN/ACK of " + c[1]);
      assertEquals(leg(c[4], c[5]), ours.getSynAckToAckMicros(), "SYN/ACK to ACK of " + c[1]);
      boolean upgrade = "1".equals(c.length > 20 ? c[20] : "");
      assertEquals(upgrade ? Integer.valueOf(c[12]) : null, ours.getHttpStatus(), "status");
      assertEquals(upgrade ? micros(c[13]) : null, ours.getUpgradeLatencyMicros(), "upgrade");
    }

    // analyze --direct: the same analysis without Kafka gives every record the same.
    AnalyzeRun.Result direct = DirectAnalysis.run(dir().resolve(capture), "test");
    assertEquals(r.messages(), direct.messages(), "messages, direct");
    assertEquals(r.connections(), direct.connections(), "connection records, direct");
    assertEquals(r.chat(), direct.chat(), "chat events, direct");
    assertEquals(r.anomalies(), direct.anomalies(), "anomalies, direct");
    assertEquals(r.packetsRead(), direct.packetsRead(), "packets read, direct");
  }

  private static String tsharkLine(String[] m) {
    String opcode =
        switch (Integer.parseInt(m[4])) {
          case 1 -> "TEXT";
          case 2 -> "BINARY";
          case 8 -> "CLOSE";
          case 9 -> "PING";
          case 10 -> "PONG";
          default -> "opcode" + m[4];
        };
    String time = m[3].substring(0, m[3].indexOf('.') + 7);
    return line(opcode, Long.parseLong(m[11]), m[12], time, m[13], m[14]);
  }

  private static String ourLine(WebSocketMessage m) throws Exception {
    byte[] logical;
    if (m.getText() != null) {
      logical = m.getText().getBytes(StandardCharsets.UTF_8);
    } else if (m.getPayload() != null) {
      ByteBuffer b = m.getPayload().duplicate();
      logical = new byte[b.remaining()];
      b.get(logical);
    } else if (m.getCloseCode() != null) {
      byte[] reason =
          m.getCloseReason() == null
              ? new byte[0]
              : m.getCloseReason().getBytes(StandardCharsets.UTF_8);
      logical =
          ByteBuffer.allocate(2 + reason.length)
              .putShort((short) (int) m.getCloseCode())
              .put(reason)
              .array();
    } else {
      logical = new byte[0];
    }
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(logical));
    Instant t = m.getTimestamp();
    String time = t.getEpochSecond() + "." + String.format("%06d", t.getNano() / 1000);
    return line(
        m.getOpcode().name(),
        m.getPayloadLength(),
        sha,
        time,
        m.getCloseCode() == null ? "" : m.getCloseCode().toString(),
        m.getCloseReason() == null ? "" : m.getCloseReason());
  }

  private static String line(
      String opcode, long length, String sha, String time, String code, String reason) {
    return opcode
        + " len="
        + length
        + " sha256="
        + sha
        + " t="
        + time
        + " close="
        + code
        + " "
        + reason;
  }

  /** Microseconds between two tshark frame times (epoch seconds with nanosecond digits). */
  private static Long leg(String from, String to) {
    if (from.isEmpty() || to.isEmpty()) {
      return null;
    }
    return new java.math.BigDecimal(to)
        .subtract(new java.math.BigDecimal(from))
        .movePointRight(6)
        .longValue();
  }

  private static Long micros(String seconds) {
    return seconds.isEmpty() ? null : Math.round(Double.parseDouble(seconds) * 1_000_000);
  }

  private static List<String[]> tsv(String name) throws Exception {
    List<String[]> rows = new ArrayList<>();
    for (String l : Files.readAllLines(dir().resolve(name))) {
      if (!l.startsWith("#") && !l.isBlank()) {
        rows.add(l.split("\t", -1));
      }
    }
    return rows;
  }

  private static Path dir() throws URISyntaxException {
    return Path.of(PeerCapturesEndToEndTest.class.getResource("/peer-captures").toURI());
  }
}
