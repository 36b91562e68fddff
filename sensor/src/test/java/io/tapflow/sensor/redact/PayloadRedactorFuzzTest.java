package io.tapflow.sensor.redact;

import static io.tapflow.sensor.redact.WebSocketConversation.REQUEST;
import static io.tapflow.sensor.redact.WebSocketConversation.RESPONSE;
import static io.tapflow.sensor.redact.WebSocketConversation.RESPONSE_DEFLATE;
import static io.tapflow.sensor.redact.WebSocketConversation.ascii;
import static io.tapflow.sensor.redact.WebSocketConversation.concat;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tapflow.sensor.decode.TcpSegment;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes {@link PayloadRedactor} with any bytes in either direction after a real handshake: it
 * never throws, keeps one connection, the bytes it writes do not depend on how they are split into
 * segments (fed whole, or cut at the points the input chooses), and in the client's bytes it lets
 * through every complete uncompressed text message that Jackson reads has only stars and zeros in
 * the configured members' values; each client segment let through, captured twice, is let through
 * twice with the same bytes.
 *
 * <p>Input: byte 0 bit 0 chooses a 101 with permessage-deflate, bit 1 the server's direction (from
 * its first byte: the fuzzer writes the response head too) rather than the client's frames; byte 1
 * is how many cut points follow as 2-byte big-endian offsets (at most 15); the rest is the
 * direction's bytes. Plain {@code mvn test} replays the committed inputs, if any; {@code
 * JAZZER_FUZZ=1} fuzzes (README, "Fuzzing").
 */
class PayloadRedactorFuzzTest {
  private static final RedactedFields FIELDS = new RedactedFields(List.of("content", "a"));
  private static final ObjectMapper JACKSON = new ObjectMapper();

  /** The bytes of the last {@link #feed} let through before its first withheld segment. */
  private static byte[] publishedPrefix = new byte[0];

  @Test
  void theInvariantsHoldForChatMessagesCutAtThreePoints() {
    byte[] frames =
        concat(
            WebSocketConversation.text(
                WebSocketConversation.MASK,
                "{\"type\":\"say\",\"content\":{\"x\":[\"secret\",-1.5e3]},\"\\u0061\":\"b\"}"),
            WebSocketConversation.frame(0x89, WebSocketConversation.MASK, new byte[] {1}),
            WebSocketConversation.text(WebSocketConversation.MASK, "[{\"a\":\"secret\"}]"));
    byte[] input = concat(new byte[] {0, 3, 0, 5, 0, 40, 0, 77}, frames);
    anyStreamSplitAnywhereIsRedactedTheSameAndNeverThrows(input);
    assertEquals(frames.length, publishedPrefix.length); // all of it let through, and checked
  }

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
    byte[] published = publishedPrefix;
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
    if (!server) {
      assertNoValueLeft(published);
    }
  }

  /**
   * Checks every complete, uncompressed text message among {@code bytes} (the client's frames,
   * published): where Jackson reads it as JSON, every string in a configured member's value is
   * stars and every number 0.
   */
  private static void assertNoValueLeft(byte[] bytes) {
    int i = 0;
    java.io.ByteArrayOutputStream message = null; // the text message being assembled, if any
    while (bytes.length - i >= 2) {
      int first = bytes[i] & 0xFF;
      int second = bytes[i + 1] & 0xFF;
      int at = i + 2;
      long length = second & 0x7F;
      int extended = length == 126 ? 2 : length == 127 ? 8 : 0;
      if (bytes.length - at < extended) {
        return;
      }
      if (extended > 0) {
        length = 0;
        for (int k = 0; k < extended; k++) {
          length = length << 8 | (bytes[at++] & 0xFF);
        }
      }
      boolean masked = (second & 0x80) != 0;
      if (bytes.length - at < (masked ? 4 : 0) || length < 0) {
        return;
      }
      int key = at;
      at += masked ? 4 : 0;
      if (bytes.length - at < length) {
        return;
      }
      byte[] payload = Arrays.copyOfRange(bytes, at, at + (int) length);
      for (int k = 0; masked && k < payload.length; k++) {
        payload[k] ^= bytes[key + (k & 3)];
      }
      i = at + (int) length;
      int opcode = first & 0x0F;
      if (opcode == 1) {
        message = (first & 0x70) == 0 ? new java.io.ByteArrayOutputStream() : null;
      } else if (opcode == 2) {
        message = null;
      } else if (opcode != 0) {
        continue; // control frames
      }
      if (message != null) {
        message.writeBytes(payload);
        if ((first & 0x80) != 0) {
          assertRedacted(message.toByteArray());
          message = null;
        }
      }
    }
  }

  private static void assertRedacted(byte[] text) {
    JsonNode tree;
    try {
      tree = JACKSON.readTree(text);
    } catch (java.io.IOException e) {
      return; // not JSON to Jackson (e.g. malformed UTF-8, which the redactor does not check)
    }
    if (tree != null) {
      assertRedacted(tree, false, text);
    }
  }

  private static void assertRedacted(JsonNode node, boolean inside, byte[] text) {
    if (node.isObject()) {
      node.fields()
          .forEachRemaining(
              e ->
                  assertRedacted(
                      e.getValue(), inside || FIELDS.names().contains(e.getKey()), text));
    } else if (node.isArray()) {
      node.forEach(n -> assertRedacted(n, inside, text));
    } else if (inside && node.isTextual()) {
      assertTrue(node.asText().chars().allMatch(c -> c == '*'), () -> new String(text, UTF_8));
    } else if (inside && node.isNumber()) {
      assertEquals(0.0, node.asDouble(), () -> new String(text, UTF_8));
    }
  }

  /** The direction's bytes as rewritten, after the handshake, fed as {@code parts}. */
  private static byte[] feed(List<byte[]> parts, boolean deflate, boolean server) {
    publishedPrefix = new byte[0];
    PayloadRedactor redactor = new PayloadRedactor(FIELDS, 4);
    WebSocketConversation c = new WebSocketConversation();
    redactor.redact(c.clientSyn());
    redactor.redact(c.serverSynAck());
    redactor.redact(c.client(ascii(REQUEST)));
    if (!server) {
      redactor.redact(c.server(ascii(deflate ? RESPONSE_DEFLATE : RESPONSE)));
    }
    byte[] out = new byte[0];
    boolean withheld = false;
    for (byte[] part : parts) {
      TcpSegment s = server ? c.server(part.clone()) : c.client(part.clone());
      WithheldReason reason = redactor.redact(s);
      assertTrue(reason == null || part.length > 0);
      out = concat(out, s.payload());
      assertEquals(1, redactor.connections());
      if (!server && reason == null && part.length > 0) {
        // The same packet again (captured twice): let through with the same bytes.
        TcpSegment repeat = c.segment(true, s.seq(), WebSocketConversation.ACK, part.clone());
        assertEquals(null, redactor.redact(repeat));
        assertArrayEquals(s.payload(), repeat.payload());
      }
      withheld |= reason != null;
      if (!withheld) {
        publishedPrefix = out;
      }
    }
    return out;
  }
}
