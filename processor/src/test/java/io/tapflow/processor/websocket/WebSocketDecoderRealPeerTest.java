package io.tapflow.processor.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tapflow.processor.websocket.PeerSession.Chunk;
import io.tapflow.processor.websocket.PeerSession.Direction;
import io.tapflow.processor.websocket.PeerSession.Sent;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Sessions recorded with real peers (python3-websockets 10.4 on both ends, see {@code
 * src/test/resources/captures/README.md}) decode to exactly the messages the peers say they sent:
 * permessage-deflate with and without context takeover, with 9- and 10-bit windows, fragmented and
 * compressed, and messages over 64 KiB.
 */
class WebSocketDecoderRealPeerTest {

  static Stream<PeerSession> sessions() {
    return PeerSession.VARIANTS.stream().map(PeerSession::load);
  }

  /** Feeds a direction as it was captured, segment by segment, then ends it. */
  static RecordingListener decode(PeerSession session, Direction direction) {
    RecordingListener recorder = new RecordingListener();
    WebSocketDecoder decoder =
        new WebSocketDecoder(
            direction.sentByClient, WebSocketConfig.DEFAULT, session.deflate, recorder);
    for (Chunk c : direction.chunks) {
      decoder.onData(direction.bytes, c.offset(), c.length(), c.timestampNanos());
    }
    decoder.onEnd(Long.MAX_VALUE);
    return recorder;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("sessions")
  void everyMessageIsWhatThePeerSentInOrder(PeerSession session) {
    for (Direction direction : List.of(session.client, session.server)) {
      RecordingListener recorder = decode(session, direction);

      assertEquals(
          direction.sent,
          recorder.messages().stream().map(PeerSession::asSent).toList(),
          session + (direction.sentByClient ? " client" : " server"));
      assertEquals(List.of(), recorder.anomalies());
      for (WsMessage m : recorder.messages()) {
        assertEquals(m.payloadLength(), m.content().length);
        assertEquals(false, m.truncated());
        assertEquals(0, m.missingBytes());
        assertEquals(false, m.resynchronized());
      }
    }
  }

  @Test
  void eachVariantNegotiatedTheParametersItAskedFor() {
    assertEquals(
        List.of(
            PerMessageDeflate.DEFAULT,
            new PerMessageDeflate(true, true, 15, 15),
            new PerMessageDeflate(false, false, 9, 10),
            PerMessageDeflate.DEFAULT,
            PerMessageDeflate.DEFAULT),
        PeerSession.VARIANTS.stream()
            .filter(v -> !v.equals("plain"))
            .map(v -> PeerSession.load(v).deflate)
            .toList());
    assertEquals(null, PeerSession.load("plain").deflate);
  }

  @Test
  void capturesHoldFragmentedCompressedMessagesAndMessagesOver64Kib() {
    List<Sent> fragmented =
        sessions()
            .flatMap(s -> Stream.concat(s.client.sent.stream(), s.server.sent.stream()))
            .filter(m -> m.compressed() && m.fragments() > 1)
            .toList();
    List<Sent> large =
        Stream.of(PeerSession.load("deflate-large"))
            .flatMap(s -> Stream.concat(s.client.sent.stream(), s.server.sent.stream()))
            .filter(m -> m.length() > 64 * 1024)
            .toList();

    assertEquals(8, fragmented.size());
    assertEquals(
        List.of("TEXT 70000", "BINARY 200000", "TEXT 70000", "TEXT 70000", "BINARY 200000"),
        large.stream().map(m -> m.opcode() + " " + m.length()).toList());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("sessions")
  void countersAddUpToWhatThePeersSent(PeerSession session) {
    for (Direction direction : List.of(session.client, session.server)) {
      RecordingListener recorder = new RecordingListener();
      WebSocketDecoder decoder =
          new WebSocketDecoder(
              direction.sentByClient, WebSocketConfig.DEFAULT, session.deflate, recorder);
      decoder.onData(direction.bytes, 0, direction.bytes.length, 1);

      assertEquals(expectedCounters(direction), decoder.counters());
    }
  }

  /** The counters the peers' own account of a direction implies. */
  static WebSocketCounters expectedCounters(Direction direction) {
    long[] messages = new long[16];
    long continuations = 0;
    long payload = 0;
    for (Sent s : direction.sent) {
      messages[s.opcode().code()]++;
      continuations += s.fragments() - 1;
      payload += s.length();
    }
    return new WebSocketCounters(
        messages[WebSocketProtocol.OPCODE_TEXT],
        messages[WebSocketProtocol.OPCODE_BINARY],
        continuations,
        messages[WebSocketProtocol.OPCODE_CLOSE],
        messages[WebSocketProtocol.OPCODE_PING],
        messages[WebSocketProtocol.OPCODE_PONG],
        0,
        messages[WebSocketProtocol.OPCODE_TEXT],
        messages[WebSocketProtocol.OPCODE_BINARY],
        messages[WebSocketProtocol.OPCODE_CLOSE],
        messages[WebSocketProtocol.OPCODE_PING],
        messages[WebSocketProtocol.OPCODE_PONG],
        direction.bytes.length,
        payload,
        0,
        0);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("sessions")
  void decoderSnapshottedAndRestoredAfterEverySegmentGivesWhatThePeersSent(PeerSession session)
      throws IOException {
    for (Direction direction : List.of(session.client, session.server)) {
      RecordingListener recorder = new RecordingListener();
      WebSocketDecoder decoder =
          new WebSocketDecoder(
              direction.sentByClient, WebSocketConfig.DEFAULT, session.deflate, recorder);
      for (Chunk c : direction.chunks) {
        decoder.onData(direction.bytes, c.offset(), c.length(), c.timestampNanos());
        ByteArrayOutputStream snapshot = new ByteArrayOutputStream();
        decoder.writeSnapshot(new DataOutputStream(snapshot));
        decoder =
            WebSocketDecoder.readSnapshot(
                new DataInputStream(new ByteArrayInputStream(snapshot.toByteArray())), recorder);
      }

      assertEquals(direction.sent, recorder.messages().stream().map(PeerSession::asSent).toList());
      assertEquals(expectedCounters(direction), decoder.counters());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("sessions")
  void sameBytesInOneCallInSegmentsOrOneByteAtATimeGiveIdenticalEvents(PeerSession session) {
    for (Direction direction : List.of(session.client, session.server)) {
      RecordingListener whole = new RecordingListener();
      RecordingListener segments = new RecordingListener();
      RecordingListener bytes = new RecordingListener();
      WebSocketDecoder a =
          new WebSocketDecoder(
              direction.sentByClient, WebSocketConfig.DEFAULT, session.deflate, whole);
      WebSocketDecoder b =
          new WebSocketDecoder(
              direction.sentByClient, WebSocketConfig.DEFAULT, session.deflate, segments);
      WebSocketDecoder c =
          new WebSocketDecoder(
              direction.sentByClient, WebSocketConfig.DEFAULT, session.deflate, bytes);

      a.onData(direction.bytes, 0, direction.bytes.length, 9);
      for (Chunk chunk : direction.chunks) {
        b.onData(direction.bytes, chunk.offset(), chunk.length(), 9);
      }
      for (int i = 0; i < direction.bytes.length; i++) {
        c.onData(direction.bytes, i, 1, 9);
      }

      assertEquals(whole.events, segments.events);
      assertEquals(whole.events, bytes.events);
    }
  }
}
