package io.tapflow.processor.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.tapflow.processor.analysis.AnalyzerConfig;
import io.tapflow.processor.metrics.ProcessorMetrics;
import io.tapflow.processor.tcp.Segment;
import io.tapflow.schemas.ChatEvent;
import io.tapflow.schemas.ConnectionRecord;
import io.tapflow.schemas.PacketRecord;
import io.tapflow.schemas.WebSocketMessage;
import java.util.List;
import java.util.Properties;
import java.util.function.BiConsumer;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/**
 * The processor publishes its connections to the live view at each commit (checkpoint or not), and
 * a task restarted from an older checkpoint answers with the messages its replay decoded.
 *
 * <p>The input is {@link TapflowTopologyTest#chatSession()}: offsets 0-2 the handshake, 3 the
 * Upgrade request, 4 the 101, 5 the client's "say", 6 the server's echo, 7 the client's close.
 */
class ConnectionProcessorLiveViewTest {
  private static final String TOPIC = "tapflow.packets";
  private static final String KEY = "s1|10.0.0.1:50000|10.0.0.2:8080";
  private static final String SAY =
      "{\"type\":\"say\",\"client_name\":\"mynick\",\"content\":\"Merhaba\"}";
  private static final String ECHO =
      "{\"type\":\"say\",\"from_client_name\":\"mynick\",\"content\":\"Merhaba\"}";
  private static final List<Segment> SESSION = TapflowTopologyTest.chatSession();

  @Test
  void everyCommitPublishesAndARestartedTaskAnswersWithWhatItsReplayDecoded() {
    KeyValueStore<String, byte[]> inner = store();
    Run first = new Run(inner);
    for (int offset = 0; offset <= 4; offset++) {
      first.process(offset);
    }
    first.commit(); // the task's first commit: a checkpoint covering offsets 0-4
    first.process(5);
    first.process(6);
    assertEquals(List.of(), first.messages()); // not committed yet
    assertEquals(0L, first.record().getClientMessages());
    first.commit(); // no checkpoint due: the view is refreshed all the same
    assertEquals(List.of(SAY, ECHO), first.messages());
    assertEquals(1L, first.record().getClientMessages());
    assertEquals(1L, first.record().getServerMessages());

    // A crash after offset 6 was committed: a new task over the store the checkpoint left.
    Run second = new Run(inner);
    assertEquals(List.of(), second.messages()); // restored: the checkpoint's record, no messages
    assertEquals(0L, second.record().getClientMessages());
    assertEquals(List.of("CLOSE"), second.process(7)); // replays 5 and 6 first, outputs discarded
    assertEquals(2, second.replayed);
    second.commit();
    assertEquals(List.of(SAY, ECHO, "CLOSE 1000"), second.messages());
    assertEquals(2L, second.record().getClientMessages());
  }

  @Test
  void redactedFieldsReachNeitherTheOutputsNorTheViewAndReplaysAreNotCountedTwice() {
    AnalyzerConfig redacting = AnalyzerConfig.DEFAULT.withRedactFields(List.of("content"));
    String say = SAY.replace("\"Merhaba\"", "\"[redacted]\"");
    String echo = ECHO.replace("\"Merhaba\"", "\"[redacted]\"");
    KeyValueStore<String, byte[]> inner = store();
    Run first = new Run(inner, redacting);
    for (int offset = 0; offset <= 4; offset++) {
      first.process(offset);
    }
    first.commit();
    first.process(5);
    assertEquals(List.of("message " + say, "chat say [redacted]"), first.forwardedTexts());
    first.process(6);
    assertEquals(List.of("message " + echo, "chat say [redacted]"), first.forwardedTexts());
    first.commit();
    assertEquals(List.of(say, echo), first.messages());
    assertEquals(2.0, first.redactions());

    Run second = new Run(inner, redacting);
    second.process(7); // replays 5 and 6 into the view, outputs and counts discarded
    second.commit();
    assertEquals(List.of(say, echo, "CLOSE 1000"), second.messages());
    assertEquals(0.0, second.redactions());
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

  /** One task over {@code inner}: a processor, its store with a live view, a replay of SESSION. */
  private static final class Run {
    final MockProcessorContext<String, SpecificRecordBase> context;
    final ConnectionProcessor processor;
    final ConnectionStore store;
    long replayed;

    final PrometheusRegistry registry = new PrometheusRegistry();

    Run(KeyValueStore<String, byte[]> inner) {
      this(inner, AnalyzerConfig.DEFAULT);
    }

    Run(KeyValueStore<String, byte[]> inner, AnalyzerConfig config) {
      Properties p = new Properties();
      p.put(StreamsConfig.APPLICATION_ID_CONFIG, "live-view-test");
      p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
      context = new MockProcessorContext<>(p);
      store = new ConnectionStore(inner, LiveViewConfig.DEFAULT.withEnabled(true));
      store.init(context.getStateStoreContext(), store);
      context.addStateStore(store);
      InputReplay replay =
          (String topic, int partition, long from, long to, BiConsumer<String, PacketRecord> s) -> {
            for (long o = from; o < to; o++) {
              s.accept(KEY, TapflowTopologyTest.record(SESSION.get((int) o)));
              replayed++;
            }
            return 0;
          };
      processor =
          new ConnectionProcessor(config, new ProcessorMetrics(registry), replay, Long.MAX_VALUE);
      processor.init(context);
    }

    /** Processes the record at {@code offset}; returns the opcodes of the messages forwarded. */
    List<String> process(int offset) {
      context.resetForwards();
      context.setRecordMetadata(TOPIC, 0, offset);
      PacketRecord v = TapflowTopologyTest.record(SESSION.get(offset));
      processor.process(new Record<>(KEY, v, v.getTimestamp().toEpochMilli()));
      return context.forwarded().stream()
          .filter(f -> f.record().value() instanceof WebSocketMessage)
          .map(f -> ((WebSocketMessage) f.record().value()).getOpcode().name())
          .toList();
    }

    /** The texts of the messages and the contents of the chat events forwarded last. */
    List<String> forwardedTexts() {
      return context.forwarded().stream()
          .map(f -> f.record().value())
          .filter(v -> v instanceof WebSocketMessage || v instanceof ChatEvent)
          .map(
              v ->
                  v instanceof WebSocketMessage m
                      ? "message " + m.getText()
                      : "chat " + ((ChatEvent) v).getType() + " " + ((ChatEvent) v).getContent())
          .toList();
    }

    /** tapflow_redactions_total{field="content"} of this task's metrics. */
    double redactions() {
      for (var snapshot : registry.scrape()) {
        if (snapshot.getMetadata().getName().equals("tapflow_redactions")) {
          for (var d : ((CounterSnapshot) snapshot).getDataPoints()) {
            return d.getValue();
          }
        }
      }
      return 0;
    }

    void commit() {
      store.flushCache();
    }

    LiveConnection answer() {
      QueryResult<List<LiveConnection>> r =
          store.query(LiveQuery.byKey(KEY), PositionBound.unbounded(), new QueryConfig(false));
      assertEquals(true, r.isSuccess(), r.toString());
      assertEquals(1, r.getResult().size());
      return r.getResult().get(0);
    }

    /** The text of each kept message, or for CLOSE its opcode and code. */
    List<String> messages() {
      return answer().messages().stream()
          .map(m -> m.getText() != null ? m.getText() : m.getOpcode() + " " + m.getCloseCode())
          .toList();
    }

    ConnectionRecord record() {
      return answer().record();
    }
  }
}
