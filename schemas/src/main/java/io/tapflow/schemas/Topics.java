package io.tapflow.schemas;

/**
 * Names the Kafka topics tapflow reads and writes.
 *
 * @param packets TCP segments from sensors, keyed by connection key
 * @param messages decoded WebSocket messages
 * @param connections connection records
 * @param chat application (chat) events
 * @param anomalies protocol anomalies
 * @param deadLetters packets-topic records that could not be decoded, with the reason in headers
 */
public record Topics(
    String packets,
    String messages,
    String connections,
    String chat,
    String anomalies,
    String deadLetters) {

  /** The default topic names. */
  public static final Topics DEFAULT =
      new Topics(
          "tapflow.packets",
          "tapflow.ws.messages",
          "tapflow.connections",
          "tapflow.chat",
          "tapflow.anomalies",
          "tapflow.packets.dlq");

  /**
   * Returns these names with every topic prefixed, for running several pipelines on one cluster.
   */
  public Topics withPrefix(String prefix) {
    return new Topics(
        prefix + packets,
        prefix + messages,
        prefix + connections,
        prefix + chat,
        prefix + anomalies,
        prefix + deadLetters);
  }
}
