package io.tapflow.processor.analysis;

import io.tapflow.processor.snapshot.SnapshotBytes;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Holds stream bytes that cannot be interpreted yet, each chunk with the capture time it was
 * delivered at, so that replaying them later gives the same timestamps as decoding them at once.
 */
final class HeldBytes {
  private record Chunk(byte[] data, long timestampNanos) {}

  /** Receives replayed chunks. */
  interface Sink {
    void accept(byte[] buf, int off, int len, long timestampNanos);
  }

  private final List<Chunk> chunks = new ArrayList<>();
  private int size;

  /** Holds a copy of the bytes. */
  void add(byte[] buf, int off, int len, long ts) {
    if (len == 0) {
      return; // an empty chunk would only cost memory
    }
    byte[] copy = new byte[len];
    System.arraycopy(buf, off, copy, 0, len);
    chunks.add(new Chunk(copy, ts));
    size += len;
  }

  int size() {
    return size;
  }

  void clear() {
    chunks.clear();
    size = 0;
  }

  /** All held bytes, contiguous. */
  byte[] toByteArray() {
    byte[] out = new byte[size];
    int at = 0;
    for (Chunk c : chunks) {
      System.arraycopy(c.data, 0, out, at, c.data.length);
      at += c.data.length;
    }
    return out;
  }

  /** Exchanges the contents of two holders. */
  static void swap(HeldBytes a, HeldBytes b) {
    List<Chunk> chunks = new ArrayList<>(a.chunks);
    int size = a.size;
    a.chunks.clear();
    a.chunks.addAll(b.chunks);
    a.size = b.size;
    b.chunks.clear();
    b.chunks.addAll(chunks);
    b.size = size;
  }

  /** Hands every chunk to {@code sink} in order and forgets them. */
  void replay(Sink sink) {
    List<Chunk> copy = new ArrayList<>(chunks);
    clear();
    for (Chunk c : copy) {
      sink.accept(c.data, 0, c.data.length, c.timestampNanos);
    }
  }

  void writeTo(DataOutput out) throws IOException {
    out.writeInt(chunks.size());
    for (Chunk c : chunks) {
      out.writeLong(c.timestampNanos);
      out.writeInt(c.data.length);
      out.write(c.data);
    }
  }

  void readFrom(DataInput in) throws IOException {
    clear();
    int n = in.readInt();
    for (int i = 0; i < n; i++) {
      long ts = in.readLong();
      byte[] data = SnapshotBytes.read(in, in.readInt());
      chunks.add(new Chunk(data, ts));
      size += data.length;
    }
  }
}
