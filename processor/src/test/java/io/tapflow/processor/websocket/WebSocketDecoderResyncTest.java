package io.tapflow.processor.websocket;

import static io.tapflow.processor.websocket.Bytes.hex;
import static io.tapflow.processor.websocket.Bytes.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tapflow.processor.websocket.RecordingListener.Anomaly;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** After a gap over a frame header, the decoder finds the next frame and decodes on from there. */
class WebSocketDecoderResyncTest {

  private static final long T = 11_000L;

  private final RecordingListener recorder = new RecordingListener();

  private WebSocketDecoder server() {
    return new WebSocketDecoder(false, WebSocketConfig.DEFAULT, null, recorder);
  }

  private WebSocketDecoder server(int maxResyncBytes) {
    return new WebSocketDecoder(
        false,
        new WebSocketConfig(
            WebSocketConfig.DEFAULT_MAX_CONTENT_BYTES,
            WebSocketConfig.DEFAULT_MAX_INFLATED_BYTES,
            maxResyncBytes),
        null,
        recorder);
  }

  private static void feed(WebSocketDecoder decoder, String hex, long timestampNanos) {
    byte[] bytes = hex(hex);
    decoder.onData(bytes, 0, bytes.length, timestampNanos);
  }

  private static WsMessage text(String text, long timestampNanos, boolean resynchronized) {
    byte[] content = utf8(text);
    return new WsMessage(
        WsOpcode.TEXT,
        content,
        content.length,
        false,
        null,
        null,
        false,
        1,
        timestampNanos,
        0,
        resynchronized);
  }

  private static WsMessage ping(long timestampNanos) {
    return new WsMessage(
        WsOpcode.PING, new byte[0], 0, false, null, null, false, 1, timestampNanos, 0, false);
  }

  @ParameterizedTest
  @EnumSource(Split.class)
  void gapOverAHeaderIsFollowedByTheNextFrameConfirmedByTheHeadersAfterIt(Split split) {
    WebSocketDecoder decoder = server();
    split.feed(decoder, hex("81 02 68 69"), T);
    // Lost: "82 03 01" of a binary frame "82 03 01 02 03". "02 03" would be a binary fragment of 3
    // bytes, but a text frame cannot follow it; "03" is a reserved opcode.
    decoder.onGap(3, T);
    split.feed(decoder, hex("02 03  81 01 61  81 01 62  89 00  81 01 63"), T + 1);

    assertEquals(
        List.of(
            text("hi", T, false),
            new Anomaly(WebSocketAnomalies.GAP, "length=3 state=frame_start", T),
            new Anomaly(
                WebSocketAnomalies.RESYNCHRONIZED,
                "skipped_bytes=2 opcode=text payload_length=1",
                T + 1),
            text("a", T + 1, true),
            text("b", T + 1, false),
            ping(T + 1),
            text("c", T + 1, false)),
        recorder.events);
    assertFalse(decoder.isFramingLost());
    assertEquals(5, decoder.droppedBytes());
    assertEquals(2, decoder.counters().skippedBytes());
    assertEquals(1, decoder.counters().resynchronizations());
  }

  @Test
  void framesFoundAreHeldUntilEnoughHeadersConfirmThemAndTakeTheTimeOfTheConfirmingData() {
    WebSocketDecoder decoder = server();
    decoder.onGap(5, T);
    feed(decoder, "81 01 61", T + 1);
    feed(decoder, "81 01 62", T + 2);
    feed(decoder, "81 01 63", T + 3);

    assertEquals(
        List.of(new Anomaly(WebSocketAnomalies.GAP, "length=5 state=frame_start", T)),
        recorder.events);
    assertEquals(9, decoder.heldBytes());

    feed(decoder, "81 01 64", T + 4);

    assertEquals(
        List.of(
            new Anomaly(
                WebSocketAnomalies.RESYNCHRONIZED,
                "skipped_bytes=0 opcode=text payload_length=1",
                T + 4),
            text("a", T + 4, true),
            text("b", T + 4, false),
            text("c", T + 4, false),
            text("d", T + 4, false)),
        recorder.events.subList(1, recorder.events.size()));
    assertEquals(0, decoder.heldBytes());
  }

  @Test
  void frameEndingExactlyWhereANextGapStartsIsTakenAndTheGapLosesFramingAgain() {
    WebSocketDecoder decoder = server();
    decoder.onGap(5, T);
    feed(decoder, "6c 6f  81 01 61", T + 1);
    decoder.onGap(4, T + 2);

    assertEquals(
        List.of(
            new Anomaly(WebSocketAnomalies.GAP, "length=5 state=frame_start", T),
            new Anomaly(
                WebSocketAnomalies.RESYNCHRONIZED,
                "skipped_bytes=2 opcode=text payload_length=1",
                T + 2),
            text("a", T + 2, true),
            new Anomaly(WebSocketAnomalies.GAP, "length=4 state=frame_start", T + 2)),
        recorder.events);
    assertTrue(decoder.isFramingLost());
    assertEquals(5 + 2 + 4, decoder.droppedBytes());
  }

  @Test
  void heldBytesThatEndInNoFrameAreSkippedAtTheEnd() {
    WebSocketDecoder decoder = server();
    decoder.onGap(5, T);
    feed(decoder, "6c 6f 81 05 61", T + 1);
    decoder.onEnd(T + 2);

    assertEquals(
        List.of(new Anomaly(WebSocketAnomalies.GAP, "length=5 state=frame_start", T)),
        recorder.events);
    assertEquals(10, decoder.droppedBytes());
    assertEquals(5, decoder.counters().skippedBytes());
  }

  @Test
  void restOfAMessageWhoseStartWasLostIsSkippedAndTheNextMessageIsMarked() {
    WebSocketDecoder decoder = server();
    decoder.onGap(4, T);
    // A ping inside a fragmented message whose first frame was lost, its two continuations, then
    // two whole messages.
    feed(decoder, "89 00  00 01 62  80 01 63  81 01 64  81 01 65", T + 1);

    assertEquals(
        List.of(
            new Anomaly(WebSocketAnomalies.GAP, "length=4 state=frame_start", T),
            new Anomaly(
                WebSocketAnomalies.RESYNCHRONIZED,
                "skipped_bytes=0 opcode=ping payload_length=0",
                T + 1),
            new WsMessage(
                WsOpcode.PING, new byte[0], 0, false, null, null, false, 1, T + 1, 0, true),
            text("d", T + 1, false),
            text("e", T + 1, false)),
        recorder.events);
    assertEquals(
        new WebSocketCounters(2, 0, 2, 0, 1, 0, 0, 2, 0, 0, 1, 0, 14, 2, 0, 1), decoder.counters());
  }

  @Test
  void headerForgedInTheLostFramesTailDoesNotSwallowTheFramesAfterIt() {
    WebSocketDecoder decoder = server();
    decoder.onGap(4, T);
    feed(decoder, "82 0a  81 01 61  81 01 62  89 02 68 69  81 01 63  81 01 64", T + 1);
    decoder.onEnd(T + 2);

    assertEquals(
        List.of("websocket_gap", "websocket_resynchronized", "a", "b", "hi", "c", "d"),
        recorder.events.stream()
            .map(e -> e instanceof Anomaly a ? a.code() : ((WsMessage) e).text())
            .toList());
    assertEquals(2, decoder.counters().skippedBytes());
  }

  @Test
  void framingLostAgainInsideTheHeldBytesIsSearchedForAgain() {
    WebSocketDecoder decoder = server();
    decoder.onGap(3, T);
    feed(
        decoder,
        FOUR_TEXTS + "  82 7f 80 00 00 00 00 00 00 00  81 01 65  81 01 66  81 01 67  81 01 68",
        T + 1);

    assertEquals(
        List.of(
            "websocket_gap",
            "websocket_resynchronized",
            "a",
            "b",
            "c",
            "d",
            "websocket_invalid_payload_length",
            "websocket_resynchronized",
            "e",
            "f",
            "g",
            "h"),
        recorder.events.stream()
            .map(e -> e instanceof Anomaly a ? a.code() : ((WsMessage) e).text())
            .toList());
  }

  private static final String FOUR_TEXTS = "81 01 61  81 01 62  81 01 63  81 01 64";

  @Test
  void searchHoldsNoMoreThanTheBoundAndSkipsWhatItPassesOver() {
    WebSocketDecoder decoder = server(64);
    decoder.onGap(1, T);
    // Each "82 7e ff ff" claims 65 535 bytes: too long to confirm within 64 bytes.
    byte[] junk = hex("82 7e ff ff".repeat(2500));
    for (int i = 0; i < junk.length; i++) {
      decoder.onData(junk, i, 1, T);
      assertTrue(decoder.heldBytes() <= 64, "held " + decoder.heldBytes() + " after " + i);
    }
    assertTrue(decoder.retainedBytes() <= 2 * 64, "retained " + decoder.retainedBytes());

    // The last "82 7e ff ff" waits for its 65 535 bytes until the direction ends.
    feed(decoder, FOUR_TEXTS, T + 1);
    decoder.onEnd(T + 2);

    assertEquals(
        List.of(
            "websocket_gap",
            "websocket_resynchronized skipped_bytes=10000 opcode=text payload_length=1",
            "a",
            "b",
            "c",
            "d"),
        recorder.events.stream()
            .map(
                e ->
                    e instanceof Anomaly a
                        ? (a.code() + (a.code().equals("websocket_gap") ? "" : " " + a.detail()))
                        : ((WsMessage) e).text())
            .toList());
    assertEquals(10_000, decoder.counters().skippedBytes());
  }

  @Test
  void zeroResyncBytesDropEverythingAfterTheLoss() {
    WebSocketDecoder decoder = server(0);
    decoder.onGap(3, T);
    feed(decoder, FOUR_TEXTS, T);
    decoder.onEnd(T);

    assertEquals(
        List.of(new Anomaly(WebSocketAnomalies.GAP, "length=3 state=frame_start", T)),
        recorder.events);
    assertEquals(15, decoder.droppedBytes());
    assertEquals(0, decoder.heldBytes());
  }

  @Test
  void searchOfAClientDirectionWantsMaskedFrames() {
    WebSocketDecoder decoder = new WebSocketDecoder(true, WebSocketConfig.DEFAULT, null, recorder);
    decoder.onGap(2, T);
    feed(decoder, FOUR_TEXTS + "  81 81 00 00 00 01 61  81 81 00 00 00 02 62", T);
    decoder.onEnd(T);

    assertEquals(
        List.of(
            new Anomaly(WebSocketAnomalies.GAP, "length=2 state=frame_start", T),
            new Anomaly(
                WebSocketAnomalies.RESYNCHRONIZED,
                "skipped_bytes=12 opcode=text payload_length=1",
                T),
            text("a", T, true),
            text("b", T, false)),
        recorder.events);
  }

  @Test
  void compressedMessageFoundAfterALossCannotReferBackButOneThatNeedsNoWindowInflates() {
    WebSocketDecoder decoder =
        new WebSocketDecoder(false, WebSocketConfig.DEFAULT, PerMessageDeflate.DEFAULT, recorder);
    feed(decoder, "c1 07 f2 48 cd c9 c9 07 00", T);
    decoder.onGap(2, T);
    // The rest of a lost frame, then the §7.2.3.2 second "Hello" (which refers back) and two
    // messages that need no window.
    feed(decoder, "6c 6f  c1 05 f2 00 11 00 00  c1 07 f2 48 cd c9 c9 07 00  88 00", T);
    decoder.onEnd(T);

    assertEquals(
        List.of(
            "TEXT Hello",
            "websocket_gap",
            "websocket_resynchronized",
            "websocket_decompression_failed",
            "TEXT  truncated resynchronized",
            "TEXT Hello",
            "CLOSE "),
        recorder.events.stream()
            .map(
                e ->
                    e instanceof Anomaly a
                        ? a.code()
                        : ((WsMessage) e).opcode()
                            + " "
                            + ((WsMessage) e).text()
                            + (((WsMessage) e).truncated() ? " truncated" : "")
                            + (((WsMessage) e).resynchronized() ? " resynchronized" : ""))
            .toList());
  }
}
