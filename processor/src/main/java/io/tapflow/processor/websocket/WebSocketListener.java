package io.tapflow.processor.websocket;

/** Receives what a {@link WebSocketDecoder} decodes from one direction of a connection. */
public interface WebSocketListener {

  /** A data message reassembled from its fragments and inflated, or one control frame. */
  void onMessage(WsMessage message);

  /**
   * A protocol violation or a decoding limit.
   *
   * @param code one of the stable codes in {@link WebSocketAnomalies}
   * @param detail space-separated {@code key=value} pairs
   * @param timestampNanos capture time of the data that revealed the anomaly
   */
  void onAnomaly(String code, String detail, long timestampNanos);
}
