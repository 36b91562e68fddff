package io.tapflow.processor.websocket;

import static io.tapflow.processor.websocket.Bytes.concat;
import static io.tapflow.processor.websocket.Bytes.hex;
import static io.tapflow.processor.websocket.Bytes.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tapflow.processor.websocket.WebSocketDetector.Detection;
import io.tapflow.processor.websocket.WebSocketDetector.Verdict;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Whether the first bytes of a connection whose handshake was not seen are WebSocket frames. */
class WebSocketDetectorTest {

  private static final Detection WEBSOCKET = new Detection(Verdict.WEBSOCKET, false);
  private static final Detection SWAPPED = new Detection(Verdict.WEBSOCKET, true);
  private static final Detection NOT_WEBSOCKET = new Detection(Verdict.NOT_WEBSOCKET, false);
  private static final Detection UNDECIDED = new Detection(Verdict.UNDECIDED, false);

  private final WebSocketDetector detector = new WebSocketDetector(WebSocketConfig.DEFAULT);

  /** Four masked text frames, each with its own key, as a client sends them. */
  private static final byte[] CLIENT_FRAMES =
      hex(
          "81 81 00 00 00 01 61  81 81 00 00 00 02 62  89 80 00 00 00 03"
              + "  81 81 00 00 00 04 64");

  /** A server's frames: the end of a frame begun before the capture, then four frames. */
  private static final byte[] SERVER_FRAMES = hex("6c 6f  81 02 68 69  8a 00  82 01 00  81 01 61");

  private Detection detect(byte[] client, boolean clientEnded, byte[] server, boolean serverEnded) {
    return detector.detect(client, client.length, clientEnded, server, server.length, serverEnded);
  }

  @Test
  void maskedFramesFromTheClientAndUnmaskedFromTheServerAreWebSocket() {
    assertEquals(WEBSOCKET, detect(CLIENT_FRAMES, false, SERVER_FRAMES, false));
  }

  @Test
  void maskedFramesFromTheSideTakenForTheServerSwapTheRoles() {
    assertEquals(SWAPPED, detect(SERVER_FRAMES, false, CLIENT_FRAMES, false));
  }

  @Test
  void oneDirectionWithFramesIsEnoughWhileTheOtherHasNoBytes() {
    assertEquals(WEBSOCKET, detect(new byte[0], false, SERVER_FRAMES, false));
    assertEquals(WEBSOCKET, detect(CLIENT_FRAMES, false, new byte[0], true));
  }

  @Test
  void twoFramesAreUndecidedUntilTheDirectionEndsRightAfterThem() {
    byte[] two = hex("81 01 61  81 01 62");

    assertEquals(UNDECIDED, detect(new byte[0], false, two, false));
    assertEquals(WEBSOCKET, detect(new byte[0], false, two, true));
  }

  @Test
  void onlyTheGivenLengthIsRead() {
    byte[] padded = Arrays.copyOf(SERVER_FRAMES, SERVER_FRAMES.length + 100);

    assertEquals(
        WEBSOCKET, detector.detect(new byte[0], 0, false, padded, SERVER_FRAMES.length, false));
  }

  @Test
  void httpIsNotWebSocketOnceADirectionEndsOrFillsTheInspectedBytes() {
    byte[] request = utf8("GET /index.html HTTP/1.1\r\nHost: example.org\r\n\r\n");
    byte[] response = utf8("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");

    assertEquals(UNDECIDED, detect(request, false, response, false));
    assertEquals(NOT_WEBSOCKET, detect(request, true, response, false));

    WebSocketDetector small =
        new WebSocketDetector(
            new WebSocketConfig(
                WebSocketConfig.DEFAULT_MAX_CONTENT_BYTES,
                WebSocketConfig.DEFAULT_MAX_INFLATED_BYTES,
                request.length));
    assertEquals(
        NOT_WEBSOCKET, small.detect(request, request.length, false, new byte[0], 0, false));
  }

  @Test
  void aDirectionWithBytesButNoFrameRulesWebSocketOutWhateverTheOtherHolds() {
    byte[] text = utf8("just some text that ends here\n");

    assertEquals(NOT_WEBSOCKET, detect(text, true, SERVER_FRAMES, false));
  }

  @Test
  void tlsRecordsAreNotWebSocket() {
    Random random = new Random(443);
    ByteArrayOutputStream tls = new ByteArrayOutputStream();
    while (tls.size() < WebSocketConfig.DEFAULT_MAX_RESYNC_BYTES) {
      byte[] body = new byte[16 + random.nextInt(1400)];
      random.nextBytes(body);
      tls.writeBytes(hex("17 03 03"));
      tls.write(body.length >> 8);
      tls.write(body.length);
      tls.writeBytes(body);
    }
    byte[] client = tls.toByteArray();
    byte[] server = concat(hex("16 03 03 00 04 0e 00 00 00"), Arrays.copyOf(client, 30_000));

    assertEquals(NOT_WEBSOCKET, detect(client, false, server, true));
  }

  @Test
  void realPeerCapturesJoinedNearTheirStartAreRecognisedWithTheirRolesWhereAFrameFitsTheWindow() {
    List<String> found = new ArrayList<>();
    for (String variant : PeerSession.VARIANTS) {
      PeerSession s = PeerSession.load(variant);
      for (int offset : List.of(0, 1, 2, 3, 10, 100, 1000)) {
        byte[] client = from(s.client.bytes, offset);
        byte[] server = from(s.server.bytes, offset);
        Detection asCaptured =
            detect(client, ended(s.client, offset), server, ended(s.server, offset));
        Detection reversed =
            detect(server, ended(s.server, offset), client, ended(s.client, offset));
        found.add(
            variant + " " + offset + " " + asCaptured.verdict() + " " + reversed.rolesSwapped());
      }
    }

    // Joined inside deflate-large's first long text, each direction's next frame is its 200
    // 000-byte
    // binary compressed to 110 KB: no frame can be confirmed within the 64 KiB inspected.
    assertEquals(
        PeerSession.VARIANTS.stream()
            .flatMap(
                v ->
                    List.of(0, 1, 2, 3, 10, 100, 1000).stream()
                        .map(
                            o ->
                                v.equals("deflate-large") && o >= 10
                                    ? v + " " + o + " NOT_WEBSOCKET false"
                                    : v + " " + o + " WEBSOCKET true"))
            .toList(),
        found);
  }

  /** The first inspected bytes of a direction joined at {@code offset}. */
  private static byte[] from(byte[] stream, int offset) {
    int start = Math.min(offset, stream.length);
    return Arrays.copyOfRange(
        stream, start, Math.min(stream.length, start + WebSocketConfig.DEFAULT_MAX_RESYNC_BYTES));
  }

  private static boolean ended(PeerSession.Direction d, int offset) {
    return d.bytes.length - Math.min(offset, d.bytes.length)
        <= WebSocketConfig.DEFAULT_MAX_RESYNC_BYTES;
  }
}
