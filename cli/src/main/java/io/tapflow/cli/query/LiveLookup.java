package io.tapflow.cli.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tapflow.cli.output.JsonLines;
import io.tapflow.processor.streams.LiveConnection;
import io.tapflow.processor.streams.LiveQueries;
import io.tapflow.processor.streams.LiveQueries.UnavailableException;
import io.tapflow.processor.streams.LiveQuery;
import io.tapflow.schemas.WebSocketMessage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Answers one HTTP lookup of live connections: from this instance's tasks when it holds the key,
 * else by forwarding to the instance the streams metadata names, or by asking every instance for
 * lookups that have no partition (the open connections, a connection id, a Community ID).
 *
 * <p>Paths: {@code /connections} (the open connections of every instance; with {@code ?id=NAME} the
 * connections of any state with that connection id or Community ID), {@code
 * /connections/{key|connectionId|communityId}} (one connection), {@code .../messages?limit=N} (its
 * last messages, oldest first). Path segments and query values are percent-decoded ({@code +} is a
 * plus). A request carrying {@link PeerClient#FORWARDED_BY} comes from another instance: it is
 * answered from this instance's tasks only, and {@code /connections} then answers this instance's
 * part with the partitions it answered for.
 */
final class LiveLookup {
  private static final String CONNECTIONS = "/connections";

  private final LiveQueries queries;
  private final int partitions;
  private final String self;
  private final PeerClient peers;

  /**
   * @param partitions the packets topic's partitions: a lookup over every instance must hear from
   *     all of them
   */
  LiveLookup(LiveQueries queries, int partitions) {
    this.queries = queries;
    this.partitions = partitions;
    this.self = PeerClient.name(queries.self());
    this.peers = new PeerClient(self);
  }

  /**
   * The answer to {@code method rawPath?rawQuery}; {@code forwardedBy} is null unless forwarded.
   */
  Answer answer(String method, String rawPath, String rawQuery, String forwardedBy)
      throws IOException {
    if (!method.equals("GET")) {
      return new Answer(
          405, Answer.error(405, "only GET is served").body(), Map.of("Allow", "GET"));
    }
    Map<String, String> params;
    List<String> segments;
    int limit;
    try {
      params = params(rawQuery);
      segments = segments(rawPath);
      limit = limit(params.get("limit"));
    } catch (IllegalArgumentException e) {
      return Answer.error(400, e.getMessage());
    }
    if (segments.isEmpty() || !segments.get(0).equals(CONNECTIONS.substring(1))) {
      return Answer.error(404, "no such path: " + rawPath + " (try " + CONNECTIONS + ")");
    }
    boolean forwarded = forwardedBy != null;
    try {
      if (segments.size() == 1) {
        String id = params.get("id");
        LiveQuery q = id == null ? LiveQuery.open() : LiveQuery.byName(id);
        return forwarded ? localPart(q) : everyInstance(q);
      }
      boolean messages = segments.size() == 3 && segments.get(2).equals("messages");
      if (segments.size() > 3 || (segments.size() == 3 && !messages)) {
        return Answer.error(404, "no such path: " + rawPath);
      }
      String name = segments.get(1);
      if (isKey(name)) {
        return byKey(name, messages, limit, forwarded, rawPath, rawQuery);
      }
      return byName(name, messages, limit, rawQuery);
    } catch (UnavailableException e) {
      return Answer.unavailable(e.getMessage());
    } catch (PeerClient.PeerException e) {
      return Answer.badGateway(e.instance, e.getMessage());
    }
  }

  /** A connection key is {@code sensor|endpoint|endpoint}; ids and Community IDs have no '|'. */
  private static boolean isKey(String name) {
    return name.indexOf('|') >= 0;
  }

  // ---- one connection, by key ----

  private Answer byKey(
      String key, boolean messages, int limit, boolean forwarded, String rawPath, String rawQuery)
      throws PeerClient.PeerException, IOException {
    LiveQueries.Location at = queries.locate(key);
    if (!PeerClient.name(at.host()).equals(self)) {
      if (forwarded) {
        // The instance that forwarded it read other metadata: partitions are moving.
        throw new UnavailableException(
            "partition " + at.partition() + " is held by " + PeerClient.name(at.host()) + " now");
      }
      PeerClient.Response r =
          PeerClient.await(
              peers.get(at.host(), rawPath + (rawQuery == null ? "" : "?" + rawQuery)));
      if (r.status() >= 500 && r.status() != 503) {
        return Answer.badGateway(
            PeerClient.name(at.host()),
            "instance " + PeerClient.name(at.host()) + " answered " + r.status());
      }
      if (r.body() instanceof ObjectNode o) {
        o.put("forwardedBy", self);
      }
      return new Answer(r.status(), r.body(), PeerClient.retryAfter(r));
    }
    List<LiveConnection> found = queries.local(LiveQuery.byKey(key), at.partition()).connections();
    if (found.isEmpty()) {
      ObjectNode extra = Answer.JSON.createObjectNode();
      extra.put("key", key);
      extra.put("partition", at.partition());
      extra.put("answeredBy", self);
      extra.putNull("forwardedBy");
      return Answer.error(404, "no connection with key " + key, extra);
    }
    LiveConnection c = found.get(0);
    return Answer.ok(messages ? messages(c, limit) : item(c).putNull("forwardedBy"));
  }

  // ---- one connection, by connection id or Community ID ----

  /**
   * Finds the connection by asking every instance, then answers as for its key (so the instance
   * that holds it answers, forwarded if need be).
   */
  private Answer byName(String name, boolean messages, int limit, String rawQuery)
      throws PeerClient.PeerException, IOException {
    Merged m = everyInstanceMerged(LiveQuery.byName(name));
    if (m.failure != null) {
      return m.failure;
    }
    if (m.items.isEmpty()) {
      return Answer.error(404, "no connection with connection id or Community ID " + name);
    }
    if (m.items.size() > 1) {
      ObjectNode extra = Answer.JSON.createObjectNode();
      ArrayNode keys = extra.putArray("keys");
      m.items.forEach(i -> keys.add(i.get("key").asText()));
      return Answer.error(
          409, m.items.size() + " connections have Community ID " + name + ": ask by key", extra);
    }
    String key = m.items.get(0).get("key").asText();
    String rawPath = CONNECTIONS + "/" + percentEncode(key) + (messages ? "/messages" : "");
    return byKey(key, messages, limit, false, rawPath, rawQuery);
  }

  // ---- connections of every instance ----

  /** This instance's part of a lookup over every instance (a forwarded {@code /connections}). */
  private Answer localPart(LiveQuery q) {
    LiveQueries.Answer a = queries.local(q);
    ObjectNode o = Answer.JSON.createObjectNode();
    o.put("answeredBy", self);
    ArrayNode ps = o.putArray("partitions");
    a.partitions().forEach(ps::add);
    ArrayNode items = o.putArray("connections");
    a.connections().forEach(c -> items.add(item(c)));
    return Answer.ok(o);
  }

  private Answer everyInstance(LiveQuery q) throws PeerClient.PeerException, IOException {
    Merged m = everyInstanceMerged(q);
    if (m.failure != null) {
      return m.failure;
    }
    ObjectNode o = Answer.JSON.createObjectNode();
    ArrayNode instances = o.putArray("instances");
    m.partitionsByInstance.forEach(
        (instance, ps) -> {
          ObjectNode i = instances.addObject();
          i.put("instance", instance);
          ArrayNode a = i.putArray("partitions");
          ps.forEach(a::add);
        });
    ArrayNode items = o.putArray("connections");
    m.items.forEach(items::add);
    return Answer.ok(o);
  }

  /** What every instance answered, merged; or the failure that stops the merge. */
  private static final class Merged {
    final Map<String, SortedSet<Integer>> partitionsByInstance = new TreeMap<>();
    final List<ObjectNode> items = new ArrayList<>();
    Answer failure;
  }

  private Merged everyInstanceMerged(LiveQuery q) throws PeerClient.PeerException, IOException {
    Map<HostInfo, SortedSet<Integer>> instances = queries.instances();
    String path = CONNECTIONS + (q.value() == null ? "" : "?id=" + percentEncode(q.value()));
    Map<String, CompletableFuture<PeerClient.Response>> asked = new LinkedHashMap<>();
    for (HostInfo h : instances.keySet()) {
      if (!PeerClient.name(h).equals(self)) {
        asked.put(PeerClient.name(h), peers.get(h, path));
      }
    }
    Merged m = new Merged();
    LiveQueries.Answer here = queries.local(q);
    m.partitionsByInstance.put(self, here.partitions());
    here.connections().forEach(c -> m.items.add(item(c)));
    for (Map.Entry<String, CompletableFuture<PeerClient.Response>> e : asked.entrySet()) {
      PeerClient.Response r = PeerClient.await(e.getValue());
      if (r.status() == 503) {
        m.failure = new Answer(503, r.body(), PeerClient.retryAfter(r));
        return m;
      }
      if (r.status() != 200) {
        m.failure =
            Answer.badGateway(e.getKey(), "instance " + e.getKey() + " answered " + r.status());
        return m;
      }
      SortedSet<Integer> ps = new TreeSet<>();
      r.body().path("partitions").forEach(p -> ps.add(p.asInt()));
      m.partitionsByInstance.put(e.getKey(), ps);
      for (JsonNode item : r.body().path("connections")) {
        if (item instanceof ObjectNode o) {
          m.items.add(o);
        }
      }
    }
    // Every partition must have answered exactly once, or the list is not the whole truth.
    Map<Integer, Integer> answers = new HashMap<>();
    m.partitionsByInstance
        .values()
        .forEach(ps -> ps.forEach(p -> answers.merge(p, 1, Integer::sum)));
    SortedSet<Integer> missing = new TreeSet<>();
    for (int p = 0; p < partitions; p++) {
      if (answers.getOrDefault(p, 0) != 1) {
        missing.add(p);
      }
    }
    if (!missing.isEmpty()) {
      m.failure =
          Answer.unavailable(
              "partitions "
                  + missing
                  + " were not answered by exactly one instance (rebalancing?)");
      return m;
    }
    m.items.sort(
        Comparator.comparing((ObjectNode i) -> i.path("connection").path("startTime").asText())
            .thenComparing(i -> i.path("key").asText()));
    return m;
  }

  // ---- JSON ----

  /** One connection: its key, partition, the instance that answered, and its record. */
  private ObjectNode item(LiveConnection c) {
    ObjectNode o = Answer.JSON.createObjectNode();
    o.put("key", c.key());
    o.put("partition", c.partition());
    o.put("answeredBy", self);
    o.set("connection", JsonLines.connection(c.record()));
    return o;
  }

  /** One connection's last {@code limit} messages, oldest first. */
  private ObjectNode messages(LiveConnection c, int limit) {
    ObjectNode o = Answer.JSON.createObjectNode();
    o.put("key", c.key());
    o.put("partition", c.partition());
    o.put("answeredBy", self);
    o.putNull("forwardedBy");
    o.put("connectionId", c.record().getConnectionId());
    o.put("retained", c.messages().size());
    ArrayNode list = o.putArray("messages");
    List<WebSocketMessage> kept = c.messages();
    for (WebSocketMessage m : kept.subList(Math.max(0, kept.size() - limit), kept.size())) {
      list.add(JsonLines.message(m));
    }
    return o;
  }

  // ---- request parsing ----

  private static int limit(String value) {
    if (value == null) {
      return Integer.MAX_VALUE;
    }
    try {
      int n = Integer.parseInt(value);
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        "limit is a whole number of 1 or more, not \"" + value + "\"");
  }

  private static List<String> segments(String rawPath) {
    List<String> out = new ArrayList<>();
    for (String s : rawPath.split("/")) {
      if (!s.isEmpty()) {
        out.add(percentDecode(s));
      }
    }
    return out;
  }

  private static Map<String, String> params(String rawQuery) {
    Map<String, String> out = new HashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return out;
    }
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String name = percentDecode(eq < 0 ? pair : pair.substring(0, eq));
      if (!name.equals("limit") && !name.equals("id")) {
        throw new IllegalArgumentException("unknown parameter \"" + name + "\" (limit, id)");
      }
      out.put(name, eq < 0 ? "" : percentDecode(pair.substring(eq + 1)));
    }
    return out;
  }

  /** Decodes {@code %XX} escapes as UTF-8; {@code +} stays a plus (Community IDs have them). */
  static String percentDecode(String s) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); ) {
      int ch = s.codePointAt(i);
      if (ch == '%') {
        if (i + 2 >= s.length()) {
          throw new IllegalArgumentException("a % escape needs two hex digits: " + s);
        }
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          throw new IllegalArgumentException("a % escape needs two hex digits: " + s);
        }
        out.write(hi << 4 | lo);
        i += 3;
      } else {
        byte[] b = Character.toString(ch).getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
        i += Character.charCount(ch);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** Percent-encodes everything but RFC 3986's unreserved characters. */
  static String percentEncode(String s) {
    StringBuilder out = new StringBuilder();
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xFF;
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '.'
          || c == '_'
          || c == '~') {
        out.append((char) c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)));
        out.append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
      }
    }
    return out.toString();
  }
}
