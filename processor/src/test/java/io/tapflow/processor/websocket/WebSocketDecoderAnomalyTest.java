package io.tapflow.processor.websocket;

import static io.tapflow.processor.websocket.Bytes.concat;
import static io.tapflow.processor.websocket.Bytes.hex;
import static io.tapflow.processor.websocket.Bytes.repeat;
import static io.tapflow.processor.websocket.Bytes.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tapflow.processor.websocket.RecordingListener.Anomaly;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each protocol violation is reported with its stable code and decoding goes on. */
class WebSocketDecoderAnomalyTest {

  private static final long T = 3_000L;

  private final RecordingListener recorder = new RecordingListener();

  private WebSocketDecoder server() {
    return new WebSocketDecoder(false, WebSocketConfig.DEFAULT, null, recorder);
  }

  private WebSocketDecoder client() {
    return new WebSocketDecoder(true, WebSocketConfig.DEFAULT, null, recorder);
  }

  private static void feed(WebSocketDecoder decoder, String hex) {
    byte[] bytes = hex(hex);
    decoder.onData(bytes, 0, bytes.length, T);
  }

  private static WsMessage plain(WsOpcode opcode, byte[] content) {
    return new WsMessage(opcode, content, content.length, false, null, null, false, 1, T, 0, false);
  }

  private static Anomaly anomaly(String code, String detail) {
    return new Anomaly(code, detail, T);
  }

  @Test
  void unmaskedClientFramesAreDecodedAndReportedOncePerDirection() {
    WebSocketDecoder decoder = client();
    feed(decoder, "82 02 ab cd  82 01 ef");

    assertEquals(
        List.of(
            anomaly(WebSocketAnomalies.UNMASKED_CLIENT_FRAME, "opcode=binary payload_length=2"),
            plain(WsOpcode.BINARY, hex("ab cd")),
            plain(WsOpcode.BINARY, hex("ef"))),
        recorder.events);
  }

  @Test
  void maskedServerFrameIsUnmaskedAndReported() {
    feed(server(), "81 85 37 fa 21 3d 7f 9f 4d 51 58");

    assertEquals(
        List.of(
            anomaly(WebSocketAnomalies.MASKED_SERVER_FRAME, "opcode=text payload_length=5"),
            plain(WsOpcode.TEXT, utf8("Hello"))),
        recorder.events);
  }

  @Test
  void closeFrameOf258BytesIsTooLongButStillGivesCodeAndReason() {
    byte[] reason = repeat('C', 256);
    byte[] payload = concat(hex("03 e8"), reason);

    server().onData(concat(hex("88 7e 01 02"), payload), 0, 262, T);

    assertEquals(
        List.of(
            anomaly(WebSocketAnomalies.CONTROL_FRAME_TOO_LONG, "opcode=close payload_length=258"),
            new WsMessage(
                WsOpcode.CLOSE, payload, 258, false, 1000, "C".repeat(256), false, 1, T, 0, false)),
        recorder.events);
  }

  @Test
  void fragmentedControlFrameIsDeliveredWhole() {
    feed(server(), "09 02 68 69");

    assertEquals(
        List.of(
            anomaly(WebSocketAnomalies.FRAGMENTED_CONTROL_FRAME, "opcode=ping payload_length=2"),
            plain(WsOpcode.PING, utf8("hi"))),
        recorder.events);
  }

  @Test
  void reservedOpcodeFrameIsSkippedAndTheNextFrameDecoded() {
    feed(server(), "83 02 01 02  8b 00  81 02 68 69");

    assertEquals(
        List.of(
            anomaly(WebSocketAnomalies.RESERVED_OPCODE, "opcode=3 payload_length=2 fin=true"),
            anomaly(WebSocketAnomalies.RESERVED_OPCODE, "opcode=11 payload_length=0 fin=true"),
            plain(WsOpcode.TEXT, utf8("hi"))),
        recorder.events);
  }

  @Test
  void rsv1WithoutPermessageDeflateIsReportedAndThePayloadKeptAsIs() {
    feed(server(), "c1 02 68 69");

    assertEquals(
        List.of(
            anomaly(
                WebSocketAnomalies.RSV_WITHOUT_EXTENSION,
                "opcode=text rsv1=1 rsv2=0 rsv3=0 extension=none"),
            plain(WsOpcode.TEXT, utf8("hi"))),
        recorder.events);
  }

  @Test
  void rsv2AndRsv3AreReportedEvenUnderPermessageDeflate() {
    WebSocketDecoder decoder =
        new WebSocketDecoder(false, WebSocketConfig.DEFAULT, PerMessageDeflate.DEFAULT, recorder);
    feed(decoder, "b1 02 68 69");

    assertEquals(
        List.of(
            anomaly(
                WebSocketAnomalies.RSV_WITHOUT_EXTENSION,
                "opcode=text rsv1=0 rsv2=1 rsv3=1 extension=permessage-deflate"),
            plain(WsOpcode.TEXT, utf8("hi"))),
        recorder.events);
  }

  @Test
  void rsv1OnAContinuationOrControlFrameIsReportedUnderPermessageDeflate() {
    WebSocketDecoder decoder =
        new WebSocketDecoder(false, WebSocketConfig.DEFAULT, PerMessageDeflate.DEFAULT, recorder);
    feed(decoder, "41 03 f2 48 cd  c9 00  c0 04 c9 c9 07 00");

    assertEquals(
        List.of(
            anomaly(
                WebSocketAnomalies.RSV_WITHOUT_EXTENSION,
                "opcode=ping rsv1=1 rsv2=0 rsv3=0 extension=permessage-deflate"),
            plain(WsOpcode.PING, new byte[0]),
            anomaly(
                WebSocketAnomalies.RSV_WITHOUT_EXTENSION,
                "opcode=continuation rsv1=1 rsv2=0 rsv3=0 extension=permessage-deflate"),
            new WsMessage(
                WsOpcode.TEXT, utf8("Hello"), 5, false, null, null, true, 2, T, 0, false)),
        recorder.events);
  }

  @Test
  void malformedUtf8InATextMessageIsReportedWithItsOffset() {
    feed(server(), "81 03 61 c3 28");

    assertEquals(
        List.of(
            anomaly(WebSocketAnomalies.INVALID_UTF8, "opcode=text offset=2"),
            plain(WsOpcode.TEXT, hex("61 c3 28"))),
        recorder.events);
    assertEquals("a\uFFFD(", recorder.messages().get(0).text());
  }

  @Test
  void textMessageEndingInsideASequenceIsMalformed() {
    feed(server(), "81 02 61 e2");

    assertEquals(
        List.of(
            anomaly(WebSocketAnomalies.INVALID_UTF8, "opcode=text offset=2"),
            plain(WsOpcode.TEXT, hex("61 e2"))),
        recorder.events);
  }

  @Test
  void sequenceSplitAcrossFragmentsIsWellFormed() {
    feed(server(), "01 02 61 e2  80 02 9c 93");

    assertEquals(
        List.of(
            new WsMessage(WsOpcode.TEXT, utf8("a✓"), 4, false, null, null, false, 2, T, 0, false)),
        recorder.events);
  }

  @Test
  void binaryMessagesAreNotCheckedForUtf8() {
    feed(server(), "82 02 c3 28");

    assertEquals(List.of(plain(WsOpcode.BINARY, hex("c3 28"))), recorder.events);
  }

  @Test
  void malformedUtf8InACloseReasonIsReportedWithItsOffset() {
    feed(server(), "88 04 03 e8 61 ff");

    assertEquals(
        List.of(
            anomaly(WebSocketAnomalies.INVALID_UTF8, "opcode=close offset=3"),
            new WsMessage(
                WsOpcode.CLOSE,
                hex("03 e8 61 ff"),
                4,
                false,
                1000,
                "a\uFFFD",
                false,
                1,
                T,
                0,
                false)),
        recorder.events);
  }

  @Test
  void closeCodeThatMustNotBeSentIsReportedAndStillGiven() {
    feed(server(), "88 02 03 ed");

    assertEquals(
        List.of(
            anomaly(WebSocketAnomalies.INVALID_CLOSE_CODE, "close_code=1005"),
            new WsMessage(
                WsOpcode.CLOSE, hex("03 ed"), 2, false, 1005, null, false, 1, T, 0, false)),
        recorder.events);
  }

  @Test
  void closeCodesInTheRegisteredAndPrivateRangesAreValid() {
    feed(server(), "88 02 03 f6  88 02 0b b8  88 02 13 87");

    assertEquals(List.of(1014, 3000, 4999), closeCodes());
    assertEquals(List.of(), recorder.anomalies());
  }

  @Test
  void closeCodesOutsideTheAllowedRangesAreInvalid() {
    feed(server(), "88 02 03 e7  88 02 03 ec  88 02 03 f7  88 02 0b b7  88 02 13 88");

    assertEquals(List.of(999, 1004, 1015, 2999, 5000), closeCodes());
    assertEquals(
        List.of(
            "close_code=999",
            "close_code=1004",
            "close_code=1015",
            "close_code=2999",
            "close_code=5000"),
        recorder.anomalies().stream().map(Anomaly::detail).toList());
  }

  private List<Integer> closeCodes() {
    return recorder.messages().stream().map(WsMessage::closeCode).toList();
  }

  @Test
  void closeFrameWithAOneBytePayloadHasNoCode() {
    feed(server(), "88 01 03");

    assertEquals(
        List.of(
            anomaly(WebSocketAnomalies.INVALID_CLOSE_CODE, "payload_length=1"),
            new WsMessage(WsOpcode.CLOSE, hex("03"), 1, false, null, null, false, 1, T, 0, false)),
        recorder.events);
  }

  @Test
  void continuationWithoutAMessageIsSkipped() {
    feed(server(), "80 02 6c 6f  81 02 68 69");

    assertEquals(
        List.of(
            anomaly(WebSocketAnomalies.UNEXPECTED_CONTINUATION, "payload_length=2 fin=true"),
            plain(WsOpcode.TEXT, utf8("hi"))),
        recorder.events);
  }

  @Test
  void newDataFrameInsideAFragmentedMessageDropsTheOpenMessage() {
    feed(server(), "01 03 48 65 6c  81 02 68 69");

    assertEquals(
        List.of(
            anomaly(
                WebSocketAnomalies.EXPECTED_CONTINUATION,
                "opcode=text open_message_opcode=text open_message_fragments=1"),
            plain(WsOpcode.TEXT, utf8("hi"))),
        recorder.events);
  }

  @Test
  void endInsideAPayloadReportsTheFrameCutShort() {
    WebSocketDecoder decoder = server();
    feed(decoder, "81 05 48 65");
    decoder.onEnd(T + 1);

    assertEquals(
        List.of(
            new Anomaly(
                WebSocketAnomalies.INCOMPLETE_MESSAGE_AT_END,
                "message_opcode=text message_fragments=1 message_payload_length=5"
                    + " frame_state=payload_data frame_opcode=text frame_payload_length=5"
                    + " frame_payload_read=2",
                T + 1)),
        recorder.events);
  }

  @Test
  void endBetweenFragmentsReportsTheOpenMessage() {
    WebSocketDecoder decoder = server();
    feed(decoder, "01 03 48 65 6c");
    decoder.onEnd(T);

    assertEquals(
        List.of(
            anomaly(
                WebSocketAnomalies.INCOMPLETE_MESSAGE_AT_END,
                "message_opcode=text message_fragments=1 message_payload_length=3")),
        recorder.events);
  }

  @Test
  void endInsideAHeaderReportsTheFrameState() {
    WebSocketDecoder decoder = server();
    feed(decoder, "88 7e 00");
    decoder.onEnd(T);

    assertEquals(
        List.of(
            anomaly(
                WebSocketAnomalies.INCOMPLETE_MESSAGE_AT_END,
                "frame_state=extended_payload_length frame_opcode=close")),
        recorder.events);
  }

  @Test
  void endInsideAControlFrameBetweenFragmentsReportsBoth() {
    WebSocketDecoder decoder = server();
    feed(decoder, "01 03 48 65 6c  89 04 70");
    decoder.onEnd(T);

    assertEquals(
        List.of(
            anomaly(
                WebSocketAnomalies.INCOMPLETE_MESSAGE_AT_END,
                "message_opcode=text message_fragments=1 message_payload_length=3"
                    + " frame_state=payload_data frame_opcode=ping frame_payload_length=4"
                    + " frame_payload_read=1")),
        recorder.events);
  }

  @Test
  void endAtAFrameBoundaryReportsNothing() {
    WebSocketDecoder decoder = server();
    feed(decoder, "81 02 68 69");
    decoder.onEnd(T);
    decoder.onEnd(T);

    assertEquals(List.of(plain(WsOpcode.TEXT, utf8("hi"))), recorder.events);
  }

  @Test
  void payloadLengthWithTheTopBitSetLosesFramingUntilTheNextFrameHeader() {
    WebSocketDecoder decoder = server();
    feed(decoder, "82 7f 80 00 00 00 00 00 00 00  81 02 68 69");

    assertEquals(
        List.of(
            anomaly(
                WebSocketAnomalies.INVALID_PAYLOAD_LENGTH,
                "opcode=binary payload_length=9223372036854775808")),
        recorder.events);
    assertTrue(decoder.isFramingLost());
    assertEquals(4, decoder.heldBytes());

    decoder.onEnd(T);

    assertEquals(
        List.of(
            anomaly(
                WebSocketAnomalies.RESYNCHRONIZED, "skipped_bytes=0 opcode=text payload_length=2"),
            new WsMessage(WsOpcode.TEXT, utf8("hi"), 2, false, null, null, false, 1, T, 0, true)),
        recorder.events.subList(1, 3));
    assertEquals(0, decoder.droppedBytes());
  }

  @Test
  void payloadLengthInMoreBytesThanNeededIsReportedAndDecoded() {
    feed(server(), "82 7e 00 02 ab cd  82 7f 00 00 00 00 00 00 ff ff");

    assertEquals(
        List.of(
            anomaly(
                WebSocketAnomalies.NON_MINIMAL_PAYLOAD_LENGTH,
                "opcode=binary payload_length=2 length_bytes=2"),
            plain(WsOpcode.BINARY, hex("ab cd")),
            anomaly(
                WebSocketAnomalies.NON_MINIMAL_PAYLOAD_LENGTH,
                "opcode=binary payload_length=65535 length_bytes=8")),
        recorder.events);
  }
}
