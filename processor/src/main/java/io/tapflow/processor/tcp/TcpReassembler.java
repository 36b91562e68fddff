package io.tapflow.processor.tcp;

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
 * once, in {@link #toOffset(long)}. Every byte is delivered once: retransmitted bytes are trimmed
 * against what was already delivered, and where a segment overlaps data already buffered the first
 * copy received wins. Segments that arrive ahead of the next expected byte are buffered up to
 * {@link Limits}; when the buffer would overflow, the hole before the earliest buffered segment is
 * given up and reported as a gap.
 */
public final class TcpReassembler {
  private static final long MOD32 = 1L << 32;
  private static final byte SNAPSHOT_VERSION = 1;

  /** Bounds of the out-of-order buffer of one direction. */
  public record Limits(int maxBufferedBytes, int maxBufferedSegments) {
    public static final Limits DEFAULT = new Limits(1 << 20, 4096);
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

  private long deliveredBytes;
  private long gapBytes;
  private long retransmittedSegments;
  private long outOfOrderSegments;
  private long truncatedBytes;

  public TcpReassembler(Limits limits, StreamListener listener) {
    this.limits = limits;
    this.listener = listener;
  }

  public void setListener(StreamListener listener) {
    this.listener = listener;
  }

  /**
   * Takes one segment of this direction.
   *
   * @param seq the segment's sequence number
   * @param syn whether SYN is set (the payload then starts at seq + 1)
   * @param fin whether FIN is set (the stream ends after the payload)
   * @param missing payload bytes that were on the wire after the captured ones but cut by the
   *     capture's snaplen: delivered as a gap in their place
   */
  public void onSegment(
      long seq,
      boolean syn,
      boolean fin,
      byte[] payload,
      int off,
      int len,
      int missing,
      long timestampNanos) {
    if (ended) {
      if (len > 0) {
        retransmittedSegments++;
      }
      return;
    }
    long dataSeq = syn ? (seq + 1) % MOD32 : seq;
    if (!started) {
      started = true;
      isn = dataSeq;
    }
    long offset = toOffset(dataSeq);
    if (fin && finOffset < 0) {
      finOffset = offset + len + missing;
    }
    if (len > 0) {
      insert(offset, payload, off, len, timestampNanos);
    }
    if (missing > 0) {
      truncatedBytes += missing;
      insert(offset + len, null, 0, missing, timestampNanos);
    }
    maybeEnd(timestampNanos);
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
    ended = true;
    listener.onEnd(timestampNanos);
  }

  /** Maps a 32-bit sequence number to the stream offset nearest to the next expected byte. */
  long toOffset(long seq) {
    long expected = (isn + next) % MOD32;
    int delta = (int) (seq - expected);
    return next + delta;
  }

  /** Inserts a piece of the stream; {@code payload} null means the bytes are known missing. */
  private void insert(long offset, byte[] payload, int off, int len, long ts) {
    long end = offset + len;
    if (end <= next) {
      retransmittedSegments++;
      return;
    }
    if (offset < next) {
      retransmittedSegments++;
      int skip = (int) (next - offset);
      off += skip;
      len -= skip;
      offset = next;
    }
    if (offset == next) {
      deliver(payload, off, len, ts);
      drain();
      return;
    }
    outOfOrderSegments++;
    Pending existing = pending.get(offset);
    if (existing != null && existing.length >= len) {
      retransmittedSegments++;
      return;
    }
    byte[] copy = null;
    if (payload != null) {
      copy = new byte[len];
      System.arraycopy(payload, off, copy, 0, len);
    }
    if (existing != null) {
      bufferedBytes -= existing.length;
      pending.remove(offset);
    }
    pending.put(offset, new Pending(copy, len, ts));
    bufferedBytes += len;
    while (!pending.isEmpty()
        && (bufferedBytes > limits.maxBufferedBytes()
            || pending.size() > limits.maxBufferedSegments())) {
      long first = pending.firstKey();
      gap(first - next, ts);
      drain();
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
      gap(len, ts);
      return;
    }
    next += len;
    deliveredBytes += len;
    listener.onData(buf, off, len, ts);
  }

  private void gap(long length, long ts) {
    if (length <= 0) {
      return;
    }
    next += length;
    gapBytes += length;
    listener.onGap(length, ts);
  }

  private void maybeEnd(long ts) {
    if (finOffset >= 0 && next >= finOffset && !ended) {
      ended = true;
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

  /** Bytes reported as gaps (never captured). */
  public long gapBytes() {
    return gapBytes;
  }

  public long retransmittedSegments() {
    return retransmittedSegments;
  }

  public long outOfOrderSegments() {
    return outOfOrderSegments;
  }

  /** Bytes cut by the capture's snaplen (counted also in {@link #gapBytes()}). */
  public long truncatedBytes() {
    return truncatedBytes;
  }

  public long bufferedBytes() {
    return bufferedBytes;
  }

  /** Writes the whole reassembly state. */
  public void writeSnapshot(DataOutput out) throws IOException {
    out.writeByte(SNAPSHOT_VERSION);
    out.writeBoolean(started);
    out.writeLong(isn);
    out.writeLong(next);
    out.writeLong(finOffset);
    out.writeBoolean(ended);
    out.writeLong(deliveredBytes);
    out.writeLong(gapBytes);
    out.writeLong(retransmittedSegments);
    out.writeLong(outOfOrderSegments);
    out.writeLong(truncatedBytes);
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
    r.deliveredBytes = in.readLong();
    r.gapBytes = in.readLong();
    r.retransmittedSegments = in.readLong();
    r.outOfOrderSegments = in.readLong();
    r.truncatedBytes = in.readLong();
    int n = in.readInt();
    for (int i = 0; i < n; i++) {
      long offset = in.readLong();
      long ts = in.readLong();
      boolean hasData = in.readBoolean();
      int length = in.readInt();
      byte[] data = null;
      if (hasData) {
        data = new byte[length];
        in.readFully(data);
      }
      r.pending.put(offset, new Pending(data, length, ts));
      r.bufferedBytes += length;
    }
    return r;
  }
}
