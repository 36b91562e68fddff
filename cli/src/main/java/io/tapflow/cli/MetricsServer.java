package io.tapflow.cli;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * Serves a registry's metrics on {@code /metrics} at a configurable address; it listens on that
 * address only (the commands default to 127.0.0.1).
 */
public final class MetricsServer implements AutoCloseable {
  private final HTTPServer server;

  private MetricsServer(HTTPServer server) {
    this.server = server;
  }

  /**
   * Starts serving {@code registry} (with JVM metrics added) on {@code hostAndPort}: {@code
   * HOST:PORT}, an IPv6 host in brackets ({@code [::1]:9465}); port 0 for any free port.
   *
   * @throws IllegalArgumentException if {@code hostAndPort} is not of that form
   * @throws IOException if the address cannot be bound (in use, or not an address of this host)
   */
  public static MetricsServer start(PrometheusRegistry registry, String hostAndPort)
      throws IOException {
    InetSocketAddress address = parse(hostAndPort);
    JvmMetrics.builder().register(registry);
    try {
      return new MetricsServer(
          HTTPServer.builder()
              .hostname(address.getHostString())
              .port(address.getPort())
              .registry(registry)
              .buildAndStart());
    } catch (IOException e) {
      throw new IOException("cannot serve /metrics on " + hostAndPort + ": " + e.getMessage(), e);
    }
  }

  /** {@code HOST:PORT} (IPv6 hosts in brackets) as an unresolved socket address. */
  static InetSocketAddress parse(String hostAndPort) {
    return parse(hostAndPort, "a metrics address");
  }

  /**
   * {@code HOST:PORT} (IPv6 hosts in brackets) as an unresolved socket address; {@code what} names
   * the setting in the error ("a query address").
   *
   * @throws IllegalArgumentException if {@code hostAndPort} is not of that form
   */
  public static InetSocketAddress parse(String hostAndPort, String what) {
    int colon = hostAndPort.lastIndexOf(':');
    String host = colon < 0 ? "" : hostAndPort.substring(0, colon);
    boolean bracketed = host.startsWith("[") && host.endsWith("]");
    if (bracketed) {
      host = host.substring(1, host.length() - 1);
    }
    int port = -1;
    try {
      port = Integer.parseInt(hostAndPort.substring(colon + 1));
    } catch (NumberFormatException e) {
      // reported below
    }
    if (host.isEmpty() || (host.contains(":") && !bracketed) || port < 0 || port > 65535) {
      throw new IllegalArgumentException(
          what
              + " is HOST:PORT (127.0.0.1:9465, 0.0.0.0:9465, [::1]:9465), not \""
              + hostAndPort
              + "\"");
    }
    return InetSocketAddress.createUnresolved(host, port);
  }

  public int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    server.close();
  }
}
