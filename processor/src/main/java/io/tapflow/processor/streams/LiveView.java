package io.tapflow.processor.streams;

import io.tapflow.processor.analysis.AnalysisListener;
import io.tapflow.processor.analysis.ConnectionAnalyzer;
import io.tapflow.processor.analysis.ConnectionInfo;
import io.tapflow.processor.analysis.ConnectionSummary;
import io.tapflow.processor.analysis.ConnectionTable;
import io.tapflow.processor.app.AppEvent;
import io.tapflow.processor.output.OutputForwarder;
import io.tapflow.processor.tcp.TcpConnection.Side;
import io.tapflow.processor.websocket.WsMessage;
import io.tapflow.schemas.WebSocketMessage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Publishes one task's connections for interactive queries: each connection's record as of the
 * task's last commit and its last messages, in a map that any thread may read.
 *
 * <p><b>Threads.</b> The analyzers may only be touched on the task's stream thread, and they change
 * with every packet. So the stream thread notes which connections changed ({@link #changed}, {@link
 * #forgotten}: the connection table's events, through {@link #watching}) and keeps each
 * connection's last messages as the processor forwards them ({@link #message}); at every commit
 * ({@link #refresh}, from the store's before-flush hook, whether or not a checkpoint is due) it
 * builds, for the connections changed since the last refresh, an immutable {@link LiveConnection}
 * (the record {@link OutputForwarder} would build from {@link ConnectionAnalyzer#summary}, and a
 * copy of the last messages) and puts it in a concurrent map. {@link #answer} reads only that map,
 * on any thread. An answer is as fresh as the task's last commit (the commit interval, 100 ms by
 * default) and consistent per connection: its record counts exactly the messages that are listed up
 * to that commit.
 *
 * <p><b>Bounds.</b> A connection is in the view while its task tracks it (bounded by {@link
 * io.tapflow.processor.analysis.AnalyzerConfig#maxConnections()}); forgotten connections leave it
 * at the next refresh. Each connection keeps at most {@link LiveViewConfig#messagesPerConnection()}
 * messages, and the kept messages of the task at most {@link LiveViewConfig#messageBytesPerTask()}
 * estimated bytes ({@link #estimatedBytes}): past it, the messages of the connection that sent or
 * received one least recently go first, whole; a connection left alone over the budget loses its
 * oldest messages. Published copies that no longer hold let go of messages live until the next
 * refresh replaces them.
 *
 * <p><b>Restarts.</b> A task that starts again (restart, migration) publishes its connections as
 * restored from the checkpoint at once, without messages; before its first record it replays the
 * input since the checkpoint with outputs discarded, and the messages decoded in that replay fill
 * the histories ({@link #replayListener()}). So a restarted task answers with the messages since
 * its last checkpoint (up to 10 s of them by default), not with the ones before: those are in the
 * messages topic.
 */
final class LiveView {
  /** A view that keeps and answers nothing: the processor's hooks cost one branch. */
  static final LiveView NONE = new LiveView(LiveViewConfig.DEFAULT.withEnabled(false), -1);

  /**
   * Heap bytes of a kept message beyond its text and payload: the Avro record with its boxed fields
   * and timestamp, and the history's slot; the identity strings are shared with the analyzer.
   */
  static final long MESSAGE_OVERHEAD_BYTES = 128;

  private final boolean enabled;
  private final int capacity;
  private final long budget;
  private final int partition;

  // ---- stream thread only ----

  /** Changed since the last refresh: the analyzer, or null for a connection forgotten. */
  private final Map<String, ConnectionAnalyzer> dirty = new HashMap<>();

  /** Connections whose kept messages changed since the last refresh. */
  private final Set<String> historyChanged = new HashSet<>();

  /** Kept messages per connection; iteration starts at the least recently active one. */
  private final LinkedHashMap<String, History> histories = new LinkedHashMap<>();

  private long historyBytes;

  // ---- shared ----

  private final ConcurrentHashMap<String, LiveConnection> published = new ConcurrentHashMap<>();

  /** One connection's last messages and their estimated bytes. */
  private static final class History {
    final ArrayDeque<WebSocketMessage> messages = new ArrayDeque<>();
    long bytes;

    /** The copy published last; replaced at a refresh after the messages changed. */
    List<WebSocketMessage> published = List.of();
  }

  LiveView(LiveViewConfig config, int partition) {
    this.enabled = config.enabled();
    this.capacity = config.messagesPerConnection();
    this.budget = config.messageBytesPerTask();
    this.partition = partition;
  }

  boolean enabled() {
    return enabled;
  }

  /** Whether messages are kept at all (else a replay need not decode them into records). */
  boolean keepsMessages() {
    return enabled && capacity > 0;
  }

  /** Stream thread: the task starts (again); nothing it published before holds. */
  void reset() {
    if (!enabled) {
      return;
    }
    dirty.clear();
    historyChanged.clear();
    histories.clear();
    historyBytes = 0;
    published.clear();
  }

  /** Stream thread: connection {@code a} changed; its record is rebuilt at the next refresh. */
  void changed(ConnectionAnalyzer a) {
    if (enabled) {
      dirty.put(a.info().key(), a);
    }
  }

  /**
   * The connection table's events for a table whose changes this view follows: {@code inner}'s,
   * plus {@link #changed} and {@link #forgotten}; {@code inner} itself when the view is off.
   */
  ConnectionTable.Events watching(ConnectionTable.Events inner) {
    if (!enabled) {
      return inner;
    }
    return new ConnectionTable.Events() {
      @Override
      public void opened(ConnectionAnalyzer a) {
        inner.opened(a);
      }

      @Override
      public void ended(ConnectionAnalyzer a) {
        inner.ended(a);
      }

      @Override
      public void forgotten(ConnectionAnalyzer a) {
        inner.forgotten(a);
        LiveView.this.forgotten(a.info().key());
      }

      @Override
      public void lost(String sensor, long records) {
        inner.lost(sensor, records);
      }

      @Override
      public void changed(ConnectionAnalyzer a) {
        inner.changed(a);
        LiveView.this.changed(a);
      }
    };
  }

  /**
   * Where a replay of input whose outputs are committed already reports: nothing is forwarded or
   * counted; the messages decoded only go to this view's histories ({@link
   * AnalysisListener#DISCARD} when it keeps none).
   */
  AnalysisListener replayListener() {
    if (!keepsMessages()) {
      return AnalysisListener.DISCARD;
    }
    return new AnalysisListener() {
      @Override
      public void onMessage(ConnectionInfo c, Side sender, WsMessage m) {
        message(c.key(), OutputForwarder.message(c, sender, m));
      }

      @Override
      public void onAppEvent(ConnectionInfo c, Side sender, long ts, AppEvent e) {}

      @Override
      public void onConnectionRecord(ConnectionSummary s) {}

      @Override
      public void onFirstMessage(ConnectionInfo c, long nanosSinceUpgrade) {}

      @Override
      public void onGap(ConnectionInfo c, Side side, long length, long ts) {}

      @Override
      public void onAnomaly(ConnectionInfo c, String code, String detail, long ts) {}

      @Override
      public void onRedacted(ConnectionInfo c, Side sender, String field, int count) {}

      @Override
      public void onRedactionUnparsed(ConnectionInfo c, Side sender) {}
    };
  }

  /**
   * Stream thread: the task forgot connection {@code key}; it leaves the view at the next refresh.
   */
  void forgotten(String key) {
    if (!enabled) {
      return;
    }
    dirty.put(key, null);
    History h = histories.remove(key);
    if (h != null) {
      historyBytes -= h.bytes;
    }
    historyChanged.remove(key);
  }

  /**
   * Stream thread: {@code value} was forwarded to {@code output} for connection {@code key}; a
   * message is kept.
   */
  void sent(String output, String key, SpecificRecordBase value) {
    if (keepsMessages()
        && value instanceof WebSocketMessage m
        && output.equals(OutputForwarder.MESSAGES)) {
      message(key, m);
    }
  }

  /** Stream thread: connection {@code key} sent or received {@code m}. */
  void message(String key, WebSocketMessage m) {
    if (!keepsMessages()) {
      return;
    }
    // Re-inserted, so that iteration order is the order of last activity.
    History h = histories.remove(key);
    if (h == null) {
      h = new History();
    }
    histories.put(key, h);
    long size = estimatedBytes(m);
    h.messages.addLast(m);
    h.bytes += size;
    historyBytes += size;
    if (h.messages.size() > capacity) {
      long old = estimatedBytes(h.messages.removeFirst());
      h.bytes -= old;
      historyBytes -= old;
    }
    historyChanged.add(key);
    while (historyBytes > budget) {
      shed(key, h);
    }
  }

  /**
   * Lets go of the messages of the least recently active connection other than {@code key}, or,
   * when {@code key}'s are the only ones left, of its oldest message.
   */
  private void shed(String key, History current) {
    Iterator<Map.Entry<String, History>> it = histories.entrySet().iterator();
    Map.Entry<String, History> eldest = it.next();
    if (eldest.getValue() != current) {
      it.remove();
      historyBytes -= eldest.getValue().bytes;
      historyChanged.add(eldest.getKey());
      return;
    }
    long old = estimatedBytes(current.messages.removeFirst());
    current.bytes -= old;
    historyBytes -= old;
    if (current.messages.isEmpty()) {
      histories.remove(key);
    }
  }

  /**
   * Stream thread, at every commit: publishes the connections changed since the last refresh and
   * removes the ones forgotten.
   */
  void refresh() {
    if (!enabled) {
      return;
    }
    for (String key : historyChanged) {
      History h = histories.get(key);
      if (h != null) {
        h.published = List.copyOf(h.messages);
      }
    }
    for (Map.Entry<String, ConnectionAnalyzer> e : dirty.entrySet()) {
      String key = e.getKey();
      ConnectionAnalyzer a = e.getValue();
      if (a == null) {
        published.remove(key);
      } else {
        ConnectionSummary s =
            a.summary(a.finished() ? ConnectionSummary.Kind.FINAL : ConnectionSummary.Kind.INTERIM);
        published.put(
            key,
            new LiveConnection(
                key, partition, OutputForwarder.connectionRecord(s), publishedMessages(key)));
      }
    }
    for (String key : historyChanged) {
      if (!dirty.containsKey(key)) {
        LiveConnection c = published.get(key);
        if (c != null) {
          published.put(
              key, new LiveConnection(key, partition, c.record(), publishedMessages(key)));
        }
      }
    }
    dirty.clear();
    historyChanged.clear();
  }

  private List<WebSocketMessage> publishedMessages(String key) {
    History h = histories.get(key);
    return h == null ? List.of() : h.published;
  }

  /** Any thread: what the task published last that {@code query} selects. */
  List<LiveConnection> answer(LiveQuery query) {
    return switch (query.selection()) {
      case KEY -> {
        LiveConnection c = published.get(query.value());
        yield c == null ? List.of() : List.of(c);
      }
      case NAME -> {
        List<LiveConnection> found = new ArrayList<>();
        for (LiveConnection c : published.values()) {
          if (query.value().equals(c.record().getConnectionId())
              || query.value().equals(c.record().getCommunityId())) {
            found.add(c);
          }
        }
        yield found;
      }
      case OPEN -> {
        List<LiveConnection> open = new ArrayList<>();
        for (LiveConnection c : published.values()) {
          if (!c.record().getFinal$()) {
            open.add(c);
          }
        }
        yield open;
      }
    };
  }

  /** Stream thread: the estimated bytes the kept messages hold now (for tests and metrics). */
  long historyBytes() {
    return historyBytes;
  }

  /**
   * The heap a kept message is estimated to hold: {@link #MESSAGE_OVERHEAD_BYTES}, two bytes a
   * character of text and close reason, and the payload bytes.
   */
  static long estimatedBytes(WebSocketMessage m) {
    long size = MESSAGE_OVERHEAD_BYTES;
    if (m.getText() != null) {
      size += 2L * m.getText().length();
    }
    if (m.getPayload() != null) {
      size += m.getPayload().remaining();
    }
    if (m.getCloseReason() != null) {
      size += 2L * m.getCloseReason().length();
    }
    return size;
  }
}
