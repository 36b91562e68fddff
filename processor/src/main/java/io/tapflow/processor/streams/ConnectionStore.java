package io.tapflow.processor.streams;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.query.FailureReason;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.internals.WrappedStateStore;

/**
 * Holds the connections' analyzer snapshots and asks its processor for the changed ones just before
 * Kafka Streams flushes the store for a commit.
 *
 * <p>It also carries its task's {@link LiveView} when interactive queries are on, and answers
 * {@link LiveQuery} from it: Kafka Streams hands an IQv2 query for a partition to the store of that
 * partition's task, so {@code KafkaStreams.query} reaches the view of the task holding the key.
 *
 * <p>A processor keeps its analyzers in memory and marks the ones a record changed; when the task
 * commits, Kafka Streams flushes the store's cache ({@code flushCache}, inside the commit and so
 * inside the exactly-once transaction, before the offsets are committed), and this store first has
 * the processor write every changed analyzer. So the changelog, the outputs and the input offsets
 * still commit together, but a connection is serialised once per commit instead of once per packet.
 * Kafka Streams hands processors a decorator of the store, so the processor finds its store through
 * {@link #forTask}.
 *
 * <p>This relies on {@link WrappedStateStore#flushCache()} being called at every commit, which is
 * Kafka Streams' internal contract (4.4); {@code ProcessorRestartEndToEndTest} fails if it stops.
 */
final class ConnectionStore extends WrappedStateStore<KeyValueStore<String, byte[]>, String, byte[]>
    implements KeyValueStore<String, byte[]> {
  private static final Map<String, ConnectionStore> BY_TASK = new ConcurrentHashMap<>();

  private final LiveViewConfig liveView;
  private TaskId taskId;
  private Runnable beforeFlush = () -> {};
  private LiveView view = LiveView.NONE;

  ConnectionStore(KeyValueStore<String, byte[]> inner) {
    this(inner, LiveViewConfig.DEFAULT);
  }

  ConnectionStore(KeyValueStore<String, byte[]> inner, LiveViewConfig liveView) {
    super(inner);
    this.liveView = liveView;
  }

  /** The store of {@code taskId} in this JVM (application ids keep several apps apart). */
  static ConnectionStore forTask(String applicationId, TaskId taskId) {
    ConnectionStore s = BY_TASK.get(applicationId + "/" + taskId);
    if (s == null) {
      throw new IllegalStateException("no connection store for task " + taskId);
    }
    return s;
  }

  /** Runs {@code hook} before every flush of the store (every commit). */
  void beforeFlush(Runnable hook) {
    beforeFlush = hook;
  }

  /**
   * The live view of this store's task ({@link LiveView#NONE} when interactive queries are off).
   */
  LiveView view() {
    return view;
  }

  @Override
  public void init(StateStoreContext context, StateStore root) {
    super.init(context, root);
    taskId = context.taskId();
    view = liveView.enabled() ? new LiveView(liveView, taskId.partition()) : LiveView.NONE;
    BY_TASK.put(context.applicationId() + "/" + taskId, this);
  }

  @Override
  public void flushCache() {
    beforeFlush.run();
    super.flushCache();
  }

  @Override
  public void close() {
    BY_TASK.values().remove(this);
    super.close();
  }

  @Override
  public void put(String key, byte[] value) {
    wrapped().put(key, value);
  }

  @Override
  public byte[] putIfAbsent(String key, byte[] value) {
    return wrapped().putIfAbsent(key, value);
  }

  @Override
  public void putAll(List<KeyValue<String, byte[]>> entries) {
    wrapped().putAll(entries);
  }

  @Override
  public byte[] delete(String key) {
    return wrapped().delete(key);
  }

  @Override
  public byte[] get(String key) {
    return wrapped().get(key);
  }

  @Override
  public KeyValueIterator<String, byte[]> range(String from, String to) {
    return wrapped().range(from, to);
  }

  @Override
  public KeyValueIterator<String, byte[]> all() {
    return wrapped().all();
  }

  @Override
  public long approximateNumEntries() {
    return wrapped().approximateNumEntries();
  }

  /** Answers a {@link LiveQuery} from the task's live view; any other query goes to the store. */
  @Override
  @SuppressWarnings("unchecked")
  public <R> QueryResult<R> query(Query<R> query, PositionBound bound, QueryConfig config) {
    if (query instanceof LiveQuery live) {
      if (!view.enabled()) {
        return QueryResult.forFailure(
            FailureReason.UNKNOWN_QUERY_TYPE, "the live view is off in this processor");
      }
      return (QueryResult<R>) QueryResult.forResult(view.answer(live));
    }
    return wrapped().query(query, bound, config);
  }

  @Override
  public Position getPosition() {
    return wrapped().getPosition();
  }

  /**
   * Builds {@link ConnectionStore}s around the stores {@code inner} builds, each with a live view
   * as {@code liveView} says.
   */
  static StoreBuilder<ConnectionStore> builder(
      StoreBuilder<KeyValueStore<String, byte[]>> inner, LiveViewConfig liveView) {
    return new StoreBuilder<>() {
      @Override
      public StoreBuilder<ConnectionStore> withCachingEnabled() {
        inner.withCachingEnabled();
        return this;
      }

      @Override
      public StoreBuilder<ConnectionStore> withCachingDisabled() {
        inner.withCachingDisabled();
        return this;
      }

      @Override
      public StoreBuilder<ConnectionStore> withLoggingEnabled(Map<String, String> config) {
        inner.withLoggingEnabled(config);
        return this;
      }

      @Override
      public StoreBuilder<ConnectionStore> withLoggingDisabled() {
        inner.withLoggingDisabled();
        return this;
      }

      @Override
      public ConnectionStore build() {
        return new ConnectionStore(inner.build(), liveView);
      }

      @Override
      public Map<String, String> logConfig() {
        return inner.logConfig();
      }

      @Override
      public boolean loggingEnabled() {
        return inner.loggingEnabled();
      }

      @Override
      public String name() {
        return inner.name();
      }
    };
  }
}
