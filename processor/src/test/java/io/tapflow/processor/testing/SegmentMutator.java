package io.tapflow.processor.testing;

import io.tapflow.processor.tcp.Segment;
import io.tapflow.schemas.TcpFlags;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Does to a connection's segments what networks and capture points do: re-splits payloads at random
 * offsets, captures packets twice, retransmits parts of segments (overlapping their neighbours),
 * and reorders packets captured close together. Deterministic for a seed. Every copy of a byte
 * keeps the timestamp of the packet it first came in, so decoding must give identical messages.
 */
public final class SegmentMutator {
  private static final long MOD32 = 1L << 32;

  private final Random random;
  private final long reorderSpanNanos;

  /**
   * @param reorderSpanNanos only packets captured within this span of each other are reordered
   */
  public SegmentMutator(long seed, long reorderSpanNanos) {
    this.random = new Random(seed);
    this.reorderSpanNanos = reorderSpanNanos;
  }

  /** The mutated segments; the first {@code keep} segments stay first and in order. */
  public List<Segment> mutate(List<Segment> original, int keep) {
    List<Segment> out = new ArrayList<>(original.subList(0, Math.min(keep, original.size())));
    List<Segment> rest = new ArrayList<>();
    for (Segment s : original.subList(Math.min(keep, original.size()), original.size())) {
      for (Segment piece : split(s)) {
        rest.add(piece);
        if (random.nextInt(10) == 0) {
          rest.add(piece); // captured twice
        }
        if (piece.payload().length > 2 && random.nextInt(8) == 0) {
          rest.add(retransmitPart(piece));
        }
      }
    }
    reorder(rest);
    out.addAll(rest);
    return out;
  }

  private List<Segment> split(Segment s) {
    int len = s.payload().length;
    if (len < 2 || s.syn() || s.payloadWireLength() != len || random.nextBoolean()) {
      return List.of(s);
    }
    int pieces = 2 + random.nextInt(Math.min(4, len - 1));
    int[] cuts = random.ints(pieces - 1, 1, len).sorted().distinct().toArray();
    List<Segment> out = new ArrayList<>();
    int from = 0;
    for (int i = 0; i <= cuts.length; i++) {
      int to = i < cuts.length ? cuts[i] : len;
      boolean last = to == len;
      int flags = last ? s.flags() : s.flags() & ~(TcpFlags.FIN | TcpFlags.RST);
      out.add(piece(s, from, to, flags));
      from = to;
    }
    return out;
  }

  private Segment retransmitPart(Segment s) {
    int len = s.payload().length;
    int from = random.nextInt(len - 1);
    int to = from + 1 + random.nextInt(len - from - 1);
    return piece(s, from, to, s.flags() & ~(TcpFlags.FIN | TcpFlags.RST));
  }

  private static Segment piece(Segment s, int from, int to, int flags) {
    byte[] p = Arrays.copyOfRange(s.payload(), from, to);
    return new Segment(
        s.srcAddr(),
        s.srcPort(),
        s.dstAddr(),
        s.dstPort(),
        (s.seq() + from) % MOD32,
        s.ack(),
        flags,
        s.window(),
        p,
        p.length,
        s.timestampNanos());
  }

  /** Shuffles runs of packets captured within the reorder span of the run's first packet. */
  private void reorder(List<Segment> segments) {
    int i = 0;
    while (i < segments.size()) {
      int j = i + 1;
      while (j < segments.size()
          && j - i < 6
          && !segments.get(j).rst()
          && !segments.get(j - 1).rst()
          && segments.get(j).timestampNanos() - segments.get(i).timestampNanos()
              <= reorderSpanNanos) {
        j++;
      }
      java.util.Collections.shuffle(segments.subList(i, j), random);
      i = j;
    }
  }
}
