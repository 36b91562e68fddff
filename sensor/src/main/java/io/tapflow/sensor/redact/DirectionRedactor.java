package io.tapflow.sensor.redact;

/**
 * Follows one direction of one TCP connection from its SYN, in sequence order: its HTTP head, then
 * its WebSocket frames, redacting their text messages in place ({@link FrameRedactor}); or, once it
 * cannot be followed, why not.
 *
 * <p>State: the next sequence number expected, a phase, and the head parser or the frame redactor
 * of the phase. The two directions of a connection learn of each other's handshake through {@link
 * PayloadRedactor}, which owns them.
 */
final class DirectionRedactor {
  enum Phase {
    /** Reading the HTTP request (client) or response (server) head. */
    HEAD,
    /** The client's Upgrade request is read; the server's 101 is not seen yet. */
    AWAIT_UPGRADE,
    /** Reading WebSocket frames. */
    FRAMES,
    /** Not followed any more: {@link #lostReason()} says why. */
    LOST
  }

  private final boolean client;
  private final long initialSequence;
  private long next; // the sequence number of the next byte expected, 32 bits unsigned
  private Phase phase = Phase.HEAD;
  private WithheldReason lostReason;
  private HttpHeadParser head;
  private FrameRedactor frames;
  private boolean upgraded; // server: its head was a 101 with Upgrade: websocket
  private boolean deflate;
  private boolean finished;
  // The frame state before the last segment followed in the FRAMES phase from its first byte, with
  // that segment's sequence number and length (-1: none), to redact a repeat of it again.
  private FrameRedactor saved;
  private long savedSeq = -1;
  private int savedLength = -1;

  /**
   * What every direction of one {@link PayloadRedactor} shares: the configured names, the counts of
   * the segment being followed, and scratch state for repeats (whose counts are discarded).
   */
  record Context(RedactedFields fields, int[] counts, int[] discarded, FrameRedactor scratch) {
    static Context of(RedactedFields fields, int[] counts) {
      int[] discarded = new int[counts.length];
      return new Context(
          fields, counts, discarded, new FrameRedactor(false, new JsonRedactor(fields, discarded)));
    }
  }

  /**
   * A direction whose SYN carried {@code initialSequence}; {@code client} when it is the side that
   * sent the first SYN (without ACK).
   */
  DirectionRedactor(boolean client, long initialSequence) {
    this.client = client;
    this.initialSequence = initialSequence;
    this.next = (initialSequence + 1) & 0xFFFF_FFFFL;
    this.head = new HttpHeadParser(client);
  }

  boolean client() {
    return client;
  }

  long initialSequence() {
    return initialSequence;
  }

  long next() {
    return next;
  }

  Phase phase() {
    return phase;
  }

  WithheldReason lostReason() {
    return lostReason;
  }

  boolean finished() {
    return finished;
  }

  void finish() {
    finished = true;
  }

  /**
   * Follows the segment whose payload is {@code bytes[from, from + length)} starting at sequence
   * number {@code seq}, rewriting redacted bytes in place; {@code truncated} when the capture cut
   * it short. Returns why it must be withheld, or null.
   */
  WithheldReason redact(
      long seq,
      byte[] bytes,
      int from,
      int length,
      boolean truncated,
      DirectionRedactor peer,
      Context context) {
    if (phase == Phase.LOST) {
      return lostReason;
    }
    int offset = (int) (seq - next); // signed distance, modulo 2^32
    if (offset > 0) {
      return lose(WithheldReason.GAP);
    }
    WithheldReason reason = null;
    int skip = 0;
    if (offset < 0) {
      if (seq == savedSeq && length <= savedLength) {
        return again(bytes, from, length, context);
      }
      if (-(long) offset >= length) {
        return WithheldReason.RETRANSMISSION;
      }
      skip = -offset; // the new bytes after the retransmitted ones are still followed
      reason = WithheldReason.RETRANSMISSION;
    }
    savedLength = -1;
    if (skip == 0 && phase == Phase.FRAMES) {
      if (saved == null) {
        saved = new FrameRedactor(false, new JsonRedactor(context.fields(), context.discarded()));
      }
      saved.copyFrom(frames);
      savedSeq = seq;
      savedLength = length;
    }
    WithheldReason followed =
        follow(bytes, from + skip, from + length, peer, context.fields(), context.counts());
    next = (next + length - skip) & 0xFFFF_FFFFL;
    if (truncated && phase != Phase.LOST) {
      lose(WithheldReason.GAP); // the bytes after the captured ones were not seen
    }
    return reason != null ? reason : followed;
  }

  /**
   * Redacts a repeat of this direction's last segment (a retransmission of it, or the same packet
   * captured twice) from the state saved before that segment, into {@code bytes} only: this
   * direction's state stays where the segment left it. Its values are not counted again.
   */
  private WithheldReason again(byte[] bytes, int from, int length, Context context) {
    FrameRedactor scratch = context.scratch();
    scratch.copyFrom(saved);
    WithheldReason reason = scratch.redact(bytes, from, from + length);
    return reason == null ? null : scratch.broken() ? WithheldReason.RETRANSMISSION : reason;
  }

  private WithheldReason follow(
      byte[] bytes, int from, int to, DirectionRedactor peer, RedactedFields fields, int[] counts) {
    int i = from;
    while (i < to) {
      switch (phase) {
        case HEAD -> {
          HttpHeadParser.Step step = head.next(bytes[i++] & 0xFF);
          if (step == HttpHeadParser.Step.FAILED) {
            return lose(WithheldReason.BAD_HEAD);
          }
          if (step == HttpHeadParser.Step.DONE) {
            headDone(peer, fields, counts);
          }
        }
        case AWAIT_UPGRADE -> {
          return lose(WithheldReason.NOT_WEBSOCKET); // RFC 6455 §4.1: the client MUST wait
        }
        case FRAMES -> {
          WithheldReason reason = frames.redact(bytes, i, to);
          if (frames.broken()) {
            return lose(WithheldReason.BAD_FRAME);
          }
          return reason;
        }
        case LOST -> {
          return lostReason;
        }
      }
    }
    return null; // every byte was a head's (one that lost the direction only at its end passes)
  }

  private void headDone(DirectionRedactor peer, RedactedFields fields, int[] counts) {
    HttpHeadParser h = head;
    head = null;
    if (client) {
      if (!h.upgradeWebSocket()) {
        lose(WithheldReason.NOT_WEBSOCKET);
      } else if (peer != null && peer.upgraded) {
        startFrames(peer.deflate, fields, counts);
      } else {
        phase = Phase.AWAIT_UPGRADE;
      }
      return;
    }
    if (h.status() != 101 || !h.upgradeWebSocket()) {
      lose(WithheldReason.NOT_WEBSOCKET);
      if (peer != null && peer.phase != Phase.LOST) {
        peer.lose(WithheldReason.NOT_WEBSOCKET);
      }
      return;
    }
    if (h.otherExtension()) {
      lose(WithheldReason.UNKNOWN_EXTENSION);
      if (peer != null && peer.phase != Phase.LOST) {
        peer.lose(WithheldReason.UNKNOWN_EXTENSION);
      }
      return;
    }
    upgraded = true;
    deflate = h.deflate();
    startFrames(deflate, fields, counts);
    if (peer != null && peer.phase == Phase.AWAIT_UPGRADE) {
      peer.startFrames(deflate, fields, counts);
    }
  }

  private void startFrames(boolean deflate, RedactedFields fields, int[] counts) {
    this.deflate = deflate;
    frames = new FrameRedactor(deflate, new JsonRedactor(fields, counts));
    phase = Phase.FRAMES;
  }

  /** Stops following this direction; returns the reason. */
  WithheldReason lose(WithheldReason reason) {
    phase = Phase.LOST;
    lostReason = reason;
    head = null;
    frames = null;
    return reason;
  }
}
