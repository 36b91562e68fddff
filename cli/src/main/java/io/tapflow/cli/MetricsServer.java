package io.tapflow.cli;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;

/** Serves a registry's metrics on {@code /metrics} at a configurable address. */
public final class MetricsServer implements AutoCloseable {
  private final HTTPServer server;

  private MetricsServer(HTTPServer server) {
    this.server = server;
  }

  /** Starts serving {@code registry} (with JVM metrics added) on {@code hostAndPort}. */
  public static MetricsServer start(PrometheusRegistry registry, String hostAndPort)
      throws IOException {
    int colon = hostAndPort.lastIndexOf(':');
    String host = hostAndPort.substring(0, colon);
    int port = Integer.parseInt(hostAndPort.substring(colon + 1));
    JvmMetrics.builder().register(registry);
    return new MetricsServer(
        HTTPServer.builder().hostname(host).port(port).registry(registry).buildAndStart());
  }

  public int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    server.close();
  }
}
