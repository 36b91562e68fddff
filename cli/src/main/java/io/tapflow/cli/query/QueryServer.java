package io.tapflow.cli.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tapflow.cli.MetricsServer;
import io.tapflow.processor.streams.LiveQueries;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves live lookups of connections ({@link LiveLookup}) as JSON over HTTP at a configurable
 * address; it listens on that address only.
 */
public final class QueryServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(QueryServer.class);
  private static final int THREADS = 4;

  private final HttpServer server;
  private final ExecutorService executor;

  private QueryServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
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
    AtomicInteger n = new AtomicInteger();
    ExecutorService executor =
        Executors.newFixedThreadPool(
            THREADS,
            r -> {
              Thread t = new Thread(r, "tapflow-query-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext("/", exchange -> handle(lookup, exchange));
    server.start();
    return new QueryServer(server, executor);
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
    write(exchange, answer.status(), answer.body(), answer.headers());
  }

  private static void write(
      HttpExchange exchange, int status, JsonNode body, Map<String, String> headers)
      throws IOException {
    byte[] bytes = Answer.JSON.writeValueAsBytes(body);
    exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    headers.forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
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
    executor.shutdownNow();
  }
}
