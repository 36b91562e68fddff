package io.tapflow.processor.websocket;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.zip.Deflater;

/** Builds frames and permessage-deflate payloads for tests. */
public final class Frames {

  private Frames() {}

  /** An unmasked frame with the minimal length encoding. */
  public static byte[] frame(int firstByte, byte[] payload) {
    return frame(firstByte, false, 0, payload);
  }

  /** A masked frame with the minimal length encoding. */
  public static byte[] masked(int firstByte, int maskingKey, byte[] payload) {
    return frame(firstByte, true, maskingKey, payload);
  }

  private static byte[] frame(int firstByte, boolean mask, int maskingKey, byte[] payload) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(firstByte);
    int maskBit = mask ? 0x80 : 0;
    if (payload.length < 126) {
      out.write(maskBit | payload.length);
    } else if (payload.length <= 0xffff) {
      out.write(maskBit | 126);
      out.write(payload.length >> 8);
      out.write(payload.length);
    } else {
      out.write(maskBit | 127);
      for (int shift = 56; shift >= 0; shift -= 8) {
        out.write((int) ((long) payload.length >> shift));
      }
    }
    byte[] body = payload.clone();
    if (mask) {
      for (int shift = 24; shift >= 0; shift -= 8) {
        out.write(maskingKey >> shift);
      }
      for (int i = 0; i < body.length; i++) {
        body[i] ^= (byte) (maskingKey >> (24 - 8 * (i & 3)));
      }
    }
    out.writeBytes(body);
    return out.toByteArray();
  }

  /**
   * Compresses one message as RFC 7692 §7.2.1 says: deflate with a sync flush, then remove the
   * trailing 00 00 ff ff. Reusing {@code deflater} across messages is context takeover.
   */
  public static byte[] deflate(Deflater deflater, byte[] message) {
    deflater.setInput(message);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[64 * 1024];
    int n;
    do {
      n = deflater.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH);
      out.write(buf, 0, n);
    } while (n == buf.length || !deflater.needsInput());
    byte[] compressed = out.toByteArray();
    return Arrays.copyOf(compressed, compressed.length - 4);
  }
}
