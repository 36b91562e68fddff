package io.tapflow.processor.websocket;

/**
 * Limits of a {@link WebSocketDecoder}, with their defaults in one place.
 *
 * @param maxContentBytes bytes of content kept per message; the rest is only counted
 * @param maxInflatedBytes cap on one compressed message, both its buffered compressed bytes and its
 *     inflated size, so that a decompression bomb never exhausts memory
 * @param maxResyncBytes bytes buffered while searching for a frame header after framing was lost
 *     (or at the start of a mid-stream decoder); a candidate frame that cannot be confirmed within
 *     them is passed over. 0 turns the search off: once framing is lost, the rest of the direction
 *     is dropped
 */
public record WebSocketConfig(int maxContentBytes, long maxInflatedBytes, int maxResyncBytes) {

  /** 1 MiB of content per message. */
  public static final int DEFAULT_MAX_CONTENT_BYTES = 1 << 20;

  /** 16 MiB inflated per message. */
  public static final long DEFAULT_MAX_INFLATED_BYTES = 16L << 20;

  /** 64 KiB searched at a time for the next frame header. */
  public static final int DEFAULT_MAX_RESYNC_BYTES = 64 * 1024;

  /** The largest byte array the decoder allocates, whatever the limits say. */
  static final int MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

  public static final WebSocketConfig DEFAULT =
      new WebSocketConfig(
          DEFAULT_MAX_CONTENT_BYTES, DEFAULT_MAX_INFLATED_BYTES, DEFAULT_MAX_RESYNC_BYTES);

  public WebSocketConfig {
    if (maxContentBytes < 0 || maxContentBytes > MAX_ARRAY_LENGTH) {
      throw new IllegalArgumentException("maxContentBytes out of range: " + maxContentBytes);
    }
    if (maxInflatedBytes < 0) {
      throw new IllegalArgumentException(
          "maxInflatedBytes must not be negative: " + maxInflatedBytes);
    }
    if (maxResyncBytes < 0 || maxResyncBytes > MAX_ARRAY_LENGTH) {
      throw new IllegalArgumentException("maxResyncBytes out of range: " + maxResyncBytes);
    }
  }

  /** How many compressed bytes of one message are buffered before inflating it. */
  int maxCompressedBufferBytes() {
    return (int) Math.min(maxInflatedBytes, MAX_ARRAY_LENGTH);
  }
}
