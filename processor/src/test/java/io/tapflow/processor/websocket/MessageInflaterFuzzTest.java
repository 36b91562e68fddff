package io.tapflow.processor.websocket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tapflow.processor.http.HttpHeadParser;
import io.tapflow.processor.tcp.Segment;
import io.tapflow.processor.testing.FuzzCorpus;
import io.tapflow.processor.testing.Texts;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes {@link MessageInflater} with any compressed messages under any permessage-deflate
 * parameters: it never throws, never produces more than the limit, keeps no more history than the
 * window, names errors in snake_case, and survives a snapshot round trip between messages. Each
 * message is checked against a reference: a fresh raw {@link Inflater} primed with the last window
 * bytes of output, kept here apart from the inflater's own ring (RFC 7692 §7.2.2): same bytes, same
 * failures, the limit where the reference passes it. After a DEFLATE stream ends inside a message
 * (BFINAL) the reference stops following until the next reset.
 *
 * <p>Input: byte 0 is the parameters (bits 0-2: window bits 8 + n, bit 3: no context takeover),
 * byte 1 the limits ({@link #LIMITS} and {@link #CONTENT_CAPS}); then messages, each a flags byte
 * (bit 0: the whole payload, so the empty block is appended; bit 1: snapshot round trip before it;
 * bit 2: check UTF-8), a big-endian u16 length and that many payload bytes.
 */
class MessageInflaterFuzzTest {

  static final long[] LIMITS = {1 << 16, 64, 1024, 1 << 20};
  static final int[] CONTENT_CAPS = {4096, 16};

  static final int WHOLE = 1;
  static final int SNAPSHOT = 2;
  static final int UTF8 = 4;

  @FuzzTest(maxDuration = "30s")
  void anyCompressedMessagesInflateWithinTheLimitsAsAFreshInflaterWithTheWindowWould(byte[] input)
      throws IOException {
    if (input.length < 2) {
      return;
    }
    int bits = 8 + (input[0] & 7);
    boolean noContextTakeover = (input[0] & 8) != 0;
    long limit = LIMITS[(input[1] & 0xff) % LIMITS.length];
    int cap = CONTENT_CAPS[((input[1] & 0xff) / LIMITS.length) % CONTENT_CAPS.length];
    PerMessageDeflate params = new PerMessageDeflate(noContextTakeover, false, bits, 15);
    int capacity = 1 << Math.max(9, bits);
    MessageInflater inflater = new MessageInflater(params, false);
    // The reference's window: the last bytes inflated, kept here independently; null while the
    // two are out of step (after a DEFLATE stream ended inside a message, until the next reset).
    byte[] window = new byte[0];
    int at = 2;
    while (at + 3 <= input.length) {
      int flags = input[at] & 0xff;
      int length = ((input[at + 1] & 0xff) << 8) | (input[at + 2] & 0xff);
      at += 3;
      length = Math.min(length, input.length - at);
      byte[] payload = Arrays.copyOfRange(input, at, at + length);
      at += length;
      boolean whole = (flags & WHOLE) != 0;
      if ((flags & SNAPSHOT) != 0) {
        inflater = roundTrip(inflater, params);
      }
      Reference expected = window == null || !whole ? null : inflate(window, payload, limit + 1);
      CappedBuffer content = new CappedBuffer(cap);
      Utf8Validator utf8 = (flags & UTF8) != 0 ? new Utf8Validator() : null;
      MessageInflater.Result result =
          inflater.inflate(payload, payload.length, whole, limit, content, utf8);

      assertTrue(result.inflatedLength() >= 0 && result.inflatedLength() <= limit);
      assertTrue(!result.limitReached() || result.inflatedLength() == limit, result.toString());
      assertTrue(result.error() == null || Texts.isSnakeCase(result.error()), result.error());
      assertEquals(Math.min(result.inflatedLength(), cap), content.length());
      assertEquals(result.inflatedLength() > cap, content.isTruncated());
      assertTrue(inflater.historyLength() <= capacity, "history " + inflater.historyLength());
      if (noContextTakeover) {
        assertEquals(0, inflater.historyLength());
      }
      assertTrue(inflater.retainedBytes() <= capacity + 8192, "kept " + inflater.retainedBytes());

      if (expected != null && !expected.finished()) {
        byte[] out = expected.output();
        if (expected.failed()) {
          assertNotNull(result.error(), "the reference failed, the inflater did not");
        } else if (out.length > limit) {
          assertNull(result.error(), result.error());
          assertTrue(result.limitReached(), "limit not reached");
        } else {
          assertNull(result.error(), "the reference inflated what the inflater could not");
          assertFalse(result.limitReached());
          assertEquals(out.length, result.inflatedLength());
        }
        if (!expected.failed()) {
          assertArrayEquals(Arrays.copyOf(out, content.length()), content.take());
        }
        window = noContextTakeover ? new byte[0] : last(concat(window, out), capacity);
      } else if (expected != null) {
        window = null; // a stream ended inside the message: only the inflater goes on
      }
      if (result.error() != null || result.limitReached() || !whole) {
        // What the assembler does with a message cut short: forget the window.
        inflater.resetContext();
        assertEquals(0, inflater.historyLength());
        window = new byte[0];
      }
    }
  }

  /** What the reference inflater made of one message. */
  private record Reference(byte[] output, boolean failed, boolean finished) {}

  /** A fresh raw inflater primed with the window inflates the payload and the empty block. */
  private static Reference inflate(byte[] window, byte[] payload, long max) {
    Inflater inflater = new Inflater(true);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (window.length > 0) {
        inflater.setDictionary(window);
      }
      byte[] input = Arrays.copyOf(payload, payload.length + 4);
      input[payload.length + 2] = (byte) 0xff;
      input[payload.length + 3] = (byte) 0xff;
      inflater.setInput(input);
      byte[] chunk = new byte[4096];
      while (out.size() < max && !inflater.finished()) {
        int n = inflater.inflate(chunk, 0, (int) Math.min(chunk.length, max - out.size()));
        if (n == 0 && inflater.needsInput()) {
          break;
        }
        out.write(chunk, 0, n);
      }
      return new Reference(out.toByteArray(), false, inflater.finished());
    } catch (DataFormatException e) {
      return new Reference(out.toByteArray(), true, false);
    } finally {
      inflater.end();
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  private static byte[] last(byte[] bytes, int n) {
    return bytes.length <= n ? bytes : Arrays.copyOfRange(bytes, bytes.length - n, bytes.length);
  }

  private static MessageInflater roundTrip(MessageInflater inflater, PerMessageDeflate params)
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    inflater.writeTo(new DataOutputStream(out));
    byte[] snapshot = out.toByteArray();
    DataInputStream head = new DataInputStream(new ByteArrayInputStream(snapshot));
    if (inflater.historyLength() == 0) {
      assertEquals(4, snapshot.length);
      assertEquals(0, head.readInt());
    } else {
      // Deflated: the marker, the history's length, the deflated length, the deflated bytes.
      assertEquals(MessageInflater.PACKED, head.readInt());
      assertEquals(inflater.historyLength(), head.readInt());
      assertEquals(12 + head.readInt(), snapshot.length);
    }
    MessageInflater restored = new MessageInflater(params, false);
    restored.readFrom(new DataInputStream(new ByteArrayInputStream(snapshot)));
    assertEquals(inflater.historyLength(), restored.historyLength());
    ByteArrayOutputStream again = new ByteArrayOutputStream();
    restored.writeTo(new DataOutputStream(again));
    assertArrayEquals(snapshot, again.toByteArray());
    return restored;
  }

  /** Payload bytes of compressed messages a seed keeps per direction of a capture. */
  private static final int SEED_BYTES = 4096;

  /**
   * The seeds: the compressed messages of every direction of the committed captures that negotiated
   * permessage-deflate, under that direction's parameters; and messages made here: a conversation
   * that refers back into earlier messages, and a decompression bomb.
   */
  @Test
  void committedSeedsAreTheCompressedMessagesOfTheCommittedCaptures() throws Exception {
    Map<String, byte[]> seeds = new TreeMap<>();
    for (Map.Entry<String, List<Segment>> c : FuzzCorpus.connections().entrySet()) {
      byte[][] streams = FuzzCorpus.streams(c.getValue());
      HttpHeadParser request = new HttpHeadParser();
      int requestLength = request.onData(streams[0], 0, streams[0].length);
      HttpHeadParser response = new HttpHeadParser();
      int responseLength = response.onData(streams[1], 0, streams[1].length);
      if (!request.isComplete() || !response.isComplete()) {
        continue;
      }
      PerMessageDeflate deflate =
          PerMessageDeflate.fromAcceptedExtensions(
              response.head().header("Sec-WebSocket-Extensions"));
      if (deflate == null) {
        continue;
      }
      for (boolean client : new boolean[] {true, false}) {
        byte[] stream = client ? streams[0] : streams[1];
        int from = client ? requestLength : responseLength;
        List<byte[]> messages = compressedMessages(Arrays.copyOfRange(stream, from, stream.length));
        if (messages.isEmpty()) {
          continue;
        }
        int params =
            (deflate.maxWindowBits(client) - 8) | (deflate.noContextTakeover(client) ? 8 : 0);
        seeds.put(c.getKey() + (client ? "-client" : "-server"), seed(params, 0, messages));
      }
    }
    seeds.put("conversation", seed(7, 2, conversation()));
    Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
    seeds.put("bomb", seed(7, 3, List.of(Frames.deflate(deflater, new byte[1 << 20]))));
    deflater.end();
    assertTrue(seeds.size() >= 10, "seeds: " + seeds.keySet());
    FuzzCorpus.check(
        getClass(),
        "anyCompressedMessagesInflateWithinTheLimitsAsAFreshInflaterWithTheWindowWould",
        seeds);
  }

  /** Messages of one sender with context takeover: later ones refer back into earlier ones. */
  private static List<byte[]> conversation() {
    Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    List<byte[]> messages = new ArrayList<>();
    for (String text :
        List.of(
            "{\"type\":\"say\",\"content\":\"Merhaba, herkes!\"}",
            "{\"type\":\"say\",\"content\":\"Merhaba, herkes! Nasılsınız?\"}",
            "{\"type\":\"ping\"}",
            "{\"type\":\"ping\"}")) {
      messages.add(Frames.deflate(deflater, text.getBytes(StandardCharsets.UTF_8)));
    }
    deflater.end();
    return messages;
  }

  private static byte[] seed(int params, int limits, List<byte[]> messages) {
    ByteArrayOutputStream seed = new ByteArrayOutputStream();
    seed.write(params);
    seed.write(limits);
    int kept = 0;
    for (int i = 0; i < messages.size() && kept < SEED_BYTES; i++) {
      byte[] m = messages.get(i);
      seed.write(WHOLE | UTF8 | (i == 1 ? SNAPSHOT : 0));
      seed.write(m.length >>> 8);
      seed.write(m.length);
      seed.write(m, 0, m.length);
      kept += m.length;
    }
    return seed.toByteArray();
  }

  /**
   * The payloads of the compressed messages (RSV1 on the first frame) in one direction's frames,
   * unmasked and joined across fragments. For whole, loss-free streams only.
   */
  private static List<byte[]> compressedMessages(byte[] stream) {
    List<byte[]> messages = new ArrayList<>();
    ByteArrayOutputStream open = null;
    int at = 0;
    while (at + 2 <= stream.length) {
      int b0 = stream[at] & 0xff;
      int b1 = stream[at + 1] & 0xff;
      int length7 = b1 & 0x7f;
      int lengthBytes = length7 == 126 ? 2 : length7 == 127 ? 8 : 0;
      int header = 2 + lengthBytes + ((b1 & 0x80) != 0 ? 4 : 0);
      if (at + header > stream.length) {
        break;
      }
      long length = length7;
      if (lengthBytes > 0) {
        length = 0;
        for (int i = 0; i < lengthBytes; i++) {
          length = length << 8 | (stream[at + 2 + i] & 0xff);
        }
      }
      if (length > stream.length - at - header) {
        break;
      }
      byte[] payload = Arrays.copyOfRange(stream, at + header, at + header + (int) length);
      if ((b1 & 0x80) != 0) {
        for (int i = 0; i < payload.length; i++) {
          payload[i] ^= stream[at + header - 4 + (i & 3)];
        }
      }
      int opcode = b0 & 0x0f;
      if ((opcode == 1 || opcode == 2) && (b0 & 0x40) != 0) {
        open = new ByteArrayOutputStream();
      } else if (opcode != 0) {
        open = opcode < 8 ? null : open;
        at += header + (int) length;
        continue;
      }
      if (open != null) {
        open.write(payload, 0, payload.length);
        if ((b0 & 0x80) != 0) {
          messages.add(open.toByteArray());
          open = null;
        }
      }
      at += header + (int) length;
    }
    return messages;
  }
}
