package io.tapflow.processor.streams;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.tapflow.processor.analysis.AnalysisListener;
import io.tapflow.processor.analysis.AnalyzerConfig;
import io.tapflow.processor.analysis.ConnectionAnalyzer;
import io.tapflow.processor.analysis.ConnectionTable;
import io.tapflow.processor.metrics.ProcessorMetrics;
import io.tapflow.processor.metrics.TableEvents;
import io.tapflow.processor.output.OutputForwarder;
import io.tapflow.processor.tcp.Segment;
import io.tapflow.schemas.PacketKind;
import io.tapflow.schemas.PacketRecord;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
 * <p>What a record does to the connections (analyzers, the sensors' clocks and sweeps, the
 * connection limit) is {@link ConnectionTable}'s: this class is its Kafka Streams glue.
 *
 * <p>With interactive queries on, the task's {@link LiveView} follows the table's events and the
 * messages forwarded, and publishes the connections changed at every commit.
 */
final class ConnectionProcessor
    implements Processor<String, PacketRecord, String, SpecificRecordBase> {
  static final String STORE = "tapflow-connections";

  /** The store key of the task record; connection keys start with a sensor id, never with NUL. */
  static final String TASK_KEY = "\u0000task";

  private static final byte TASK_VERSION = 2;
  private static final long NONE = -1;

  private final AnalyzerConfig config;
  private final ProcessorMetrics metrics;
  private final InputReplay replay;
  private final long checkpointIntervalNanos;

  private ConnectionTable table;
  private final TableEvents events;

  /** What interactive queries read ({@link LiveView#NONE} when they are off). */
  private LiveView view = LiveView.NONE;

  /** {@link #events}, and the live view's when it is on. */
  private ConnectionTable.Events tableEvents;

  /** {@code tapflow_packets_total} by sensor, then by {@link PacketKind} ordinal. */
  private final Map<String, CounterDataPoint[]> recordCounters = new HashMap<>();

  private ProcessorContext<String, SpecificRecordBase> context;
  private KeyValueStore<String, byte[]> store;
  private OutputForwarder out;

  /**
   * Where analysis output goes: {@link #out}, or {@link LiveView#replayListener()} while replaying.
   */
  private AnalysisListener sink;

  private boolean replaying;

  /** The offset after the last record taken into the state, or {@link #NONE} before the first. */
  private long nextOffset = NONE;

  /** The offset the last checkpoint covers up to (exclusive); {@link #NONE} without one. */
  private long checkpointOffset = NONE;

  /** Whether the first record since {@link #init} has come (and any replay is done). */
  private boolean started;

  private long lastCheckpointNanos;
  private boolean closing;

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
    this.events = new TableEvents(metrics);
  }

  @Override
  public void init(ProcessorContext<String, SpecificRecordBase> context) {
    this.context = context;
    store = context.getStateStore(STORE);
    ConnectionStore connections =
        ConnectionStore.forTask(context.applicationId(), context.taskId());
    connections.beforeFlush(this::beforeFlush);
    view = connections.view();
    view.reset();
    tableEvents = view.watching(events);
    out =
        new OutputForwarder(
            (output, key, value, ts) -> {
              view.sent(output, key, value);
              context.forward(new Record<>(key, value, ts), output);
            },
            metrics);
    sink = out;
    table = new ConnectionTable(config, tableEvents, true);
    nextOffset = NONE;
    checkpointOffset = NONE;
    started = false;
    closing = false;
    lastCheckpointNanos = System.nanoTime();
    restore();
    view.refresh(); // an idle task commits no more: publish the restored connections now
  }

  /** Takes the last checkpoint back from the store: the task record and every connection. */
  private void restore() {
    byte[] task = null;
    Map<String, byte[]> connections = new HashMap<>();
    try (KeyValueIterator<String, byte[]> it = store.all()) {
      while (it.hasNext()) {
        KeyValue<String, byte[]> kv = it.next();
        if (kv.key.equals(TASK_KEY)) {
          task = kv.value;
        } else {
          connections.put(kv.key, kv.value);
        }
      }
    }
    List<String> unreadable;
    try {
      DataInputStream state = null;
      if (task != null) {
        state = ConnectionTable.stateInput(task);
        if (state.readByte() != TASK_VERSION) {
          throw new IOException("unknown task record version");
        }
        checkpointOffset = state.readLong();
      }
      unreadable = table.restore(state, connections);
    } catch (IOException | RuntimeException e) {
      // A task record of another version, or damaged: start the task afresh.
      checkpointOffset = NONE;
      unreadable = new ArrayList<>(connections.keySet());
      unreadable.add(TASK_KEY);
      table = new ConnectionTable(config, tableEvents, true);
    }
    for (ConnectionAnalyzer a : table.analyzers()) {
      metrics.connectionRestored(a.sensor(), a.info().server(), a.finished());
      view.changed(a);
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
    for (ConnectionAnalyzer a : table.analyzers()) {
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
    events.replaying(true);
    sink = view.replayListener();
    try {
      long missing = replay.replay(m.topic(), m.partition(), checkpointOffset, offset, this::apply);
      if (missing > 0) {
        metrics.replayRecordsMissing.inc(missing);
      }
      metrics.replayedRecords.inc(offset - checkpointOffset - missing);
    } finally {
      replaying = false;
      events.replaying(false);
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
    long ts = nanos(p);
    table.sequence(sensor, p.getSensorRunId(), p.getPartitionSeq());
    switch (p.getKind()) {
      case SEGMENT -> table.segment(key, sensor, toSegment(p, ts), sink);
      case HEARTBEAT -> table.heartbeat(sensor, ts, sink);
      case END_OF_CAPTURE -> table.endOfCapture(sensor, ts, sink);
    }
    if (!replaying) {
      counters(sensor)[p.getKind().ordinal()].inc();
    }
  }

  private CounterDataPoint[] counters(String sensor) {
    CounterDataPoint[] c = recordCounters.get(sensor);
    if (c == null) {
      PacketKind[] kinds = PacketKind.values();
      c = new CounterDataPoint[kinds.length];
      for (PacketKind k : kinds) {
        c[k.ordinal()] = metrics.packets.labelValues(sensor, k.name().toLowerCase(Locale.ROOT));
      }
      recordCounters.put(sensor, c);
    }
    return c;
  }

  /**
   * Runs just before each flush of the store (each commit): refreshes the live view, and writes a
   * checkpoint when one is due.
   */
  private void beforeFlush() {
    view.refresh();
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
  }

  /**
   * Writes the connections changed and deletes the ones forgotten since the last checkpoint, then
   * the task record saying up to which input offset the store now holds the state.
   */
  private void checkpoint() {
    table.drainChanges(store::delete, store::put);
    if (nextOffset != NONE) {
      checkpointOffset = nextOffset;
      store.put(TASK_KEY, writeTask());
    }
  }

  /** The task record: the input offset covered, then the table's own state. */
  private byte[] writeTask() {
    try {
      ByteArrayOutputStream buf = new ByteArrayOutputStream(128);
      DataOutputStream o = new DataOutputStream(buf);
      o.writeByte(TASK_VERSION);
      o.writeLong(checkpointOffset);
      table.writeState(o);
      o.flush();
      return buf.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
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

  /**
   * The bytes of {@code b}: its own array when it is exactly that (as Avro's decoder allocates it
   * for a record that nothing else holds), else a copy.
   */
  private static byte[] bytes(ByteBuffer b) {
    if (b.hasArray()
        && b.arrayOffset() == 0
        && b.position() == 0
        && b.remaining() == b.array().length) {
      return b.array();
    }
    ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }
}
