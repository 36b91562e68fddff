package io.tapflow.processor.tcp;

/** Receives one direction of a TCP connection as an in-order byte stream. */
public interface StreamListener {
  /** Delivers the next {@code len} bytes of the stream, captured at {@code timestampNanos}. */
  void onData(byte[] buf, int off, int len, long timestampNanos);

  /** Reports {@code length} bytes of the stream that were never captured. */
  void onGap(long length, long timestampNanos);

  /** Reports the end of this direction (FIN, RST, timeout or end of capture). */
  void onEnd(long timestampNanos);

  /** Reports a named TCP anomaly of this direction (e.g. tcp_overlap_conflict). */
  void onAnomaly(String code, String detail, long timestampNanos);
}
