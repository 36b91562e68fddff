package io.tapflow.processor.websocket;

import java.util.Objects;

/**
 * Tells whether the first bytes of both directions of a TCP connection whose handshake was not
 * captured look like WebSocket frames.
 *
 * <p>For a capture that starts after the HTTP Upgrade: nothing says which protocol the bytes carry,
 * on any port. WebSocket shows itself in its framing. In each direction the detector looks, from
 * the first byte on, for a plausible frame header confirmed by the plausible headers that follow
 * it, exactly as a {@link WebSocketDecoder#midStream} decoder searches for its first frame (so
 * where the detector finds frames, the decoder starts at the same byte). The client's frames must
 * be masked and the server's not (RFC 6455 §5.1); if the masked frames are in the direction taken
 * for the server's, the roles are the other way round.
 *
 * <p>One direction with frames is enough when the other has no bytes yet or is still undecided; a
 * direction with bytes in which no frame starts rules WebSocket out. A direction is given up on
 * only after {@link #maxInspectedBytes()} bytes (or its end) without a frame, so callers that want
 * an answer sooner can take {@link Verdict#UNDECIDED} for no at a limit of their own.
 *
 * <p>Stateless: the caller keeps each direction's first bytes (up to {@link #maxInspectedBytes()})
 * and asks again as more arrive.
 */
public final class WebSocketDetector {

  /** What the bytes look like. */
  public enum Verdict {
    /** Frames in at least one direction and nothing against them in the other. */
    WEBSOCKET,
    /** A direction with bytes in which no frame starts. */
    NOT_WEBSOCKET,
    /** Not enough bytes yet to tell. */
    UNDECIDED
  }

  /**
   * The detector's answer.
   *
   * @param verdict what the bytes look like
   * @param rolesSwapped for {@link Verdict#WEBSOCKET}: the masked frames are in the bytes given as
   *     the server's, so the other side is the WebSocket client
   */
  public record Detection(Verdict verdict, boolean rolesSwapped) {

    public Detection {
      Objects.requireNonNull(verdict, "verdict");
    }
  }

  private static final Detection UNDECIDED = new Detection(Verdict.UNDECIDED, false);
  private static final Detection NOT_WEBSOCKET = new Detection(Verdict.NOT_WEBSOCKET, false);

  /** What one direction's bytes say. */
  private enum Evidence {
    /** No bytes. */
    EMPTY,
    /** A confirmed frame. */
    FRAMES,
    /** No frame starts at any offset inspected, and there are no more to inspect. */
    NONE,
    /** No frame found yet. */
    UNDECIDED
  }

  private final int maxInspectedBytes;

  /**
   * @param config its {@link WebSocketConfig#maxResyncBytes()} is how far each direction is
   *     inspected: as many bytes as a mid-stream decoder with that configuration holds while it
   *     searches
   */
  public WebSocketDetector(WebSocketConfig config) {
    this.maxInspectedBytes = Math.max(1, config.maxResyncBytes());
  }

  /** Bytes of each direction worth keeping for {@link #detect}: more are never looked at. */
  public int maxInspectedBytes() {
    return maxInspectedBytes;
  }

  /**
   * Looks at the first bytes of both directions.
   *
   * @param clientBytes the first bytes of the direction taken for the client's (the connection's
   *     initiator, or the higher port), from offset 0
   * @param clientLength how many of them there are
   * @param clientEnded whether that direction ended (FIN, RST) after them
   * @param serverBytes likewise for the other direction
   */
  public Detection detect(
      byte[] clientBytes,
      int clientLength,
      boolean clientEnded,
      byte[] serverBytes,
      int serverLength,
      boolean serverEnded) {
    Objects.checkFromIndexSize(0, clientLength, clientBytes.length);
    Objects.checkFromIndexSize(0, serverLength, serverBytes.length);
    Verdict asGiven =
        verdict(
            evidence(clientBytes, clientLength, clientEnded, true),
            evidence(serverBytes, serverLength, serverEnded, false));
    if (asGiven == Verdict.WEBSOCKET) {
      return new Detection(Verdict.WEBSOCKET, false);
    }
    Verdict swapped =
        verdict(
            evidence(clientBytes, clientLength, clientEnded, false),
            evidence(serverBytes, serverLength, serverEnded, true));
    if (swapped == Verdict.WEBSOCKET) {
      return new Detection(Verdict.WEBSOCKET, true);
    }
    return asGiven == Verdict.NOT_WEBSOCKET && swapped == Verdict.NOT_WEBSOCKET
        ? NOT_WEBSOCKET
        : UNDECIDED;
  }

  private static Verdict verdict(Evidence masked, Evidence unmasked) {
    if (masked == Evidence.NONE || unmasked == Evidence.NONE) {
      return Verdict.NOT_WEBSOCKET;
    }
    if (masked == Evidence.FRAMES || unmasked == Evidence.FRAMES) {
      return Verdict.WEBSOCKET;
    }
    return Verdict.UNDECIDED;
  }

  /**
   * Searches one direction with the test a mid-stream decoder applies: offsets in order, the first
   * that is not ruled out decides.
   */
  private Evidence evidence(byte[] bytes, int length, boolean ended, boolean sentByClient) {
    if (length == 0) {
      return Evidence.EMPTY;
    }
    int inspected = Math.min(length, maxInspectedBytes);
    FrameSearch.Horizon horizon =
        ended && inspected == length
            ? FrameSearch.Horizon.DATA_ENDS
            : inspected == maxInspectedBytes
                ? FrameSearch.Horizon.WINDOW_FULL
                : FrameSearch.Horizon.OPEN;
    FrameSearch search = new FrameSearch(sentByClient, true);
    for (int from = 0; from < inspected; from++) {
      switch (search.judge(bytes, from, inspected, horizon)) {
        case FRAME -> {
          return Evidence.FRAMES;
        }
        case NEED_MORE -> {
          return Evidence.UNDECIDED;
        }
        case NOT_A_FRAME -> {}
      }
    }
    return horizon == FrameSearch.Horizon.OPEN ? Evidence.UNDECIDED : Evidence.NONE;
  }
}
