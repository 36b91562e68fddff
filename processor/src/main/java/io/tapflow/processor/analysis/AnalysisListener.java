package io.tapflow.processor.analysis;

import io.tapflow.processor.app.AppEvent;
import io.tapflow.processor.tcp.TcpConnection.Side;
import io.tapflow.processor.websocket.WsMessage;

/** Receives everything a {@link ConnectionAnalyzer} decodes; the only way out of the analysis. */
public interface AnalysisListener {
  /** Takes everything and keeps nothing: what a replay of already committed input reports. */
  AnalysisListener DISCARD =
      new AnalysisListener() {
        @Override
        public void onMessage(ConnectionInfo connection, Side sender, WsMessage message) {}

        @Override
        public void onAppEvent(
            ConnectionInfo connection, Side sender, long timestampNanos, AppEvent event) {}

        @Override
        public void onConnectionRecord(ConnectionSummary summary) {}

        @Override
        public void onFirstMessage(ConnectionInfo connection, long nanosSinceUpgrade) {}

        @Override
        public void onGap(ConnectionInfo connection, Side side, long length, long timestampNanos) {}

        @Override
        public void onAnomaly(
            ConnectionInfo connection, String code, String detail, long timestampNanos) {}

        @Override
        public void onRedacted(ConnectionInfo connection, Side sender, String field, int count) {}

        @Override
        public void onRedactionUnparsed(ConnectionInfo connection, Side sender) {}
      };

  /** A WebSocket message sent by {@code sender}. */
  void onMessage(ConnectionInfo connection, Side sender, WsMessage message);

  /** An application event decoded from a text message sent by {@code sender}. */
  void onAppEvent(ConnectionInfo connection, Side sender, long timestampNanos, AppEvent event);

  /** A connection record: at upgrade, at intervals, and a final one when the connection ends. */
  void onConnectionRecord(ConnectionSummary summary);

  /** The first WebSocket message of an upgraded connection, {@code nanos} after its 101. */
  void onFirstMessage(ConnectionInfo connection, long nanosSinceUpgrade);

  /** {@code length} bytes sent by {@code side} that the capture missed (a gap in its stream). */
  void onGap(ConnectionInfo connection, Side side, long length, long timestampNanos);

  /** A named anomaly: a stable snake_case code and key=value detail. */
  void onAnomaly(ConnectionInfo connection, String code, String detail, long timestampNanos);

  /**
   * {@code count} values of the configured field {@code field} were redacted in one text message
   * sent by {@code sender}, just before that message is reported.
   */
  void onRedacted(ConnectionInfo connection, Side sender, String field, int count);

  /**
   * A text message sent by {@code sender} could not be checked for the configured fields (it is not
   * one JSON value); it is reported as it was, just after this.
   */
  void onRedactionUnparsed(ConnectionInfo connection, Side sender);
}
