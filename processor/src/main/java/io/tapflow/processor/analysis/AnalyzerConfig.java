package io.tapflow.processor.analysis;

import io.tapflow.processor.app.JsonFieldRedactor;
import io.tapflow.processor.tcp.TcpReassembler;
import io.tapflow.processor.websocket.WebSocketConfig;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * How connections are analysed and how long they are kept; one immutable value with its defaults in
 * {@link #DEFAULT}. Every duration is capture time, never wall-clock time.
 *
 * @param reassembly bounds of each direction's reassembly buffers
 * @param webSocket WebSocket decoding limits
 * @param maxHttpHeadBytes longest HTTP head accepted
 * @param duplicateWindowNanos how close two identical packets must be to count as one captured
 *     twice
 * @param idleTimeoutNanos a connection with no packet for this long ends (reason idle)
 * @param interimIntervalNanos an open connection gets an interim record this often
 * @param finishedLingerNanos how long a finished connection is remembered, so that its last stray
 *     packets are not taken for a new connection
 * @param maxConnections connections tracked per processor task; beyond it the least recently active
 *     one ends (reason evicted)
 * @param redactFields names of the JSON object members whose values are replaced by {@code
 *     "[redacted]"} in every text message before it is reported or decoded further (see {@link
 *     JsonFieldRedactor}); empty (the default) redacts nothing and costs nothing. Distinct and
 *     non-empty, in the order given
 */
public record AnalyzerConfig(
    TcpReassembler.Limits reassembly,
    WebSocketConfig webSocket,
    int maxHttpHeadBytes,
    long duplicateWindowNanos,
    long idleTimeoutNanos,
    long interimIntervalNanos,
    long finishedLingerNanos,
    int maxConnections,
    List<String> redactFields) {

  public static final AnalyzerConfig DEFAULT =
      new AnalyzerConfig(
          TcpReassembler.Limits.DEFAULT,
          WebSocketConfig.DEFAULT,
          64 * 1024,
          1_000_000L,
          300_000_000_000L,
          60_000_000_000L,
          30_000_000_000L,
          200_000,
          List.of());

  /**
   * Checks and copies the redacted field names, dropping repeats.
   *
   * @throws IllegalArgumentException when a name is empty
   */
  public AnalyzerConfig {
    for (String name : redactFields) {
      if (name.isEmpty()) {
        throw new IllegalArgumentException("a redacted field name must not be empty");
      }
    }
    redactFields = List.copyOf(new LinkedHashSet<>(redactFields));
  }

  /** These settings with other bounds on each direction's reassembly buffers. */
  public AnalyzerConfig withReassembly(TcpReassembler.Limits limits) {
    return new AnalyzerConfig(
        limits,
        webSocket,
        maxHttpHeadBytes,
        duplicateWindowNanos,
        idleTimeoutNanos,
        interimIntervalNanos,
        finishedLingerNanos,
        maxConnections,
        redactFields);
  }

  /** These settings with another connection limit. */
  public AnalyzerConfig withMaxConnections(int max) {
    return new AnalyzerConfig(
        reassembly,
        webSocket,
        maxHttpHeadBytes,
        duplicateWindowNanos,
        idleTimeoutNanos,
        interimIntervalNanos,
        finishedLingerNanos,
        max,
        redactFields);
  }

  /** These settings with another idle timeout and interim interval. */
  public AnalyzerConfig withTimeouts(long idleNanos, long interimNanos) {
    return new AnalyzerConfig(
        reassembly,
        webSocket,
        maxHttpHeadBytes,
        duplicateWindowNanos,
        idleNanos,
        interimNanos,
        finishedLingerNanos,
        maxConnections,
        redactFields);
  }

  /** These settings with the values of the JSON members named {@code names} redacted. */
  public AnalyzerConfig withRedactFields(List<String> names) {
    return new AnalyzerConfig(
        reassembly,
        webSocket,
        maxHttpHeadBytes,
        duplicateWindowNanos,
        idleTimeoutNanos,
        interimIntervalNanos,
        finishedLingerNanos,
        maxConnections,
        names);
  }
}
