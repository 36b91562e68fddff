package io.tapflow.cli.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class EmbeddedBrokerLogsTest {
  /** A logger name no other test has made, so slf4j-simple computes its level afresh. */
  private final String logger =
      "io.tapflow.test.Quiet" + UUID.randomUUID().toString().replace("-", "");

  private String defaultLevel;

  @BeforeEach
  void keepDefaultLevel() {
    defaultLevel = System.getProperty(EmbeddedBrokerLogs.DEFAULT_LEVEL);
  }

  @AfterEach
  void restore() {
    if (defaultLevel == null) {
      System.clearProperty(EmbeddedBrokerLogs.DEFAULT_LEVEL);
    } else {
      System.setProperty(EmbeddedBrokerLogs.DEFAULT_LEVEL, defaultLevel);
    }
    System.clearProperty(EmbeddedBrokerLogs.LOGGER_LEVEL + logger);
  }

  @Test
  void atTheLaunchersDefaultLevelTheLoggerIsTurnedOffBeforeItIsMade() {
    System.setProperty(EmbeddedBrokerLogs.DEFAULT_LEVEL, "error");
    EmbeddedBrokerLogs.quiet(logger);
    assertEquals("off", System.getProperty(EmbeddedBrokerLogs.LOGGER_LEVEL + logger));
    assertFalse(LoggerFactory.getLogger(logger).isErrorEnabled());
    // the setting is the logger's own: a logger beside it still reports errors
    assertTrue(LoggerFactory.getLogger(logger + "Sibling").isErrorEnabled());
  }

  @Test
  void aUserWhoAsksForMoreGetsTheBrokersErrors() {
    System.setProperty(EmbeddedBrokerLogs.DEFAULT_LEVEL, "warn");
    EmbeddedBrokerLogs.quiet(logger);
    assertNull(System.getProperty(EmbeddedBrokerLogs.LOGGER_LEVEL + logger));
    assertTrue(LoggerFactory.getLogger(logger).isErrorEnabled());
  }

  @Test
  void aLevelSetForTheLoggerIsKept() {
    System.setProperty(EmbeddedBrokerLogs.DEFAULT_LEVEL, "error");
    System.setProperty(EmbeddedBrokerLogs.LOGGER_LEVEL + logger, "debug");
    EmbeddedBrokerLogs.quiet(logger);
    assertEquals("debug", System.getProperty(EmbeddedBrokerLogs.LOGGER_LEVEL + logger));
    assertTrue(LoggerFactory.getLogger(logger).isDebugEnabled());
  }

  @Test
  void theLoggerQuietedIsTheBrokersReplicaManager() throws Exception {
    // Kafka's server classes log under their class names: the name must still be a broker class.
    Class<?> c = Class.forName(EmbeddedBrokerLogs.REPLICA_MANAGER);
    assertEquals("ReplicaManager", c.getSimpleName());
  }
}
