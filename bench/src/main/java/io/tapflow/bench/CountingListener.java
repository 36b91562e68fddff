package io.tapflow.bench;

import io.tapflow.processor.analysis.AnalysisListener;
import io.tapflow.processor.analysis.ConnectionInfo;
import io.tapflow.processor.analysis.ConnectionSummary;
import io.tapflow.processor.app.AppEvent;
import io.tapflow.processor.tcp.TcpConnection.Side;
import io.tapflow.processor.websocket.WsMessage;

/** Counts what the analysis emits and keeps nothing else: the benchmarks' listener. */
public final class CountingListener implements AnalysisListener {
  public long messages;
  public long appEvents;
  public long connectionRecords;
  public long gaps;
  public long anomalies;
  public String lastAnomaly;
  public long redactedValues;
  public long redactionUnparsed;

  @Override
  public void onMessage(ConnectionInfo connection, Side sender, WsMessage message) {
    messages++;
  }

  @Override
  public void onAppEvent(ConnectionInfo connection, Side sender, long timestampNanos, AppEvent e) {
    appEvents++;
  }

  @Override
  public void onConnectionRecord(ConnectionSummary summary) {
    connectionRecords++;
  }

  @Override
  public void onFirstMessage(ConnectionInfo connection, long nanosSinceUpgrade) {}

  @Override
  public void onGap(ConnectionInfo connection, Side side, long length, long timestampNanos) {
    gaps++;
  }

  @Override
  public void onAnomaly(ConnectionInfo connection, String code, String detail, long ts) {
    anomalies++;
    lastAnomaly = code + " " + detail;
  }

  @Override
  public void onRedacted(ConnectionInfo connection, Side sender, String field, int count) {
    redactedValues += count;
  }

  @Override
  public void onRedactionUnparsed(ConnectionInfo connection, Side sender) {
    redactionUnparsed++;
  }
}
