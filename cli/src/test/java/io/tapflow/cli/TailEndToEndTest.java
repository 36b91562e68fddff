package io.tapflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tapflow.cli.analyze.AnalyzeRun;
import io.tapflow.cli.broker.EmbeddedKafkaBroker;
import io.tapflow.cli.output.JsonLines;
import io.tapflow.cli.tail.TailQuery;
import io.tapflow.cli.tail.TailTopic;
import io.tapflow.cli.tail.TopicTail;
import io.tapflow.schemas.ChatEvent;
import io.tapflow.schemas.TapflowSerdes;
import io.tapflow.schemas.Topics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code tapflow tail} on a real broker, on the outputs of samples/chat.pcap (through the whole
 * pipeline, two partitions, exactly-once and at-least-once) and of a peer capture with an anomaly.
 * Expected records are the sample's conversation (samples/README.md) at tshark's frame times.
 */
class TailEndToEndTest {
  private static final String MYNICK = "C1zpnp5fh0ehv9";
  private static final String AYSE = "C2cu3kcovs29ee";
  private static final String AYSE_KEY = "local|127.0.0.1:47272|127.0.0.1:47274";
  private static final String AYSE_COMMUNITY_ID = "1:fj2k9T4J5S1lX9Au591GV4/BZv0=";
  private static final String C2S = "CLIENT_TO_SERVER";
  private static final String S2C = "SERVER_TO_CLIENT";
  private static final String MYNICK_ID = "7f000001b8a800000001";
  private static final String AYSE_ID = "7f000001b8a800000002";
  private static final String MERHABA = "Merhaba, herkes!";
  private static final String GUNAYDIN = "Günaydın! Çay içelim mi? ğüşiöç ĞÜŞİÖÇ";

  // The 13 chat events of the sample, in capture order.
  private static final String E1 =
      chat(MYNICK, "14.296186", C2S, "login", "PRESENCE", "mynick", "1", null, null, null);
  private static final String E2 =
      chat(MYNICK, "14.297208", S2C, "login", "PRESENCE", "mynick", null, null, MYNICK_ID, null);
  private static final String E3 =
      chat(MYNICK, "14.297805", C2S, "say", "MESSAGE", null, null, MERHABA, null, "all");
  private static final String E4 =
      chat(MYNICK, "14.298198", S2C, "say", "MESSAGE", "mynick", null, MERHABA, MYNICK_ID, "all");
  private static final String E5 =
      chat(MYNICK, "15.297675", S2C, "ping", "HEARTBEAT", null, null, null, null, null);
  private static final String E6 =
      chat(MYNICK, "15.300035", C2S, "pong", "HEARTBEAT", null, null, null, null, null);
  private static final String E7 =
      chat(AYSE, "15.306664", C2S, "login", "PRESENCE", "ayse", "1", null, null, null);
  private static final String E8 =
      chat(MYNICK, "15.308504", S2C, "login", "PRESENCE", "ayse", null, null, AYSE_ID, null);
  private static final String E9 =
      chat(AYSE, "15.310073", S2C, "login", "PRESENCE", "ayse", null, null, AYSE_ID, null);
  private static final String E10 =
      chat(AYSE, "15.310626", C2S, "say", "MESSAGE", null, null, GUNAYDIN, null, "all");
  private static final String E11 =
      chat(MYNICK, "15.311065", S2C, "say", "MESSAGE", "ayse", null, GUNAYDIN, AYSE_ID, "all");
  private static final String E12 =
      chat(AYSE, "15.312139", S2C, "say", "MESSAGE", "ayse", null, GUNAYDIN, AYSE_ID, "all");
  private static final String E13 =
      chat(MYNICK, "15.315490", S2C, "logout", "PRESENCE", "ayse", null, null, AYSE_ID, null);
  private static final List<String> ALL_CHAT =
      List.of(E1, E2, E3, E4, E5, E6, E7, E8, E9, E10, E11, E12, E13);

  /** A clock an hour after the sample was captured. */
  private static final Clock LATER =
      Clock.fixed(Instant.parse("2026-11-25T02:13:15Z"), ZoneOffset.UTC);

  private static EmbeddedKafkaBroker broker;
  private static AnalyzeRun.Result sample;

  @BeforeAll
  static void runTheSamples() throws Exception {
    broker = EmbeddedKafkaBroker.start();
    sample = analyze(Path.of("..", "samples", "chat.pcap"), "eos.", true);
    analyze(Path.of("..", "samples", "chat.pcap"), "alo.", false);
    analyze(
        Path.of("src", "test", "resources", "peer-captures", "zeek-wrong-accept-header.pcap"),
        "acc.",
        true);
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
  }

  private static AnalyzeRun.Result analyze(Path capture, String prefix, boolean exactlyOnce)
      throws Exception {
    return AnalyzeRun.run(
        new AnalyzeRun.Options(
            capture,
            broker.bootstrapServers(),
            Map.of(),
            prefix,
            2,
            "local",
            exactlyOnce,
            Duration.ofMinutes(2)));
  }

  /** What one tail command printed. */
  record Run(int exitCode, List<String> lines, String err) {}

  private static Run tail(Clock clock, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    TailCommand command = new TailCommand();
    command.out = new PrintStream(out, true, StandardCharsets.UTF_8);
    command.err = new PrintStream(err, true, StandardCharsets.UTF_8);
    command.clock = clock;
    int code = new picocli.CommandLine(command).execute(args);
    String text = out.toString(StandardCharsets.UTF_8);
    return new Run(
        code,
        text.isEmpty() ? List.of() : List.of(text.split("\n", -1)).subList(0, lines(text)),
        err.toString(StandardCharsets.UTF_8));
  }

  private static int lines(String text) {
    return (int) text.chars().filter(c -> c == '\n').count();
  }

  /** Tail on the exactly-once run of the chat sample. */
  private static Run eos(String... args) {
    return tail(LATER, withCluster("eos.", args));
  }

  private static String[] withCluster(String prefix, String... args) {
    return Stream.concat(
            Stream.of(args),
            Stream.of("--bootstrap-servers", broker.bootstrapServers(), "--topic-prefix", prefix))
        .toArray(String[]::new);
  }

  private static final Pattern TIME =
      Pattern.compile("^(?:.*?\"(?:timestamp|endTime)\":\")?(\\d{4}-[^\" ]+)");

  /**
   * The lines sorted by the capture time in them (the first time on a table row, the timestamp or
   * end time of a JSON line): two partitions interleave in any order.
   */
  private static List<String> byTime(List<String> lines) {
    List<String> sorted = new ArrayList<>(lines);
    sorted.sort(Comparator.comparing(TailEndToEndTest::timeOf));
    return sorted;
  }

  private static String timeOf(String line) {
    Matcher m = TIME.matcher(line);
    if (!m.find()) {
      throw new AssertionError("no time in " + line);
    }
    return m.group(1);
  }

  private static void assertPrinted(List<String> expected, Run run) {
    assertEquals("", run.err());
    assertEquals(0, run.exitCode());
    assertEquals(expected, byTime(run.lines()));
  }

  @Test
  void withoutOptionsEveryRecordIsPrintedAsTheJsonLinesOfAnalyze() {
    assertPrinted(ALL_CHAT, eos("chat"));
    assertEquals(
        byTime(sample.chat().stream().map(e -> JsonLines.line(JsonLines.chat(e))).toList()),
        byTime(eos("chat").lines()));
    assertEquals(
        byTime(sample.messages().stream().map(m -> JsonLines.line(JsonLines.message(m))).toList()),
        byTime(eos("messages").lines()));
    assertEquals(
        byTime(
            sample.connections().stream()
                .map(c -> JsonLines.line(JsonLines.connection(c)))
                .toList()),
        byTime(eos("connections").lines()));
    assertEquals(17, eos("messages").lines().size());
    assertEquals(4, eos("connections").lines().size());
    assertPrinted(List.of(), eos("anomalies"));
  }

  @Test
  void nickGivesExactlyThatNicksEventsWithTheirTexts() {
    assertPrinted(List.of(E7, E8, E9, E11, E12, E13), eos("chat", "--nick", "ayse"));
    assertPrinted(List.of(E1, E2, E4), eos("chat", "--nick", "mynick"));
    assertPrinted(List.of(), eos("chat", "--nick", "Ayse"));
  }

  @Test
  void roomAndContainsSelectByTheChatFields() {
    assertPrinted(List.of(E1, E7), eos("chat", "--room", "1"));
    assertPrinted(List.of(E10, E11, E12), eos("chat", "--contains", "Çay"));
    assertPrinted(List.of(E11, E12), eos("chat", "--nick", "ayse", "--contains", "Çay"));
  }

  @Test
  void aConnectionIsSelectedByItsIdKeyOrCommunityId() {
    List<String> ayse = List.of(E7, E9, E10, E12);
    assertPrinted(ayse, eos("chat", "--connection", AYSE));
    assertPrinted(ayse, eos("chat", "--connection", AYSE_KEY));
    assertPrinted(ayse, eos("chat", "--connection", AYSE_COMMUNITY_ID));
    // What the server told mynick about ayse.
    assertPrinted(List.of(E8, E11, E13), eos("chat", "--connection", MYNICK, "--nick", "ayse"));
  }

  @Test
  void fromAndUntilSelectTheCaptureTimeRangeWithBothEndsIncluded() {
    assertPrinted(
        List.of(E6, E7, E8, E9, E10, E11),
        eos(
            "chat",
            "--from",
            "2026-11-25T01:13:15.300035Z",
            "--until",
            "2026-11-25T01:13:15.311065Z"));
    assertPrinted(
        List.of(E7, E8, E9, E10),
        eos(
            "chat",
            "--from",
            "2026-11-25T01:13:15.300036Z",
            "--until",
            "2026-11-25T01:13:15.311064Z"));
    assertPrinted(List.of(E12, E13), eos("chat", "--from", "2026-11-25T03:13:15.312+02:00"));
    assertPrinted(List.of(E1), eos("chat", "--until", "2026-11-25T01:13:14.296186Z"));
    assertPrinted(List.of(), eos("chat", "--from", "2026-11-25T01:13:15.315491Z"));
    assertPrinted(
        List.of(E8, E11, E13),
        eos(
            "chat",
            "--from",
            "2026-11-25T01:13:15.301Z",
            "--nick",
            "ayse",
            "--connection",
            MYNICK));
  }

  @Test
  void aRelativeTimeCountsBackFromNow() {
    Clock secondAfterAysesSay =
        Clock.fixed(Instant.parse("2026-11-25T01:13:16.311065Z"), ZoneOffset.UTC);
    Run run = tail(secondAfterAysesSay, withCluster("eos.", "chat", "--from", "1s"));
    assertPrinted(List.of(E11, E12, E13), run);
  }

  @Test
  void aConnectionRecordIsSelectedWhenTheConnectionWasOpenInTheRange() {
    // Between ayse's upgrade record (ends 15.304119) and her first message: the two final records.
    Run run =
        eos(
            "connections",
            "--from",
            "2026-11-25T01:13:15.305Z",
            "--until",
            "2026-11-25T01:13:15.306Z",
            "--format",
            "table");
    assertEquals(
        List.of(
            "2026-11-25T01:13:14.268816Z  2026-11-25T01:13:15.317406Z  C1zpnp5fh0ehv9"
                + "  127.0.0.1:47273  127.0.0.1:47272  SF     ShADadfF     101       4/7   414/1021"
                + "  fin",
            "2026-11-25T01:13:15.300204Z  2026-11-25T01:13:15.315027Z  C2cu3kcovs29ee"
                + "  127.0.0.1:47274  127.0.0.1:47272  SF     ShADadfF     101       3/3    430/650"
                + "  fin",
            "START                        END                          CONNECTION      CLIENT  "
                + "         SERVER           STATE  HISTORY     HTTP  MESSAGES      BYTES"
                + "  END_REASON"),
        sortTable(run.lines()));
    assertEquals("", run.err());
  }

  /** A table's rows sorted by time, the header last (where {@link #byTime} cannot sort it). */
  private static List<String> sortTable(List<String> lines) {
    List<String> rows = new ArrayList<>(byTime(lines.subList(1, lines.size())));
    rows.add(lines.get(0));
    return rows;
  }

  @Test
  void clientAndServerSelectByEndpointWithOrWithoutPort() {
    Run mynick = eos("connections", "--client", "127.0.0.1:47273", "--format", "table");
    assertEquals(
        List.of(
            "START                        END                          CONNECTION      CLIENT  "
                + "         SERVER           STATE  HISTORY     HTTP  MESSAGES      BYTES"
                + "  END_REASON",
            "2026-11-25T01:13:14.268816Z  2026-11-25T01:13:14.294711Z  C1zpnp5fh0ehv9"
                + "  127.0.0.1:47273  127.0.0.1:47272  S1     ShADad       101       0/0    227/203"
                + "  -",
            "2026-11-25T01:13:14.268816Z  2026-11-25T01:13:15.317406Z  C1zpnp5fh0ehv9"
                + "  127.0.0.1:47273  127.0.0.1:47272  SF     ShADadfF     101       4/7   414/1021"
                + "  fin"),
        mynick.lines());
    assertEquals(4, eos("connections", "--client", "127.0.0.1").lines().size());
    assertEquals(17, eos("messages", "--server", "127.0.0.1:47272").lines().size());
    assertPrinted(List.of(), eos("messages", "--server", "127.0.0.1:47273"));
    assertPrinted(List.of(), eos("messages", "--client", "127.0.0.2"));
  }

  @Test
  void messagesAreFoundByEndpointAndTextAndShownAsATable() {
    // The server escapes non-ASCII (PHP json_encode): its copy of ayse's say has
    // G\u00fcnayd\u0131n.
    assertEquals(
        List.of("2026-11-25T01:13:15.310626Z"),
        eos("messages", "--contains", "Günaydın").lines().stream()
            .map(TailEndToEndTest::timeOf)
            .toList());
    Run run =
        eos(
            "messages",
            "--client",
            "127.0.0.1:47274",
            "--contains",
            "\"say\"",
            "--format",
            "table");
    assertEquals(
        List.of(
            "TIME                         CONNECTION      CLIENT           SERVER           DIR"
                + "  OPCODE  LENGTH  CONTENT",
            "2026-11-25T01:13:15.310626Z  C2cu3kcovs29ee  127.0.0.1:47274  127.0.0.1:47272  ->"
                + "   TEXT       130  {\"type\":\"say\",\"to_client_id\":\"all\",\"to_client_name\":"
                + "\"所有人\",\"content\":\"Günaydın! …",
            "2026-11-25T01:13:15.312139Z  C2cu3kcovs29ee  127.0.0.1:47274  127.0.0.1:47272  <-"
                + "   TEXT       256  {\"type\":\"say\",\"from_client_id\":\"7f000001b8a800000002\","
                + "\"from_client_name\":\"ayse\"…"),
        run.lines());
    assertEquals("", run.err());
  }

  @Test
  void aTableOfChatEventsShowsOneAlignedRowPerEvent() {
    Run run = eos("chat", "--nick", "ayse", "--format", "table");
    assertEquals(
        List.of(
            "2026-11-25T01:13:15.306664Z  C2cu3kcovs29ee  ->   PRESENCE   login   ayse    1     -",
            "2026-11-25T01:13:15.308504Z  C1zpnp5fh0ehv9  <-   PRESENCE   login   ayse    -     -",
            "2026-11-25T01:13:15.310073Z  C2cu3kcovs29ee  <-   PRESENCE   login   ayse    -     -",
            "2026-11-25T01:13:15.311065Z  C1zpnp5fh0ehv9  <-   MESSAGE    say     ayse    -     "
                + GUNAYDIN,
            "2026-11-25T01:13:15.312139Z  C2cu3kcovs29ee  <-   MESSAGE    say     ayse    -     "
                + GUNAYDIN,
            "2026-11-25T01:13:15.315490Z  C1zpnp5fh0ehv9  <-   PRESENCE   logout  ayse    -     -",
            "TIME                         CONNECTION      DIR  KIND       TYPE    NICK    ROOM "
                + " CONTENT"),
        sortTable(run.lines()));
  }

  @Test
  void limitStopsAfterThatManyRecordsInPartitionOrder() {
    Run run = eos("messages", "--connection", MYNICK, "--limit", "3");
    assertEquals(
        sample.messages().stream()
            .filter(m -> m.getConnectionId().equals(MYNICK))
            .limit(3)
            .map(m -> JsonLines.line(JsonLines.message(m)))
            .toList(),
        run.lines());
    assertEquals(3, run.lines().size());
  }

  @Test
  void anomaliesAreSelectedByEndpointAndTime() {
    String line =
        "{\"connectionId\":\"C3d9qlerhxgbu1\",\"sensor\":\"local\",\"client\":\"127.0.0.1:53654\","
            + "\"server\":\"127.0.0.1:8080\",\"timestamp\":\"2024-01-19T14:16:53.629831Z\","
            + "\"code\":\"websocket_wrong_accept_header\",\"detail\":\"expected=N8ntNYkX6Qerw4tK3s"
            + "/CYzpSZNc= found=N8ntNYkX6Qerw4tK3s/CYzpSZNc=-wrong\"}";
    assertPrinted(List.of(line), tail(LATER, withCluster("acc.", "anomalies")));
    assertPrinted(
        List.of(line),
        tail(
            LATER,
            withCluster(
                "acc.",
                "anomalies",
                "--client",
                "127.0.0.1",
                "--server",
                "127.0.0.1:8080",
                "--until",
                "2024-01-19T14:16:53.629831Z")));
    assertPrinted(
        List.of(), tail(LATER, withCluster("acc.", "anomalies", "--client", "127.0.0.1:53655")));
    assertPrinted(
        List.of(),
        tail(LATER, withCluster("acc.", "anomalies", "--from", "2024-01-19T14:16:53.629832Z")));
    assertEquals(
        List.of(
            "TIME                         CONNECTION      CLIENT           SERVER           CODE  "
                + "                          DETAIL",
            "2024-01-19T14:16:53.629831Z  C3d9qlerhxgbu1  127.0.0.1:53654  127.0.0.1:8080   "
                + "websocket_wrong_accept_header   expected=N8ntNYkX6Qerw4tK3s/CYzpSZNc="
                + " found=N8ntNYkX6Qerw4tK3s/CYzpSZNc=-wrong"),
        tail(LATER, withCluster("acc.", "anomalies", "--format", "table")).lines());
  }

  @Test
  void filtersThatDoNotApplyAndBadValuesExitWithTwoAndSayWhy() {
    assertRefused(
        "tapflow tail: --nick does not apply to messages: messages hold the WebSocket text as sent,"
            + " not the chat fields: use 'tapflow tail chat --nick ...' (or --contains on"
            + " messages)\n",
        eos("messages", "--nick", "ayse"));
    assertRefused(
        "tapflow tail: --client does not apply to chat: chat events hold no endpoints: find the"
            + " connection with 'tapflow tail connections --client ...' and give its id to"
            + " --connection\n",
        eos("chat", "--client", "127.0.0.1"));
    assertRefused(
        "tapflow tail: --contains does not apply to connections: connection records hold no text:"
            + " use 'tapflow tail messages --contains' or 'tapflow tail chat --contains'\n",
        eos("connections", "--contains", "x"));
    assertRefused(
        "tapflow tail: 'yesterday' is not a time: give an ISO-8601 instant with its zone"
            + " (2026-11-25T01:13:15Z, 2026-11-25T03:13:15.5+02:00) or a time ago (90s, 15m, 2h,"
            + " 1d, 1h30m)\n",
        eos("chat", "--from", "yesterday"));
    assertRefused(
        "tapflow tail: unknown topic 'packets' (messages, connections, chat, anomalies)\n",
        eos("packets"));
    assertRefused(
        "tapflow tail: unknown format 'csv' (json, table)\n", eos("chat", "--format", "csv"));
    assertRefused(
        "tapflow tail: 'example.com' is not an IP address with an optional port (10.0.0.1,"
            + " 10.0.0.1:443, 2001:db8::1, [2001:db8::1]:443)\n",
        eos("messages", "--server", "example.com"));
  }

  private static void assertRefused(String err, Run run) {
    assertEquals(2, run.exitCode());
    assertEquals(err, run.err());
    assertEquals(List.of(), run.lines());
  }

  @Test
  void aTopicThatDoesNotExistExitsWithOne() {
    Run run = tail(LATER, withCluster("nope.", "chat"));
    assertEquals(1, run.exitCode());
    assertEquals(
        "tapflow tail: topic nope.tapflow.chat does not exist (is --topic-prefix right?)\n",
        run.err());
  }

  @Test
  void aClusterThatCannotBeReachedExitsWithOne() throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Run run =
        tail(
            LATER,
            "chat",
            "--bootstrap-servers",
            "127.0.0.1:" + port,
            "-X",
            "default.api.timeout.ms=2000",
            "-X",
            "request.timeout.ms=1000");
    assertEquals(1, run.exitCode());
    assertEquals(
        "tapflow tail: no answer from Kafka in time: Timeout expired while fetching topic"
            + " metadata (is a broker listening at --bootstrap-servers, and does"
            + " security.protocol match that listener: SSL or SASL_SSL for TLS, PLAINTEXT or"
            + " SASL_PLAINTEXT otherwise? The wait is default.api.timeout.ms)\n",
        run.err());
  }

  @Test
  void followingEndsByItselfOncePastUntilOrAtTheLimit() {
    assertPrinted(
        List.of(E1, E2, E3, E4, E5, E6, E7, E8, E9, E10, E11),
        eos("chat", "-f", "--until", "2026-11-25T01:13:15.311065Z"));
    Run limited = eos("chat", "--follow", "--connection", AYSE, "--limit", "2");
    assertPrinted(List.of(E7, E9), limited);
  }

  @Test
  void theClusterCanBeNamedInTheClientConfigFile() throws Exception {
    Path config = Files.createTempFile("tapflow-tail-", ".properties");
    try {
      Files.writeString(
          config, "bootstrap.servers=" + broker.bootstrapServers() + "\nclient.id=tail-test\n");
      Run run =
          tail(
              LATER,
              "chat",
              "--client-config",
              config.toString(),
              "--topic-prefix",
              "eos.",
              "-X",
              "isolation.level=read_committed",
              "--nick",
              "mynick");
      assertPrinted(List.of(E1, E2, E4), run);
    } finally {
      Files.delete(config);
    }
  }

  @Test
  void theSeekByTimeSkipsTheRecordsBeforeFrom() {
    // At-least-once: no transaction markers, whose commit-time stamps make offsetsForTimes land
    // earlier (never later) on exactly-once topics.
    Topics alo = Topics.DEFAULT.withPrefix("alo.");
    TopicTail.Result all = run(alo, TailQuery.of(TailTopic.CHAT));
    assertEquals(new TopicTail.Result(13, 13, 0), all);
    // Records stamped 15.306 ms and later: E7..E13.
    TopicTail.Result from =
        run(
            alo,
            TailQuery.of(TailTopic.CHAT).withFrom(Instant.parse("2026-11-25T01:13:15.306664Z")));
    assertEquals(new TopicTail.Result(7, 7, 0), from);
    // On the exactly-once topics the seek lands no later, and the same records are printed.
    assertEquals(
        7,
        run(
                Topics.DEFAULT.withPrefix("eos."),
                TailQuery.of(TailTopic.CHAT).withFrom(Instant.parse("2026-11-25T01:13:15.306664Z")))
            .printed());
  }

  @Test
  void readingAPartitionEndsAtTheFirstRecordStampedPastUntilPlusTheLateness() {
    Topics alo = Topics.DEFAULT.withPrefix("alo.");
    TailQuery until =
        TailQuery.of(TailTopic.CHAT).withUntil(Instant.parse("2026-11-25T01:13:15.311065Z"));
    // With the default lateness (5 min) every record is read; E12 and E13 are left out.
    assertEquals(new TopicTail.Result(13, 11, 0), run(alo, until));
    // Without lateness, each partition ends at its first record stamped after 15.311 ms.
    assertEquals(new TopicTail.Result(11, 11, 0), run(alo, until.withLateness(Duration.ZERO)));
    // Connection records may come long after --until: they are read to the end whatever the
    // lateness.
    assertEquals(
        new TopicTail.Result(4, 4, 0),
        run(
            alo,
            TailQuery.of(TailTopic.CONNECTIONS)
                .withUntil(Instant.parse("2026-11-25T01:13:15.311065Z"))
                .withLateness(Duration.ZERO)));
  }

  private static TopicTail.Result run(Topics topics, TailQuery query) {
    Properties p = new Properties();
    p.put("bootstrap.servers", broker.bootstrapServers());
    return TopicTail.run(
        p,
        topics,
        query,
        new PrintStream(java.io.OutputStream.nullOutputStream()),
        System.err,
        LATER);
  }

  @Test
  void aRecordThatDoesNotDecodeIsSkippedCountedAndReported() throws Exception {
    Topics bad = Topics.DEFAULT.withPrefix("bad.");
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(bad.chat(), 1, (short) 1))).all().get();
    }
    ChatEvent login = sample.chat().get(0);
    ChatEvent say = sample.chat().get(2);
    byte[] loginBytes = TapflowSerdes.chatEvent().encode(login);
    byte[] sayBytes = TapflowSerdes.chatEvent().encode(say);
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", broker.bootstrapServers()),
            new StringSerializer(),
            new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(bad.chat(), "k", loginBytes)).get();
      producer.send(new ProducerRecord<>(bad.chat(), "k", new byte[] {1, 2, 3})).get();
      producer.send(new ProducerRecord<>(bad.chat(), "k", null)).get();
      producer.send(new ProducerRecord<>(bad.chat(), "k", sayBytes)).get();
    }
    Run run = tail(LATER, withCluster("bad.", "chat"));
    assertEquals(1, run.exitCode()); // the good records printed, the bad ones reported: exit 1
    assertEquals(List.of(E1, E3), run.lines());
    String[] err = run.err().split("\n");
    assertEquals(2, err.length);
    assertTrue(
        err[0].startsWith(
            "tapflow tail: skipping a record that does not decode (bad.tapflow.chat-0 offset 1):"
                + " not a io.tapflow.schemas.ChatEvent: neither single-object encoding (C3 01)"
                + " nor the schema registry wire format (00), first bytes 01 02"),
        err[0]);
    assertEquals("tapflow tail: 2 records did not decode", err[1]);
  }

  /** The JSON line of a chat event, written out here independently of the code under test. */
  private static String chat(
      String connection,
      String secondsAfter01h13,
      String direction,
      String type,
      String kind,
      String nick,
      String room,
      String content,
      String from,
      String to) {
    return "{\"connectionId\":"
        + q(connection)
        + ",\"timestamp\":"
        + q("2026-11-25T01:13:" + secondsAfter01h13 + "Z")
        + ",\"direction\":"
        + q(direction)
        + ",\"type\":"
        + q(type)
        + ",\"kind\":"
        + q(kind)
        + ",\"nick\":"
        + q(nick)
        + ",\"room\":"
        + q(room)
        + ",\"content\":"
        + q(content)
        + ",\"fromClientId\":"
        + q(from)
        + ",\"toClientId\":"
        + q(to)
        + "}";
  }

  private static String q(String s) {
    return s == null ? "null" : "\"" + s + "\"";
  }
}
