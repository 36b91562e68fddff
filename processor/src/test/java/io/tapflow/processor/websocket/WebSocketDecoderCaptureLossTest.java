package io.tapflow.processor.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tapflow.processor.websocket.PeerSession.Chunk;
import io.tapflow.processor.websocket.PeerSession.Direction;
import io.tapflow.processor.websocket.PeerSession.Frame;
import io.tapflow.processor.websocket.PeerSession.Span;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The real-peer captures with bytes taken away, compared with their full decode: segments lost,
 * frame headers lost, payload bytes lost, and the capture joined mid-stream at many offsets.
 *
 * <p>What the decoder must give is worked out from the frames alone: messages before the loss as
 * before; a message the loss cut into with its missing bytes counted; after a loss over a frame
 * header, nothing until the first frame the search can reach (the first non-continuation frame
 * after the gap whose next header lies within {@link WebSocketConfig#DEFAULT_MAX_RESYNC_BYTES}),
 * then every message exactly, the first marked resynchronised. Where the sender keeps its LZ77
 * window, a compressed message after a loss may refer back to bytes the decoder never had: it must
 * then fail and say so, never inflate to anything but a prefix of the truth.
 */
class WebSocketDecoderCaptureLossTest {

  private static final long T = 1;
  private static final int WINDOW = WebSocketConfig.DEFAULT_MAX_RESYNC_BYTES;

  /** Bytes {@code [start, end)} of a direction that were not captured. */
  record Gap(int start, int end) {
    int length() {
      return end - start;
    }

    long overlap(long from, long to) {
      return Math.max(0, Math.min(to, end) - Math.max(from, start));
    }
  }

  // ---- what the decoder gives ----

  private static List<WsMessage> fullDecode(PeerSession session, Direction d) {
    RecordingListener recorder = new RecordingListener();
    WebSocketDecoder decoder =
        new WebSocketDecoder(d.sentByClient, WebSocketConfig.DEFAULT, session.deflate, recorder);
    decoder.onData(d.bytes, 0, d.bytes.length, T);
    decoder.onEnd(T);
    assertEquals(d.spans.size(), recorder.messages().size());
    return recorder.messages();
  }

  /** Feeds the captured segments of a direction, but for the gap. */
  private static RecordingListener decodeWithGap(PeerSession session, Direction d, Gap gap) {
    RecordingListener recorder = new RecordingListener();
    WebSocketDecoder decoder =
        new WebSocketDecoder(d.sentByClient, WebSocketConfig.DEFAULT, session.deflate, recorder);
    boolean gapFed = false;
    for (Chunk c : d.chunks) {
      int beforeGap = Math.min(c.end(), gap.start());
      if (c.offset() < beforeGap) {
        decoder.onData(d.bytes, c.offset(), beforeGap - c.offset(), T);
      }
      if (!gapFed && gap.start() < c.end()) {
        decoder.onGap(gap.length(), T);
        gapFed = true;
      }
      int afterGap = Math.max(c.offset(), gap.end());
      if (afterGap < c.end()) {
        decoder.onData(d.bytes, afterGap, c.end() - afterGap, T);
      }
    }
    decoder.onEnd(T);
    return recorder;
  }

  /** Feeds a direction from {@code offset} on to a mid-stream decoder. */
  private static RecordingListener decodeMidStream(Direction d, int offset) {
    RecordingListener recorder = new RecordingListener();
    WebSocketDecoder decoder =
        WebSocketDecoder.midStream(d.sentByClient, WebSocketConfig.DEFAULT, recorder);
    for (Chunk c : d.chunks) {
      int from = Math.max(offset, c.offset());
      if (from < c.end()) {
        decoder.onData(d.bytes, from, c.end() - from, T);
      }
    }
    decoder.onEnd(T);
    return recorder;
  }

  // ---- what the decoder must give ----

  /** One message the decoder must deliver, and how closely it must match the full decode. */
  private sealed interface Expected permits Exact, ExactOrCutShort, Damaged, Uninflated {
    WsMessage full();
  }

  /** Exactly the full decode's message. */
  private record Exact(WsMessage full) implements Expected {}

  /** Compressed after a loss: exact, or cut short by a reference into the lost window. */
  private record ExactOrCutShort(WsMessage full) implements Expected {}

  /** Cut into by the gap: the same message with the gap's bytes missing. */
  private record Damaged(WsMessage full, long missingBytes) implements Expected {}

  /** Compressed, seen mid-stream: no content, its compressed length. */
  private record Uninflated(WsMessage full, long compressedLength) implements Expected {}

  /**
   * The first frame at or after {@code from} that the search takes: not a continuation, and its
   * frame and the next header within the window (or its frame the last).
   */
  static int resumeAt(Direction d, long from) {
    List<Frame> frames = d.frames;
    for (int i = 0; i < frames.size(); i++) {
      Frame f = frames.get(i);
      if (f.offset() < from || f.opcode() == WebSocketProtocol.OPCODE_CONTINUATION) {
        continue;
      }
      long windowEnd = (long) f.offset() + WINDOW;
      if (i + 1 < frames.size()) {
        Frame next = frames.get(i + 1);
        if (next.offset() + next.headerLength() <= windowEnd) {
          return f.offset();
        }
      } else if (f.end() <= windowEnd) {
        return f.offset();
      }
    }
    return -1;
  }

  private static List<Expected> expected(
      PeerSession session, Direction d, List<WsMessage> full, Gap gap, boolean midStream) {
    int lossPoint = -1;
    for (Frame f : d.frames) {
      if (gap.overlap(f.offset(), f.offset() + f.headerLength()) > 0) {
        lossPoint = f.offset();
        break;
      }
    }
    if (midStream) {
      lossPoint = 0;
    }
    int resume = lossPoint < 0 ? -1 : resumeAt(d, gap.end());
    boolean keepsWindow =
        session.deflate != null && !session.deflate.noContextTakeover(d.sentByClient);
    boolean windowLost = false;
    List<Expected> expected = new ArrayList<>();
    for (int i = 0; i < d.spans.size(); i++) {
      Span span = d.spans.get(i);
      WsMessage m = full.get(i);
      if (lossPoint >= 0 && span.end() > lossPoint) {
        if (resume < 0 || span.start() < resume) {
          windowLost = true;
          continue;
        }
        m = resynchronized(m, span.start() == resume);
      } else {
        long missing = 0;
        for (Frame f : span.frames()) {
          missing += gap.overlap(f.offset() + f.headerLength(), f.end());
        }
        if (missing > 0) {
          expected.add(new Damaged(m, missing));
          windowLost |= m.compressed();
          continue;
        }
      }
      if (midStream && m.compressed()) {
        expected.add(new Uninflated(m, span.wirePayloadLength()));
      } else if (m.compressed() && keepsWindow && windowLost) {
        expected.add(new ExactOrCutShort(m));
      } else {
        expected.add(new Exact(m));
      }
    }
    return expected;
  }

  private static WsMessage resynchronized(WsMessage m, boolean resynchronized) {
    return new WsMessage(
        m.opcode(),
        m.content(),
        m.payloadLength(),
        m.truncated(),
        m.closeCode(),
        m.closeReason(),
        m.compressed(),
        m.fragments(),
        m.timestampNanos(),
        m.missingBytes(),
        resynchronized);
  }

  /**
   * Checks a decode after a loss, allowing what {@link FrameSearch} documents it cannot tell apart:
   * one spurious message, marked resynchronised, where the first message after the loss was due
   * (which then comes unmarked).
   *
   * @return whether there was such a spurious message
   */
  private static boolean checkAfterLoss(
      List<Expected> expected, List<WsMessage> actual, String context) {
    int resume = -1;
    for (int i = 0; i < expected.size(); i++) {
      if (expected.get(i).full().resynchronized()) {
        resume = i;
        break;
      }
    }
    int marked = -1;
    for (int i = 0; i < actual.size(); i++) {
      if (actual.get(i).resynchronized()) {
        marked = i;
        break;
      }
    }
    if (resume >= 0 && marked >= 0 && actual.size() == expected.size() + 1) {
      List<WsMessage> rest = new ArrayList<>(actual);
      rest.remove(marked);
      List<Expected> unmarked = new ArrayList<>(expected);
      unmarked.set(resume, unmarked(expected.get(resume)));
      check(unmarked, rest, context + " (after one spurious message)");
      return true;
    }
    check(expected, actual, context);
    return false;
  }

  private static Expected unmarked(Expected e) {
    WsMessage m = resynchronized(e.full(), false);
    if (e instanceof Uninflated u) {
      return new Uninflated(m, u.compressedLength());
    }
    if (e instanceof ExactOrCutShort) {
      return new ExactOrCutShort(m);
    }
    return new Exact(m);
  }

  /**
   * Spurious messages are the exception: at most one loss in {@value #SPURIOUS_PER_LOSSES} gives
   * one (random bytes forge a header whose length reaches the true next one about once in fifty).
   */
  private static final int SPURIOUS_PER_LOSSES = 20;

  private static void assertFewSpurious(int spurious, int losses) {
    assertTrue(
        spurious * SPURIOUS_PER_LOSSES <= Math.max(losses, SPURIOUS_PER_LOSSES),
        spurious + " spurious messages in " + losses + " losses");
  }

  private static void check(List<Expected> expected, List<WsMessage> actual, String context) {
    assertEquals(
        expected.stream().map(e -> summary(e.full())).toList(),
        actual.stream().map(WebSocketDecoderCaptureLossTest::summary).toList(),
        context);
    for (int i = 0; i < expected.size(); i++) {
      WsMessage a = actual.get(i);
      String where = context + " message " + i;
      Expected e = expected.get(i);
      if (e instanceof Exact) {
        assertEquals(e.full(), a, where);
      } else if (e instanceof ExactOrCutShort) {
        if (!e.full().equals(a)) {
          assertTrue(a.truncated(), where + " differs but is not marked truncated");
          assertTrue(
              isPrefix(a.content(), e.full().content()),
              where + " inflated to something else than a prefix");
        }
      } else if (e instanceof Damaged damaged) {
        assertEquals(damaged.missingBytes(), a.missingBytes(), where);
        if (e.full().compressed()) {
          assertEquals(0, a.content().length, where);
          assertTrue(a.truncated(), where);
        } else {
          assertEquals(e.full().payloadLength(), a.payloadLength(), where);
          assertEquals(
              e.full().payloadLength() - damaged.missingBytes(), a.content().length, where);
        }
      } else if (e instanceof Uninflated uninflated) {
        assertEquals(0, a.content().length, where);
        assertEquals(uninflated.compressedLength(), a.payloadLength(), where);
        assertTrue(a.truncated() && a.compressed(), where);
        assertEquals(e.full().fragments(), a.fragments(), where);
        assertEquals(e.full().resynchronized(), a.resynchronized(), where);
      }
    }
  }

  /** Enough to tell messages apart in a failure message. */
  private static String summary(WsMessage m) {
    return m.opcode() + "/" + m.fragments() + (m.resynchronized() ? "/resynchronized" : "");
  }

  private static boolean isPrefix(byte[] prefix, byte[] of) {
    return prefix.length <= of.length
        && Arrays.equals(prefix, 0, prefix.length, of, 0, prefix.length);
  }

  // ---- the tests ----

  /** One direction of one capture. */
  private record Case(PeerSession session, String side, Direction d) {
    String name(Object what) {
      return session + " " + side + " " + what;
    }
  }

  private static final List<Case> CASES =
      PeerSession.VARIANTS.stream()
          .map(PeerSession::load)
          .flatMap(s -> Stream.of(new Case(s, "client", s.client), new Case(s, "server", s.server)))
          .toList();

  @Test
  void everyMessageCapturedWholeDecodesExactlyWhicheverSegmentIsLost() {
    int losses = 0;
    int spurious = 0;
    for (Case c : CASES) {
      List<WsMessage> full = fullDecode(c.session(), c.d());
      for (Chunk chunk : c.d().chunks) {
        Gap gap = new Gap(chunk.offset(), chunk.end());
        RecordingListener recorder = decodeWithGap(c.session(), c.d(), gap);

        losses++;
        if (checkAfterLoss(
            expected(c.session(), c.d(), full, gap, false), recorder.messages(), c.name(gap))) {
          spurious++;
        }
      }
    }
    assertFewSpurious(spurious, losses);
  }

  @Test
  void lossOfAnyFrameHeaderIsFollowedByTheNextFrameTheSearchCanReach() {
    int losses = 0;
    int spurious = 0;
    for (Case c : CASES) {
      Direction d = c.d();
      List<WsMessage> full = fullDecode(c.session(), d);
      for (Frame f : d.frames) {
        Gap gap = new Gap(f.offset(), f.offset() + f.headerLength());
        RecordingListener recorder = decodeWithGap(c.session(), d, gap);

        losses++;
        boolean wasSpurious =
            checkAfterLoss(
                expected(c.session(), d, full, gap, false), recorder.messages(), c.name(gap));
        int resume = resumeAt(d, gap.end());
        List<RecordingListener.Anomaly> found =
            recorder.anomalies().stream()
                .filter(a -> a.code().equals(WebSocketAnomalies.RESYNCHRONIZED))
                .toList();
        assertEquals(resume < 0 ? 0 : 1, found.size(), c.name(gap));
        if (wasSpurious) {
          spurious++;
        } else if (resume >= 0) {
          // Skipped up to the frame found, or up to continuations of the lost message before it.
          long skipped = Long.parseLong(found.get(0).detail().split(" ")[0].split("=")[1]);
          assertTrue(
              skipped <= resume - gap.end()
                  && skippedOnlyContinuations(d, gap.end() + skipped, resume),
              c.name(gap) + ": " + found.get(0).detail());
        }
      }
    }
    assertFewSpurious(spurious, losses);
    assertEquals(149, losses);
  }

  /** Whether frames start at {@code from} and those before {@code to} are all continuations. */
  private static boolean skippedOnlyContinuations(Direction d, long from, long to) {
    if (from == to) {
      return true;
    }
    boolean startsAFrame = false;
    for (Frame f : d.frames) {
      if (f.offset() == from) {
        startsAFrame = true;
      }
      if (f.offset() >= from
          && f.offset() < to
          && f.opcode() != WebSocketProtocol.OPCODE_CONTINUATION) {
        return false;
      }
    }
    return startsAFrame;
  }

  @Test
  void lossInsideAnyPayloadKeepsTheFramesAfterIt() {
    for (Case c : CASES) {
      Direction d = c.d();
      List<WsMessage> full = fullDecode(c.session(), d);
      for (Frame f : d.frames) {
        if (f.payloadLength() < 3) {
          continue;
        }
        int payload = f.offset() + f.headerLength();
        Gap gap = new Gap(payload + 1, payload + 1 + (int) Math.min(f.payloadLength() - 2, 1000));
        RecordingListener recorder = decodeWithGap(c.session(), d, gap);

        check(expected(c.session(), d, full, gap, false), recorder.messages(), c.name(gap));
        assertEquals(
            List.of(),
            recorder.anomalyCodes().stream()
                .filter(
                    code ->
                        code.equals(WebSocketAnomalies.GAP)
                            || code.equals(WebSocketAnomalies.RESYNCHRONIZED))
                .toList(),
            c.name(gap));
      }
    }
  }

  /** Offsets to join each direction at: the first bytes one by one, then every 997th. */
  static List<Integer> offsets(Direction d) {
    List<Integer> offsets = new ArrayList<>();
    for (int o = 0; o < d.bytes.length; o += o < 16 ? 1 : 997) {
      offsets.add(o);
    }
    return offsets;
  }

  @Test
  void midStreamDecoderJoinedAtAnyOffsetGivesEveryMessageAfterTheFirstFrameItReaches() {
    int joins = 0;
    int spurious = 0;
    for (Case c : CASES) {
      Direction d = c.d();
      List<WsMessage> full = fullDecode(c.session(), d);
      for (int offset : offsets(d)) {
        Gap before = new Gap(0, offset);
        RecordingListener recorder = decodeMidStream(d, offset);

        joins++;
        if (checkAfterLoss(
            expected(c.session(), d, full, before, true),
            recorder.messages(),
            c.name("from " + offset))) {
          spurious++;
        }
        boolean compressed = recorder.messages().stream().anyMatch(WsMessage::compressed);
        assertEquals(
            compressed ? 1 : 0,
            recorder.anomalyCodes().stream()
                .filter(WebSocketAnomalies.COMPRESSED_WITHOUT_HANDSHAKE::equals)
                .count(),
            c.name("from " + offset));
      }
    }
    assertFewSpurious(spurious, joins);
    assertEquals(792, joins);
  }
}
