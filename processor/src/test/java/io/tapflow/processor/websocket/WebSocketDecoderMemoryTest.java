package io.tapflow.processor.websocket;

import static io.tapflow.processor.websocket.Bytes.concat;
import static io.tapflow.processor.websocket.Bytes.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Random;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;

/**
 * Whatever a peer claims or sends, a decoder keeps no more than its limits allow: measured by the
 * arrays it keeps between calls and by its snapshot, not by time.
 */
class WebSocketDecoderMemoryTest {

  private static final long T = 19_000L;

  /** 1 KiB of content, 1 MiB inflated, 64 KiB searched. */
  private static final WebSocketConfig TIGHT =
      new WebSocketConfig(1024, 1 << 20, WebSocketConfig.DEFAULT_MAX_RESYNC_BYTES);

  private final RecordingListener recorder = new RecordingListener();

  private static int snapshotSize(WebSocketDecoder decoder) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    decoder.writeSnapshot(new DataOutputStream(out));
    return out.size();
  }

  /** 50 MiB of zeros deflated: about 50 KB on the wire. */
  private static byte[] bomb() {
    Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
    byte[] zeros = new byte[1 << 20];
    ByteArrayOutputStream compressed = new ByteArrayOutputStream();
    byte[] buf = new byte[64 * 1024];
    for (int i = 0; i < 50; i++) {
      deflater.setInput(zeros);
      while (!deflater.needsInput()) {
        compressed.write(buf, 0, deflater.deflate(buf));
      }
    }
    byte[] payload = concat(compressed.toByteArray(), Frames.deflate(deflater, new byte[0]));
    deflater.end();
    return payload;
  }

  @Test
  void decompressionBombIsCutAtTheLimitAndLeavesNothingLargeBehind() throws IOException {
    WebSocketDecoder decoder =
        new WebSocketDecoder(false, TIGHT, PerMessageDeflate.DEFAULT, recorder);
    byte[] frame = Frames.frame(0xc2, bomb());
    long maxRetained = 0;
    for (int at = 0; at < frame.length; at += 4096) {
      decoder.onData(frame, at, Math.min(4096, frame.length - at), T);
      maxRetained = Math.max(maxRetained, decoder.retainedBytes());
    }

    WsMessage message = recorder.messages().get(0);
    assertEquals(1 << 20, message.payloadLength());
    assertEquals(1024, message.content().length);
    assertEquals(
        java.util.List.of(WebSocketAnomalies.DECOMPRESSION_LIMIT), recorder.anomalyCodes());
    // While the message came: its compressed bytes (about 50 KB, never more than 1 MiB), 1 KiB
    // of content, the 32 KiB window and the 8 KiB inflate buffer.
    assertTrue(maxRetained <= (1 << 20) + 1024 + 32 * 1024 + 8 * 1024, "retained " + maxRetained);
    // After it: the inflater's history, which was reset by the cut, and small buffers.
    assertTrue(decoder.retainedBytes() <= 64 * 1024 + 1024 + 32 * 1024 + 8 * 1024);
    assertTrue(snapshotSize(decoder) < 2048, "snapshot of " + snapshotSize(decoder));
  }

  @Test
  void frameClaiming2To63BytesLeavesMemoryFlatWhateverFollows() throws IOException {
    WebSocketDecoder decoder = new WebSocketDecoder(false, TIGHT, null, recorder);
    decoder.onData(hex("82 7f 80 00 00 00 00 00 00 00"), 0, 10, T);
    Random random = new Random(63);
    byte[] chunk = new byte[64 * 1024];
    for (int i = 0; i < 64; i++) {
      random.nextBytes(chunk);
      decoder.onData(chunk, 0, chunk.length, T);

      assertTrue(decoder.heldBytes() <= 64 * 1024);
      assertTrue(decoder.retainedBytes() <= 2 * 64 * 1024 + 2 * 1024, "retained after " + i);
      assertTrue(snapshotSize(decoder) <= 64 * 1024 + 2048, "snapshot after " + i);
    }

    assertEquals(WebSocketAnomalies.INVALID_PAYLOAD_LENGTH, recorder.anomalies().get(0).code());
  }

  @Test
  void aFrameClaiming2To63BytesLosesFramingAndEveryByteAfterIsSkippedInAFixedWindow()
      throws IOException {
    WebSocketDecoder decoder = new WebSocketDecoder(false, TIGHT, null, recorder);
    int fresh = snapshotSize(decoder);
    decoder.onData(hex("82 7f 80 00 00 00 00 00 00 00"), 0, 10, T);
    // 4 MiB in which no frame can start (RSV2 and RSV3 set in every byte).
    byte[] chunk = new byte[64 * 1024];
    java.util.Arrays.fill(chunk, (byte) 0xff);
    for (int i = 0; i < 64; i++) {
      decoder.onData(chunk, 0, chunk.length, T);
    }

    assertEquals(
        java.util.List.of(
            new RecordingListener.Anomaly(
                WebSocketAnomalies.INVALID_PAYLOAD_LENGTH,
                "opcode=binary payload_length=9223372036854775808",
                T)),
        recorder.events);
    WebSocketCounters counters = decoder.counters();
    // The invalid header's 10 bytes were counted nowhere, so the bytes fed did not add up.
    assertEquals(10, counters.wireBytes());
    // The last byte is held: one byte cannot tell whether a frame starts there.
    assertEquals(64 * 64 * 1024 - 1, counters.skippedBytes());
    assertEquals(64 * 64 * 1024 - 1, decoder.droppedBytes());
    assertEquals(1, decoder.heldBytes());
    assertTrue(decoder.isFramingLost());
    // The search window, twice the 64 KiB bound so that it is compacted seldom; nothing else.
    assertEquals(2 * 64 * 1024, decoder.retainedBytes());
    assertEquals(fresh + 1, snapshotSize(decoder));
  }

  @Test
  void aClientFrameOf2To63Minus1BytesKeepsOnlyTheContentCap() throws IOException {
    WebSocketDecoder decoder = new WebSocketDecoder(true, TIGHT, null, recorder);
    int fresh = snapshotSize(decoder);
    decoder.onData(hex("82 ff 7f ff ff ff ff ff ff ff 01 02 03 04"), 0, 14, T);
    byte[] chunk = new byte[64 * 1024];
    for (int i = 0; i < 64; i++) {
      decoder.onData(chunk, 0, chunk.length, T);
    }

    assertEquals(java.util.List.of(), recorder.events);
    assertEquals(14 + 64 * 64 * 1024, decoder.counters().wireBytes());
    assertEquals(1, decoder.counters().binaryFrames());
    // The content cap; the unmasking buffer is one per thread, not the decoder's.
    assertEquals(1024, decoder.retainedBytes());
    assertEquals(fresh + 1024, snapshotSize(decoder));
  }

  @Test
  void uncompressedFrameClaimingTheLargestLengthKeepsOnlyTheContentCap() throws IOException {
    WebSocketDecoder decoder = new WebSocketDecoder(true, TIGHT, null, recorder);
    decoder.onData(hex("82 ff 7f ff ff ff ff ff ff ff 01 02 03 04"), 0, 14, T);
    byte[] chunk = new byte[64 * 1024];
    for (int i = 0; i < 64; i++) {
      decoder.onData(chunk, 0, chunk.length, T);
    }

    // 1 KiB of content and the 8 KiB unmasking buffer.
    assertTrue(decoder.retainedBytes() <= 1024 + 8 * 1024, "retained " + decoder.retainedBytes());
    assertTrue(snapshotSize(decoder) <= 1024 + 512, "snapshot of " + snapshotSize(decoder));
  }
}
