package io.tapflow.processor.analysis;

import io.tapflow.processor.tcp.TcpReassembler;
import io.tapflow.processor.websocket.WebSocketConfig;

/**
 * How connections are analysed; one immutable value with its defaults in {@link #DEFAULT}.
 *
 * @param reassembly bounds of each direction's out-of-order buffer
 * @param webSocket WebSocket decoding limits
 * @param maxHttpHeadBytes longest HTTP head accepted
 * @param finishedLingerNanos how long (capture time) a finished connection is remembered, so that
 *     its last stray packets are not taken for a new connection
 */
public record AnalyzerConfig(
    TcpReassembler.Limits reassembly,
    WebSocketConfig webSocket,
    int maxHttpHeadBytes,
    long finishedLingerNanos) {

  public static final AnalyzerConfig DEFAULT =
      new AnalyzerConfig(
          TcpReassembler.Limits.DEFAULT, WebSocketConfig.DEFAULT, 64 * 1024, 30_000_000_000L);
}
