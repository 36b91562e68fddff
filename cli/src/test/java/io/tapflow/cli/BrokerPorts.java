package io.tapflow.cli;

import io.tapflow.cli.broker.EmbeddedKafkaBroker;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Embedded brokers on fixed ports, for tests that must restart a broker where its clients expect
 * it. Fixed ports can be taken by another program's client socket (they lie in Linux's ephemeral
 * range), so a test gets a range and the broker takes the first free one.
 */
final class BrokerPorts {
  private BrokerPorts() {}

  /** A broker on the first free port of {@code first} to {@code first + count - 1}. */
  static EmbeddedKafkaBroker firstFree(Path data, boolean deleteOnClose, int first, int count) {
    for (int port = first; ; port++) {
      try {
        return EmbeddedKafkaBroker.start(data, deleteOnClose, port);
      } catch (IllegalStateException e) {
        if (!portTaken(e) || port == first + count - 1) {
          throw e;
        }
      }
    }
  }

  /**
   * The broker again on {@code port} with its log directory; if a client socket of another program
   * took the port meanwhile, tried again each second until {@code wait} has passed.
   */
  static EmbeddedKafkaBroker restart(Path data, int port, Duration wait)
      throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      try {
        return EmbeddedKafkaBroker.start(data, false, port);
      } catch (IllegalStateException e) {
        if (!portTaken(e) || System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(1000);
      }
    }
  }

  /** The port of {@code broker}'s PLAINTEXT listener. */
  static int port(EmbeddedKafkaBroker broker) {
    return Integer.parseInt(broker.bootstrapServers().split(":")[1]);
  }

  private static boolean portTaken(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.net.BindException) {
        return true;
      }
    }
    return false;
  }
}
