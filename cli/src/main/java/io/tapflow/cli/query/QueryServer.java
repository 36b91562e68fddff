package io.tapflow.cli.query;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tapflow.cli.MetricsServer;
import io.tapflow.processor.streams.LiveQueries;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves live lookups of connections ({@link LiveLookup}) as JSON over HTTP at a configurable
 * address; it listens on that address only.
 *
 * <p>Two thread pools: the server's own threads answer requests forwarded by other instances (from
 * this instance's tasks only, never waiting on another instance), and hand every other request to a
 * second pool, whose threads may wait on other instances. So two instances asked at once, each
 * forwarding to the other, always have a thread left for the forwarded requests; with one pool they
 * could both wait on each other until the request timeout.
 */
public final class QueryServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(QueryServer.class);
  private static final int THREADS = 4;

  /** Requests from clients waiting for a thread of the second pool; beyond it: 503. */
  private static final int QUEUED = 64;

  private final HttpServer server;
  private final ExecutorService local;
  private final ExecutorService entry;

  private QueryServer(HttpServer server, ExecutorService local, ExecutorService entry) {
    this.server = server;
    this.local = local;
    this.entry = entry;
  }

  /**
   * Starts answering lookups from {@code queries} on {@code hostAndPort} ({@code HOST:PORT}, IPv6
   * hosts in brackets).
   *
   * @param partitions the packets topic's partitions (a lookup over every instance must hear from
   *     each of them)
   * @throws IllegalArgumentException if {@code hostAndPort} is not of that form, or {@code queries}
   *     has no address of its own ({@code application.server})
   * @throws IOException if the address cannot be bound (in use, or not an address of this host)
   */
  public static QueryServer start(LiveQueries queries, int partitions, String hostAndPort)
      throws IOException {
    InetSocketAddress unresolved = MetricsServer.parse(hostAndPort, "a query address");
    if (queries.self() == null) {
      throw new IllegalArgumentException("the processor has no application.server to advertise");
    }
    LiveLookup lookup = new LiveLookup(queries, partitions);
    HttpServer server;
    try {
      server =
          HttpServer.create(
              new InetSocketAddress(unresolved.getHostString(), unresolved.getPort()), 0);
    } catch (IOException e) {
      throw new IOException("cannot serve queries on " + hostAndPort + ": " + e.getMessage(), e);
    }
    ExecutorService local = Executors.newFixedThreadPool(THREADS, threads("tapflow-query-local-"));
    ExecutorService entry =
        new ThreadPoolExecutor(
            THREADS,
            THREADS,
            0,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(QUEUED),
            threads("tapflow-query-"));
    server.setExecutor(local);
    server.createContext(
        "/",
        exchange -> {
          if (exchange.getRequestHeaders().getFirst(PeerClient.FORWARDED_BY) != null) {
            handle(lookup, exchange);
            return;
          }
          try {
            entry.execute(
                () -> {
                  try {
                    handle(lookup, exchange);
                  } catch (IOException e) {
                    LOG.debug("answering {} failed", exchange.getRequestURI(), e);
                    exchange.close();
                  }
                });
          } catch (RejectedExecutionException e) {
            write(exchange, Answer.unavailable("too many lookups at once"));
          }
        });
    server.start();
    return new QueryServer(server, local, entry);
  }

  private static ThreadFactory threads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  private static void handle(LiveLookup lookup, HttpExchange exchange) throws IOException {
    Answer answer;
    try {
      answer =
          lookup.answer(
              exchange.getRequestMethod(),
              exchange.getRequestURI().getRawPath(),
              exchange.getRequestURI().getRawQuery(),
              exchange.getRequestHeaders().getFirst(PeerClient.FORWARDED_BY));
    } catch (IOException | RuntimeException e) {
      LOG.warn("query {} failed", exchange.getRequestURI(), e);
      answer = Answer.error(500, String.valueOf(e.getMessage()));
    }
    write(exchange, answer);
  }

  private static void write(HttpExchange exchange, Answer answer) throws IOException {
    byte[] bytes = Answer.JSON.writeValueAsBytes(answer.body());
    exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    answer.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(answer.status(), head ? -1 : bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      if (!head) {
        out.write(bytes);
      }
    }
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** Stops answering: requests in progress get up to a second to finish. */
  @Override
  public void close() {
    server.stop(1);
    entry.shutdownNow();
    local.shutdownNow();
  }
}
