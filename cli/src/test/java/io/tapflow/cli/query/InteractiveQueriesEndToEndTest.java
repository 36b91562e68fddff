package io.tapflow.cli.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tapflow.cli.Pipeline;
import io.tapflow.cli.broker.EmbeddedKafkaBroker;
import io.tapflow.cli.output.JsonLines;
import io.tapflow.processor.metrics.ProcessorMetrics;
import io.tapflow.processor.streams.LiveQueries;
import io.tapflow.processor.streams.LiveViewConfig;
import io.tapflow.processor.streams.ProcessorApp;
import io.tapflow.processor.streams.ProcessorConfig;
import io.tapflow.schemas.ConnectionRecord;
import io.tapflow.schemas.TapflowSerdes;
import io.tapflow.schemas.Topics;
import io.tapflow.schemas.WebSocketMessage;
import io.tapflow.sensor.capture.CaptureConfig;
import io.tapflow.sensor.capture.PacketHandler;
import io.tapflow.sensor.capture.PcapSource;
import io.tapflow.sensor.decode.PacketDecoder;
import io.tapflow.sensor.decode.TcpSegment;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.Test;

/**
 * Two processor instances of one application on a real broker, each with its query server: every
 * lookup sent to the instance that does not hold the key is forwarded to the one that does, and
 * both answer the same records and messages as the output topics say.
 *
 * <p>The packets topic has 4 partitions, so each instance runs two tasks. The input is {@code
 * samples/chat.pcap} whole (two connections that end with FIN) and the first 29 packets of {@code
 * samples/chat-deflate.pcap} (two connections still open); sensor id {@code iq} puts the four
 * connections in partitions 0, 1, 2 and 1 (murmur2 of the key, as the sensor and Kafka Streams'
 * metadata both compute it). Ports 48700-48799.
 */
class InteractiveQueriesEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int PARTITIONS = 4;
  private static final int KEPT_MESSAGES = 5;
  private static final String APP = "iq-app";
  private static final Topics TOPICS = Topics.DEFAULT.withPrefix("iq.");

  private static final String CHAT_MYNICK = "iq|127.0.0.1:47272|127.0.0.1:47273";
  private static final String CHAT_AYSE = "iq|127.0.0.1:47272|127.0.0.1:47274";
  private static final String DEFLATE_MYNICK = "iq|127.0.0.1:47272|127.0.0.1:47275";
  private static final String DEFLATE_AYSE = "iq|127.0.0.1:47272|127.0.0.1:47276";

  private record Frame(int linkType, long ts, boolean nano, byte[] data, int caplen, int len) {}

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void eachInstanceAnswersForTheKeysTheOtherHoldsByForwarding() throws Exception {
    List<Frame> frames = new ArrayList<>(read("chat.pcap"));
    frames.addAll(read("chat-deflate.pcap").subList(0, 29));
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
        Pipeline pipeline = Pipeline.create(settings(broker), new PrometheusRegistry());
        Instance a = Instance.start(broker, 48710);
        Instance b = Instance.start(broker, 48711)) {
      awaitTwoPartitionsEach(a, b);
      for (Frame f : frames) {
        pipeline.publisher().onPacket(f.linkType, f.ts, f.nano, f.data, f.caplen, f.len);
      }
      pipeline.publisher().flush();
      pipeline.awaitProcessed(Duration.ofMinutes(2), List.of(a.app.streams(), b.app.streams()));

      Map<String, ConnectionRecord> lastRecords = new LinkedHashMap<>();
      for (ConnectionRecord r :
          pipeline.read(
              TOPICS.connections(),
              TapflowSerdes.connectionRecord().deserializer(),
              Duration.ofMinutes(1))) {
        lastRecords.put(r.getConnectionId(), r);
      }
      Map<String, List<WebSocketMessage>> messages = new LinkedHashMap<>();
      for (WebSocketMessage m :
          pipeline.read(
              TOPICS.messages(),
              TapflowSerdes.webSocketMessage().deserializer(),
              Duration.ofMinutes(1))) {
        messages.computeIfAbsent(m.getConnectionId(), k -> new ArrayList<>()).add(m);
      }

      // Where each key lives, by the streams metadata (both instances agree).
      Map<String, Integer> expectedPartitions =
          Map.of(CHAT_MYNICK, 0, CHAT_AYSE, 1, DEFLATE_MYNICK, 2, DEFLATE_AYSE, 1);
      Map<String, Instance> holder = new LinkedHashMap<>();
      for (String key : List.of(CHAT_MYNICK, CHAT_AYSE, DEFLATE_MYNICK, DEFLATE_AYSE)) {
        LiveQueries.Location at = a.app.liveQueries().locate(key);
        assertEquals(at, b.app.liveQueries().locate(key));
        assertEquals(expectedPartitions.get(key), at.partition(), key);
        holder.put(key, at.host().equals(a.host()) ? a : b);
      }
      assertTrue(holder.containsValue(a) && holder.containsValue(b), holder.toString());

      for (String key : holder.keySet()) {
        Instance owner = holder.get(key);
        Instance other = owner == a ? b : a;
        JsonNode direct = get(owner, "/connections/" + enc(key)).body;
        JsonNode forwarded = get(other, "/connections/" + enc(key)).body;
        assertEquals(owner.name(), direct.get("answeredBy").asText(), key);
        assertTrue(direct.get("forwardedBy").isNull(), key);
        assertEquals(owner.name(), forwarded.get("answeredBy").asText(), key);
        assertEquals(other.name(), forwarded.get("forwardedBy").asText(), key);
        assertEquals(key, forwarded.get("key").asText());
        assertEquals(expectedPartitions.get(key), forwarded.get("partition").asInt());
        assertEquals(text(direct.get("connection")), text(forwarded.get("connection")));
      }

      // The two connections that ended: the final record the connections topic got, made at the
      // second FIN, updated by the capture's last packet, the server's ACK of that FIN: the
      // server's packets (tcpdump: 12 for mynick, 8 for ayse), the end time and duration.
      Map<String, Integer> serverPackets = Map.of(CHAT_MYNICK, 12, CHAT_AYSE, 8);
      Map<String, Integer> clientPort = Map.of(CHAT_MYNICK, 47273, CHAT_AYSE, 47274);
      for (String key : List.of(CHAT_MYNICK, CHAT_AYSE)) {
        Instance other = holder.get(key) == a ? b : a;
        JsonNode c = get(other, "/connections/" + enc(key)).body.get("connection");
        ConnectionRecord last = lastRecords.get(c.get("connectionId").asText());
        assertTrue(last.getFinal$());
        assertEquals("SF", c.get("state").asText());
        assertEquals("fin", c.get("endReason").asText());
        assertTrue(c.get("final").asBoolean());
        ObjectNode expected = JsonLines.connection(last);
        long[] span = span(frames, clientPort.get(key));
        assertEquals(serverPackets.get(key) - 1, last.getServerPackets());
        expected.put("serverPackets", serverPackets.get(key));
        expected.put("endTime", JsonLines.time(instant(span[1])));
        expected.put("durationMicros", (span[1] - span[0]) / 1000);
        assertEquals(text(expected), text(c), key);
      }
      // mynick: 4 client and 7 server messages; ayse: 3 and 3 (samples/README.md).
      JsonNode chatMynick = connection(a, CHAT_MYNICK);
      assertEquals(4, chatMynick.get("clientMessages").asLong());
      assertEquals(7, chatMynick.get("serverMessages").asLong());
      JsonNode chatAyse = connection(b, CHAT_AYSE);
      assertEquals(3, chatAyse.get("clientMessages").asLong());
      assertEquals(3, chatAyse.get("serverMessages").asLong());

      // The two open connections, as of their last packet (tcpdump's lengths of packets 1-29).
      JsonNode deflateMynick = connection(a, DEFLATE_MYNICK);
      assertEquals(
          List.of("S1", "ShADad", "", "false", "437", "575", "3", "5", "10", "8"),
          fields(
              deflateMynick,
              "state",
              "history",
              "endReason",
              "final",
              "clientBytes",
              "serverBytes",
              "clientMessages",
              "serverMessages",
              "clientPackets",
              "serverPackets"));
      JsonNode deflateAyse = connection(b, DEFLATE_AYSE);
      assertEquals(
          List.of("S1", "ShADad", "", "false", "459", "523", "2", "2", "6", "5"),
          fields(
              deflateAyse,
              "state",
              "history",
              "endReason",
              "final",
              "clientBytes",
              "serverBytes",
              "clientMessages",
              "serverMessages",
              "clientPackets",
              "serverPackets"));

      // The last messages, asked of the instance that does not hold the connection: the last ones
      // the messages topic has for it, in order.
      for (String key : holder.keySet()) {
        Instance owner = holder.get(key);
        Instance other = owner == a ? b : a;
        String id = connection(owner, key).get("connectionId").asText();
        List<WebSocketMessage> all = messages.get(id);
        JsonNode three = get(other, "/connections/" + enc(key) + "/messages?limit=3").body;
        assertEquals(owner.name(), three.get("answeredBy").asText());
        assertEquals(other.name(), three.get("forwardedBy").asText());
        assertEquals(id, three.get("connectionId").asText());
        assertEquals(Math.min(KEPT_MESSAGES, all.size()), three.get("retained").asInt(), key);
        assertEquals(lines(all.subList(all.size() - 3, all.size())), lines(three.get("messages")));
        JsonNode kept = get(other, "/connections/" + enc(key) + "/messages").body;
        int n = Math.min(KEPT_MESSAGES, all.size());
        assertEquals(lines(all.subList(all.size() - n, all.size())), lines(kept.get("messages")));
      }
      JsonNode lastOfMynick =
          get(b, "/connections/" + enc(DEFLATE_MYNICK) + "/messages?limit=3").body.get("messages");
      assertEquals(
          List.of(
              "CLIENT_TO_SERVER TEXT {\"type\":\"pong\"}",
              "SERVER_TO_CLIENT TEXT login ayse",
              "SERVER_TO_CLIENT TEXT say Günaydın! Çay içelim mi? ğüşiöç ĞÜŞİÖÇ"),
          List.of(
              summary(lastOfMynick.get(0)),
              summary(lastOfMynick.get(1)),
              summary(lastOfMynick.get(2))));

      // The open connections of both instances, merged, in start order: the same from either.
      JsonNode openFromA = get(a, "/connections").body;
      JsonNode openFromB = get(b, "/connections").body;
      assertEquals(text(openFromA), text(openFromB));
      assertEquals(
          List.of(DEFLATE_MYNICK, DEFLATE_AYSE),
          List.of(
              openFromA.get("connections").get(0).get("key").asText(),
              openFromA.get("connections").get(1).get("key").asText()));
      assertEquals(2, openFromA.get("connections").size());
      assertEquals(
          holder.get(DEFLATE_AYSE).name(),
          openFromA.get("connections").get(1).get("answeredBy").asText());
      SortedSet<Integer> all = new TreeSet<>();
      for (JsonNode i : openFromA.get("instances")) {
        assertEquals(2, i.get("partitions").size());
        i.get("partitions").forEach(p -> all.add(p.asInt()));
      }
      assertEquals(new TreeSet<>(List.of(0, 1, 2, 3)), all);

      // By connection id and by Community ID: found wherever it is, answered by its holder.
      String ayseId = chatAyse.get("connectionId").asText();
      Instance ayseOther = holder.get(CHAT_AYSE) == a ? b : a;
      JsonNode byId = get(ayseOther, "/connections/" + ayseId).body;
      assertEquals(CHAT_AYSE, byId.get("key").asText());
      assertEquals(holder.get(CHAT_AYSE).name(), byId.get("answeredBy").asText());
      assertEquals(ayseOther.name(), byId.get("forwardedBy").asText());
      assertEquals(text(chatAyse), text(byId.get("connection")));
      String community = chatAyse.get("communityId").asText();
      assertEquals(
          text(chatAyse),
          text(
              get(holder.get(CHAT_AYSE), "/connections/" + enc(community)).body.get("connection")));
      assertEquals(
          lines(
              messages
                  .get(ayseId)
                  .subList(messages.get(ayseId).size() - 2, messages.get(ayseId).size())),
          lines(
              get(ayseOther, "/connections/" + ayseId + "/messages?limit=2").body.get("messages")));

      // Unknown connections.
      Reply unknown = get(a, "/connections/" + enc("iq|10.9.8.7:1|10.9.8.7:2"));
      assertEquals(404, unknown.status);
      assertEquals(
          "no connection with key iq|10.9.8.7:1|10.9.8.7:2", unknown.body.get("error").asText());
      Reply unknownId = get(b, "/connections/C0000000000000");
      assertEquals(404, unknownId.status);
      assertEquals(
          "no connection with connection id or Community ID C0000000000000",
          unknownId.body.get("error").asText());
      assertEquals(400, get(a, "/connections/" + enc(CHAT_MYNICK) + "/messages?limit=0").status);

      // Many lookups at once at both instances, each forwarded to the other: the forwarded ones
      // are answered by threads that never wait on another instance, so none waits for a thread.
      List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        for (String key : List.of(CHAT_MYNICK, CHAT_AYSE)) {
          Instance other = holder.get(key) == a ? b : a;
          burst.add(sendAsync(other.port, "/connections/" + enc(key) + "/messages"));
        }
      }
      for (CompletableFuture<HttpResponse<String>> f : burst) {
        HttpResponse<String> r = f.get();
        assertEquals(200, r.statusCode(), r.body());
      }

      // An instance whose query server is gone: the other names it.
      Instance owner = holder.get(CHAT_AYSE);
      Instance other = owner == a ? b : a;
      owner.server.close();
      Reply gone = get(other, "/connections/" + enc(CHAT_AYSE));
      assertEquals(502, gone.status);
      assertEquals(owner.name(), gone.body.get("instance").asText());
      assertTrue(
          gone.body
              .get("error")
              .asText()
              .startsWith("instance " + owner.name() + " cannot be reached"),
          gone.body.toString());
      Reply listGone = get(other, "/connections");
      assertEquals(502, listGone.status);
      assertEquals(owner.name(), listGone.body.get("instance").asText());
    }
  }

  /** An application that has not started: lookups are refused for now, with Retry-After. */
  @Test
  void anInstanceNotRunningYetAnswers503WithRetryAfter() throws Exception {
    Path state = Files.createTempDirectory("tapflow-iq-");
    ProcessorApp app =
        new ProcessorApp(
            ProcessorConfig.builder("127.0.0.1:1")
                .applicationId("iq-not-started")
                .stateDir(state.toString())
                .liveView(LiveViewConfig.DEFAULT.withEnabled(true))
                .applicationServer("127.0.0.1:48720")
                .build(),
            new ProcessorMetrics(new PrometheusRegistry()));
    try (QueryServer server = QueryServer.start(app.liveQueries(), PARTITIONS, "127.0.0.1:48720")) {
      for (String path : List.of("/connections", "/connections/" + enc(CHAT_MYNICK))) {
        HttpResponse<String> r = send(48720, path);
        assertEquals(503, r.statusCode(), path);
        assertEquals("1", r.headers().firstValue("Retry-After").orElse(null));
        assertEquals(
            "the processor is CREATED", JSON.readTree(r.body()).get("error").asText(), path);
      }
    } finally {
      app.close();
    }
  }

  // ---- the instances ----

  private static Pipeline.Settings settings(EmbeddedKafkaBroker broker) {
    return new Pipeline.Settings(
        broker.bootstrapServers(), Map.of(), TOPICS, PARTITIONS, 1, APP, true, "iq", "iq.pcap");
  }

  /** One processor instance with its own state directory and query server. */
  private static final class Instance implements AutoCloseable {
    final int port;
    final ProcessorApp app;
    final QueryServer server;

    private Instance(int port, ProcessorApp app, QueryServer server) {
      this.port = port;
      this.app = app;
      this.server = server;
    }

    static Instance start(EmbeddedKafkaBroker broker, int port) throws IOException {
      Path state = Files.createTempDirectory("tapflow-iq-");
      ProcessorConfig config =
          ProcessorConfig.builder(broker.bootstrapServers())
              .applicationId(APP)
              .topics(TOPICS)
              .replicationFactor(1)
              .stateDir(state.toString())
              .liveView(
                  LiveViewConfig.DEFAULT.withEnabled(true).withMessagesPerConnection(KEPT_MESSAGES))
              .applicationServer("127.0.0.1:" + port)
              .build();
      ProcessorApp app = new ProcessorApp(config, new ProcessorMetrics(new PrometheusRegistry()));
      QueryServer server = QueryServer.start(app.liveQueries(), PARTITIONS, "127.0.0.1:" + port);
      app.start();
      return new Instance(port, app, server);
    }

    HostInfo host() {
      return new HostInfo("127.0.0.1", port);
    }

    String name() {
      return "127.0.0.1:" + port;
    }

    @Override
    public void close() {
      server.close();
      app.close();
    }
  }

  /** Waits until both instances run and each runs the active tasks of two partitions. */
  private static void awaitTwoPartitionsEach(Instance a, Instance b) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    while (true) {
      if (a.app.streams().state() == KafkaStreams.State.RUNNING
          && b.app.streams().state() == KafkaStreams.State.RUNNING) {
        Map<HostInfo, SortedSet<Integer>> seen = a.app.liveQueries().instances();
        if (seen.size() == 2
            && seen.values().stream().allMatch(p -> p.size() == 2)
            && seen.equals(b.app.liveQueries().instances())) {
          return;
        }
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the two instances did not split the partitions");
      }
      Thread.sleep(100);
    }
  }

  // ---- HTTP ----

  private record Reply(int status, JsonNode body) {}

  private Reply get(Instance at, String path) throws IOException, InterruptedException {
    HttpResponse<String> r = send(at.port, path);
    return new Reply(r.statusCode(), JSON.readTree(r.body()));
  }

  private JsonNode connection(Instance at, String key) throws Exception {
    Reply r = get(at, "/connections/" + enc(key));
    assertEquals(200, r.status, r.body.toString());
    return r.body.get("connection");
  }

  private HttpResponse<String> send(int port, String path)
      throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private CompletableFuture<HttpResponse<String>> sendAsync(int port, String path) {
    return http.sendAsync(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String enc(String s) {
    return LiveLookup.percentEncode(s);
  }

  // ---- comparisons ----

  private static String text(JsonNode n) throws IOException {
    return JSON.writeValueAsString(n);
  }

  private static List<String> lines(List<WebSocketMessage> ms) {
    return ms.stream().map(m -> JsonLines.line(JsonLines.message(m))).toList();
  }

  private static List<String> lines(JsonNode array) throws IOException {
    List<String> out = new ArrayList<>();
    for (JsonNode m : array) {
      out.add(text(m));
    }
    return out;
  }

  private static List<String> fields(JsonNode o, String... names) {
    List<String> out = new ArrayList<>();
    for (String n : names) {
      out.add(o.get(n).asText());
    }
    return out;
  }

  /** Direction, opcode and, for chat JSON, its type and the nick or content. */
  private static String summary(JsonNode m) throws IOException {
    String text = m.get("text").asText();
    String s = m.get("direction").asText() + " " + m.get("opcode").asText() + " ";
    JsonNode chat = JSON.readTree(text);
    return switch (chat.path("type").asText()) {
      case "login" -> s + "login " + chat.get("client_name").asText();
      case "say" -> s + "say " + chat.get("content").asText();
      default -> s + text;
    };
  }

  /** The capture times of the first and last packet to or from {@code port}. */
  private static long[] span(List<Frame> frames, int port) {
    PacketDecoder decoder = new PacketDecoder();
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;
    for (Frame f : frames) {
      if (decoder.decode(f.linkType, f.data, f.caplen, f.len) instanceof TcpSegment t
          && (t.srcPort() == port || t.dstPort() == port)) {
        first = Math.min(first, f.ts);
        last = Math.max(last, f.ts);
      }
    }
    return new long[] {first, last};
  }

  private static Instant instant(long nanos) {
    return Instant.ofEpochSecond(nanos / 1_000_000_000L, nanos % 1_000_000_000L);
  }

  private static List<Frame> read(String capture) throws Exception {
    List<Frame> frames = new ArrayList<>();
    try (PcapSource source =
        PcapSource.open(CaptureConfig.offline(Path.of("..", "samples", capture)))) {
      source.run((PacketHandler) (l, t, n, d, c, w) -> frames.add(new Frame(l, t, n, d, c, w)));
    }
    assertNotEquals(0, frames.size());
    return frames;
  }
}
