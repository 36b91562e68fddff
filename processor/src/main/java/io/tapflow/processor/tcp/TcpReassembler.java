package io.tapflow.processor.tcp;

import io.tapflow.processor.snapshot.SnapshotBytes;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reassembles one direction of a TCP connection into an in-order byte stream.
 *
 * <p>Sequence numbers are mapped to 64-bit stream offsets relative to the first byte after the SYN
 * (or the first byte seen, when the capture starts mid-stream), so the 2^32 wrap-around is handled
 * once, in {@link #toOffset(long)}. Every byte is delivered once.
 *
 * <p><b>Which copy wins.</b> Where a segment overlaps bytes already received, the first copy
 * received wins, as in Zeek's reassembler: bytes already delivered are never delivered again, and
 * an out-of-order segment only fills the parts of its range that no buffered segment covers. Where
 * the two copies differ, {@code tcp_overlap_conflict} is reported. Delivered bytes are kept until
 * the peer acknowledges them (at most {@link Limits#maxRetainedBytes}), so retransmissions of
 * unacknowledged data are checked too; an idle connection whose data is acknowledged keeps none.
 *
 * <p><b>Holes.</b> Segments ahead of the next expected byte are buffered up to {@link Limits}; when
 * the buffer would overflow, the hole before the earliest buffered segment is given up and reported
 * as a gap. A hole is also given up when the peer has acknowledged bytes beyond it (it received
 * what the capture missed) and no segment has filled it for {@link Limits#holeGraceNanos} of
 * capture time, which allows for segments captured slightly after their acknowledgement.
 */
public final class TcpReassembler {
  private static final long MOD32 = 1L << 32;
  private static final byte SNAPSHOT_VERSION = 2;

  /** The segment overlapped bytes already received (a retransmission). */
  public static final int RETRANSMITTED = 1;

  /** The segment arrived ahead of the next expected byte and was buffered. */
  public static final int OUT_OF_ORDER = 2;

  /**
   * Bounds of one direction.
   *
   * @param maxBufferedBytes out-of-order bytes buffered before the earliest hole is given up
   * @param maxBufferedSegments out-of-order segments buffered before the earliest hole is given up
   * @param maxRetainedBytes delivered, unacknowledged bytes kept to check retransmissions
   * @param holeGraceNanos how long an acknowledged hole may stay unfilled (capture time)
   */
  public record Limits(
      int maxBufferedBytes, int maxBufferedSegments, int maxRetainedBytes, long holeGraceNanos) {
    public static final Limits DEFAULT = new Limits(1 << 20, 4096, 64 * 1024, 200_000_000L);
  }

  /** A buffered piece of the stream; {@code data} is null for bytes known to be missing. */
  private record Pending(byte[] data, int length, long timestampNanos) {}

  private final Limits limits;
  private StreamListener listener;

  private boolean started;
  private long isn; // sequence number of stream offset 0
  private long next; // stream offset of the next byte to deliver
  private long finOffset = -1;
  private boolean ended;
  private final TreeMap<Long, Pending> pending = new TreeMap<>();
  private long bufferedBytes;
  private byte[] retained = new byte[0]; // delivered bytes [next - retainedLength, next)
  private int retainedLength;
  private long holeSince = -1;
  private long holeAck;
  private long now = Long.MIN_VALUE; // newest capture time this direction has seen

  private long deliveredBytes;
  private long gapBytes;
  private long gaps;
  private long retransmittedSegments;
  private long outOfOrderSegments;
  private long truncatedBytes;
  private long overlapConflicts;

  public TcpReassembler(Limits limits, StreamListener listener) {
    this.limits = limits;
    this.listener = listener;
  }

  public void setListener(StreamListener listener) {
    this.listener = listener;
  }

  /**
   * Takes one segment of this direction and returns what it was: a combination of {@link
   * #RETRANSMITTED} and {@link #OUT_OF_ORDER}, or 0 for the next bytes in order.
   *
   * @param seq the segment's sequence number
   * @param syn whether SYN is set (the payload then starts at seq + 1)
   * @param fin whether FIN is set (the stream ends after the payload)
   * @param missing payload bytes that were on the wire after the captured ones but cut by the
   *     capture's snaplen: delivered as a gap in their place
   */
  public int onSegment(
      long seq,
      boolean syn,
      boolean fin,
      byte[] payload,
      int off,
      int len,
      int missing,
      long timestampNanos) {
    if (ended) {
      return len + missing > 0 ? RETRANSMITTED : 0;
    }
    now = Math.max(now, timestampNanos);
    long dataSeq = syn ? (seq + 1) % MOD32 : seq;
    if (!started) {
      started = true;
      isn = dataSeq;
    }
    long offset = toOffset(dataSeq);
    if (fin && finOffset < 0) {
      finOffset = offset + len + missing;
    }
    int kind = 0;
    if (len > 0) {
      kind |= insert(offset, payload, off, len, timestampNanos);
    }
    if (missing > 0) {
      kind |= insert(offset + len, null, 0, missing, timestampNanos);
    }
    if ((kind & RETRANSMITTED) != 0) {
      retransmittedSegments++;
    }
    if ((kind & OUT_OF_ORDER) != 0) {
      outOfOrderSegments++;
    }
    maybeEnd(timestampNanos);
    return kind;
  }

  /**
   * Takes the peer's acknowledgment number: acknowledged bytes need not be kept any more, and
   * acknowledged bytes never captured make a hole that {@link #checkHoles} gives up after the grace
   * time.
   */
  public void onPeerAck(long ack, long timestampNanos) {
    if (!started || ended) {
      return;
    }
    now = Math.max(now, timestampNanos);
    long acked = toOffset(ack);
    if (finOffset >= 0) {
      acked = Math.min(acked, finOffset); // the FIN takes a sequence number of its own
    }
    long release = Math.min(acked, next) - (next - retainedLength);
    if (release > 0) {
      System.arraycopy(retained, (int) release, retained, 0, retainedLength - (int) release);
      retainedLength -= (int) release;
    }
    if (acked > next && acked - next < (1L << 30)) {
      if (holeSince < 0) {
        holeSince = now;
        holeAck = acked;
      } else {
        holeAck = Math.max(holeAck, acked);
      }
    }
  }

  /** Gives up an acknowledged hole that stayed unfilled for the grace time. */
  public void checkHoles(long nowNanos) {
    if (holeSince < 0 || ended || nowNanos - holeSince < limits.holeGraceNanos()) {
      return;
    }
    long target = holeAck;
    holeSince = -1;
    while (next < target) {
      if (!pending.isEmpty() && pending.firstKey() <= next) {
        drain();
      } else {
        long stop = pending.isEmpty() ? target : Math.min(target, pending.firstKey());
        gap(stop - next, nowNanos);
      }
    }
    drain();
    maybeEnd(nowNanos);
  }

  /** Ends the stream now: buffered data after holes is delivered with gaps, then the end. */
  public void end(long timestampNanos) {
    if (ended) {
      return;
    }
    while (!pending.isEmpty()) {
      long first = pending.firstKey();
      if (first > next) {
        gap(first - next, timestampNanos);
      }
      drain();
    }
    if (finOffset > next) {
      gap(finOffset - next, timestampNanos);
    }
    ended = true;
    holeSince = -1;
    listener.onEnd(timestampNanos);
  }

  /** Maps a 32-bit sequence number to the stream offset nearest to the next expected byte. */
  long toOffset(long seq) {
    long expected = (isn + next) % MOD32;
    int delta = (int) (seq - expected);
    return next + delta;
  }

  /** Inserts a piece of the stream; {@code payload} null means the bytes are known missing. */
  private int insert(long offset, byte[] payload, int off, int len, long ts) {
    int kind = 0;
    long end = offset + len;
    if (offset < next) {
      kind |= RETRANSMITTED;
      int old = (int) (Math.min(end, next) - offset);
      checkRetained(offset, payload, off, old, ts);
      if (end <= next) {
        return kind;
      }
      off += old;
      len -= old;
      offset = next;
    }
    if (offset == next) {
      deliver(payload, off, len, ts);
      drain();
      return kind;
    }
    kind |= OUT_OF_ORDER;
    long pos = offset;
    while (pos < end) {
      Map.Entry<Long, Pending> covering = pending.floorEntry(pos);
      if (covering != null && covering.getKey() + covering.getValue().length > pos) {
        long coveredEnd = Math.min(end, covering.getKey() + covering.getValue().length);
        Pending p = covering.getValue();
        compare(
            payload,
            off + (int) (pos - offset),
            p.data,
            (int) (pos - covering.getKey()),
            (int) (coveredEnd - pos),
            pos,
            ts);
        kind |= RETRANSMITTED;
        pos = coveredEnd;
      } else {
        Long nextKey = pending.higherKey(pos);
        long freeEnd = nextKey == null ? end : Math.min(end, nextKey);
        int n = (int) (freeEnd - pos);
        byte[] copy = null;
        if (payload != null) {
          copy = new byte[n];
          System.arraycopy(payload, off + (int) (pos - offset), copy, 0, n);
        }
        pending.put(pos, new Pending(copy, n, ts));
        bufferedBytes += n;
        pos = freeEnd;
      }
    }
    while (!pending.isEmpty()
        && (bufferedBytes > limits.maxBufferedBytes()
            || pending.size() > limits.maxBufferedSegments())) {
      gap(pending.firstKey() - next, ts);
      drain();
    }
    return kind;
  }

  /** Compares a retransmission with the delivered bytes still kept. */
  private void checkRetained(long offset, byte[] payload, int off, int len, long ts) {
    long retainedStart = next - retainedLength;
    long from = Math.max(offset, retainedStart);
    long to = Math.min(offset + len, next);
    if (payload == null || from >= to) {
      return;
    }
    compare(
        payload,
        off + (int) (from - offset),
        retained,
        (int) (from - retainedStart),
        (int) (to - from),
        from,
        ts);
  }

  private void compare(byte[] a, int aOff, byte[] b, int bOff, int len, long offset, long ts) {
    if (a == null || b == null) {
      return;
    }
    for (int i = 0; i < len; i++) {
      if (a[aOff + i] != b[bOff + i]) {
        overlapConflicts++;
        listener.onAnomaly(
            "tcp_overlap_conflict", "offset=" + (offset + i) + " length=" + (len - i), ts);
        return;
      }
    }
  }

  /** Delivers buffered segments that have become contiguous with the stream. */
  private void drain() {
    while (!pending.isEmpty() && pending.firstKey() <= next) {
      Map.Entry<Long, Pending> e = pending.pollFirstEntry();
      Pending p = e.getValue();
      bufferedBytes -= p.length;
      long end = e.getKey() + p.length;
      if (end > next) {
        int skip = (int) (next - e.getKey());
        deliver(p.data, skip, p.length - skip, p.timestampNanos);
      }
    }
  }

  private void deliver(byte[] buf, int off, int len, long ts) {
    if (buf == null) {
      // Counted as they become a gap: cut bytes of a copy already received were not missed.
      truncatedBytes += len;
      gap(len, ts);
      return;
    }
    retain(buf, off, len);
    next += len;
    deliveredBytes += len;
    progress();
    listener.onData(buf, off, len, ts);
  }

  private void retain(byte[] buf, int off, int len) {
    int max = limits.maxRetainedBytes();
    if (len >= max) {
      retained = ensure(retained, max);
      System.arraycopy(buf, off + len - max, retained, 0, max);
      retainedLength = max;
      return;
    }
    int keep = Math.min(retainedLength, max - len);
    if (keep < retainedLength) {
      System.arraycopy(retained, retainedLength - keep, retained, 0, keep);
    }
    retained = ensure(retained, keep + len);
    System.arraycopy(buf, off, retained, keep, len);
    retainedLength = keep + len;
  }

  private static byte[] ensure(byte[] b, int size) {
    if (b.length >= size) {
      return b;
    }
    byte[] bigger = new byte[Math.max(size, Math.min(2 * b.length, 1 << 20))];
    System.arraycopy(b, 0, bigger, 0, b.length);
    return bigger;
  }

  private void gap(long length, long ts) {
    if (length <= 0) {
      return;
    }
    next += length;
    gapBytes += length;
    gaps++;
    retainedLength = 0;
    progress();
    listener.onGap(length, ts);
  }

  /**
   * The stream moved on: an acknowledged hole that is now filled is forgotten, one that is only
   * partly filled gets its grace time again from now (the grace counts from the last progress).
   */
  private void progress() {
    if (holeSince >= 0) {
      holeSince = next >= holeAck ? -1 : Math.max(holeSince, now);
    }
  }

  private void maybeEnd(long ts) {
    if (finOffset >= 0 && next >= finOffset && !ended) {
      ended = true;
      holeSince = -1;
      listener.onEnd(ts);
    }
  }

  public boolean ended() {
    return ended;
  }

  public boolean finSeen() {
    return finOffset >= 0;
  }

  /** Bytes delivered in order, each counted once. */
  public long deliveredBytes() {
    return deliveredBytes;
  }

  /**
   * Bytes of the stream whose segments were captured, each counted once: those delivered and those
   * the segments announced but did not carry (cut by the snaplen, or withheld by the sensor's
   * payload mode: {@link #truncatedBytes()}). Holes no segment covered are not counted.
   */
  public long streamBytes() {
    return deliveredBytes + truncatedBytes;
  }

  /** Bytes reported as gaps (never captured), including bytes cut by the snaplen. */
  public long gapBytes() {
    return gapBytes;
  }

  /** Gap events (holes given up). */
  public long gaps() {
    return gaps;
  }

  public long retransmittedSegments() {
    return retransmittedSegments;
  }

  public long outOfOrderSegments() {
    return outOfOrderSegments;
  }

  /**
   * Bytes on the wire that their captured segment did not carry (cut by the capture's snaplen, or
   * withheld by the sensor's payload mode), counted as they became gaps (so part of {@link
   * #gapBytes()}).
   */
  public long truncatedBytes() {
    return truncatedBytes;
  }

  public long overlapConflicts() {
    return overlapConflicts;
  }

  /** Out-of-order bytes buffered now. */
  public long bufferedBytes() {
    return bufferedBytes;
  }

  /** Delivered, unacknowledged bytes kept now. */
  public int retainedBytes() {
    return retainedLength;
  }

  /** Writes the whole reassembly state. */
  public void writeSnapshot(DataOutput out) throws IOException {
    out.writeByte(SNAPSHOT_VERSION);
    out.writeBoolean(started);
    out.writeLong(isn);
    out.writeLong(next);
    out.writeLong(finOffset);
    out.writeBoolean(ended);
    out.writeLong(holeSince);
    out.writeLong(holeAck);
    out.writeLong(now);
    out.writeLong(deliveredBytes);
    out.writeLong(gapBytes);
    out.writeLong(gaps);
    out.writeLong(retransmittedSegments);
    out.writeLong(outOfOrderSegments);
    out.writeLong(truncatedBytes);
    out.writeLong(overlapConflicts);
    out.writeInt(retainedLength);
    out.write(retained, 0, retainedLength);
    out.writeInt(pending.size());
    for (Map.Entry<Long, Pending> e : pending.entrySet()) {
      Pending p = e.getValue();
      out.writeLong(e.getKey());
      out.writeLong(p.timestampNanos);
      out.writeBoolean(p.data != null);
      out.writeInt(p.length);
      if (p.data != null) {
        out.write(p.data);
      }
    }
  }

  /** Restores a reassembler written by {@link #writeSnapshot}. */
  public static TcpReassembler readSnapshot(DataInput in, Limits limits, StreamListener listener)
      throws IOException {
    byte version = in.readByte();
    if (version != SNAPSHOT_VERSION) {
      throw new IOException("unknown reassembler snapshot version " + version);
    }
    TcpReassembler r = new TcpReassembler(limits, listener);
    r.started = in.readBoolean();
    r.isn = in.readLong();
    r.next = in.readLong();
    r.finOffset = in.readLong();
    r.ended = in.readBoolean();
    r.holeSince = in.readLong();
    r.holeAck = in.readLong();
    r.now = in.readLong();
    r.deliveredBytes = in.readLong();
    r.gapBytes = in.readLong();
    r.gaps = in.readLong();
    r.retransmittedSegments = in.readLong();
    r.outOfOrderSegments = in.readLong();
    r.truncatedBytes = in.readLong();
    r.overlapConflicts = in.readLong();
    r.retainedLength = in.readInt();
    r.retained = SnapshotBytes.read(in, r.retainedLength);
    int n = in.readInt();
    for (int i = 0; i < n; i++) {
      long offset = in.readLong();
      long ts = in.readLong();
      boolean hasData = in.readBoolean();
      int length = in.readInt();
      byte[] data = null;
      if (hasData) {
        data = SnapshotBytes.read(in, length);
      }
      r.pending.put(offset, new Pending(data, length, ts));
      r.bufferedBytes += length;
    }
    return r;
  }
}
