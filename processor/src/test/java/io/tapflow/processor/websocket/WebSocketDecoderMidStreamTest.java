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

/** A decoder for a connection joined after its handshake starts by searching for a frame. */
class WebSocketDecoderMidStreamTest {

  private static final long T = 13_000L;

  private final RecordingListener recorder = new RecordingListener();

  private WebSocketDecoder server() {
    return WebSocketDecoder.midStream(false, WebSocketConfig.DEFAULT, recorder);
  }

  private static WsMessage plain(WsOpcode opcode, byte[] content, boolean resynchronized) {
    return new WsMessage(
        opcode, content, content.length, false, null, null, false, 1, T, 0, resynchronized);
  }

  @ParameterizedTest
  @EnumSource(Split.class)
  void midStreamDecoderStartsAtTheFirstFrameItFindsAndMarksIt(Split split) {
    WebSocketDecoder decoder = server();
    // "lo!" ends a frame that began before the capture.
    split.feed(decoder, hex("6c 6f 21  81 02 68 69  89 00  81 01 61  82 02 01 02"), T);

    assertEquals(
        List.of(
            new Anomaly(
                WebSocketAnomalies.RESYNCHRONIZED,
                "skipped_bytes=3 opcode=text payload_length=2",
                T),
            plain(WsOpcode.TEXT, utf8("hi"), true),
            plain(WsOpcode.PING, new byte[0], false),
            plain(WsOpcode.TEXT, utf8("a"), false),
            plain(WsOpcode.BINARY, hex("01 02"), false)),
        recorder.events);
    assertTrue(decoder.isMidStream());
    assertFalse(decoder.isFramingLost());
  }

  @Test
  void decoderMadeForAHandshakeIsNotMidStream() {
    assertFalse(new WebSocketDecoder(false, WebSocketConfig.DEFAULT, null, recorder).isMidStream());
  }

  @Test
  void compressedMessagesWithoutTheHandshakeAreDeliveredUninflatedAndFlaggedOnce() {
    WebSocketDecoder decoder = server();
    // The RFC 7692 §7.2.3.2 pair: "Hello", then "Hello" again referring back to the first.
    decoder.onData(hex("c1 07 f2 48 cd c9 c9 07 00  c1 05 f2 00 11 00 00"), 0, 16, T);
    decoder.onEnd(T);

    assertEquals(
        List.of(
            new Anomaly(
                WebSocketAnomalies.RESYNCHRONIZED,
                "skipped_bytes=0 opcode=text payload_length=7",
                T),
            new Anomaly(
                WebSocketAnomalies.COMPRESSED_WITHOUT_HANDSHAKE,
                "opcode=text compressed_length=7",
                T),
            new WsMessage(WsOpcode.TEXT, new byte[0], 7, true, null, null, true, 1, T, 0, true),
            new WsMessage(WsOpcode.TEXT, new byte[0], 5, true, null, null, true, 1, T, 0, false)),
        recorder.events);
  }

  @Test
  void fragmentedCompressedMessageKeepsItsFragmentsAndCompressedLength() {
    WebSocketDecoder decoder = server();
    decoder.onData(hex("41 03 f2 48 cd  80 04 c9 c9 07 00  81 01 61"), 0, 14, T);
    decoder.onEnd(T);

    assertEquals(
        List.of(
            new WsMessage(WsOpcode.TEXT, new byte[0], 7, true, null, null, true, 2, T, 0, true),
            plain(WsOpcode.TEXT, utf8("a"), false)),
        recorder.messages());
  }

  @Test
  void aDataFrameInterruptingAFragmentedCompressedMessageDropsItWithoutAnInflater() {
    // Found by WebSocketDecoderFuzzTest: the interrupted message was compressed, and resetting the
    // inflater's window threw, as a mid-stream decoder has none.
    WebSocketDecoder decoder = server();
    decoder.onData(hex("81 01 61  81 01 62  81 01 63  81 01 64  41 02 f2 48  81 01 65"), 0, 19, T);
    decoder.onEnd(T);

    assertEquals(
        List.of(
            "websocket_resynchronized",
            "websocket_expected_continuation opcode=text open_message_opcode=text"
                + " open_message_fragments=1"),
        recorder.anomalies().stream()
            .map(a -> a.code() + (a.code().endsWith("continuation") ? " " + a.detail() : ""))
            .toList());
    assertEquals(
        List.of("a", "b", "c", "d", "e"),
        recorder.messages().stream().map(WsMessage::text).toList());
  }

  @Test
  void rsv1WhereNoExtensionCouldSetItIsReportedWithTheExtensionUnknown() {
    WebSocketDecoder decoder = server();
    decoder.onData(hex("81 01 61  81 01 62  81 01 63  81 01 64  c9 00"), 0, 14, T);

    assertEquals(
        List.of(
            "websocket_resynchronized",
            "websocket_rsv_without_extension opcode=ping rsv1=1 rsv2=0 rsv3=0 extension=unknown"),
        recorder.anomalies().stream()
            .map(a -> a.code() + (a.code().endsWith("extension") ? " " + a.detail() : ""))
            .toList());
  }

  @Test
  void clientMidStreamDecoderFindsMaskedFramesAndUnmasksThem() {
    WebSocketDecoder decoder = WebSocketDecoder.midStream(true, WebSocketConfig.DEFAULT, recorder);
    // The tail of a masked frame, then "Hello" masked with 37 fa 21 3d and "a" with 00 00 00 01.
    decoder.onData(hex("9f 4d  81 85 37 fa 21 3d 7f 9f 4d 51 58  81 81 00 00 00 01 61"), 0, 20, T);
    decoder.onEnd(T);

    assertEquals(
        List.of(plain(WsOpcode.TEXT, utf8("Hello"), true), plain(WsOpcode.TEXT, utf8("a"), false)),
        recorder.messages());
  }
}
