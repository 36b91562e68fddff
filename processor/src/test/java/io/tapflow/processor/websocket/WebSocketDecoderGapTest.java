package io.tapflow.processor.websocket;

import static io.tapflow.processor.websocket.Bytes.hex;
import static io.tapflow.processor.websocket.Bytes.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tapflow.processor.websocket.RecordingListener.Anomaly;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Capture gaps: inside a payload framing survives, over a header it is lost. */
class WebSocketDecoderGapTest {

  private static final long T = 5_000L;

  private final RecordingListener recorder = new RecordingListener();

  private static void feed(WebSocketDecoder decoder, String hex) {
    byte[] bytes = hex(hex);
    decoder.onData(bytes, 0, bytes.length, T);
  }

  private WebSocketDecoder server(PerMessageDeflate deflate) {
    return new WebSocketDecoder(false, WebSocketConfig.DEFAULT, deflate, recorder);
  }

  @Test
  void gapInsideAPayloadKeepsFramingAndCountsTheMissingBytes() {
    WebSocketDecoder decoder = server(null);
    feed(decoder, "82 0a 00 01 02");
    decoder.onGap(4, T);
    feed(decoder, "07 08 09  81 02 68 69");

    assertEquals(
        List.of(
            new WsMessage(
                WsOpcode.BINARY,
                hex("00 01 02 07 08 09"),
                10,
                false,
                null,
                null,
                false,
                1,
                T,
                4,
                false),
            new WsMessage(WsOpcode.TEXT, utf8("hi"), 2, false, null, null, false, 1, T, 0, false)),
        recorder.events);
    assertFalse(decoder.isFramingLost());
  }

  @Test
  void gapInsideAMaskedPayloadKeepsTheMaskAligned() {
    WebSocketDecoder decoder = new WebSocketDecoder(true, WebSocketConfig.DEFAULT, null, recorder);
    // "Hello" masked with 37 fa 21 3d; the second byte is lost.
    feed(decoder, "81 85 37 fa 21 3d 7f");
    decoder.onGap(1, T);
    feed(decoder, "4d 51 58");

    assertEquals(
        List.of(
            new WsMessage(
                WsOpcode.TEXT, utf8("Hllo"), 5, false, null, null, false, 1, T, 1, false)),
        recorder.events);
  }

  @Test
  void gapEndingExactlyAtTheEndOfAPayloadKeepsFraming() {
    WebSocketDecoder decoder = server(null);
    feed(decoder, "82 04 01 02");
    decoder.onGap(2, T + 1);
    feed(decoder, "81 02 68 69");

    assertEquals(
        List.of(
            new WsMessage(
                WsOpcode.BINARY, hex("01 02"), 4, false, null, null, false, 1, T + 1, 2, false),
            new WsMessage(WsOpcode.TEXT, utf8("hi"), 2, false, null, null, false, 1, T, 0, false)),
        recorder.events);
  }

  @Test
  void gapWhereAHeaderIsDueLosesFramingUntilAFrameHeaderIsFound() {
    WebSocketDecoder decoder = server(null);
    feed(decoder, "81 02 68 69");
    decoder.onGap(6, T);
    feed(decoder, "81 02 68 69");
    decoder.onEnd(T + 1);

    assertEquals(
        List.of(
            new WsMessage(WsOpcode.TEXT, utf8("hi"), 2, false, null, null, false, 1, T, 0, false),
            new Anomaly(WebSocketAnomalies.GAP, "length=6 state=frame_start", T),
            new Anomaly(
                WebSocketAnomalies.RESYNCHRONIZED,
                "skipped_bytes=0 opcode=text payload_length=2",
                T + 1),
            new WsMessage(
                WsOpcode.TEXT, utf8("hi"), 2, false, null, null, false, 1, T + 1, 0, true)),
        recorder.events);
    assertEquals(6, decoder.droppedBytes());
  }

  @Test
  void gapInsideAHeaderLosesFraming() {
    WebSocketDecoder decoder = server(null);
    feed(decoder, "82 7e 01");
    decoder.onGap(1, T);

    assertEquals(
        List.of(new Anomaly(WebSocketAnomalies.GAP, "length=1 state=extended_payload_length", T)),
        recorder.events);
    assertTrue(decoder.isFramingLost());
  }

  @Test
  void gapRunningFromAPayloadOverTheNextHeaderDeliversTheMessageThenLosesFraming() {
    WebSocketDecoder decoder = server(null);
    feed(decoder, "82 05 ab");
    decoder.onGap(10, T);

    assertEquals(
        List.of(
            new WsMessage(WsOpcode.BINARY, hex("ab"), 5, false, null, null, false, 1, T, 4, false),
            new Anomaly(
                WebSocketAnomalies.GAP, "length=10 state=payload_data payload_remaining=4", T)),
        recorder.events);
    assertTrue(decoder.isFramingLost());
    assertEquals(6, decoder.droppedBytes());
  }

  @Test
  void lostFramingDropsTheOpenFragmentedMessageWithoutAnEndAnomaly() {
    WebSocketDecoder decoder = server(null);
    feed(decoder, "01 03 48 65 6c");
    decoder.onGap(3, T);
    decoder.onEnd(T);

    assertEquals(
        List.of(new Anomaly(WebSocketAnomalies.GAP, "length=3 state=frame_start", T)),
        recorder.events);
  }

  @Test
  void zeroLengthGapChangesNothing() {
    WebSocketDecoder decoder = server(null);
    feed(decoder, "81 02 68");
    decoder.onGap(0, T);
    feed(decoder, "69");

    assertEquals(
        List.of(
            new WsMessage(WsOpcode.TEXT, utf8("hi"), 2, false, null, null, false, 1, T, 0, false)),
        recorder.events);
  }

  @Test
  void textWithAGapIsNotCheckedForUtf8() {
    WebSocketDecoder decoder = server(null);
    feed(decoder, "81 03 e2");
    decoder.onGap(1, T);
    feed(decoder, "93");

    assertEquals(
        List.of(
            new WsMessage(
                WsOpcode.TEXT, hex("e2 93"), 3, false, null, null, false, 1, T, 1, false)),
        recorder.events);
  }

  @Test
  void compressedMessageWithAGapCannotBeInflatedAndLaterMessagesLoseTheWindow() {
    WebSocketDecoder decoder = server(PerMessageDeflate.DEFAULT);
    feed(decoder, "c1 07 f2 48 cd");
    decoder.onGap(2, T);
    feed(decoder, "07 00");
    // The §7.2.3.2 second message refers back to the "Hello" this decoder never saw whole.
    feed(decoder, "c1 05 f2 00 11 00 00");
    // A message that refers to nothing before it still inflates.
    feed(decoder, "c1 07 f2 48 cd c9 c9 07 00");

    assertEquals(
        List.of(
            new Anomaly(
                WebSocketAnomalies.DECOMPRESSION_FAILED,
                "opcode=text error=gap missing_bytes=2 compressed_length=7",
                T),
            new WsMessage(WsOpcode.TEXT, new byte[0], 7, true, null, null, true, 1, T, 2, false),
            new Anomaly(
                WebSocketAnomalies.DECOMPRESSION_FAILED,
                "opcode=text error=invalid_distance_too_far_back compressed_length=5"
                    + " inflated_length=0",
                T),
            new WsMessage(WsOpcode.TEXT, new byte[0], 0, true, null, null, true, 1, T, 0, false),
            new WsMessage(
                WsOpcode.TEXT, utf8("Hello"), 5, false, null, null, true, 1, T, 0, false)),
        recorder.events);
  }

  @Test
  void gapInsideAControlFrameLeavesTheCloseCodeUnparsed() {
    WebSocketDecoder decoder = server(null);
    feed(decoder, "88 04 03");
    decoder.onGap(1, T);
    feed(decoder, "68 69");

    assertEquals(
        List.of(
            new WsMessage(
                WsOpcode.CLOSE, hex("03 68 69"), 4, false, null, null, false, 1, T, 1, false)),
        recorder.events);
  }
}
