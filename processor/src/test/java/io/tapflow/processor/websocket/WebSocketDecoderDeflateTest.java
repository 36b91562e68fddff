package io.tapflow.processor.websocket;

import static io.tapflow.processor.websocket.Bytes.concat;
import static io.tapflow.processor.websocket.Bytes.hex;
import static io.tapflow.processor.websocket.Bytes.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tapflow.processor.websocket.RecordingListener.Anomaly;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** permessage-deflate (RFC 7692), with the §7.2.3 examples fed whole and one byte at a time. */
class WebSocketDecoderDeflateTest {

  private static final long T = 7_000L;

  private final RecordingListener recorder = new RecordingListener();

  private WebSocketDecoder server(PerMessageDeflate deflate) {
    return new WebSocketDecoder(false, WebSocketConfig.DEFAULT, deflate, recorder);
  }

  private WebSocketDecoder server() {
    return server(PerMessageDeflate.DEFAULT);
  }

  private static WsMessage compressedText(String text, int fragments) {
    byte[] content = utf8(text);
    return new WsMessage(
        WsOpcode.TEXT, content, content.length, false, null, null, true, fragments, T, 0, false);
  }

  @ParameterizedTest
  @EnumSource(Split.class)
  void compressedHelloInflatesToHello(Split split) {
    split.feed(server(), hex("c1 07 f2 48 cd c9 c9 07 00"), T);

    assertEquals(List.of(compressedText("Hello", 1)), recorder.events);
  }

  @ParameterizedTest
  @EnumSource(Split.class)
  void secondHelloRefersBackIntoTheSharedSlidingWindow(Split split) {
    WebSocketDecoder decoder = server();
    split.feed(decoder, hex("c1 07 f2 48 cd c9 c9 07 00"), T);
    split.feed(decoder, hex("c1 05 f2 00 11 00 00"), T);

    assertEquals(List.of(compressedText("Hello", 1), compressedText("Hello", 1)), recorder.events);
  }

  @Test
  void secondHelloCannotInflateWhenTheServerTakesNoContextOver() {
    WebSocketDecoder decoder = server(new PerMessageDeflate(true, false, 15, 15));
    decoder.onData(hex("c1 07 f2 48 cd c9 c9 07 00"), 0, 9, T);
    decoder.onData(hex("c1 05 f2 00 11 00 00"), 0, 7, T);

    assertEquals(
        List.of(
            compressedText("Hello", 1),
            new Anomaly(
                WebSocketAnomalies.DECOMPRESSION_FAILED,
                "opcode=text error=invalid_distance_too_far_back compressed_length=5"
                    + " inflated_length=0",
                T),
            new WsMessage(WsOpcode.TEXT, new byte[0], 0, true, null, null, true, 1, T, 0, false)),
        recorder.events);
  }

  @Test
  void clientNoContextTakeoverLeavesTheServersWindowAlone() {
    WebSocketDecoder decoder = server(new PerMessageDeflate(false, true, 15, 15));
    decoder.onData(hex("c1 07 f2 48 cd c9 c9 07 00  c1 05 f2 00 11 00 00"), 0, 16, T);

    assertEquals(List.of(compressedText("Hello", 1), compressedText("Hello", 1)), recorder.events);
  }

  @ParameterizedTest
  @EnumSource(Split.class)
  void fragmentedCompressedMessageInflatesOnceComplete(Split split) {
    WebSocketDecoder decoder = server();
    split.feed(decoder, hex("41 03 f2 48 cd"), T);
    assertEquals(List.of(), recorder.events);

    split.feed(decoder, hex("80 04 c9 c9 07 00"), T);

    assertEquals(List.of(compressedText("Hello", 2)), recorder.events);
  }

  @ParameterizedTest
  @EnumSource(Split.class)
  void deflateBlockWithNoCompressionInflatesToHello(Split split) {
    split.feed(server(), hex("c1 0b 00 05 00 fa ff 48 65 6c 6c 6f 00"), T);

    assertEquals(List.of(compressedText("Hello", 1)), recorder.events);
  }

  @ParameterizedTest
  @EnumSource(Split.class)
  void deflateBlockWithBfinalSetInflatesToHello(Split split) {
    split.feed(server(), hex("c1 08 f3 48 cd c9 c9 07 00 00"), T);

    assertEquals(List.of(compressedText("Hello", 1)), recorder.events);
  }

  @ParameterizedTest
  @EnumSource(Split.class)
  void twoDeflateBlocksInOneMessageInflateToHello(Split split) {
    split.feed(server(), hex("c1 0d f2 48 05 00 00 00 ff ff ca c9 c9 07 00"), T);

    assertEquals(List.of(compressedText("Hello", 1)), recorder.events);
  }

  @Test
  void windowCarriesOverAMessageThatEndedWithBfinal() {
    server().onData(hex("c1 08 f3 48 cd c9 c9 07 00 00  c1 05 f2 00 11 00 00"), 0, 17, T);

    assertEquals(List.of(compressedText("Hello", 1), compressedText("Hello", 1)), recorder.events);
  }

  @Test
  void uncompressedMessageBetweenCompressedOnesLeavesTheWindowAlone() {
    server().onData(hex("c1 07 f2 48 cd c9 c9 07 00  81 02 68 69  c1 05 f2 00 11 00 00"), 0, 20, T);

    assertEquals(
        List.of(
            compressedText("Hello", 1),
            new WsMessage(WsOpcode.TEXT, utf8("hi"), 2, false, null, null, false, 1, T, 0, false),
            compressedText("Hello", 1)),
        recorder.events);
  }

  @Test
  void rsv1OnTheFirstFrameIsTheOnlyOneThatMarksAMessageCompressed() {
    server().onData(hex("82 03 01 02 03"), 0, 5, T);

    assertEquals(
        List.of(
            new WsMessage(
                WsOpcode.BINARY, hex("01 02 03"), 3, false, null, null, false, 1, T, 0, false)),
        recorder.events);
  }

  @Test
  void windowOfTheLast32KibIsEnoughForEveryBackReference() {
    Random random = new Random(42);
    Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    List<byte[]> messages = new ArrayList<>();
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    byte[] history = new byte[0];
    for (int i = 0; i < 12; i++) {
      byte[] fresh = new byte[5000 + random.nextInt(9000)];
      for (int j = 0; j < fresh.length; j++) {
        fresh[j] = (byte) ('a' + random.nextInt(26));
      }
      // Half new text, half copied from up to 32 KiB back, so the deflater must reach far back.
      int from = Math.max(0, history.length - 32000);
      byte[] old =
          java.util.Arrays.copyOfRange(history, from, Math.min(history.length, from + 4000));
      byte[] message = concat(fresh, old);
      history = concat(history, message);
      messages.add(message);
      wire.writeBytes(Frames.frame(0xc2, Frames.deflate(deflater, message)));
    }
    deflater.end();

    byte[] bytes = wire.toByteArray();
    server().onData(bytes, 0, bytes.length, T);

    List<WsMessage> expected = new ArrayList<>();
    for (byte[] message : messages) {
      expected.add(
          new WsMessage(
              WsOpcode.BINARY, message, message.length, false, null, null, true, 1, T, 0, false));
    }
    assertEquals(expected, recorder.events);
  }

  @Test
  void decompressionBombIsCutAtTheInflatedLimit() {
    Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
    byte[] zeros = new byte[1 << 20];
    ByteArrayOutputStream compressed = new ByteArrayOutputStream();
    for (int i = 0; i < 50; i++) {
      deflater.setInput(zeros);
      byte[] buf = new byte[64 * 1024];
      while (!deflater.needsInput()) {
        compressed.write(buf, 0, deflater.deflate(buf));
      }
    }
    byte[] payload = concat(compressed.toByteArray(), Frames.deflate(deflater, new byte[0]));
    deflater.end();
    byte[] frame = Frames.frame(0xc2, payload);

    server().onData(frame, 0, frame.length, T);

    assertEquals(
        List.of(
            new Anomaly(
                WebSocketAnomalies.DECOMPRESSION_LIMIT,
                "opcode=binary exceeded=inflated_length limit=16777216",
                T),
            new WsMessage(
                WsOpcode.BINARY,
                new byte[1 << 20],
                16L << 20,
                true,
                null,
                null,
                true,
                1,
                T,
                0,
                false)),
        recorder.events);
  }

  @Test
  void compressedBytesBeyondTheLimitAreNotBufferedAndThePrefixIsInflated() {
    RecordingListener recorder = new RecordingListener();
    WebSocketDecoder decoder =
        new WebSocketDecoder(
            false,
            new WebSocketConfig(1024, 8, WebSocketConfig.DEFAULT_MAX_RESYNC_BYTES),
            PerMessageDeflate.DEFAULT,
            recorder);

    // The no-compression example: 5 bytes of stored block header, then "Hello" stored as is.
    decoder.onData(hex("c1 0b 00 05 00 fa ff 48 65 6c 6c 6f 00"), 0, 13, T);

    assertEquals(
        List.of(
            new Anomaly(
                WebSocketAnomalies.DECOMPRESSION_LIMIT,
                "opcode=text exceeded=compressed_length limit=8",
                T),
            new WsMessage(WsOpcode.TEXT, utf8("Hel"), 3, true, null, null, true, 1, T, 0, false)),
        recorder.events);
  }

  @Test
  void compressedFrameClaimingTheLargestLengthBuffersNoMoreThanTheLimit() throws IOException {
    WebSocketDecoder decoder =
        new WebSocketDecoder(
            false,
            new WebSocketConfig(1024, 4096, WebSocketConfig.DEFAULT_MAX_RESYNC_BYTES),
            PerMessageDeflate.DEFAULT,
            recorder);
    decoder.onData(hex("c2 7f 7f ff ff ff ff ff ff ff"), 0, 10, T);
    byte[] chunk = new byte[64 * 1024];
    for (int i = 0; i < 16; i++) {
      decoder.onData(chunk, 0, chunk.length, T);
    }

    ByteArrayOutputStream snapshot = new ByteArrayOutputStream();
    decoder.writeSnapshot(new DataOutputStream(snapshot));
    assertTrue(snapshot.size() < 4096 + 1024, "snapshot of " + snapshot.size() + " bytes");
    assertEquals(
        List.of(
            new Anomaly(
                WebSocketAnomalies.DECOMPRESSION_LIMIT,
                "opcode=binary exceeded=compressed_length limit=4096",
                T)),
        recorder.events);
  }

  @Test
  void corruptDeflateDataIsReportedAndTheMessageStillDelivered() {
    server().onData(hex("c1 02 ff ff"), 0, 4, T);

    assertEquals(
        List.of(
            new Anomaly(
                WebSocketAnomalies.DECOMPRESSION_FAILED,
                "opcode=text error=invalid_block_type compressed_length=2 inflated_length=0",
                T),
            new WsMessage(WsOpcode.TEXT, new byte[0], 0, true, null, null, true, 1, T, 0, false)),
        recorder.events);
  }

  @Test
  void compressedTextIsCheckedForUtf8AfterInflating() {
    Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    byte[] payload = Frames.deflate(deflater, hex("48 69 ff"));
    deflater.end();
    byte[] frame = Frames.frame(0xc1, payload);

    server().onData(frame, 0, frame.length, T);

    assertEquals(
        List.of(
            new Anomaly(WebSocketAnomalies.INVALID_UTF8, "opcode=text offset=2", T),
            new WsMessage(
                WsOpcode.TEXT, hex("48 69 ff"), 3, false, null, null, true, 1, T, 0, false)),
        recorder.events);
  }
}
