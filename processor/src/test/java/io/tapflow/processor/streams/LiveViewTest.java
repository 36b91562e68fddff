package io.tapflow.processor.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tapflow.processor.analysis.AnalysisListener;
import io.tapflow.processor.analysis.AnalyzerConfig;
import io.tapflow.processor.analysis.ConnectionAnalyzer;
import io.tapflow.processor.analysis.ConnectionInfo;
import io.tapflow.processor.analysis.ConnectionSummary;
import io.tapflow.processor.output.OutputForwarder;
import io.tapflow.processor.tcp.Segment;
import io.tapflow.processor.tcp.TcpConnection.Side;
import io.tapflow.processor.tcp.TcpSession;
import io.tapflow.processor.websocket.WsMessage;
import io.tapflow.processor.websocket.WsOpcode;
import io.tapflow.schemas.ConnectionRecord;
import io.tapflow.schemas.WebSocketMessage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The live view's bounds and freshness: what a task publishes at a commit, how many messages a
 * connection keeps, and which go first when the task's byte budget is passed.
 */
class LiveViewTest {
  private static final ConnectionInfo A = info("a");
  private static final ConnectionInfo B = info("b");
  private static final ConnectionInfo C = info("c");

  /** 36 characters of text: {@value LiveView#MESSAGE_OVERHEAD_BYTES} + 2 x 36 = 200 bytes. */
  private static final int TEXT_200_BYTES = 36;

  @Test
  void aKeptMessageIsEstimatedAtItsOverheadAndTwoBytesACharacter() {
    assertEquals(200, LiveView.estimatedBytes(message(A, "x".repeat(TEXT_200_BYTES))));
    WsMessage binary =
        new WsMessage(
            WsOpcode.BINARY, new byte[1000], 1000, false, null, null, false, 1, 5, 0, false);
    assertEquals(
        LiveView.MESSAGE_OVERHEAD_BYTES + 1000,
        LiveView.estimatedBytes(OutputForwarder.message(A, Side.SERVER, binary)));
  }

  @Test
  void nothingIsPublishedBeforeTheCommitAndEveryChangeIsAfterIt() {
    LiveView view = view(10, 1 << 20);
    ConnectionAnalyzer a = analyzer(TcpSession.standard().handshake());
    view.changed(a);
    view.message(a.info().key(), message(a.info(), "hello"));
    assertEquals(List.of(), view.answer(LiveQuery.byKey(a.info().key())));
    view.refresh();
    LiveConnection c = only(view.answer(LiveQuery.byKey(a.info().key())));
    assertEquals(a.info().key(), c.key());
    assertEquals(7, c.partition());
    ConnectionRecord expected =
        OutputForwarder.connectionRecord(a.summary(ConnectionSummary.Kind.INTERIM));
    assertEquals(expected, c.record());
    assertEquals("S1", c.record().getState());
    assertEquals(false, c.record().getFinal$());
    assertEquals(List.of("hello"), texts(c));
  }

  @Test
  void aConnectionKeepsItsLastMessagesOldestFirst() {
    LiveView view = view(3, 1 << 20);
    for (int i = 1; i <= 5; i++) {
      view.message(A.key(), message(A, "m" + i));
    }
    view.changed(analyzer(A.key(), TcpSession.standard().handshake()));
    view.refresh();
    assertEquals(List.of("m3", "m4", "m5"), texts(only(view.answer(LiveQuery.byKey(A.key())))));
    assertEquals(3 * (LiveView.MESSAGE_OVERHEAD_BYTES + 4), view.historyBytes());
  }

  @Test
  void overTheBudgetTheLeastRecentlyActiveConnectionsMessagesGoFirst() {
    LiveView view = view(50, 1000);
    publishAll(view);
    send(view, A, "a1", "a2");
    send(view, B, "b1", "b2");
    send(view, A, "a3");
    assertEquals(1000, view.historyBytes()); // at the budget, not past it
    send(view, C, "c1"); // B is the least recently active: all of B goes
    assertEquals(800, view.historyBytes());
    view.refresh();
    assertEquals(List.of("a1", "a2", "a3"), kept(view, A));
    assertEquals(List.of(), kept(view, B));
    assertEquals(List.of("c1"), kept(view, C));
    send(view, B, "b3");
    send(view, A, "a4"); // now C is the least recently active
    view.refresh();
    assertEquals(List.of("a1", "a2", "a3", "a4"), kept(view, A));
    assertEquals(List.of("b3"), kept(view, B));
    assertEquals(List.of(), kept(view, C));
    assertEquals(1000, view.historyBytes());
  }

  @Test
  void aConnectionAloneOverTheBudgetLosesItsOldestMessagesAndOneLargerThanTheBudgetIsNotKept() {
    LiveView view = view(50, 500);
    publishAll(view);
    send(view, A, "a1", "a2", "a3");
    assertEquals(400, view.historyBytes());
    view.refresh();
    assertEquals(List.of("a2", "a3"), kept(view, A));
    // 128 + 2 x 236 = 600 bytes: more than the whole budget.
    view.message(A.key(), message(A, "x".repeat(236)));
    assertEquals(0, view.historyBytes());
    view.refresh();
    assertEquals(List.of(), kept(view, A));
  }

  @Test
  void aForgottenConnectionLeavesTheViewAtTheNextCommitAndItsMessagesTheBudget() {
    LiveView view = view(50, 1 << 20);
    publishAll(view);
    send(view, A, "a1");
    send(view, B, "b1");
    view.refresh();
    view.forgotten(A.key());
    assertEquals(200, view.historyBytes());
    assertEquals(1, view.answer(LiveQuery.byKey(A.key())).size()); // until the commit
    view.refresh();
    assertEquals(List.of(), view.answer(LiveQuery.byKey(A.key())));
    assertEquals(List.of("b1"), kept(view, B));
  }

  @Test
  void newMessagesAloneRepublishTheRecordAsItWas() {
    LiveView view = view(50, 1 << 20);
    publishAll(view);
    ConnectionRecord before = only(view.answer(LiveQuery.byKey(A.key()))).record();
    send(view, A, "a1");
    view.refresh();
    LiveConnection after = only(view.answer(LiveQuery.byKey(A.key())));
    assertSame(before, after.record());
    assertEquals(List.of("a1"), kept(view, A));
  }

  @Test
  void openConnectionsAndLookupsByConnectionIdAndCommunityId() {
    LiveView view = view(50, 1 << 20);
    TcpSession s = TcpSession.standard();
    List<Segment> segments = new java.util.ArrayList<>(s.handshake());
    ConnectionAnalyzer open = analyzer("s1|open", segments);
    segments.addAll(s.close());
    ConnectionAnalyzer ended = analyzer("s1|ended", segments);
    assertTrue(ended.finished());
    view.changed(open);
    view.changed(ended);
    view.refresh();
    LiveConnection e = only(view.answer(LiveQuery.byKey("s1|ended")));
    assertEquals(true, e.record().getFinal$());
    assertEquals("fin", e.record().getEndReason());
    assertEquals(
        List.of("s1|open"),
        view.answer(LiveQuery.open()).stream().map(LiveConnection::key).toList());
    assertEquals(
        List.of("s1|ended"),
        view.answer(LiveQuery.byName(e.record().getConnectionId())).stream()
            .map(LiveConnection::key)
            .toList());
    // Both connections have the same endpoints: one Community ID (it names the flow), two keys.
    assertEquals(
        List.of("s1|ended", "s1|open"),
        view.answer(LiveQuery.byName(e.record().getCommunityId())).stream()
            .map(LiveConnection::key)
            .sorted()
            .toList());
  }

  @Test
  void aViewThatIsOffKeepsNothing() {
    LiveView view = LiveView.NONE;
    view.changed(analyzer(A.key(), TcpSession.standard().handshake()));
    view.message(A.key(), message(A, "a1"));
    view.refresh();
    assertEquals(List.of(), view.answer(LiveQuery.open()));
    assertEquals(0, view.historyBytes());
  }

  // ---- helpers ----

  private static LiveView view(int messages, long bytes) {
    return new LiveView(
        LiveViewConfig.DEFAULT
            .withEnabled(true)
            .withMessagesPerConnection(messages)
            .withMessageBytesPerTask(bytes),
        7);
  }

  /** Publishes A, B and C (records of one open connection each) so messages can be read. */
  private static void publishAll(LiveView view) {
    for (ConnectionInfo c : List.of(A, B, C)) {
      view.changed(analyzer(c.key(), TcpSession.standard().handshake()));
    }
    view.refresh();
  }

  /** Sends 200-byte messages whose text starts with each of {@code names}. */
  private static void send(LiveView view, ConnectionInfo c, String... names) {
    for (String n : names) {
      view.message(c.key(), message(c, n + "x".repeat(TEXT_200_BYTES - n.length())));
    }
  }

  private static List<String> kept(LiveView view, ConnectionInfo c) {
    return texts(only(view.answer(LiveQuery.byKey(c.key())))).stream()
        .map(t -> t.replace("x", ""))
        .toList();
  }

  private static ConnectionAnalyzer analyzer(List<Segment> segments) {
    return analyzer("s1|10.0.0.1:50000|10.0.0.2:8080", segments);
  }

  private static ConnectionAnalyzer analyzer(String key, List<Segment> segments) {
    ConnectionAnalyzer a =
        ConnectionAnalyzer.open(key, "s1", segments.get(0), AnalyzerConfig.DEFAULT);
    for (Segment s : segments) {
      a.onSegment(s, AnalysisListener.DISCARD);
    }
    return a;
  }

  private static ConnectionInfo info(String name) {
    return new ConnectionInfo("s1|" + name, "C" + name, "s1", "10.0.0.1:1", "10.0.0.2:2");
  }

  private static WebSocketMessage message(ConnectionInfo c, String text) {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    return OutputForwarder.message(
        c,
        Side.CLIENT,
        new WsMessage(WsOpcode.TEXT, b, b.length, false, null, null, false, 1, 5, 0, false));
  }

  private static LiveConnection only(List<LiveConnection> found) {
    assertEquals(1, found.size(), found.toString());
    return found.get(0);
  }

  private static List<String> texts(LiveConnection c) {
    return c.messages().stream().map(WebSocketMessage::getText).toList();
  }
}
