package io.tapflow.processor.websocket;

import static io.tapflow.processor.websocket.Bytes.concat;
import static io.tapflow.processor.websocket.Bytes.counting;
import static io.tapflow.processor.websocket.Bytes.hex;
import static io.tapflow.processor.websocket.Bytes.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;

/** A decoder restored from a snapshot taken anywhere carries on exactly as the original. */
class WebSocketDecoderSnapshotTest {

  /** One call into the decoder. */
  private sealed interface Step permits Data, Gap {}

  private record Data(byte[] bytes, long timestampNanos) implements Step {}

  private record Gap(long length, long timestampNanos) implements Step {}

  private static final long END = 999_999L;

  /**
   * A script's positions are its data bytes and its gaps, one each; {@code feed(from, to)} makes
   * the calls for positions {@code [from, to)}, each data step's bytes in one call.
   */
  private record Script(List<Step> steps) {

    int positions() {
      int n = 0;
      for (Step step : steps) {
        n += step instanceof Data data ? data.bytes().length : 1;
      }
      return n;
    }

    void feed(WebSocketDecoder decoder, int from, int to) {
      int at = 0;
      for (Step step : steps) {
        if (step instanceof Data data) {
          int start = Math.max(from, at);
          int end = Math.min(to, at + data.bytes().length);
          if (start < end) {
            decoder.onData(data.bytes(), start - at, end - start, data.timestampNanos());
          }
          at += data.bytes().length;
        } else if (step instanceof Gap gap) {
          if (at >= from && at < to) {
            decoder.onGap(gap.length(), gap.timestampNanos());
          }
          at++;
        }
      }
    }
  }

  private static final class ScriptBuilder {
    private final List<Step> steps = new ArrayList<>();
    private long timestampNanos = 100;

    ScriptBuilder data(byte[] bytes) {
      steps.add(new Data(bytes, timestampNanos++));
      return this;
    }

    ScriptBuilder data(String hex) {
      return data(hex(hex));
    }

    ScriptBuilder gap(long length) {
      steps.add(new Gap(length, timestampNanos++));
      return this;
    }

    Script build() {
      return new Script(List.copyOf(steps));
    }
  }

  private static Script serverScript() {
    Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    ScriptBuilder script =
        new ScriptBuilder()
            .data("c1 07 f2 48 cd c9 c9 07 00")
            .data("c1 05 f2 00 11 00 00  41 03 f2 48 cd")
            .data("89 02 68 69  80 04 c9 c9 07 00")
            .data("c1 0b 00 05 00 fa ff 48 65 6c 6c 6f 00  c1 08 f3 48 cd c9 c9 07 00 00")
            .data(concat(hex("82 7e 01 00"), counting(256)))
            .data("81 85 37 fa 21 3d 7f 9f 4d 51 58  83 01 00  81 02 c3 28  01 01 e2")
            .data("80 02 9c 93  82 0a 00 01 02")
            .gap(4)
            .data("07 08 09")
            .data("88 7e 01 02 03 e8")
            .data(Bytes.repeat('C', 256));
    for (int i = 0; i < 4; i++) {
      byte[] message = utf8("TOGGLE=" + "ab".repeat(i + 3) + " TOGGLE=" + i);
      script.data(Frames.frame(0xc1, Frames.deflate(deflater, message)));
    }
    deflater.end();
    return script.data("88 05 03 e8 62 79").build();
  }

  private static Script clientScript() {
    return new ScriptBuilder()
        .data("01 83 37 fa 21 3d 7f 9f 4d  89 80 01 02 03 04  80 82 11 22 33 44 7d 4d")
        .data("81 85 37 fa 21 3d 7f")
        .gap(1)
        .data("4d 51 58  82 02 ab cd")
        .data("81 84 01 02 03 04 60 60 60 60")
        .data("01 83 37 fa 21 3d 7f 9f")
        .gap(3)
        .data("81 02 68 69")
        .build();
  }

  /** One line per event, enough to tell the script's events apart. */
  private static List<String> summaries(List<Object> events) {
    return events.stream()
        .map(
            event -> {
              if (event instanceof RecordingListener.Anomaly anomaly) {
                return anomaly.code();
              }
              WsMessage m = (WsMessage) event;
              String body =
                  switch (m.opcode()) {
                    case BINARY -> m.content().length + " bytes";
                    case CLOSE ->
                        m.closeCode() + " with " + m.closeReason().length() + " bytes of reason";
                    case TEXT, PING, PONG -> m.text();
                  };
              return m.opcode()
                  + (m.compressed() ? " compressed " : " ")
                  + body
                  + (m.fragments() > 1 ? " fragments=" + m.fragments() : "")
                  + (m.missingBytes() > 0 ? " missing=" + m.missingBytes() : "")
                  + (m.resynchronized() ? " resynchronized" : "");
            })
        .toList();
  }

  private static List<Object> uninterrupted(Script script, Decoders decoders) {
    RecordingListener recorder = new RecordingListener();
    WebSocketDecoder decoder = decoders.create(recorder);
    script.feed(decoder, 0, script.positions());
    decoder.onEnd(END);
    return recorder.events;
  }

  /** Makes a fresh decoder. */
  private interface Decoders {
    WebSocketDecoder create(WebSocketListener listener);
  }

  private static void assertSnapshotAtEveryPositionChangesNothing(
      Script script, Decoders decoders) {
    List<Object> expected = uninterrupted(script, decoders);
    int positions = script.positions();
    for (int at = 0; at <= positions; at++) {
      RecordingListener recorder = new RecordingListener();
      WebSocketDecoder before = decoders.create(recorder);
      script.feed(before, 0, at);
      WebSocketDecoder after = restore(snapshot(before), recorder);
      script.feed(after, at, positions);
      after.onEnd(END);

      assertEquals(expected, recorder.events, "snapshot after position " + at);
    }
  }

  private static byte[] snapshot(WebSocketDecoder decoder) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      decoder.writeSnapshot(new DataOutputStream(bytes));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static WebSocketDecoder restore(byte[] snapshot, WebSocketListener listener) {
    try {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(snapshot));
      WebSocketDecoder decoder = WebSocketDecoder.readSnapshot(in, listener);
      assertEquals(-1, in.read(), "bytes left over after the snapshot");
      return decoder;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void serverStreamWithDeflateGivesIdenticalEventsWhereverItIsSnapshotted() {
    Script script = serverScript();
    List<Object> expected =
        uninterrupted(
            script,
            l ->
                new WebSocketDecoder(false, WebSocketConfig.DEFAULT, PerMessageDeflate.DEFAULT, l));
    assertEquals(
        List.of(
            "TEXT compressed Hello",
            "TEXT compressed Hello",
            "PING hi",
            "TEXT compressed Hello fragments=2",
            "TEXT compressed Hello",
            "TEXT compressed Hello",
            "BINARY 256 bytes",
            "websocket_masked_server_frame",
            "TEXT Hello",
            "websocket_reserved_opcode",
            "websocket_invalid_utf8",
            "TEXT \uFFFD(",
            "TEXT \u2713 fragments=2",
            "BINARY 6 bytes missing=4",
            "websocket_control_frame_too_long",
            "CLOSE 1000 with 256 bytes of reason",
            "TEXT compressed TOGGLE=ababab TOGGLE=0",
            "TEXT compressed TOGGLE=abababab TOGGLE=1",
            "TEXT compressed TOGGLE=ababababab TOGGLE=2",
            "TEXT compressed TOGGLE=abababababab TOGGLE=3",
            "websocket_incomplete_message_at_end"),
        summaries(expected));

    assertSnapshotAtEveryPositionChangesNothing(
        script,
        l -> new WebSocketDecoder(false, WebSocketConfig.DEFAULT, PerMessageDeflate.DEFAULT, l));
  }

  @Test
  void serverStreamUnderTightLimitsGivesIdenticalEventsWhereverItIsSnapshotted() {
    assertSnapshotAtEveryPositionChangesNothing(
        serverScript(),
        l ->
            new WebSocketDecoder(
                false,
                new WebSocketConfig(8, 16, WebSocketConfig.DEFAULT_MAX_RESYNC_BYTES),
                PerMessageDeflate.DEFAULT,
                l));
  }

  @Test
  void serverStreamWithoutContextTakeoverGivesIdenticalEventsWhereverItIsSnapshotted() {
    assertSnapshotAtEveryPositionChangesNothing(
        serverScript(),
        l ->
            new WebSocketDecoder(
                false, WebSocketConfig.DEFAULT, new PerMessageDeflate(true, true, 10, 9), l));
  }

  @Test
  void maskedClientStreamWithGapsGivesIdenticalEventsWhereverItIsSnapshotted() {
    Script script = clientScript();
    List<Object> expected =
        uninterrupted(script, l -> new WebSocketDecoder(true, WebSocketConfig.DEFAULT, null, l));
    assertEquals(
        List.of(
            "PING ",
            "TEXT Hello fragments=2",
            "TEXT Hllo missing=1",
            "websocket_unmasked_client_frame",
            "BINARY 2 bytes",
            "TEXT abcd",
            "websocket_gap"),
        summaries(expected));

    assertSnapshotAtEveryPositionChangesNothing(
        script, l -> new WebSocketDecoder(true, WebSocketConfig.DEFAULT, null, l));
  }

  @Test
  void unmaskedClientStreamReportsItsAnomalyOnceAcrossSnapshots() {
    Script script = new ScriptBuilder().data("82 02 ab cd  82 01 ef  81 02 68 69").build();

    assertSnapshotAtEveryPositionChangesNothing(
        script, l -> new WebSocketDecoder(true, WebSocketConfig.DEFAULT, null, l));
  }

  @Test
  void serverStreamFedOneByteAtATimeGivesIdenticalEvents() {
    Script script = serverScript();
    Decoders decoders =
        l -> new WebSocketDecoder(false, WebSocketConfig.DEFAULT, PerMessageDeflate.DEFAULT, l);
    RecordingListener recorder = new RecordingListener();
    WebSocketDecoder decoder = decoders.create(recorder);

    for (int at = 0; at < script.positions(); at++) {
      script.feed(decoder, at, at + 1);
    }
    decoder.onEnd(END);

    assertEquals(uninterrupted(script, decoders), recorder.events);
  }

  @Test
  void restoredDecoderKeepsItsDirectionLimitsAndParameters() {
    PerMessageDeflate deflate = new PerMessageDeflate(true, false, 12, 9);
    WebSocketConfig config =
        new WebSocketConfig(100, 200, WebSocketConfig.DEFAULT_MAX_RESYNC_BYTES);

    WebSocketDecoder restored =
        restore(
            snapshot(new WebSocketDecoder(true, config, deflate, new RecordingListener())),
            new RecordingListener());

    assertEquals(true, restored.sentByClient());
    assertEquals(config, restored.config());
    assertEquals(deflate, restored.deflate());
  }

  /**
   * A server stream that loses framing twice: a gap over a header and a corrupt length, each
   * followed by bytes to skip and frames to find, compressed ones among them.
   */
  private static Script resynchronizingScript() {
    return new ScriptBuilder()
        .data("c1 07 f2 48 cd c9 c9 07 00  81 02 68 69")
        .gap(3)
        .data("6c 6f 21  81 01 61  89 00  c1 07 f2 48 cd")
        .data("c9 c9 07 00  81 01 62  82 7f 80 00 00 00 00 00 00 00")
        .data("02 03 ff  81 01 63  81 01 64  89 02 68 69")
        .data("81 01 65")
        .build();
  }

  @Test
  void streamThatLosesFramingTwiceGivesIdenticalEventsWhereverItIsSnapshotted() {
    Decoders decoders =
        l -> new WebSocketDecoder(false, WebSocketConfig.DEFAULT, PerMessageDeflate.DEFAULT, l);
    List<Object> expected = uninterrupted(resynchronizingScript(), decoders);
    assertEquals(
        List.of(
            "TEXT compressed Hello",
            "TEXT hi",
            "websocket_gap",
            "websocket_resynchronized",
            "TEXT a resynchronized",
            "PING ",
            "TEXT compressed Hello",
            "TEXT b",
            "websocket_invalid_payload_length",
            "websocket_resynchronized",
            "TEXT c resynchronized",
            "TEXT d",
            "PING hi",
            "TEXT e"),
        summaries(expected));

    assertSnapshotAtEveryPositionChangesNothing(resynchronizingScript(), decoders);
  }

  @Test
  void midStreamDecoderGivesIdenticalEventsWhereverItIsSnapshotted() {
    Decoders decoders = l -> WebSocketDecoder.midStream(false, WebSocketConfig.DEFAULT, l);
    List<Object> expected = uninterrupted(resynchronizingScript(), decoders);
    assertEquals(
        List.of(
            "websocket_resynchronized",
            "websocket_compressed_without_handshake",
            "TEXT compressed  resynchronized",
            "TEXT hi",
            "websocket_gap",
            "websocket_resynchronized",
            "TEXT a resynchronized",
            "PING ",
            "TEXT compressed ",
            "TEXT b",
            "websocket_invalid_payload_length",
            "websocket_resynchronized",
            "TEXT c resynchronized",
            "TEXT d",
            "PING hi",
            "TEXT e"),
        summaries(expected));

    assertSnapshotAtEveryPositionChangesNothing(resynchronizingScript(), decoders);
  }

  @Test
  void restoredMidStreamDecoderIsStillMidStream() {
    WebSocketDecoder restored =
        restore(
            snapshot(
                WebSocketDecoder.midStream(true, WebSocketConfig.DEFAULT, new RecordingListener())),
            new RecordingListener());

    assertEquals(true, restored.isMidStream());
    assertEquals(true, restored.isFramingLost());
  }

  /**
   * Written by the version 1 decoder (before the search): a server decoder with permessage-deflate
   * after the RFC 7692 §7.2.3.2 "Hello" and five bytes of the second one, which refers back to it.
   */
  private static final String VERSION_1_INSIDE_A_COMPRESSED_MESSAGE =
      "01000010000000000000010000000100000f0f04c10500000000000000000500000000000000000000000300"
          + "000000000000000000010101010000000100000000000000050000000000000000000000000000000003"
          + "f20011000080bf0000000000000000ffffffffffffffff010000000000000000000000000000000000"
          + "00000000000000000548656c6c6f";

  /** Written by the version 1 decoder: a client decoder that lost framing in a 3-byte gap. */
  private static final String VERSION_1_FRAMING_LOST =
      "01010010000000000000010000000005818200000000000000000201020304000000000000000200000000"
          + "000000000003000100000000000000000000000000000000000000000000000000000000000000000080"
          + "bf0000000000000000ffffffffffffffff0000000000000000000000000000000000000000000000";

  @Test
  void version1SnapshotInsideACompressedMessageCarriesOnWithItsWindow() {
    RecordingListener recorder = new RecordingListener();
    WebSocketDecoder decoder = restore(hex(VERSION_1_INSIDE_A_COMPRESSED_MESSAGE), recorder);
    decoder.onData(hex("00 00"), 0, 2, 5);

    assertEquals(
        List.of(
            new WsMessage(
                WsOpcode.TEXT, utf8("Hello"), 5, false, null, null, true, 1, 5, 0, false)),
        recorder.events);
    assertEquals(WebSocketConfig.DEFAULT, decoder.config());
  }

  @Test
  void version1SnapshotThatLostFramingSearchesForTheNextFrame() {
    RecordingListener recorder = new RecordingListener();
    WebSocketDecoder decoder = restore(hex(VERSION_1_FRAMING_LOST), recorder);
    decoder.onData(hex("81 82 01 02 03 04 69 6b"), 0, 8, 6);
    decoder.onEnd(7);

    assertEquals(
        List.of(
            new RecordingListener.Anomaly(
                WebSocketAnomalies.RESYNCHRONIZED,
                "skipped_bytes=0 opcode=text payload_length=2",
                7),
            new WsMessage(WsOpcode.TEXT, utf8("hi"), 2, false, null, null, false, 1, 7, 0, true)),
        recorder.events);
    assertEquals(3, decoder.droppedBytes());
  }

  @Test
  void snapshotStartsWithItsVersionByte() {
    byte[] snapshot =
        snapshot(
            new WebSocketDecoder(false, WebSocketConfig.DEFAULT, null, new RecordingListener()));

    assertEquals(2, snapshot[0]);
  }

  @Test
  void snapshotOfAnotherVersionIsRefused() {
    byte[] snapshot =
        snapshot(
            new WebSocketDecoder(false, WebSocketConfig.DEFAULT, null, new RecordingListener()));
    snapshot[0] = 3;

    IOException e =
        assertThrows(
            IOException.class,
            () ->
                WebSocketDecoder.readSnapshot(
                    new DataInputStream(new ByteArrayInputStream(snapshot)),
                    new RecordingListener()));
    assertEquals("unsupported WebSocket decoder snapshot version 3", e.getMessage());
  }

  @Test
  void truncatedSnapshotIsRefused() {
    byte[] snapshot =
        snapshot(
            new WebSocketDecoder(false, WebSocketConfig.DEFAULT, null, new RecordingListener()));
    byte[] truncated = java.util.Arrays.copyOf(snapshot, snapshot.length - 1);

    assertThrows(
        EOFException.class,
        () ->
            WebSocketDecoder.readSnapshot(
                new DataInputStream(new ByteArrayInputStream(truncated)), new RecordingListener()));
  }
}
