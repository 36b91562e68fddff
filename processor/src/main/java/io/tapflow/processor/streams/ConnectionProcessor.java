package io.tapflow.processor.streams;

import io.tapflow.processor.analysis.AnalyzerConfig;
import io.tapflow.processor.analysis.ConnectionAnalyzer;
import io.tapflow.processor.metrics.ProcessorMetrics;
import io.tapflow.processor.tcp.Segment;
import io.tapflow.schemas.PacketRecord;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Feeds each packet record to its connection's analyzer and keeps the analyzers' state in a
 * changelogged store keyed by connection key.
 *
 * <p>Analyzers live in memory for speed and are written to the store after every record they
 * change; the store's cache absorbs repeated writes of one key between commits, so RocksDB and the
 * changelog see a connection once per commit. With exactly-once the store's changelog, the output
 * records and the input offsets commit in one transaction, and {@link #init} rebuilds the in-memory
 * analyzers from the store, so a restarted or migrated task continues exactly where the committed
 * state left off.
 */
final class ConnectionProcessor
    implements Processor<String, PacketRecord, String, SpecificRecordBase> {
  static final String STORE = "tapflow-connections";
  private static final Duration SWEEP_INTERVAL = Duration.ofSeconds(1);

  private final AnalyzerConfig config;
  private final ProcessorMetrics metrics;
  private final Map<String, ConnectionAnalyzer> live = new HashMap<>();
  private KeyValueStore<String, byte[]> store;
  private OutputForwarder out;

  ConnectionProcessor(AnalyzerConfig config, ProcessorMetrics metrics) {
    this.config = config;
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<String, SpecificRecordBase> context) {
    store = context.getStateStore(STORE);
    out = new OutputForwarder(context, metrics);
    live.clear();
    try (KeyValueIterator<String, byte[]> it = store.all()) {
      while (it.hasNext()) {
        KeyValue<String, byte[]> kv = it.next();
        live.put(kv.key, ConnectionAnalyzer.restore(kv.value, config));
      }
    }
    metrics.activeConnections.set(live.size());
    context.schedule(SWEEP_INTERVAL, PunctuationType.STREAM_TIME, this::sweep);
  }

  @Override
  public void process(Record<String, PacketRecord> record) {
    PacketRecord p = record.value();
    if (p == null || record.key() == null) {
      metrics.undecodableRecords.inc();
      return;
    }
    String sensor = p.getSensorId();
    switch (p.getKind()) {
      case SEGMENT -> onSegment(record.key(), p);
      case HEARTBEAT -> {}
      case END_OF_CAPTURE -> endAll(sensor, nanos(p));
    }
    metrics.packets.labelValues(sensor, p.getKind().name().toLowerCase()).inc();
  }

  private void onSegment(String key, PacketRecord p) {
    Segment s = toSegment(p);
    ConnectionAnalyzer a = live.get(key);
    if (a != null && a.finished() && a.startsNewConnection(s)) {
      a = null;
    }
    if (a == null) {
      a = ConnectionAnalyzer.open(key, p.getSensorId(), s, config);
      live.put(key, a);
      metrics.connectionsOpened.labelValues(p.getSensorId()).inc();
      metrics.activeConnections.set(live.size());
    }
    boolean wasFinished = a.finished();
    a.onSegment(s, out);
    if (!wasFinished && a.finished()) {
      ended(a);
    }
    store.put(key, a.snapshot());
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
    for (String key : done) {
      live.remove(key);
      store.delete(key);
    }
    metrics.activeConnections.set(live.size());
  }

  /** Forgets finished connections once their linger time (in capture time) has passed. */
  private void sweep(long streamTimeMillis) {
    long now = streamTimeMillis * 1_000_000L;
    List<String> expired = new ArrayList<>();
    for (Map.Entry<String, ConnectionAnalyzer> e : live.entrySet()) {
      ConnectionAnalyzer a = e.getValue();
      if (a.finished() && now - a.lastTimestamp() > config.finishedLingerNanos()) {
        expired.add(e.getKey());
      }
    }
    for (String key : expired) {
      live.remove(key);
      store.delete(key);
    }
    metrics.activeConnections.set(live.size());
  }

  private void ended(ConnectionAnalyzer a) {
    metrics.connectionsEnded.labelValues(a.sensor(), a.endReason()).inc();
  }

  static Segment toSegment(PacketRecord p) {
    return new Segment(
        bytes(p.getSrcAddr()),
        p.getSrcPort(),
        bytes(p.getDstAddr()),
        p.getDstPort(),
        p.getSeq(),
        p.getAck(),
        p.getFlags(),
        bytes(p.getPayload()),
        p.getPayloadWireLength(),
        nanos(p));
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
