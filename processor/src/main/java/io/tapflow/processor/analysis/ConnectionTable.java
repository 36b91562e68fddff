package io.tapflow.processor.analysis;

import io.tapflow.processor.tcp.Segment;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Tracks the connections of one ordered stream of packets (one packets-topic partition): an
 * analyzer per connection key, each sensor's capture clock, the sweeps that clock drives, the
 * connection limit and the recency order it evicts by.
 *
 * <p>Time is each sensor's capture clock: the newest timestamp of its packets in this stream. Every
 * second of a sensor's clock its connections are ticked (idle timeout, interim records,
 * acknowledged holes) and finished ones past their linger time forgotten. Only packet contents
 * drive time, never the wall clock, so the same packets give the same decisions, whoever feeds
 * them. At most {@link AnalyzerConfig#maxConnections()} connections are tracked; beyond it the
 * least recently active one ends with reason {@code evicted}.
 *
 * <p>With change tracking on, the table remembers which connections changed and which were
 * forgotten since the last {@link #drainChanges}, so an owner can write its state incrementally;
 * {@link #writeState} and {@link #restore} carry the rest (the sensors' clocks and sequence state,
 * the recency order), so a restored table decides as the original would.
 */
public final class ConnectionTable {
  private static final long SWEEP_INTERVAL_NANOS = 1_000_000_000L;
  private static final byte CONNECTION_VERSION = 1;
  private static final byte STATE_VERSION = 1;

  /** What the table tells its owner besides the analysis output. */
  public interface Events {
    /** A new connection is tracked. */
    void opened(ConnectionAnalyzer a);

    /** A tracked connection ended (its final record was sent). */
    void ended(ConnectionAnalyzer a);

    /** A connection is no longer tracked (after its linger time, evicted, or its capture over). */
    void forgotten(ConnectionAnalyzer a);

    /** {@code records} records of {@code sensor} never arrived (a gap in its sequence numbers). */
    void lost(String sensor, long records);

    /** A tracked connection took a segment or changed at a tick (each time it does). */
    default void changed(ConnectionAnalyzer a) {}
  }

  private final AnalyzerConfig config;
  private final Events events;
  private final boolean trackChanges;

  /** Access-ordered: iteration starts at the least recently active connection. */
  private final LinkedHashMap<String, Tracked> live = new LinkedHashMap<>(1024, 0.75f, true);

  private final Map<String, SensorState> sensors = new HashMap<>();

  /** Connections changed since the last drain (each once; a forgotten one is skipped). */
  private final List<Tracked> changed = new ArrayList<>();

  /** Connections forgotten since the last drain. */
  private final Set<String> forgotten = new HashSet<>();

  /** Stamps each access to a connection, so the recency order survives a restore. */
  private long accesses;

  /** One connection's analyzer with its last access stamp and whether it changed. */
  private static final class Tracked {
    final String key;
    final ConnectionAnalyzer analyzer;
    long access;
    boolean changed;
    boolean forgotten;

    Tracked(String key, ConnectionAnalyzer analyzer) {
      this.key = key;
      this.analyzer = analyzer;
    }
  }

  /** One sensor's capture clock, next sweep, and the run and sequence number seen last. */
  private static final class SensorState {
    long clock = Long.MIN_VALUE;
    long nextSweep = Long.MIN_VALUE;
    String runId;
    long lastSeq;
  }

  /**
   * @param trackChanges whether to remember changed and forgotten connections for {@link
   *     #drainChanges}
   */
  public ConnectionTable(AnalyzerConfig config, Events events, boolean trackChanges) {
    this.config = config;
    this.events = events;
    this.trackChanges = trackChanges;
  }

  /** How many connections are tracked, open or finished. */
  public int size() {
    return live.size();
  }

  /** Every tracked analyzer, least recently active first. */
  public Iterable<ConnectionAnalyzer> analyzers() {
    return () -> live.values().stream().map(t -> t.analyzer).iterator();
  }

  /**
   * Notes the partition sequence number {@code seq} of {@code sensor}'s run {@code runId}: the
   * numbers of one run in one stream go up by one, so a jump is reported to {@link Events#lost}. A
   * new run starts a new count (what a stopped run still had in flight is not known here); a sensor
   * restarted with its state file keeps its predecessor's run and numbers, so what that one never
   * delivered is a jump. A number at or below the last seen is a redelivery, or a number a sensor
   * restarted after a crash gives out again: not a loss. Negative numbers are not counted.
   */
  public void sequence(String sensor, String runId, long seq) {
    if (seq < 0) {
      return;
    }
    SensorState st = sensor(sensor);
    if (runId.equals(st.runId)) {
      if (seq <= st.lastSeq) {
        return;
      }
      if (seq > st.lastSeq + 1) {
        events.lost(sensor, seq - st.lastSeq - 1);
      }
    } else {
      st.runId = runId;
    }
    st.lastSeq = seq;
  }

  /** A segment of connection {@code key} captured by {@code sensor}. */
  public void segment(String key, String sensor, Segment s, AnalysisListener out) {
    Tracked t = live.get(key);
    if (t != null && t.analyzer.finished() && t.analyzer.startsNewConnection(s)) {
      forget(key);
      t = null;
    }
    if (t == null) {
      if (live.size() >= config.maxConnections()) {
        evictLeastRecentlyActive(out);
      }
      t = new Tracked(key, ConnectionAnalyzer.open(key, sensor, s, config));
      live.put(key, t);
      events.opened(t.analyzer);
    }
    ConnectionAnalyzer a = t.analyzer;
    boolean wasFinished = a.finished();
    a.onSegment(s, out);
    if (!wasFinished && a.finished()) {
      events.ended(a);
    }
    t.access = ++accesses;
    changed(t);
    advance(sensor, s.timestampNanos(), out);
  }

  /** {@code sensor}'s clock is at least {@code nanos} (a heartbeat). */
  public void heartbeat(String sensor, long nanos, AnalysisListener out) {
    advance(sensor, nanos, out);
  }

  /** {@code sensor}'s capture is over at {@code nanos}: every connection of it ends. */
  public void endOfCapture(String sensor, long nanos, AnalysisListener out) {
    List<String> done = new ArrayList<>();
    for (Tracked t : live.values()) {
      ConnectionAnalyzer a = t.analyzer;
      if (!a.sensor().equals(sensor)) {
        continue;
      }
      if (!a.finished()) {
        a.end(Math.max(nanos, a.lastTimestamp()), "end_of_capture", out);
        events.ended(a);
      }
      done.add(t.key);
    }
    done.forEach(this::forget);
    advance(sensor, nanos, out);
  }

  /** Moves {@code sensor}'s clock to {@code nanos} if later; sweeps once a second of it. */
  private void advance(String sensor, long nanos, AnalysisListener out) {
    SensorState st = sensor(sensor);
    st.clock = Math.max(st.clock, nanos);
    if (st.clock >= st.nextSweep) {
      st.nextSweep = st.clock + SWEEP_INTERVAL_NANOS;
      sweep(sensor, st.clock, out);
    }
  }

  private SensorState sensor(String sensor) {
    SensorState st = sensors.get(sensor);
    if (st == null) {
      st = new SensorState();
      sensors.put(sensor, st);
    }
    return st;
  }

  private void changed(Tracked t) {
    events.changed(t.analyzer);
    if (trackChanges && !t.changed) {
      t.changed = true;
      changed.add(t);
    }
  }

  private void evictLeastRecentlyActive(AnalysisListener out) {
    Iterator<Map.Entry<String, Tracked>> it = live.entrySet().iterator();
    Tracked eldest = it.next().getValue();
    ConnectionAnalyzer a = eldest.analyzer;
    if (!a.finished()) {
      a.end(a.lastTimestamp(), "evicted", out);
      events.ended(a);
    }
    it.remove();
    dropped(eldest);
  }

  /**
   * Ticks every connection of {@code sensor} at its clock {@code now}, and forgets finished
   * connections once their linger time has passed.
   */
  private void sweep(String sensor, long now, AnalysisListener out) {
    List<String> expired = new ArrayList<>();
    for (Tracked t : live.values()) {
      ConnectionAnalyzer a = t.analyzer;
      if (!a.sensor().equals(sensor)) {
        continue;
      }
      if (a.finished()) {
        if (now - a.lastTimestamp() > config.finishedLingerNanos()) {
          expired.add(t.key);
        }
      } else if (a.tick(now, out)) {
        if (a.finished()) {
          events.ended(a);
        }
        changed(t);
      }
    }
    expired.forEach(this::forget);
  }

  private void forget(String key) {
    dropped(live.remove(key));
  }

  /** {@code t} left the table. */
  private void dropped(Tracked t) {
    if (trackChanges) {
      t.forgotten = true;
      forgotten.add(t.key);
    }
    events.forgotten(t.analyzer);
  }

  // ---- state ----

  /**
   * Hands the changes since the last drain over: {@code delete} for each connection forgotten, then
   * {@code put} with the encoded state of each connection changed and still tracked.
   */
  public void drainChanges(Consumer<String> delete, BiConsumer<String, byte[]> put) {
    for (String key : forgotten) {
      delete.accept(key);
    }
    forgotten.clear();
    for (Tracked t : changed) {
      t.changed = false;
      if (!t.forgotten) {
        put.accept(t.key, writeConnection(t));
      }
    }
    changed.clear();
  }

  /** The table's own state besides its connections: the access counter and each sensor's. */
  public void writeState(DataOutputStream o) throws IOException {
    o.writeByte(STATE_VERSION);
    o.writeLong(accesses);
    o.writeInt(sensors.size());
    for (Map.Entry<String, SensorState> e : sensors.entrySet()) {
      SensorState st = e.getValue();
      o.writeUTF(e.getKey());
      o.writeLong(st.clock);
      o.writeLong(st.nextSweep);
      o.writeBoolean(st.runId != null);
      if (st.runId != null) {
        o.writeUTF(st.runId);
      }
      o.writeLong(st.lastSeq);
    }
  }

  /**
   * Rebuilds the table from {@code state} (what {@link #writeState} wrote, or null when there is
   * none: the sensors' clocks are then the connections' last timestamps) and the encoded {@code
   * connections} ({@link #drainChanges}' puts), in their recency order. Connections that cannot be
   * read (another version, damage) are left out and their keys returned.
   */
  public List<String> restore(DataInputStream state, Map<String, byte[]> connections)
      throws IOException {
    live.clear();
    sensors.clear();
    changed.clear();
    forgotten.clear();
    accesses = 0;
    if (state != null) {
      readState(state);
    }
    List<Tracked> restored = new ArrayList<>();
    List<String> unreadable = new ArrayList<>();
    for (Map.Entry<String, byte[]> e : connections.entrySet()) {
      try {
        restored.add(readConnection(e.getKey(), e.getValue()));
      } catch (IOException | RuntimeException ex) {
        unreadable.add(e.getKey());
      }
    }
    restored.sort(Comparator.comparingLong(t -> t.access));
    for (Tracked t : restored) {
      live.put(t.key, t);
      accesses = Math.max(accesses, t.access);
      if (state == null) {
        SensorState st = sensor(t.analyzer.sensor());
        st.clock = Math.max(st.clock, t.analyzer.lastTimestamp());
      }
    }
    return unreadable;
  }

  private void readState(DataInputStream in) throws IOException {
    if (in.readByte() != STATE_VERSION) {
      throw new IOException("unknown connection table state version");
    }
    accesses = in.readLong();
    int n = in.readInt();
    for (int i = 0; i < n; i++) {
      SensorState st = new SensorState();
      String id = in.readUTF();
      st.clock = in.readLong();
      st.nextSweep = in.readLong();
      st.runId = in.readBoolean() ? in.readUTF() : null;
      st.lastSeq = in.readLong();
      sensors.put(id, st);
    }
  }

  /** A connection's encoded state: version, access stamp, the analyzer's snapshot. */
  private static byte[] writeConnection(Tracked t) {
    byte[] snapshot = t.analyzer.snapshot();
    ByteBuffer b = ByteBuffer.allocate(1 + 8 + snapshot.length);
    b.put(CONNECTION_VERSION).putLong(t.access).put(snapshot);
    return b.array();
  }

  private Tracked readConnection(String key, byte[] value) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(value);
    if (value.length < 9 || b.get() != CONNECTION_VERSION) {
      throw new IOException("unknown connection state version");
    }
    long access = b.getLong();
    Tracked t =
        new Tracked(
            key, ConnectionAnalyzer.restore(Arrays.copyOfRange(value, 9, value.length), config));
    t.access = access;
    return t;
  }

  /** {@link #writeState} as bytes. */
  public byte[] stateBytes() {
    try {
      ByteArrayOutputStream buf = new ByteArrayOutputStream(64 + 64 * sensors.size());
      DataOutputStream o = new DataOutputStream(buf);
      writeState(o);
      o.flush();
      return buf.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads {@code bytes} as {@link #writeState} wrote them, for {@link #restore}. */
  public static DataInputStream stateInput(byte[] bytes) {
    return new DataInputStream(new ByteArrayInputStream(bytes));
  }
}
