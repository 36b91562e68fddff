package io.tapflow.processor.streams;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.tapflow.processor.analysis.AnalyzerConfig;
import io.tapflow.processor.analysis.ConnectionAnalyzer;
import io.tapflow.processor.metrics.ProcessorMetrics;
import io.tapflow.processor.tcp.Segment;
import io.tapflow.schemas.PacketKind;
import io.tapflow.schemas.PacketRecord;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Feeds each packet record to its connection's analyzer, keeps the analyzers' state in a
 * changelogged store keyed by connection key, and ends connections by capture time.
 *
 * <p>Analyzers live in memory for speed. A record marks its connection changed; just before each
 * commit the {@link ConnectionStore} has the processor write the changed analyzers' snapshots, so a
 * connection is serialised once per commit, not once per packet. With exactly-once the store's
 * changelog, the output records and the input offsets commit in one transaction, and {@link #init}
 * rebuilds the in-memory analyzers from the store, so a restarted or migrated task continues
 * exactly where the committed state left off.
 *
 * <p>Time is each sensor's capture clock: the newest timestamp of its segments and heartbeats in
 * this partition. Every second of a sensor's clock, its connections are ticked (idle timeout,
 * interim records, acknowledged holes) and finished ones past their linger time forgotten. Only
 * record contents drive time, never the wall clock, so a replay after a failure takes the same
 * decisions. At most {@link AnalyzerConfig#maxConnections()} connections are tracked; beyond it the
 * least recently active one ends with reason {@code evicted}.
 */
final class ConnectionProcessor
    implements Processor<String, PacketRecord, String, SpecificRecordBase> {
  static final String STORE = "tapflow-connections";
  private static final long SWEEP_INTERVAL_NANOS = 1_000_000_000L;

  private final AnalyzerConfig config;
  private final ProcessorMetrics metrics;

  /** Access-ordered: iteration starts at the least recently active connection. */
  private final LinkedHashMap<String, ConnectionAnalyzer> live =
      new LinkedHashMap<>(1024, 0.75f, true);

  /**
   * What this task knows of each sensor. A task reads one partition of the packets topic (the
   * topology has one source), so per sensor here is per sensor and partition.
   */
  private final Map<String, SensorState> sensors = new HashMap<>();

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

  private ProcessorContext<String, SpecificRecordBase> context;
  private KeyValueStore<String, byte[]> store;

  /** Connections changed since the last commit, written by {@link #writeChanged}. */
  private final Map<String, ConnectionAnalyzer> changed = new LinkedHashMap<>();

  private OutputForwarder out;

  ConnectionProcessor(AnalyzerConfig config, ProcessorMetrics metrics) {
    this.config = config;
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<String, SpecificRecordBase> context) {
    this.context = context;
    sensors.clear();
    store = context.getStateStore(STORE);
    changed.clear();
    ConnectionStore.forTask(context.applicationId(), context.taskId())
        .beforeFlush(this::writeChanged);
    out = new OutputForwarder(context, metrics);
    live.clear();
    List<String> unreadable = new ArrayList<>();
    try (KeyValueIterator<String, byte[]> it = store.all()) {
      while (it.hasNext()) {
        KeyValue<String, byte[]> kv = it.next();
        ConnectionAnalyzer a;
        try {
          a = ConnectionAnalyzer.restore(kv.value, config);
        } catch (RuntimeException e) {
          // State written by an incompatible version, or damaged: start that connection afresh.
          unreadable.add(kv.key);
          continue;
        }
        live.put(kv.key, a);
        SensorState st = sensor(a.sensor());
        st.clock = Math.max(st.clock, a.lastTimestamp());
        metrics.connectionRestored(a.sensor(), a.info().server(), a.finished());
      }
    }
    for (String key : unreadable) {
      store.delete(key);
      metrics.undecodableRecords.inc();
    }
  }

  /** The task is closed or handed to another instance: this instance tracks none of it now. */
  @Override
  public void close() {
    for (ConnectionAnalyzer a : live.values()) {
      metrics.connectionForgotten(a.sensor(), a.info().server(), a.finished());
    }
    live.clear();
  }

  @Override
  public void process(Record<String, PacketRecord> record) {
    PacketRecord p = record.value();
    if (p == null || record.key() == null) {
      metrics.undecodableRecords.inc();
      return;
    }
    String sensor = p.getSensorId();
    SensorState st = sensor(sensor);
    long ts = nanos(p);
    countLost(st, p);
    switch (p.getKind()) {
      case SEGMENT -> onSegment(record.key(), p, ts);
      case HEARTBEAT -> {}
      case END_OF_CAPTURE -> endAll(sensor, ts);
    }
    st.records[p.getKind().ordinal()].inc();
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
      if (seq > st.lastSeq + 1) {
        metrics.recordsLost.labelValues(p.getSensorId()).inc(seq - st.lastSeq - 1);
      }
    } else {
      st.runId = run;
    }
    st.lastSeq = seq;
  }

  private void onSegment(String key, PacketRecord p, long ts) {
    Segment s = toSegment(p, ts);
    ConnectionAnalyzer a = live.get(key);
    if (a != null && a.finished() && a.startsNewConnection(s)) {
      live.remove(key);
      changed.remove(key);
      metrics.connectionForgotten(a.sensor(), a.info().server(), true);
      a = null;
    }
    if (a == null) {
      if (live.size() >= config.maxConnections()) {
        evictLeastRecentlyActive();
      }
      a = ConnectionAnalyzer.open(key, p.getSensorId(), s, config);
      live.put(key, a);
      metrics.connectionOpened(p.getSensorId(), a.info().server());
    }
    boolean wasFinished = a.finished();
    a.onSegment(s, out);
    if (!wasFinished && a.finished()) {
      ended(a);
    }
    changed.put(key, a);
  }

  /** Writes the connections changed since the last commit; runs just before each commit. */
  private void writeChanged() {
    for (Map.Entry<String, ConnectionAnalyzer> e : changed.entrySet()) {
      store.put(e.getKey(), e.getValue().snapshot());
    }
    changed.clear();
  }

  private void evictLeastRecentlyActive() {
    Iterator<Map.Entry<String, ConnectionAnalyzer>> it = live.entrySet().iterator();
    Map.Entry<String, ConnectionAnalyzer> eldest = it.next();
    ConnectionAnalyzer a = eldest.getValue();
    if (!a.finished()) {
      a.end(a.lastTimestamp(), "evicted", out);
      ended(a);
    }
    it.remove();
    changed.remove(eldest.getKey());
    store.delete(eldest.getKey());
    metrics.connectionForgotten(a.sensor(), a.info().server(), true);
  }

  /** Ends every open connection of {@code sensor}: its capture is over. */
  private void endAll(String sensor, long ts) {
    List<String> done = new ArrayList<>();
    for (Map.Entry<String, ConnectionAnalyzer> e : live.entrySet()) {
      ConnectionAnalyzer a = e.getValue();
      if (!a.sensor().equals(sensor)) {
        continue;
      }
      if (!a.finished()) {
        a.end(Math.max(ts, a.lastTimestamp()), "end_of_capture", out);
        ended(a);
      }
      done.add(e.getKey());
    }
    forget(done);
  }

  /**
   * Ticks every connection of {@code sensor} at its clock {@code now}, and forgets finished
   * connections once their linger time has passed.
   */
  private void sweep(String sensor, long now) {
    List<String> expired = new ArrayList<>();
    List<Map.Entry<String, ConnectionAnalyzer>> ticked = new ArrayList<>();
    for (Map.Entry<String, ConnectionAnalyzer> e : live.entrySet()) {
      ConnectionAnalyzer a = e.getValue();
      if (!a.sensor().equals(sensor)) {
        continue;
      }
      if (a.finished()) {
        if (now - a.lastTimestamp() > config.finishedLingerNanos()) {
          expired.add(e.getKey());
        }
      } else if (a.tick(now, out)) {
        if (a.finished()) {
          ended(a);
        }
        ticked.add(Map.entry(e.getKey(), a));
      }
    }
    for (Map.Entry<String, ConnectionAnalyzer> e : ticked) {
      changed.put(e.getKey(), e.getValue());
    }
    forget(expired);
  }

  private void forget(List<String> keys) {
    for (String key : keys) {
      ConnectionAnalyzer a = live.remove(key);
      changed.remove(key);
      store.delete(key);
      metrics.connectionForgotten(a.sensor(), a.info().server(), a.finished());
    }
  }

  private void ended(ConnectionAnalyzer a) {
    metrics.connectionEnded(a.sensor(), a.info().server(), a.connState(), a.endReason());
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
