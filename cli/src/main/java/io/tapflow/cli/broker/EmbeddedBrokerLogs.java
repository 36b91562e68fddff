package io.tapflow.cli.broker;

/**
 * Log levels for an embedded broker that serves one command's run in the command's own process
 * ({@code analyze}, {@code demo}), where the broker's log lines land between the run's output.
 *
 * <p>At the launcher's default level (error) the one broker logger that speaks in a healthy run is
 * {@code kafka.server.ReplicaManager}: with transactions v2 (Kafka 4), when a transactional
 * producer's first batches to a partition are in flight together, the broker refuses the later ones
 * with {@code OutOfOrderSequenceException} ("Expected sequence 0 for transactions v2 idempotent
 * producer with no existing state") until the first is written, and the producer sends them again.
 * Nothing is lost, but each refusal is an ERROR with a stack trace among the summary lines (seen in
 * {@code bench/run analyze} on 215 724 packets, and by the processor's first transaction in {@code
 * bench/run latency}). An append that really fails reaches the run as its producer's error, so this
 * logger is turned off for such runs. slf4j-simple reads a logger's level when the logger is made,
 * so this must run before the broker starts.
 */
public final class EmbeddedBrokerLogs {
  /** slf4j-simple's property for the default level ({@code bin/tapflow} sets error). */
  static final String DEFAULT_LEVEL = "org.slf4j.simpleLogger.defaultLogLevel";

  /** slf4j-simple's property prefix for one logger's level. */
  static final String LOGGER_LEVEL = "org.slf4j.simpleLogger.log.";

  /** The broker's logger that reports the refused batches. */
  static final String REPLICA_MANAGER = "kafka.server.ReplicaManager";

  private EmbeddedBrokerLogs() {}

  /**
   * Turns {@code kafka.server.ReplicaManager}'s log off when the default level is error and no
   * level is set for that logger; a user who asks for more ({@code TAPFLOW_LOG_LEVEL=warn} or a
   * level of the logger's own) gets it unchanged.
   */
  public static void quietForOneRun() {
    quiet(REPLICA_MANAGER);
  }

  /** {@link #quietForOneRun()} for the logger named {@code logger}. */
  static void quiet(String logger) {
    String key = LOGGER_LEVEL + logger;
    if ("error".equalsIgnoreCase(System.getProperty(DEFAULT_LEVEL))
        && System.getProperty(key) == null) {
      System.setProperty(key, "off");
    }
  }
}
