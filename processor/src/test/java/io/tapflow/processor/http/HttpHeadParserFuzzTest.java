package io.tapflow.processor.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tapflow.processor.tcp.Segment;
import io.tapflow.processor.testing.FuzzCorpus;
import io.tapflow.processor.testing.Texts;
import io.tapflow.processor.websocket.PerMessageDeflate;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes {@link HttpHeadParser} and {@link WebSocketHandshake} with any bytes in any split: the
 * parser never throws, keeps no more than its limit, ends the way one whole feed would (whatever
 * the split, with a snapshot and restore in between), and the handshake read from what it parsed
 * answers every question without throwing, its anomalies from the known codes.
 *
 * <p>Input: byte 0 picks the head limit ({@link #LIMITS}), byte 1 seeds the split, the rest is one
 * stream: the request head, then whatever follows it is taken for the response.
 */
class HttpHeadParserFuzzTest {

  static final int[] LIMITS = {64, 512, 4096, HttpHeadParser.DEFAULT_MAX_HEAD_BYTES};

  private static final Set<String> CODES = constants(HttpAnomaly.class);

  /** The values of a class's public static final String fields. */
  static Set<String> constants(Class<?> type) {
    return Arrays.stream(type.getFields())
        .filter(f -> Modifier.isStatic(f.getModifiers()) && f.getType() == String.class)
        .map(HttpHeadParserFuzzTest::value)
        .collect(Collectors.toUnmodifiableSet());
  }

  private static String value(Field f) {
    try {
      return (String) f.get(null);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }

  /** One head parsed: the parser and how many bytes it took. */
  private record Parsed(HttpHeadParser parser, int consumed) {}

  @FuzzTest(maxDuration = "30s")
  void anyBytesInAnySplitParseAsOneWholeFeedWould(byte[] input) throws IOException {
    if (input.length < 2) {
      return;
    }
    int limit = LIMITS[(input[0] & 0xff) % LIMITS.length];
    byte[] data = Arrays.copyOfRange(input, 2, input.length);

    Parsed request = whole(limit, data, 0);
    Parsed split = split(limit, data, 0, new Random(input[1]));
    assertSameOutcome(request, split);
    checkParser(request, data, 0, limit);

    HttpHead requestHead = request.parser().head();
    HttpHead responseHead = null;
    int rest = request.consumed();
    if (request.parser().isComplete() && rest < data.length) {
      Parsed response = whole(limit, data, rest);
      assertSameOutcome(response, split(limit, data, rest, new Random(~input[1])));
      checkParser(response, data, rest, limit);
      responseHead = response.parser().head();
    }
    checkHandshake(new WebSocketHandshake(requestHead, responseHead));
    checkHandshake(new WebSocketHandshake(responseHead, requestHead));
  }

  private static Parsed whole(int limit, byte[] data, int from) {
    HttpHeadParser p = new HttpHeadParser(limit);
    int n = p.onData(data, from, data.length - from);
    assertTrue(n >= 0 && n <= data.length - from, "consumed " + n);
    return new Parsed(p, n);
  }

  /** Feeds pieces of random sizes, restoring the parser from a snapshot at a random piece. */
  private static Parsed split(int limit, byte[] data, int from, Random random) throws IOException {
    HttpHeadParser p = new HttpHeadParser(limit);
    int consumed = 0;
    int at = from;
    int restoreAt = random.nextInt(8);
    for (int piece = 0; at < data.length; piece++) {
      if (piece == restoreAt) {
        p = roundTrip(p, limit);
      }
      int len = Math.min(data.length - at, 1 + random.nextInt(64));
      boolean wasReading = p.state() == HttpHeadParser.State.READING;
      int n = p.onData(data, at, len);
      assertTrue(n >= 0 && n <= len, "consumed " + n + " of " + len);
      if (!wasReading) {
        assertEquals(0, n, "a finished parser takes nothing");
      } else if (p.state() == HttpHeadParser.State.READING) {
        assertEquals(len, n, "a parser still reading takes everything");
      }
      consumed += n;
      at += len;
    }
    return new Parsed(roundTrip(p, limit), consumed);
  }

  /** Writes a snapshot (within its bound) and reads it into a new parser. */
  private static HttpHeadParser roundTrip(HttpHeadParser p, int limit) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    p.writeSnapshot(new DataOutputStream(out));
    assertTrue(out.size() <= limit + 64, "snapshot of " + out.size() + " bytes, limit " + limit);
    HttpHeadParser restored = new HttpHeadParser(limit);
    restored.readSnapshot(new DataInputStream(new ByteArrayInputStream(out.toByteArray())));
    return restored;
  }

  private static void assertSameOutcome(Parsed whole, Parsed split) {
    HttpHeadParser a = whole.parser();
    HttpHeadParser b = split.parser();
    assertEquals(whole.consumed(), split.consumed());
    assertEquals(a.state(), b.state());
    assertEquals(a.head(), b.head());
    assertEquals(a.anomaly(), b.anomaly());
    assertEquals(a.headLength(), b.headLength());
  }

  private static void checkParser(Parsed parsed, byte[] data, int from, int limit) {
    HttpHeadParser p = parsed.parser();
    int consumed = parsed.consumed();
    assertTrue(p.headLength() <= limit, "head of " + p.headLength() + " bytes, limit " + limit);
    switch (p.state()) {
      case READING -> {
        assertEquals(data.length - from, consumed);
        assertEquals(consumed, p.headLength());
        assertNull(p.head());
        assertNull(p.anomaly());
      }
      case COMPLETE -> {
        assertEquals(consumed, p.headLength());
        assertEquals('\n', data[from + consumed - 1], "a head ends with its empty line's LF");
        assertNull(p.anomaly());
        checkHead(p.head());
      }
      case FAILED -> {
        HttpAnomaly anomaly = p.anomaly();
        assertNotNull(anomaly);
        assertNull(p.head());
        assertEquals(0, p.headLength());
        assertTrue(CODES.contains(anomaly.code()), anomaly.code());
        if (anomaly.code().equals(HttpAnomaly.HTTP_HEAD_TOO_LONG)) {
          assertEquals(limit, consumed, "a head too long is cut exactly at the limit");
          assertEquals("max_bytes=" + limit, anomaly.detail());
        } else {
          assertEquals(HttpAnomaly.HTTP_MALFORMED_HEAD, anomaly.code());
          assertTrue(
              anomaly.detail().startsWith("reason=")
                  && anomaly.detail().contains(" line=")
                  && Texts.isDetail(anomaly.detail()),
              "detail " + anomaly.detail());
        }
      }
    }
  }

  private static void checkHead(HttpHead head) {
    assertNotNull(head);
    String v = head.version();
    assertTrue(
        v.length() == 8
            && v.startsWith("HTTP/")
            && Character.isDigit(v.charAt(5))
            && v.charAt(6) == '.'
            && Character.isDigit(v.charAt(7)),
        v);
    if (head.isRequest()) {
      assertTrue(Texts.isToken(head.method()), head.method());
      assertTrue(!head.target().isEmpty() && !containsAny(head.target(), " \t\r\n"));
    } else {
      assertTrue(head.status() >= 0 && head.status() <= 999, "status " + head.status());
      assertTrue(!containsAny(head.reason(), "\r\n"));
    }
    for (HttpHead.Header h : head.headers()) {
      assertTrue(Texts.isToken(h.name()), "field name " + h.name());
      assertTrue(!containsAny(h.value(), "\r\n"), "CR or LF in a value");
      assertTrue(h.value().isEmpty() || !isOws(h.value()), "whitespace around " + h.value());
    }
  }

  private static boolean containsAny(String s, String chars) {
    for (int i = 0; i < s.length(); i++) {
      if (chars.indexOf(s.charAt(i)) >= 0) {
        return true;
      }
    }
    return false;
  }

  private static boolean isOws(String value) {
    char first = value.charAt(0);
    char last = value.charAt(value.length() - 1);
    return first == ' ' || first == '\t' || last == ' ' || last == '\t';
  }

  private static void checkHandshake(WebSocketHandshake hs) {
    hs.isUpgradeRequest();
    hs.key();
    hs.offeredSubprotocols();
    hs.offeredExtensions();
    hs.path();
    hs.host();
    hs.origin();
    hs.userAgent();
    hs.acceptedSubprotocol();
    hs.acceptedExtensions().forEach(WebSocketExtension::toString);
    hs.acceptMatches();
    if (hs.key() != null) {
      assertEquals(28, WebSocketHandshake.expectedAccept(hs.key()).length());
    }
    List<HttpAnomaly> anomalies = hs.anomalies();
    if (!hs.upgraded()) {
      assertEquals(List.of(), anomalies);
    }
    for (HttpAnomaly a : anomalies) {
      assertTrue(CODES.contains(a.code()), a.code());
      assertTrue(Texts.isDetail(a.detail()), "detail '" + a.detail() + "' of " + a.code());
    }
    if (hs.response() != null) {
      String extensions = hs.response().header("Sec-WebSocket-Extensions");
      PerMessageDeflate deflate = PerMessageDeflate.fromAcceptedExtensions(extensions);
      if (deflate != null) {
        assertTrue(deflate.serverMaxWindowBits() >= 8 && deflate.serverMaxWindowBits() <= 15);
        assertTrue(deflate.clientMaxWindowBits() >= 8 && deflate.clientMaxWindowBits() <= 15);
      }
    }
  }

  /**
   * The seeds: from every capture with an HTTP request, its request head and the response head that
   * follows, under each limit.
   */
  @Test
  void committedSeedsAreTheHandshakesOfTheCommittedCaptures() throws Exception {
    Map<String, byte[]> seeds = new TreeMap<>();
    for (Map.Entry<String, List<Segment>> c : FuzzCorpus.connections().entrySet()) {
      byte[][] streams = FuzzCorpus.streams(c.getValue());
      int requestEnd = headEnd(streams[0]);
      int responseEnd = headEnd(streams[1]);
      if (requestEnd < 0 || !HttpHeadParser.looksLikeRequest(streams[0], 0, streams[0].length)) {
        continue;
      }
      ByteArrayOutputStream seed = new ByteArrayOutputStream();
      seed.write(LIMITS.length - 1); // the default limit
      seed.write(seeds.size()); // any split
      seed.write(streams[0], 0, requestEnd);
      seed.write(streams[1], 0, Math.max(0, responseEnd));
      seeds.put(c.getKey(), seed.toByteArray());
    }
    assertTrue(seeds.size() >= 10, "handshakes found: " + seeds.keySet());
    FuzzCorpus.check(getClass(), "anyBytesInAnySplitParseAsOneWholeFeedWould", seeds);
  }

  /** The length of the head at the start of {@code stream} (through its empty line), or -1. */
  private static int headEnd(byte[] stream) {
    String text = new String(stream, StandardCharsets.ISO_8859_1);
    int end = text.indexOf("\r\n\r\n");
    return end < 0 ? -1 : end + 4;
  }
}
