package io.tapflow.processor.websocket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tapflow.processor.http.HttpHead;
import io.tapflow.processor.http.HttpHeadParser;
import io.tapflow.processor.tcp.Segment;
import io.tapflow.processor.testing.FuzzCorpus;
import io.tapflow.processor.testing.Texts;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes one direction's {@link WebSocketDecoder} (frame parser, message assembler, inflater, the
 * search after lost framing) with any bytes, gaps and end, under tight limits.
 *
 * <p>What must hold after every call: nothing thrown; the arrays kept and the snapshot within the
 * bounds the limits set, the held bytes within {@code maxResyncBytes}; every byte fed accounted for
 * as a frame's byte ({@code wireBytes}), skipped, held, or (at most one header's worth) inside a
 * frame header not yet complete, and after the end as a frame's byte or skipped; every message
 * within its caps and consistent with its length; anomalies from {@link WebSocketAnomalies} with
 * {@code key=value} detail; the counters matching the messages delivered. And a decoder restored
 * from a snapshot taken at a {@code SNAPSHOT} step reports exactly what the original reports from
 * there on.
 *
 * <p>Input: byte 0 picks the direction (bit 0: the client's) and the handshake ({@link
 * #HANDSHAKES}, by the bits above), byte 1 the limits ({@link #LIMITS}); then steps: a byte {@code
 * c < 0xF0} is {@code c + 1} data bytes that follow, {@link #GAP} a gap of {@code 1 + u16} bytes,
 * {@link #SNAPSHOT} a snapshot round trip, {@link #END} the end, {@link #LONG_DATA} {@code 1 + u16}
 * data bytes; other bytes do nothing.
 */
class WebSocketDecoderFuzzTest {

  static final int GAP = 0xF0;
  static final int SNAPSHOT = 0xF1;
  static final int END = 0xF2;
  static final int LONG_DATA = 0xF3;

  /**
   * The handshakes a decoder may have seen (those of the committed captures): null is none, and the
   * last entry stands for a mid-stream decoder.
   */
  static final List<PerMessageDeflate> HANDSHAKES =
      Arrays.asList(
          null,
          PerMessageDeflate.DEFAULT,
          new PerMessageDeflate(true, true, 15, 15),
          new PerMessageDeflate(false, false, 12, 12),
          new PerMessageDeflate(false, false, 9, 10),
          null); // mid-stream: no handshake seen

  /** The index in {@link #HANDSHAKES} that stands for a mid-stream decoder. */
  static final int MID_STREAM = HANDSHAKES.size() - 1;

  static final List<WebSocketConfig> LIMITS =
      List.of(
          new WebSocketConfig(256, 4096, 512),
          new WebSocketConfig(64, 300, 128),
          new WebSocketConfig(1024, 1 << 16, 256),
          new WebSocketConfig(128, 2048, 0));

  static final Set<String> CODES =
      Arrays.stream(WebSocketAnomalies.class.getFields())
          .filter(f -> Modifier.isStatic(f.getModifiers()) && f.getType() == String.class)
          .map(WebSocketDecoderFuzzTest::value)
          .collect(Collectors.toUnmodifiableSet());

  private static String value(java.lang.reflect.Field f) {
    try {
      return (String) f.get(null);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Everything a decoder reports, as text, and the messages themselves. */
  static final class Recorder implements WebSocketListener {
    final List<String> events = new ArrayList<>();

    /** Messages not yet checked. */
    final List<WsMessage> unchecked = new ArrayList<>();

    /** Messages delivered, by opcode. */
    final long[] messages = new long[16];

    @Override
    public void onMessage(WsMessage m) {
      unchecked.add(m);
      messages[m.opcode().code()]++;
      events.add(m + " content=" + HexFormat.of().formatHex(m.content()));
    }

    @Override
    public void onAnomaly(String code, String detail, long timestampNanos) {
      events.add("anomaly " + code + " " + detail + " @" + timestampNanos);
      assertTrue(CODES.contains(code), "unknown anomaly code " + code);
      assertTrue(Texts.isDetail(detail), "detail '" + detail + "' of " + code);
    }
  }

  /** A decoder restored from the original's snapshot, and where the original's events were. */
  private record Shadow(WebSocketDecoder decoder, Recorder recorder, int from) {}

  @FuzzTest(maxDuration = "30s")
  void anyBytesGapsAndEndStayWithinTheLimitsAndSurviveASnapshot(byte[] input) throws IOException {
    if (input.length < 2) {
      return;
    }
    boolean sentByClient = (input[0] & 1) != 0;
    int handshake = ((input[0] & 0xff) >>> 1) % HANDSHAKES.size();
    WebSocketConfig config = LIMITS.get((input[1] & 0xff) % LIMITS.size());
    PerMessageDeflate deflate = HANDSHAKES.get(handshake);
    Recorder recorder = new Recorder();
    WebSocketDecoder decoder =
        handshake == MID_STREAM
            ? WebSocketDecoder.midStream(sentByClient, config, recorder)
            : new WebSocketDecoder(sentByClient, config, deflate, recorder);
    Shadow shadow = null;
    long dataIn = 0;
    long dataAfterEnd = 0;
    boolean ended = false;
    long ts = 0;
    int at = 2;
    while (at < input.length) {
      int c = input[at++] & 0xff;
      ts++;
      if (c < GAP || c == LONG_DATA) {
        int len = c < GAP ? c + 1 : 1 + u16(input, at);
        if (c == LONG_DATA) {
          at = Math.min(at + 2, input.length);
        }
        len = Math.max(0, Math.min(len, input.length - at));
        decoder.onData(input, at, len, ts);
        if (shadow != null) {
          shadow.decoder().onData(input, at, len, ts);
        }
        dataIn += len;
        dataAfterEnd += ended ? len : 0;
        at += len;
      } else if (c == GAP) {
        long length = 1 + u16(input, at);
        at += 2;
        decoder.onGap(length, ts);
        if (shadow != null) {
          shadow.decoder().onGap(length, ts);
        }
      } else if (c == SNAPSHOT) {
        compare(recorder, shadow, decoder);
        Recorder copy = new Recorder();
        shadow = new Shadow(roundTrip(decoder, copy), copy, recorder.events.size());
      } else if (c == END) {
        decoder.onEnd(ts);
        if (shadow != null) {
          shadow.decoder().onEnd(ts);
        }
        ended = true;
      }
      check(decoder, recorder, deflate, dataIn - dataAfterEnd);
    }
    decoder.onEnd(ts + 1);
    if (shadow != null) {
      shadow.decoder().onEnd(ts + 1);
    }
    check(decoder, recorder, deflate, dataIn - dataAfterEnd);
    // Ended, no header is left half read: every byte is a frame's byte or skipped.
    WebSocketCounters counters = decoder.counters();
    assertEquals(dataIn - dataAfterEnd, counters.wireBytes() + counters.skippedBytes());
    compare(recorder, shadow, decoder);
  }

  static int u16(byte[] input, int at) {
    int hi = at < input.length ? input[at] & 0xff : 0;
    int lo = at + 1 < input.length ? input[at + 1] & 0xff : 0;
    return hi << 8 | lo;
  }

  /** The restored decoder reported what the original did since the snapshot, and is the same. */
  private static void compare(Recorder original, Shadow shadow, WebSocketDecoder decoder)
      throws IOException {
    if (shadow == null) {
      return;
    }
    assertEquals(
        original.events.subList(shadow.from(), original.events.size()), shadow.recorder().events);
    assertArrayEquals(snapshot(decoder), snapshot(shadow.decoder()));
    assertEquals(decoder.counters(), shadow.decoder().counters());
  }

  static byte[] snapshot(WebSocketDecoder decoder) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    decoder.writeSnapshot(new DataOutputStream(out));
    return out.toByteArray();
  }

  private static WebSocketDecoder roundTrip(WebSocketDecoder decoder, WebSocketListener listener)
      throws IOException {
    byte[] snapshot = snapshot(decoder);
    WebSocketDecoder restored =
        WebSocketDecoder.readSnapshot(
            new DataInputStream(new ByteArrayInputStream(snapshot)), listener);
    assertArrayEquals(snapshot, snapshot(restored), "a restored decoder writes the same snapshot");
    return restored;
  }

  /** The bytes of history an inflater keeps for a direction. */
  private static int history(PerMessageDeflate deflate, boolean sentByClient) {
    return deflate == null ? 0 : 1 << Math.max(9, deflate.maxWindowBits(sentByClient));
  }

  private static void check(
      WebSocketDecoder decoder, Recorder recorder, PerMessageDeflate deflate, long dataIn)
      throws IOException {
    WebSocketConfig config = decoder.config();
    boolean client = decoder.sentByClient();
    // Memory: the search window (up to twice the bound), the unmasking and inflating buffers, the
    // content of the open message and control frame, the compressed bytes, the LZ77 history.
    long retainedBound =
        2L * config.maxResyncBytes()
            + 8192
            + 2L * config.maxContentBytes()
            + config.maxCompressedBufferBytes()
            + (deflate == null ? 0 : history(deflate, client) + 8192);
    assertTrue(
        decoder.retainedBytes() <= retainedBound,
        "retained " + decoder.retainedBytes() + " > " + retainedBound);
    assertTrue(decoder.heldBytes() <= config.maxResyncBytes(), "held " + decoder.heldBytes());
    long snapshotBound =
        1024L
            + config.maxResyncBytes()
            + 2L * config.maxContentBytes()
            + (deflate == null ? 0 : config.maxCompressedBufferBytes() + history(deflate, client));
    int snapshotSize = snapshot(decoder).length;
    assertTrue(snapshotSize <= snapshotBound, "snapshot " + snapshotSize + " > " + snapshotBound);

    // Every byte fed is a frame's byte, skipped, held, or in a frame header not yet complete.
    WebSocketCounters counters = decoder.counters();
    long accounted = counters.wireBytes() + counters.skippedBytes() + decoder.heldBytes();
    long inHeader = dataIn - accounted;
    assertTrue(
        inHeader >= 0 && inHeader <= FrameSearch.MAX_HEADER_LENGTH - 1,
        "fed "
            + dataIn
            + " but wire "
            + counters.wireBytes()
            + " + skipped "
            + counters.skippedBytes()
            + " + held "
            + decoder.heldBytes());
    assertTrue(counters.skippedBytes() <= decoder.droppedBytes());

    // The counters count the messages delivered.
    for (WsOpcode opcode : WsOpcode.values()) {
      assertEquals(recorder.messages[opcode.code()], counters.messages(opcode), opcode.name());
    }
    assertTrue(counters.messages() <= counters.frames(), "more messages than frames");
    for (WsMessage m : recorder.unchecked) {
      checkMessage(m, config, deflate, decoder.isMidStream());
    }
    recorder.unchecked.clear();
  }

  private static void checkMessage(
      WsMessage m, WebSocketConfig config, PerMessageDeflate deflate, boolean midStream) {
    assertNotNull(m.opcode());
    assertTrue(m.content().length <= config.maxContentBytes(), "content " + m.content().length);
    assertTrue(m.content().length <= m.payloadLength(), "content longer than the payload " + m);
    assertTrue(m.missingBytes() >= 0 && m.fragments() >= 1, m.toString());
    if (!m.truncated()) {
      assertEquals(m.payloadLength(), m.content().length + m.missingBytes(), m.toString());
    }
    if (m.compressed()) {
      assertTrue(deflate != null || midStream, "compressed without permessage-deflate");
      if (deflate != null && m.missingBytes() == 0) {
        // Inflated: at most the limit (one with a gap in it is not, and keeps its compressed
        // length, as WsMessage says).
        assertTrue(m.payloadLength() <= config.maxInflatedBytes(), m.toString());
      }
    }
    if (m.opcode() != WsOpcode.CLOSE) {
      assertNull(m.closeCode());
      assertNull(m.closeReason());
    } else if (m.closeCode() != null) {
      assertTrue(m.closeCode() >= 0 && m.closeCode() <= 0xffff);
    }
    if (m.opcode().isControl()) {
      assertEquals(1, m.fragments());
    }
  }

  /** Stream bytes a seed keeps of each direction of a capture. */
  private static final int SEED_STREAM_BYTES = 2048;

  /**
   * The seeds: both directions of every upgraded connection in the committed captures, after their
   * heads, under the handshake they negotiated, with a snapshot step in the middle; the server's
   * direction again joined mid-stream, and once more with a gap in it.
   */
  @Test
  void committedSeedsAreTheFramesOfTheCommittedCaptures() throws Exception {
    Map<String, byte[]> seeds = new TreeMap<>();
    for (Map.Entry<String, List<Segment>> c : FuzzCorpus.connections().entrySet()) {
      byte[][] streams = FuzzCorpus.streams(c.getValue());
      HttpHeadParser request = new HttpHeadParser();
      int requestLength = request.onData(streams[0], 0, streams[0].length);
      HttpHeadParser response = new HttpHeadParser();
      int responseLength = response.onData(streams[1], 0, streams[1].length);
      if (!request.isComplete() || !response.isComplete() || response.head().status() != 101) {
        continue;
      }
      HttpHead head = response.head();
      PerMessageDeflate deflate =
          PerMessageDeflate.fromAcceptedExtensions(head.header("Sec-WebSocket-Extensions"));
      int handshake = HANDSHAKES.indexOf(deflate);
      assertTrue(handshake >= 0 && handshake != MID_STREAM, c.getKey() + ": add " + deflate);
      byte[] client = Arrays.copyOfRange(streams[0], requestLength, streams[0].length);
      byte[] server = Arrays.copyOfRange(streams[1], responseLength, streams[1].length);
      seeds.put(c.getKey() + "-client", seed(true, handshake, client, 0, -1));
      seeds.put(c.getKey() + "-server", seed(false, handshake, server, 0, -1));
      if (server.length > 64) {
        seeds.put(c.getKey() + "-server-mid-stream", seed(false, MID_STREAM, server, 7, -1));
        seeds.put(c.getKey() + "-server-gap", seed(false, handshake, server, 0, 5));
      }
    }
    assertTrue(seeds.size() >= 40, "seeds: " + seeds.keySet());
    FuzzCorpus.check(getClass(), "anyBytesGapsAndEndStayWithinTheLimitsAndSurviveASnapshot", seeds);
  }

  /**
   * One direction's bytes from {@code from} as steps of at most 200 bytes, a snapshot step in the
   * middle, a gap of {@code gap} bytes (none if negative) in place of the bytes after the first
   * step, and the end.
   */
  private static byte[] seed(boolean client, int handshake, byte[] stream, int from, int gap) {
    ByteArrayOutputStream seed = new ByteArrayOutputStream();
    seed.write((handshake << 1) | (client ? 1 : 0));
    seed.write(0); // the first limits
    int end = Math.min(stream.length, from + SEED_STREAM_BYTES);
    int middle = (from + end) / 2;
    for (int at = from, step = 0; at < end; step++) {
      int len = Math.min(200, end - at);
      if (at <= middle && middle < at + len) {
        seed.write(SNAPSHOT);
      }
      if (step == 1 && gap >= 0) {
        seed.write(GAP);
        seed.write(0);
        seed.write(gap - 1);
        at += gap;
        continue;
      }
      seed.write(len - 1);
      seed.write(stream, at, len);
      at += len;
    }
    seed.write(END);
    return seed.toByteArray();
  }
}
