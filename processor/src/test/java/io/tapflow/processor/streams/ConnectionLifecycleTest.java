package io.tapflow.processor.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tapflow.processor.analysis.AnalyzerConfig;
import io.tapflow.processor.metrics.ProcessorMetrics;
import io.tapflow.processor.tcp.Segment;
import io.tapflow.processor.tcp.TcpSession;
import io.tapflow.schemas.ConnectionRecord;
import io.tapflow.schemas.PacketKind;
import io.tapflow.schemas.PacketRecord;
import io.tapflow.schemas.TapflowSerdes;
import io.tapflow.schemas.Topics;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How connections end and are reported by capture time, through the whole topology. */
class ConnectionLifecycleTest {
  @TempDir Path stateDir;

  private static final String KEY = "s1|10.0.0.1:50000|10.0.0.2:8080";
  private static final long SECOND = 1_000_000_000L;

  private ProcessorMetrics metrics;
  private PrometheusRegistry registry;

  /** tapflow_connections_tracked of sensor s1, service 8080, in {@code state}. */
  private long tracked(String state) {
    for (var snapshot : registry.scrape()) {
      if (snapshot.getMetadata().getPrometheusName().equals("tapflow_connections_tracked")) {
        for (var d :
            ((io.prometheus.metrics.model.snapshots.GaugeSnapshot) snapshot).getDataPoints()) {
          if (d.getLabels().get("state").equals(state)) {
            return (long) d.getValue();
          }
        }
      }
    }
    return 0;
  }

  private TopologyTestDriver driver(AnalyzerConfig analyzer) {
    // A checkpoint at every commit (the driver commits after each record), so the store shows the
    // state of every tracked connection.
    ProcessorConfig config =
        ProcessorConfig.builder("unused:9092").analyzer(analyzer).checkpointIntervalMs(0).build();
    Properties p = ProcessorApp.properties(config);
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "lifecycle-test");
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString()); // never shared with another run
    registry = new PrometheusRegistry();
    metrics = new ProcessorMetrics(registry);
    return new TopologyTestDriver(TapflowTopology.build(config, metrics), p);
  }

  private static TestInputTopic<String, PacketRecord> input(TopologyTestDriver d) {
    return d.createInputTopic(
        Topics.DEFAULT.packets(),
        new StringSerializer(),
        TapflowSerdes.packetRecord().serializer());
  }

  private static List<ConnectionRecord> records(TopologyTestDriver d) {
    return d.createOutputTopic(
            Topics.DEFAULT.connections(),
            new StringDeserializer(),
            TapflowSerdes.connectionRecord().deserializer())
        .readValuesToList();
  }

  private static PacketRecord heartbeat(long nanos) {
    PacketRecord r = TapflowTopologyTest.record(TcpSession.standard().handshake().get(0));
    r.setKind(PacketKind.HEARTBEAT);
    r.setTimestamp(Instant.ofEpochSecond(nanos / SECOND, nanos % SECOND));
    r.setSrcAddr(ByteBuffer.allocate(0));
    r.setDstAddr(ByteBuffer.allocate(0));
    return r;
  }

  /** An upgraded session that is never closed; returns the capture time of its last packet. */
  private static long openSession(TestInputTopic<String, PacketRecord> in) {
    List<Segment> session = TapflowTopologyTest.chatSession();
    List<Segment> open = session.subList(0, session.size() - 4); // no close frame, no FINs
    for (Segment s : open) {
      in.pipeInput(KEY, TapflowTopologyTest.record(s));
    }
    return open.get(open.size() - 1).timestampNanos();
  }

  @Test
  void heartbeatsEndAnIdleConnectionAfterTheIdleTimeout() {
    AnalyzerConfig config = AnalyzerConfig.DEFAULT.withTimeouts(10 * SECOND, 60 * SECOND);
    try (TopologyTestDriver d = driver(config)) {
      TestInputTopic<String, PacketRecord> in = input(d);
      long last = openSession(in);
      in.pipeInput("s1", heartbeat(last + 9 * SECOND));
      assertEquals(List.of(false), records(d).stream().map(ConnectionRecord::getFinal$).toList());
      in.pipeInput("s1", heartbeat(last + 10 * SECOND + 1));
      List<ConnectionRecord> ended = records(d);
      assertEquals(1, ended.size());
      ConnectionRecord r = ended.get(0);
      assertEquals(true, r.getFinal$());
      assertEquals("idle", r.getEndReason());
      assertEquals("S1", r.getState());
      assertEquals(Instant.ofEpochSecond(last / SECOND, last % SECOND), r.getEndTime());
    }
  }

  @Test
  void anOpenConnectionGetsAnInterimRecordEveryInterval() {
    AnalyzerConfig config = AnalyzerConfig.DEFAULT.withTimeouts(300 * SECOND, 60 * SECOND);
    try (TopologyTestDriver d = driver(config)) {
      TestInputTopic<String, PacketRecord> in = input(d);
      long last = openSession(in);
      records(d); // the record at the upgrade
      for (int s = 1; s <= 130; s++) {
        in.pipeInput("s1", heartbeat(last + s * SECOND));
      }
      List<ConnectionRecord> interim = records(d);
      assertEquals(2, interim.size());
      for (ConnectionRecord r : interim) {
        assertEquals(false, r.getFinal$());
        assertEquals("", r.getEndReason());
        assertEquals(101, r.getHttpStatus());
      }
    }
  }

  @Test
  void aSynFloodKeepsTheTrackedConnectionsWithinTheirLimit() {
    int limit = 10_000;
    int flood = 100_000;
    try (TopologyTestDriver d = driver(AnalyzerConfig.DEFAULT.withMaxConnections(limit))) {
      TestInputTopic<String, PacketRecord> in = input(d);
      PacketRecord syn = TapflowTopologyTest.record(TcpSession.standard().handshake().get(0));
      for (int i = 0; i < flood; i++) {
        byte[] src = {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i};
        syn.setSrcAddr(ByteBuffer.wrap(src));
        syn.setSrcPort(1024 + (i % 60000));
        long ts = SECOND + i * 1000L;
        syn.setTimestamp(Instant.ofEpochSecond(ts / SECOND, ts % SECOND));
        in.pipeInput("s1|" + i, syn);
      }
      KeyValueStore<String, byte[]> store = d.getKeyValueStore(ConnectionProcessor.STORE);
      long stored = 0;
      long storedBytes = 0;
      try (KeyValueIterator<String, byte[]> it = store.all()) {
        while (it.hasNext()) {
          KeyValue<String, byte[]> kv = it.next();
          if (kv.key.equals(ConnectionProcessor.TASK_KEY)) {
            continue; // the checkpoint's task record
          }
          stored++;
          storedBytes += kv.value.length;
        }
      }
      assertEquals(limit, stored);
      assertTrue(
          storedBytes <= limit * 1024L, "state of a half-open connection: " + storedBytes / limit);
      assertEquals(limit, tracked("open"));
      assertEquals(0, tracked("ended"));
      List<ConnectionRecord> evicted = records(d);
      assertEquals(flood - limit, evicted.size());
      assertEquals("evicted", evicted.get(0).getEndReason());
      assertEquals("S0", evicted.get(0).getState());
    }
  }
}
