package io.tapflow.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Real TCP traffic on the loopback interface for a live sensor to capture: a server on the first
 * free port of a range that reads every connection to its end, a steady writer, and short marker
 * connections.
 */
final class LoopbackPeer implements AutoCloseable {
  private final ServerSocket server;
  private final Thread acceptor;
  private Steady steady;

  private LoopbackPeer(ServerSocket server) {
    this.server = server;
    this.acceptor = new Thread(this::accept, "loopback-peer");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** A peer listening on the first free port of {@code from} to {@code from + count - 1}. */
  static LoopbackPeer start(int from, int count) throws IOException {
    for (int port = from; ; port++) {
      try {
        return new LoopbackPeer(new ServerSocket(port, 50, InetAddress.getLoopbackAddress()));
      } catch (java.net.BindException e) {
        if (port == from + count - 1) {
          throw e;
        }
      }
    }
  }

  int port() {
    return server.getLocalPort();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        Thread reader =
            new Thread(
                () -> {
                  try (s;
                      InputStream in = s.getInputStream()) {
                    in.transferTo(OutputStream.nullOutputStream());
                  } catch (IOException e) {
                    // the test is ending
                  }
                });
        reader.setDaemon(true);
        reader.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  /**
   * Starts writing {@code chunk} random bytes every {@code periodMillis} over one connection, until
   * {@link #stopSteady}.
   */
  void startSteady(int chunk, long periodMillis, long seed) {
    steady = new Steady(chunk, periodMillis, seed);
    steady.start();
  }

  /** Stops the steady writer and closes its connection; returns the writes it made. */
  long stopSteady() throws InterruptedException {
    steady.running.set(false);
    steady.join(10_000);
    return steady.writes.get();
  }

  /** Sends {@code lines} distinct short lines over a new connection and closes it. */
  void marker(String text, int lines) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port())) {
      s.setTcpNoDelay(true);
      OutputStream out = s.getOutputStream();
      for (int i = 0; i < lines; i++) {
        out.write((text + " " + i + "\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        LockSupport.parkNanos(1_000_000);
      }
    }
  }

  @Override
  public void close() throws IOException, InterruptedException {
    if (steady != null && steady.running.get()) {
      stopSteady();
    }
    server.close();
  }

  private final class Steady extends Thread {
    final AtomicLong writes = new AtomicLong();
    final AtomicBoolean running = new AtomicBoolean(true);
    private final int chunk;
    private final long periodNanos;
    private final long seed;

    Steady(int chunk, long periodMillis, long seed) {
      super("loopback-steady");
      setDaemon(true);
      this.chunk = chunk;
      this.periodNanos = periodMillis * 1_000_000L;
      this.seed = seed;
    }

    @Override
    public void run() {
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port())) {
        s.setTcpNoDelay(true);
        OutputStream out = s.getOutputStream();
        Random random = new Random(seed);
        byte[] bytes = new byte[chunk];
        while (running.get()) {
          random.nextBytes(bytes);
          out.write(bytes);
          out.flush();
          writes.incrementAndGet();
          LockSupport.parkNanos(periodNanos);
        }
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
