package io.tapflow.processor.websocket;

import static io.tapflow.processor.websocket.Bytes.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** Each direction counts its frames and messages per opcode, its wire bytes and payload bytes. */
class WebSocketCountersTest {

  private static final long T = 17_000L;

  private final RecordingListener recorder = new RecordingListener();

  /** A fragmented "Hello" with a ping inside, a binary, a pong, a reserved opcode and a close. */
  private static final byte[] EVERY_OPCODE =
      hex("01 03 48 65 6c  89 02 68 69  80 02 6c 6f  82 02 01 02  8a 00  83 01 00  88 02 03 e8");

  @Test
  void framesAndMessagesAreCountedPerOpcodeWithWireAndPayloadBytes() {
    WebSocketDecoder decoder = new WebSocketDecoder(false, WebSocketConfig.DEFAULT, null, recorder);
    decoder.onData(EVERY_OPCODE, 0, EVERY_OPCODE.length, T);

    assertEquals(
        new WebSocketCounters(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 26, 11, 0, 0),
        decoder.counters());
    assertEquals(7, decoder.counters().frames());
    assertEquals(5, decoder.counters().messages());
    assertEquals(1, decoder.counters().frames(WsOpcode.PONG));
    assertEquals(1, decoder.counters().messages(WsOpcode.CLOSE));
  }

  @Test
  void payloadBytesOfACompressedMessageAreCountedAfterInflating() {
    WebSocketDecoder decoder =
        new WebSocketDecoder(false, WebSocketConfig.DEFAULT, PerMessageDeflate.DEFAULT, recorder);
    decoder.onData(hex("c1 07 f2 48 cd c9 c9 07 00"), 0, 9, T);

    assertEquals(
        new WebSocketCounters(1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 9, 5, 0, 0), decoder.counters());
  }

  @Test
  void framesOfAMessageTheDirectionNeverFinishedAreCountedButNoMessage() {
    WebSocketDecoder decoder = new WebSocketDecoder(false, WebSocketConfig.DEFAULT, null, recorder);
    decoder.onData(hex("01 03 48 65 6c  00 05 6c"), 0, 8, T);
    decoder.onEnd(T);

    assertEquals(
        new WebSocketCounters(1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0), decoder.counters());
  }

  @Test
  void newDecoderHasCountedNothing() {
    assertEquals(
        WebSocketCounters.ZERO,
        new WebSocketDecoder(true, WebSocketConfig.DEFAULT, null, recorder).counters());
  }

  @Test
  void countersSurviveASnapshot() throws IOException {
    WebSocketDecoder decoder = new WebSocketDecoder(false, WebSocketConfig.DEFAULT, null, recorder);
    decoder.onData(EVERY_OPCODE, 0, 12, T);
    ByteArrayOutputStream snapshot = new ByteArrayOutputStream();
    decoder.writeSnapshot(new DataOutputStream(snapshot));

    WebSocketDecoder restored =
        WebSocketDecoder.readSnapshot(
            new DataInputStream(new ByteArrayInputStream(snapshot.toByteArray())), recorder);
    restored.onData(EVERY_OPCODE, 12, EVERY_OPCODE.length - 12, T);

    assertEquals(
        new WebSocketCounters(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 26, 11, 0, 0),
        restored.counters());
  }
}
