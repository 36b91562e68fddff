package io.tapflow.processor.streams;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.tapflow.processor.analysis.AnalysisListener;
import io.tapflow.processor.analysis.AnalyzerConfig;
import io.tapflow.processor.analysis.ConnectionAnalyzer;
import io.tapflow.processor.metrics.ProcessorMetrics;
import io.tapflow.processor.tcp.Segment;
import io.tapflow.schemas.PacketKind;
import io.tapflow.schemas.PacketRecord;
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
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Feeds each packet record to its connection's analyzer, checkpoints the analyzers into a
 * changelogged store keyed by connection key, and ends connections by capture time.
 *
 * <p><b>State path.</b> Analyzers live in memory. Writing every changed analyzer at every commit
 * (every 100 ms with exactly-once) would send about as many bytes to the changelog as the packets
 * themselves, since most busy connections change between two commits. Instead the processor writes
 * a <i>checkpoint</i> every {@code checkpointInterval}: the snapshots of the analyzers changed
 * since the previous one, the deletions of the ones forgotten since, and a task record holding the
 * input offset the checkpoint covers, the sensors' clocks and the connections' order. The
 * checkpoint is written just before Kafka Streams flushes the store for a commit ({@link
 * ConnectionStore}), so with exactly-once it commits in the same transaction as the outputs and the
 * input offsets of that commit; commits in between carry outputs and offsets only. A task that
 * starts (restart, migration) restores the analyzers of the last checkpoint and, before its first
 * record, replays the input from the checkpoint's offset up to that record through the analyzers
 * with every output discarded ({@link InputReplay}): those outputs were committed already.
 * Decisions depend only on the records and the checkpointed state, never on the wall clock, so the
 * replay rebuilds exactly the state the committed outputs came from, and the task continues exactly
 * where the committed state left off. Records below the checkpoint's offset (at-least-once, after a
 * crash between the store's flush and the offset commit) are already in the state and skipped.
 *
 * <p>Time is each sensor's capture clock: the newest timestamp of its segments and heartbeats in
 * this partition. Every second of a sensor's clock, its connections are ticked (idle timeout,
 * interim records, acknowledged holes) and finished ones past their linger time forgotten. At most
 * {@link AnalyzerConfig#maxConnections()} connections are tracked; beyond it the least recently
 * active one ends with reason {@code evicted}. The recency order is part of the checkpoint, so an
 * eviction after a restart picks the connection an uninterrupted run would.
 */
final class ConnectionProcessor
    implements Processor<String, PacketRecord, String, SpecificRecordBase> {
  static final String STORE = "tapflow-connections";

  /** The store key of the task record; connection keys start with a sensor id, never with NUL. */
  static final String TASK_KEY = "\u0000task";

  private static final long SWEEP_INTERVAL_NANOS = 1_000_000_000L;
  private static final byte CONNECTION_VERSION = 1;
  private static final byte TASK_VERSION = 1;
  private static final long NONE = -1;

  private final AnalyzerConfig config;
  private final ProcessorMetrics metrics;
  private final InputReplay replay;
  private final long checkpointIntervalNanos;

  /** Access-ordered: iteration starts at the least recently active connection. */
  private final LinkedHashMap<String, Tracked> live = new LinkedHashMap<>(1024, 0.75f, true);

  /**
   * What this task knows of each sensor. A task reads one partition of the packets topic (the
   * topology has one source), so per sensor here is per sensor and partition.
   */
  private final Map<String, SensorState> sensors = new HashMap<>();

  /** Connections changed since the last checkpoint (each once; a forgotten one is skipped). */
  private final List<Tracked> changed = new ArrayList<>();

  /** Connections forgotten since the last checkpoint, deleted from the store at the next one. */
  private final Set<String> forgotten = new HashSet<>();

  private ProcessorContext<String, SpecificRecordBase> context;
  private KeyValueStore<String, byte[]> store;
  private OutputForwarder out;

  /** Where analysis output goes: {@link #out}, or nowhere while replaying. */
  private AnalysisListener sink;

  private boolean replaying;

  /** Stamps each access to a connection, so the checkpoint keeps their recency order. */
  private long accesses;

  /** The offset after the last record taken into the state, or {@link #NONE} before the first. */
  private long nextOffset = NONE;

  /** The offset the last checkpoint covers up to (exclusive); {@link #NONE} without one. */
  private long checkpointOffset = NONE;

  /** Whether the first record since {@link #init} has come (and any replay is done). */
  private boolean started;

  private long lastCheckpointNanos;
  private boolean closing;

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

  /** One sensor's capture clock, next sweep, last sequence number and per-kind record counters. */
  private static final class SensorState {
    long clock = Long.MIN_VALUE;
    long nextSweep = Long.MIN_VALUE;

    /** The sensor run seen last in this partition, and its last partition sequence number. */
    String runId;

    long lastSeq;

    /** {@code tapflow_packets_total} for this sensor, by {@link PacketKind} ordinal. */
    final CounterDataPoint[] records;

    SensorState(String sensor, ProcessorMetrics metrics) {
      PacketKind[] kinds = PacketKind.values();
      records = new CounterDataPoint[kinds.length];
      for (PacketKind k : kinds) {
        records[k.ordinal()] =
            metrics.packets.labelValues(sensor, k.name().toLowerCase(Locale.ROOT));
      }
    }
  }

  /**
   * @param checkpointIntervalNanos the least time between two checkpoints (wall clock: it decides
   *     only when state is written, never what it holds); 0 writes one at every commit
   */
  ConnectionProcessor(
      AnalyzerConfig config,
      ProcessorMetrics metrics,
      InputReplay replay,
      long checkpointIntervalNanos) {
    this.config = config;
    this.metrics = metrics;
    this.replay = replay;
    this.checkpointIntervalNanos = checkpointIntervalNanos;
  }

  @Override
  public void init(ProcessorContext<String, SpecificRecordBase> context) {
    this.context = context;
    store = context.getStateStore(STORE);
    ConnectionStore.forTask(context.applicationId(), context.taskId())
        .beforeFlush(this::beforeFlush);
    out = new OutputForwarder(context, metrics);
    sink = out;
    sensors.clear();
    live.clear();
    changed.clear();
    forgotten.clear();
    accesses = 0;
    nextOffset = NONE;
    checkpointOffset = NONE;
    started = false;
    closing = false;
    lastCheckpointNanos = System.nanoTime();
    restore();
  }

  /** Takes the last checkpoint back from the store: the task record and every connection. */
  private void restore() {
    List<Tracked> restored = new ArrayList<>();
    List<String> unreadable = new ArrayList<>();
    try (KeyValueIterator<String, byte[]> it = store.all()) {
      while (it.hasNext()) {
        KeyValue<String, byte[]> kv = it.next();
        try {
          if (kv.key.equals(TASK_KEY)) {
            readTask(kv.value);
          } else {
            restored.add(readConnection(kv.key, kv.value));
          }
        } catch (IOException | RuntimeException e) {
          // State written by an incompatible version, or damaged: start that connection afresh.
          unreadable.add(kv.key);
        }
      }
    }
    restored.sort(Comparator.comparingLong(t -> t.access));
    for (Tracked t : restored) {
      ConnectionAnalyzer a = t.analyzer;
      live.put(t.key, t);
      SensorState st = sensor(a.sensor());
      if (checkpointOffset == NONE) {
        st.clock = Math.max(st.clock, a.lastTimestamp());
      }
      metrics.connectionRestored(a.sensor(), a.info().server(), a.finished());
    }
    for (String key : unreadable) {
      store.delete(key);
      metrics.undecodableRecords.inc();
    }
  }

  /**
   * The task is closed or handed to another instance: this instance tracks none of it now. Kafka
   * Streams commits once more after closing the processors; that commit writes a checkpoint, so a
   * task handed over cleanly needs no replay.
   */
  @Override
  public void close() {
    for (Tracked t : live.values()) {
      ConnectionAnalyzer a = t.analyzer;
      metrics.connectionForgotten(a.sensor(), a.info().server(), a.finished());
    }
    closing = true;
  }

  @Override
  public void process(Record<String, PacketRecord> record) {
    long offset = context.recordMetadata().map(RecordMetadata::offset).orElse(NONE);
    if (!started) {
      started = true;
      catchUp(offset);
    }
    if (offset != NONE && offset < checkpointOffset) {
      return; // taken into the checkpointed state already
    }
    apply(record.key(), record.value());
    if (offset != NONE) {
      nextOffset = offset + 1;
    }
  }

  /**
   * Before the first record after a start: replays the input from the checkpoint's offset up to
   * that record ({@code offset}), outputs discarded, so the state is the one the committed outputs
   * came from.
   */
  private void catchUp(long offset) {
    if (checkpointOffset == NONE || offset == NONE || offset <= checkpointOffset) {
      return;
    }
    RecordMetadata m = context.recordMetadata().orElseThrow();
    replaying = true;
    sink = AnalysisListener.DISCARD;
    try {
      long missing = replay.replay(m.topic(), m.partition(), checkpointOffset, offset, this::apply);
      if (missing > 0) {
        metrics.replayRecordsMissing.inc(missing);
      }
      metrics.replayedRecords.inc(offset - checkpointOffset - missing);
    } finally {
      replaying = false;
      sink = out;
    }
    nextOffset = offset;
  }

  private void apply(String key, PacketRecord p) {
    if (p == null || key == null) {
      if (!replaying) {
        metrics.undecodableRecords.inc();
      }
      return;
    }
    String sensor = p.getSensorId();
    SensorState st = sensor(sensor);
    long ts = nanos(p);
    countLost(st, p);
    switch (p.getKind()) {
      case SEGMENT -> onSegment(key, p, ts);
      case HEARTBEAT -> {}
      case END_OF_CAPTURE -> endAll(sensor, ts);
    }
    if (!replaying) {
      st.records[p.getKind().ordinal()].inc();
    }
    st.clock = Math.max(st.clock, ts);
    if (st.clock >= st.nextSweep) {
      st.nextSweep = st.clock + SWEEP_INTERVAL_NANOS;
      sweep(sensor, st.clock);
    }
  }

  private SensorState sensor(String sensor) {
    SensorState st = sensors.get(sensor);
    if (st == null) {
      st = new SensorState(sensor, metrics);
      sensors.put(sensor, st);
    }
    return st;
  }

  /**
   * Counts records lost between sensor and processor: the sequence numbers of one sensor run in one
   * partition go up by one. A new run starts a new count (what a stopped run still had in flight is
   * not known here); a number at or below the last seen is a redelivery, not a loss.
   */
  private void countLost(SensorState st, PacketRecord p) {
    long seq = p.getPartitionSeq();
    if (seq < 0) {
      return;
    }
    String run = p.getSensorRunId();
    if (run.equals(st.runId)) {
      if (seq <= st.lastSeq) {
        return;
      }
      if (seq > st.lastSeq + 1 && !replaying) {
        metrics.recordsLost.labelValues(p.getSensorId()).inc(seq - st.lastSeq - 1);
      }
    } else {
      st.runId = run;
    }
    st.lastSeq = seq;
  }

  private void onSegment(String key, PacketRecord p, long ts) {
    Segment s = toSegment(p, ts);
    Tracked t = live.get(key);
    if (t != null && t.analyzer.finished() && t.analyzer.startsNewConnection(s)) {
      forget(key);
      t = null;
    }
    if (t == null) {
      if (live.size() >= config.maxConnections()) {
        evictLeastRecentlyActive();
      }
      t = new Tracked(key, ConnectionAnalyzer.open(key, p.getSensorId(), s, config));
      live.put(key, t);
      if (replaying) {
        metrics.connectionRestored(p.getSensorId(), t.analyzer.info().server(), false);
      } else {
        metrics.connectionOpened(p.getSensorId(), t.analyzer.info().server());
      }
    }
    ConnectionAnalyzer a = t.analyzer;
    boolean wasFinished = a.finished();
    a.onSegment(s, sink);
    if (!wasFinished && a.finished()) {
      ended(a);
    }
    t.access = ++accesses;
    changed(t);
  }

  private void changed(Tracked t) {
    if (!t.changed) {
      t.changed = true;
      changed.add(t);
    }
  }

  /**
   * Runs just before each flush of the store (each commit): writes a checkpoint when one is due.
   */
  private void beforeFlush() {
    if (nextOffset == NONE && !closing) {
      return; // nothing taken in since the start: the stored checkpoint still holds
    }
    long now = System.nanoTime();
    // Without a stored checkpoint, the first commit must write one: its input offset is committed,
    // and a restart could not rebuild the state from the records before it.
    if (closing
        || checkpointOffset == NONE
        || now - lastCheckpointNanos >= checkpointIntervalNanos) {
      checkpoint();
      lastCheckpointNanos = now;
    }
    if (closing) {
      live.clear();
    }
  }

  /**
   * Writes the connections changed and deletes the ones forgotten since the last checkpoint, then
   * the task record saying up to which input offset the store now holds the state.
   */
  private void checkpoint() {
    for (String key : forgotten) {
      store.delete(key);
    }
    forgotten.clear();
    for (Tracked t : changed) {
      t.changed = false;
      if (!t.forgotten) {
        store.put(t.key, writeConnection(t));
      }
    }
    changed.clear();
    if (nextOffset != NONE) {
      checkpointOffset = nextOffset;
      store.put(TASK_KEY, writeTask());
    }
  }

  private void evictLeastRecentlyActive() {
    Iterator<Map.Entry<String, Tracked>> it = live.entrySet().iterator();
    Map.Entry<String, Tracked> eldest = it.next();
    ConnectionAnalyzer a = eldest.getValue().analyzer;
    if (!a.finished()) {
      a.end(a.lastTimestamp(), "evicted", sink);
      ended(a);
    }
    it.remove();
    dropped(eldest.getValue());
  }

  /** Ends every open connection of {@code sensor}: its capture is over. */
  private void endAll(String sensor, long ts) {
    List<String> done = new ArrayList<>();
    for (Tracked t : live.values()) {
      ConnectionAnalyzer a = t.analyzer;
      if (!a.sensor().equals(sensor)) {
        continue;
      }
      if (!a.finished()) {
        a.end(Math.max(ts, a.lastTimestamp()), "end_of_capture", sink);
        ended(a);
      }
      done.add(t.key);
    }
    done.forEach(this::forget);
  }

  /**
   * Ticks every connection of {@code sensor} at its clock {@code now}, and forgets finished
   * connections once their linger time has passed.
   */
  private void sweep(String sensor, long now) {
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
      } else if (a.tick(now, sink)) {
        if (a.finished()) {
          ended(a);
        }
        changed(t);
      }
    }
    expired.forEach(this::forget);
  }

  private void forget(String key) {
    dropped(live.remove(key));
  }

  /** {@code t} left the live map: its stored state goes at the next checkpoint. */
  private void dropped(Tracked t) {
    t.forgotten = true;
    forgotten.add(t.key);
    ConnectionAnalyzer a = t.analyzer;
    metrics.connectionForgotten(a.sensor(), a.info().server(), a.finished());
  }

  private void ended(ConnectionAnalyzer a) {
    if (replaying) {
      metrics.connectionEndedUncounted(a.sensor(), a.info().server());
    } else {
      metrics.connectionEnded(a.sensor(), a.info().server(), a.connState(), a.endReason());
    }
  }

  // ---- checkpoint encoding ----

  /** A connection's store value: version, access stamp, the analyzer's snapshot. */
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
    accesses = Math.max(accesses, access);
    return t;
  }

  /** The task record: the input offset covered, the access counter, each sensor's state. */
  private byte[] writeTask() {
    try {
      ByteArrayOutputStream buf = new ByteArrayOutputStream(64 + 64 * sensors.size());
      DataOutputStream o = new DataOutputStream(buf);
      o.writeByte(TASK_VERSION);
      o.writeLong(checkpointOffset);
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
      o.flush();
      return buf.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void readTask(byte[] value) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(value));
    if (in.readByte() != TASK_VERSION) {
      throw new IOException("unknown task state version");
    }
    long offset = in.readLong();
    long access = in.readLong();
    int n = in.readInt();
    Map<String, SensorState> read = new HashMap<>();
    for (int i = 0; i < n; i++) {
      String id = in.readUTF();
      SensorState st = new SensorState(id, metrics);
      st.clock = in.readLong();
      st.nextSweep = in.readLong();
      st.runId = in.readBoolean() ? in.readUTF() : null;
      st.lastSeq = in.readLong();
      read.put(id, st);
    }
    checkpointOffset = offset;
    accesses = Math.max(accesses, access);
    sensors.putAll(read);
  }

  static Segment toSegment(PacketRecord p, long ts) {
    return new Segment(
        bytes(p.getSrcAddr()),
        p.getSrcPort(),
        bytes(p.getDstAddr()),
        p.getDstPort(),
        p.getSeq(),
        p.getAck(),
        p.getFlags(),
        p.getWindow(),
        bytes(p.getPayload()),
        p.getPayloadWireLength(),
        ts);
  }

  private static long nanos(PacketRecord p) {
    return p.getTimestamp().getEpochSecond() * 1_000_000_000L + p.getTimestamp().getNano();
  }

  private static byte[] bytes(ByteBuffer b) {
    ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }
}
