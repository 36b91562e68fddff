package io.tapflow.processor.websocket;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One decoded message: a data message reassembled from its fragments and inflated, or one control
 * frame.
 *
 * <p>Equality compares {@code content} by value. The decoder hands each message a fresh {@code
 * content} array that the receiver owns.
 *
 * @param opcode the message's opcode
 * @param content the logical payload, unmasked, reassembled and inflated, capped at {@link
 *     WebSocketConfig#maxContentBytes()}; bytes lost in capture gaps are left out, not zero-filled.
 *     For CLOSE the whole payload, status code bytes included. The analysis may replace a TEXT
 *     message's content by a redacted copy (configured JSON fields), whose length then differs from
 *     what was sent; the lengths below stay those of the wire
 * @param payloadLength the full logical length: the sum of the frames' payload lengths, or for a
 *     compressed message the inflated length (up to {@link WebSocketConfig#maxInflatedBytes()}; for
 *     a compressed message that could not be inflated, its compressed length)
 * @param truncated {@code content} is not all of the payload that was captured: capped, or cut by
 *     the decompression limit, or not inflatable
 * @param closeCode CLOSE only: the status code, null when the payload has none
 * @param closeReason CLOSE only: the reason after the status code (U+FFFD for malformed UTF-8),
 *     null when there are no reason bytes
 * @param compressed RSV1 was set on the first frame under permessage-deflate
 * @param fragments frames in the message (1 for control frames)
 * @param timestampNanos capture time of the data that completed the message; for a message read
 *     from bytes held while the decoder searched for frame boundaries, the capture time of the data
 *     that ended the search
 * @param missingBytes payload bytes lost in capture gaps (0 normally)
 * @param resynchronized this is the first message to start after the decoder found frame boundaries
 *     by searching, after framing was lost (a gap over a frame header) or at the start of a
 *     mid-stream decoder: what came before it in the direction is unknown, and in rare cases (see
 *     {@link WebSocketAnomalies#RESYNCHRONIZED}) it is made of bytes that only looked like a frame
 */
public record WsMessage(
    WsOpcode opcode,
    byte[] content,
    long payloadLength,
    boolean truncated,
    Integer closeCode,
    String closeReason,
    boolean compressed,
    int fragments,
    long timestampNanos,
    long missingBytes,
    boolean resynchronized) {

  private static final int TO_STRING_CONTENT_BYTES = 32;

  public WsMessage {
    Objects.requireNonNull(opcode, "opcode");
    Objects.requireNonNull(content, "content");
  }

  /** The content decoded as UTF-8, malformed sequences replaced by U+FFFD; meant for TEXT. */
  public String text() {
    return new String(content, StandardCharsets.UTF_8);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WsMessage m
        && opcode == m.opcode
        && Arrays.equals(content, m.content)
        && payloadLength == m.payloadLength
        && truncated == m.truncated
        && Objects.equals(closeCode, m.closeCode)
        && Objects.equals(closeReason, m.closeReason)
        && compressed == m.compressed
        && fragments == m.fragments
        && timestampNanos == m.timestampNanos
        && missingBytes == m.missingBytes
        && resynchronized == m.resynchronized;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
                opcode,
                payloadLength,
                truncated,
                closeCode,
                closeReason,
                compressed,
                fragments,
                timestampNanos,
                missingBytes,
                resynchronized)
            * 31
        + Arrays.hashCode(content);
  }

  @Override
  public String toString() {
    int shown = Math.min(content.length, TO_STRING_CONTENT_BYTES);
    return "WsMessage[opcode="
        + opcode
        + ", content="
        + content.length
        + " bytes "
        + HexFormat.of().formatHex(content, 0, shown)
        + (shown < content.length ? "..." : "")
        + ", payloadLength="
        + payloadLength
        + ", truncated="
        + truncated
        + ", closeCode="
        + closeCode
        + ", closeReason="
        + closeReason
        + ", compressed="
        + compressed
        + ", fragments="
        + fragments
        + ", timestampNanos="
        + timestampNanos
        + ", missingBytes="
        + missingBytes
        + ", resynchronized="
        + resynchronized
        + "]";
  }
}
