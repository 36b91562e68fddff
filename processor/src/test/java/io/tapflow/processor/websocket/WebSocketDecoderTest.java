package io.tapflow.processor.websocket;

import static io.tapflow.processor.websocket.Bytes.concat;
import static io.tapflow.processor.websocket.Bytes.counting;
import static io.tapflow.processor.websocket.Bytes.hex;
import static io.tapflow.processor.websocket.Bytes.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** RFC 6455 framing, fed whole and one byte at a time. */
class WebSocketDecoderTest {

  private static final long T = 1_000L;

  private final RecordingListener recorder = new RecordingListener();

  private WebSocketDecoder server() {
    return new WebSocketDecoder(false, WebSocketConfig.DEFAULT, null, recorder);
  }

  private WebSocketDecoder client() {
    return new WebSocketDecoder(true, WebSocketConfig.DEFAULT, null, recorder);
  }

  private static WsMessage message(WsOpcode opcode, byte[] content, int fragments) {
    return new WsMessage(
        opcode, content, content.length, false, null, null, false, fragments, T, 0, false);
  }

  private static WsMessage text(String text, int fragments) {
    return message(WsOpcode.TEXT, utf8(text), fragments);
  }

  @ParameterizedTest
  @EnumSource(Split.class)
  void singleFrameUnmaskedTextMessageIsHello(Split split) {
    split.feed(server(), hex("81 05 48 65 6c 6c 6f"), T);

    assertEquals(List.of(text("Hello", 1)), recorder.events);
  }

  @ParameterizedTest
  @EnumSource(Split.class)
  void singleFrameMaskedTextMessageUnmasksToHello(Split split) {
    split.feed(client(), hex("81 85 37 fa 21 3d 7f 9f 4d 51 58"), T);

    assertEquals(List.of(text("Hello", 1)), recorder.events);
  }

  @Test
  void aLongMaskedPayloadUnmasksTheSameInChunksOfEverySizeAndAlignment() {
    byte[] payload = new byte[301];
    for (int i = 0; i < payload.length; i++) {
      payload[i] = (byte) (i * 7 + 3);
    }
    byte[] wire = Frames.masked(0x82, 0x9a3b_c1d5, payload);
    for (int chunk = 1; chunk <= 19; chunk++) {
      RecordingListener r = new RecordingListener();
      WebSocketDecoder d = new WebSocketDecoder(true, WebSocketConfig.DEFAULT, null, r);
      for (int off = 0; off < wire.length; off += chunk) {
        d.onData(wire, off, Math.min(chunk, wire.length - off), T);
      }

      assertEquals(List.of(message(WsOpcode.BINARY, payload, 1)), r.events, "chunk " + chunk);
    }
  }

  @ParameterizedTest
  @EnumSource(Split.class)
  void fragmentedUnmaskedTextMessageIsReassembledFromTwoFrames(Split split) {
    WebSocketDecoder decoder = server();
    split.feed(decoder, hex("01 03 48 65 6c"), T);
    assertEquals(List.of(), recorder.events);

    split.feed(decoder, hex("80 02 6c 6f"), T);

    assertEquals(List.of(text("Hello", 2)), recorder.events);
  }

  @ParameterizedTest
  @EnumSource(Split.class)
  void unmaskedPingFromServerCarriesHello(Split split) {
    split.feed(server(), hex("89 05 48 65 6c 6c 6f"), T);

    assertEquals(List.of(message(WsOpcode.PING, utf8("Hello"), 1)), recorder.events);
  }

  @ParameterizedTest
  @EnumSource(Split.class)
  void maskedPongFromClientCarriesHello(Split split) {
    split.feed(client(), hex("8a 85 37 fa 21 3d 7f 9f 4d 51 58"), T);

    assertEquals(List.of(message(WsOpcode.PONG, utf8("Hello"), 1)), recorder.events);
  }

  @ParameterizedTest
  @EnumSource(Split.class)
  void binaryMessageOf256BytesUsesTheSixteenBitLength(Split split) {
    byte[] payload = counting(256);

    split.feed(server(), concat(hex("82 7e 01 00"), payload), T);

    assertEquals(List.of(message(WsOpcode.BINARY, payload, 1)), recorder.events);
  }

  @ParameterizedTest
  @EnumSource(Split.class)
  void binaryMessageOf64KibUsesTheSixtyFourBitLength(Split split) {
    byte[] payload = counting(65536);

    split.feed(server(), concat(hex("82 7f 00 00 00 00 00 01 00 00"), payload), T);

    assertEquals(List.of(message(WsOpcode.BINARY, payload, 1)), recorder.events);
  }

  @ParameterizedTest
  @EnumSource(Split.class)
  void controlFrameBetweenFragmentsIsDeliveredBeforeTheMessageItInterrupts(Split split) {
    split.feed(server(), hex("01 03 48 65 6c  89 02 68 69  80 02 6c 6f"), T);

    assertEquals(List.of(message(WsOpcode.PING, utf8("hi"), 1), text("Hello", 2)), recorder.events);
  }

  @ParameterizedTest
  @EnumSource(Split.class)
  void maskedFragmentsWithAPingBetweenThemUnmaskEachWithItsOwnKey(Split split) {
    split.feed(
        client(), hex("01 83 37 fa 21 3d 7f 9f 4d  89 80 01 02 03 04  80 82 11 22 33 44 7d 4d"), T);

    assertEquals(
        List.of(message(WsOpcode.PING, new byte[0], 1), text("Hello", 2)), recorder.events);
  }

  @ParameterizedTest
  @EnumSource(Split.class)
  void closeFrameGivesItsStatusCodeAndReason(Split split) {
    byte[] payload = concat(hex("03 e8"), utf8("bye ✓"));

    split.feed(server(), concat(hex("88 09"), payload), T);

    assertEquals(
        List.of(
            new WsMessage(WsOpcode.CLOSE, payload, 9, false, 1000, "bye ✓", false, 1, T, 0, false)),
        recorder.events);
  }

  @Test
  void closeFrameWithOnlyAStatusCodeHasNoReason() {
    server().onData(hex("88 02 03 f1"), 0, 4, T);

    assertEquals(
        List.of(
            new WsMessage(
                WsOpcode.CLOSE, hex("03 f1"), 2, false, 1009, null, false, 1, T, 0, false)),
        recorder.events);
  }

  @Test
  void closeFrameWithAnEmptyPayloadHasNeitherCodeNorReason() {
    server().onData(hex("88 00"), 0, 2, T);

    assertEquals(
        List.of(
            new WsMessage(
                WsOpcode.CLOSE, new byte[0], 0, false, null, null, false, 1, T, 0, false)),
        recorder.events);
  }

  @Test
  void emptyTextMessageHasEmptyContent() {
    server().onData(hex("81 00"), 0, 2, T);

    assertEquals(List.of(text("", 1)), recorder.events);
  }

  @Test
  void messageTakesTheTimestampOfTheDataThatCompletedIt() {
    WebSocketDecoder decoder = server();
    decoder.onData(hex("01 03 48 65 6c"), 0, 5, 10);
    decoder.onData(hex("80 02 6c"), 0, 3, 20);
    decoder.onData(hex("6f"), 0, 1, 30);

    assertEquals(
        List.of(
            new WsMessage(
                WsOpcode.TEXT, utf8("Hello"), 5, false, null, null, false, 2, 30, 0, false)),
        recorder.events);
  }

  @Test
  void onDataReadsOnlyTheGivenSliceOfTheBuffer() {
    byte[] buf = hex("ff ff 81 02 68 69 ff");

    server().onData(buf, 2, 4, T);

    assertEquals(List.of(text("hi", 1)), recorder.events);
  }

  @Test
  void contentIsCappedButThePayloadLengthCountsEveryByte() {
    WebSocketDecoder decoder =
        new WebSocketDecoder(
            false,
            new WebSocketConfig(4, 1 << 20, WebSocketConfig.DEFAULT_MAX_RESYNC_BYTES),
            null,
            recorder);

    decoder.onData(hex("82 0a 00 01 02 03 04 05 06 07 08 09"), 0, 12, T);

    assertEquals(
        List.of(
            new WsMessage(
                WsOpcode.BINARY, hex("00 01 02 03"), 10, true, null, null, false, 1, T, 0, false)),
        recorder.events);
  }

  @Test
  void contentCapAppliesToTheWholeFragmentedMessage() {
    WebSocketDecoder decoder =
        new WebSocketDecoder(
            false,
            new WebSocketConfig(4, 1 << 20, WebSocketConfig.DEFAULT_MAX_RESYNC_BYTES),
            null,
            recorder);

    decoder.onData(hex("01 03 48 65 6c  80 02 6c 6f"), 0, 9, T);

    assertEquals(
        List.of(
            new WsMessage(WsOpcode.TEXT, utf8("Hell"), 5, true, null, null, false, 2, T, 0, false)),
        recorder.events);
  }

  @Test
  void frameClaimingTheLargestLengthNeverBuffersMoreThanTheContentCap() throws IOException {
    WebSocketDecoder decoder =
        new WebSocketDecoder(
            false,
            new WebSocketConfig(1024, 1 << 20, WebSocketConfig.DEFAULT_MAX_RESYNC_BYTES),
            null,
            recorder);
    decoder.onData(hex("82 7f 7f ff ff ff ff ff ff ff"), 0, 10, T);
    byte[] chunk = counting(64 * 1024);
    for (int i = 0; i < 64; i++) {
      decoder.onData(chunk, 0, chunk.length, T);
    }

    ByteArrayOutputStream snapshot = new ByteArrayOutputStream();
    decoder.writeSnapshot(new DataOutputStream(snapshot));
    assertTrue(snapshot.size() < 2048, "snapshot of " + snapshot.size() + " bytes");
    decoder.onEnd(2 * T);
    assertEquals(
        List.of(
            new RecordingListener.Anomaly(
                WebSocketAnomalies.INCOMPLETE_MESSAGE_AT_END,
                "message_opcode=binary message_fragments=1"
                    + " message_payload_length=9223372036854775807"
                    + " frame_state=payload_data frame_opcode=binary"
                    + " frame_payload_length=9223372036854775807 frame_payload_read=4194304",
                2 * T)),
        recorder.events);
  }

  @Test
  void continuationLengthsAddUpWithoutOverflowing() {
    WebSocketDecoder decoder =
        new WebSocketDecoder(
            false,
            new WebSocketConfig(16, 1 << 20, WebSocketConfig.DEFAULT_MAX_RESYNC_BYTES),
            null,
            recorder);
    decoder.onData(hex("02 7f 7f ff ff ff ff ff ff ff 41"), 0, 11, T);
    decoder.onEnd(T);

    assertEquals(
        List.of(
            new RecordingListener.Anomaly(
                WebSocketAnomalies.INCOMPLETE_MESSAGE_AT_END,
                "message_opcode=binary message_fragments=1"
                    + " message_payload_length=9223372036854775807"
                    + " frame_state=payload_data frame_opcode=binary"
                    + " frame_payload_length=9223372036854775807 frame_payload_read=1",
                T)),
        recorder.events);
  }

  @Test
  void setListenerRedirectsLaterMessages() {
    WebSocketDecoder decoder = server();
    decoder.onData(hex("81 02 68"), 0, 3, T);
    RecordingListener other = new RecordingListener();

    decoder.setListener(other);
    decoder.onData(hex("69"), 0, 1, T);

    assertEquals(List.of(), recorder.events);
    assertEquals(List.of(text("hi", 1)), other.events);
  }

  @Test
  void dataAfterTheEndIsDroppedAndCounted() {
    WebSocketDecoder decoder = server();
    decoder.onEnd(T);

    decoder.onData(hex("81 02 68 69"), 0, 4, T);

    assertEquals(List.of(), recorder.events);
    assertEquals(4, decoder.droppedBytes());
  }
}
