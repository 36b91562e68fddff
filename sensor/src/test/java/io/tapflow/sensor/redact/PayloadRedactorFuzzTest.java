package io.tapflow.sensor.redact;

import static io.tapflow.sensor.redact.WebSocketConversation.REQUEST;
import static io.tapflow.sensor.redact.WebSocketConversation.RESPONSE;
import static io.tapflow.sensor.redact.WebSocketConversation.RESPONSE_DEFLATE;
import static io.tapflow.sensor.redact.WebSocketConversation.ascii;
import static io.tapflow.sensor.redact.WebSocketConversation.concat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tapflow.sensor.decode.TcpSegment;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * Fuzzes {@link PayloadRedactor} with any bytes in either direction after a real handshake: it
 * never throws, keeps one connection, and the bytes it writes do not depend on how they are split
 * into segments (fed whole, or cut at the points the input chooses).
 *
 * <p>Input: byte 0 bit 0 chooses a 101 with permessage-deflate, bit 1 the server's direction (from
 * its first byte: the fuzzer writes the response head too) rather than the client's frames; byte 1
 * is how many cut points follow as 2-byte big-endian offsets (at most 15); the rest is the
 * direction's bytes. Plain {@code mvn test} replays the committed inputs, if any; {@code
 * JAZZER_FUZZ=1} fuzzes (README, "Fuzzing").
 */
class PayloadRedactorFuzzTest {
  private static final RedactedFields FIELDS = new RedactedFields(List.of("content", "a"));

  @FuzzTest
  void anyStreamSplitAnywhereIsRedactedTheSameAndNeverThrows(byte[] input) {
    if (input.length < 2) {
      return;
    }
    boolean deflate = (input[0] & 1) != 0;
    boolean server = (input[0] & 2) != 0;
    int cuts = Math.min(15, input[1] & 0xFF);
    int start = 2 + 2 * cuts;
    if (input.length < start) {
      return;
    }
    byte[] stream = Arrays.copyOfRange(input, start, input.length);
    TreeSet<Integer> points = new TreeSet<>();
    for (int i = 0; i < cuts && stream.length > 0; i++) {
      int at = ((input[2 + 2 * i] & 0xFF) << 8 | (input[3 + 2 * i] & 0xFF)) % (stream.length + 1);
      points.add(at);
    }
    points.add(0);
    points.add(stream.length);

    byte[] whole = feed(List.of(stream), deflate, server);
    List<byte[]> parts = new java.util.ArrayList<>();
    Integer previous = null;
    for (int p : points) {
      if (previous != null && p > previous) {
        parts.add(Arrays.copyOfRange(stream, previous, p));
      }
      previous = p;
    }
    byte[] split = feed(parts, deflate, server);
    assertEquals(stream.length, whole.length);
    assertArrayEquals(whole, split);
  }

  /** The direction's bytes as rewritten, after the handshake, fed as {@code parts}. */
  private static byte[] feed(List<byte[]> parts, boolean deflate, boolean server) {
    PayloadRedactor redactor = new PayloadRedactor(FIELDS, 4);
    WebSocketConversation c = new WebSocketConversation();
    redactor.redact(c.clientSyn());
    redactor.redact(c.serverSynAck());
    redactor.redact(c.client(ascii(REQUEST)));
    if (!server) {
      redactor.redact(c.server(ascii(deflate ? RESPONSE_DEFLATE : RESPONSE)));
    }
    byte[] out = new byte[0];
    for (byte[] part : parts) {
      TcpSegment s = server ? c.server(part.clone()) : c.client(part.clone());
      WithheldReason reason = redactor.redact(s);
      assertTrue(reason == null || part.length > 0);
      out = concat(out, s.payload());
      assertEquals(1, redactor.connections());
    }
    return out;
  }
}
