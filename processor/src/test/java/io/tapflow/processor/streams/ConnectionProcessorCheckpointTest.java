package io.tapflow.processor.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tapflow.processor.analysis.AnalyzerConfig;
import io.tapflow.processor.metrics.ProcessorMetrics;
import io.tapflow.processor.tcp.Segment;
import io.tapflow.processor.testing.Captures;
import io.tapflow.schemas.PacketKind;
import io.tapflow.schemas.PacketRecord;
import io.tapflow.sensor.capture.CaptureConfig;
import io.tapflow.sensor.capture.PcapSource;
import io.tapflow.sensor.decode.ConnectionKey;
import io.tapflow.sensor.decode.PacketDecoder;
import io.tapflow.sensor.decode.TcpSegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.BiConsumer;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A processor that starts from a checkpoint older than its committed input offset replays the input
 * in between and then emits exactly what an uninterrupted processor emits from that offset on.
 *
 * <p>The input interleaves six real captures (eight connections, four of them compressed with
 * context takeover, one fragmented) from six sensors. A commit is modelled as a flush of the store
 * (which writes a checkpoint when one is due); a crash as a new processor over the same store, fed
 * from the committed offset: between checkpoints the store is not written, so it then holds exactly
 * the last checkpoint, as a store restored from the changelog after a crash does.
 */
class ConnectionProcessorCheckpointTest {
  private static final String TOPIC = "tapflow.packets";
  private static final String[] CAPTURES = {
    "../samples/chat.pcap",
    "../samples/chat-deflate.pcap",
    "src/test/resources/captures/deflate-context-takeover.pcap",
    "src/test/resources/captures/deflate-fragmented.pcap",
    "src/test/resources/captures/deflate-window-bits.pcap",
    "src/test/resources/captures/plain.pcap",
  };

  /** The packets topic partition: one record per offset. */
  private static List<In> input;

  private record In(String key, PacketRecord value) {}

  @BeforeAll
  static void readCaptures() throws Exception {
    List<List<In>> perCapture = new ArrayList<>();
    for (int i = 0; i < CAPTURES.length; i++) {
      String sensor = "s" + (i + 1);
      List<In> records = new ArrayList<>();
      PacketDecoder decoder = new PacketDecoder();
      try (PcapSource source = PcapSource.open(CaptureConfig.offline(Path.of(CAPTURES[i])))) {
        source.run(
            (linkType, ts, nano, data, caplen, wirelen) -> {
              if (decoder.decode(linkType, data, caplen, wirelen) instanceof TcpSegment t) {
                Segment s = Captures.segment(t, ts);
                PacketRecord r = TapflowTopologyTest.record(s);
                r.setSensorId(sensor);
                records.add(new In(ConnectionKey.of(sensor, t), r));
              }
            });
      }
      PacketRecord last = records.get(records.size() - 1).value();
      PacketRecord end = PacketRecord.newBuilder(last).setKind(PacketKind.END_OF_CAPTURE).build();
      records.add(new In(sensor, end));
      perCapture.add(records);
    }
    // Round-robin, so connections of different sensors alternate in the partition.
    input = new ArrayList<>();
    for (int i = 0; input.size() < perCapture.stream().mapToInt(List::size).sum(); i++) {
      for (List<In> c : perCapture) {
        if (i < c.size()) {
          input.add(c.get(i));
        }
      }
    }
  }

  @Test
  void theInputHasEveryCaptureAndItsEnd() {
    assertEquals(40 + 40 + 33 + 57 + 41 + 70 + 6, input.size());
  }

  @Test
  void aRestartReplaysFromItsCheckpointAndThenEmitsWhatAnUninterruptedRunEmits() {
    restartsEmitWhatAnUninterruptedRunEmits(AnalyzerConfig.DEFAULT);
  }

  /** With room for three of the eight connections, evictions depend on the recency order. */
  @Test
  void evictionsAfterARestartPickTheConnectionsAnUninterruptedRunPicks() {
    restartsEmitWhatAnUninterruptedRunEmits(AnalyzerConfig.DEFAULT.withMaxConnections(3));
  }

  private void restartsEmitWhatAnUninterruptedRunEmits(AnalyzerConfig config) {
    Run whole = new Run(config, store());
    List<List<String>> expected = new ArrayList<>();
    for (int offset = 0; offset < input.size(); offset++) {
      expected.add(whole.process(offset));
    }
    int outputs = expected.stream().mapToInt(List::size).sum();
    assertTrue(outputs > 150, "outputs of the whole input: " + outputs);
    int scenarios = 0;
    for (int checkpoint = 1; checkpoint < input.size(); checkpoint += 13) {
      for (int committed = checkpoint; committed < input.size(); committed += 17) {
        KeyValueStore<String, byte[]> store = store();
        Run before = new Run(config, store);
        for (int offset = 0; offset < committed; offset++) {
          before.process(offset);
          if (offset == checkpoint - 1) {
            before.commit(); // the checkpoint covering offsets [0, checkpoint)
          }
        }
        // Crash: the outputs and offsets up to `committed` were committed later, without a
        // checkpoint. A new processor starts from the store as the checkpoint left it.
        Run after = new Run(config, store);
        for (int offset = committed; offset < input.size(); offset++) {
          assertEquals(
              expected.get(offset),
              after.process(offset),
              "checkpoint " + checkpoint + ", restart at " + committed + ", offset " + offset);
        }
        assertEquals(committed - checkpoint, after.replayed);
        scenarios++;
      }
    }
    assertEquals(204, scenarios);
  }

  /**
   * At-least-once: the store's flush (with its checkpoint) reached Kafka but the offsets were not
   * committed. The restarted processor gets records the checkpoint already holds: it skips them and
   * emits what an uninterrupted run emits after the checkpoint.
   */
  @Test
  void recordsBelowTheCheckpointAreNotAppliedTwice() {
    Run whole = new Run(AnalyzerConfig.DEFAULT, store());
    List<List<String>> expected = new ArrayList<>();
    for (int offset = 0; offset < input.size(); offset++) {
      expected.add(whole.process(offset));
    }
    int checkpoint = 150;
    KeyValueStore<String, byte[]> store = store();
    Run before = new Run(AnalyzerConfig.DEFAULT, store);
    for (int offset = 0; offset < checkpoint; offset++) {
      before.process(offset);
    }
    before.commit();
    Run after = new Run(AnalyzerConfig.DEFAULT, store);
    for (int offset = 100; offset < checkpoint; offset++) {
      assertEquals(List.of(), after.process(offset), "offset " + offset);
    }
    for (int offset = checkpoint; offset < input.size(); offset++) {
      assertEquals(expected.get(offset), after.process(offset), "offset " + offset);
    }
    assertEquals(0, after.replayed);
  }

  /** Between checkpoints the store is not written; the first commit of a task always is one. */
  @Test
  void theStoreIsWrittenAtCheckpointsOnly() {
    KeyValueStore<String, byte[]> store = store();
    Run run = new Run(AnalyzerConfig.DEFAULT, store, Long.MAX_VALUE);
    run.process(0);
    assertEquals(0, store.approximateNumEntries());
    run.commit();
    assertEquals(2, store.approximateNumEntries()); // the task record and one connection
    for (int offset = 1; offset < 60; offset++) {
      run.process(offset);
    }
    run.commit(); // not due
    assertEquals(2, store.approximateNumEntries());
    run.processor.close();
    run.commit(); // the commit after a task's close writes a checkpoint
    // The task record and the six connections the first 60 records opened (one per capture: the
    // second connections of the two samples start later).
    assertEquals(7, store.approximateNumEntries());
  }

  private static KeyValueStore<String, byte[]> store() {
    return Stores.keyValueStoreBuilder(
            Stores.inMemoryKeyValueStore(ConnectionProcessor.STORE),
            Serdes.String(),
            Serdes.ByteArray())
        .withLoggingDisabled()
        .withCachingDisabled()
        .build();
  }

  /** One processor instance over {@link #input}, its store and a replay from {@link #input}. */
  private static final class Run {
    final MockProcessorContext<String, SpecificRecordBase> context;
    final ConnectionProcessor processor;
    final ConnectionStore store;
    long replayed;

    Run(AnalyzerConfig config, KeyValueStore<String, byte[]> inner) {
      this(config, inner, 0);
    }

    Run(AnalyzerConfig config, KeyValueStore<String, byte[]> inner, long checkpointNanos) {
      Properties p = new Properties();
      p.put(StreamsConfig.APPLICATION_ID_CONFIG, "checkpoint-test");
      p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
      context = new MockProcessorContext<>(p);
      store = new ConnectionStore(inner);
      store.init(context.getStateStoreContext(), store);
      context.addStateStore(store);
      InputReplay replay =
          (String topic, int partition, long from, long to, BiConsumer<String, PacketRecord> s) -> {
            assertEquals(TOPIC, topic);
            assertEquals(0, partition);
            for (long o = from; o < to; o++) {
              In in = input.get((int) o);
              s.accept(in.key(), copy(in.value()));
              replayed++;
            }
            return 0;
          };
      processor =
          new ConnectionProcessor(
              config, new ProcessorMetrics(new PrometheusRegistry()), replay, checkpointNanos);
      processor.init(context);
    }

    /** Processes the record at {@code offset}; returns what it forwarded, as text. */
    List<String> process(int offset) {
      context.resetForwards();
      context.setRecordMetadata(TOPIC, 0, offset);
      In in = input.get(offset);
      PacketRecord v = copy(in.value());
      processor.process(new Record<>(in.key(), v, v.getTimestamp().toEpochMilli()));
      return context.forwarded().stream()
          .map(
              f ->
                  f.childName().orElse("")
                      + " "
                      + f.record().key()
                      + " "
                      + f.record().timestamp()
                      + " "
                      + f.record().value())
          .toList();
    }

    /** A commit: Kafka Streams flushes the store, which first asks for a due checkpoint. */
    void commit() {
      store.flushCache();
    }
  }

  /** Records are mutable: each run gets its own copy, as a deserializer would give it. */
  private static PacketRecord copy(PacketRecord r) {
    return PacketRecord.newBuilder(r).build();
  }
}
