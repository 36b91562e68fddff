package io.tapflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsServerTest {
  /** In this test's port range (48400-48499). */
  private static final int PORT = 48420;

  @Test
  void metricsAreServedOnTheGivenAddressAndNotOnAnotherLoopbackAddress() throws Exception {
    PrometheusRegistry registry = new PrometheusRegistry();
    Counter.builder()
        .name("tapflow_test_bind_total")
        .help("a test counter")
        .register(registry)
        .inc();
    try (MetricsServer server = MetricsServer.start(registry, "127.0.0.2:" + PORT)) {
      assertEquals(PORT, server.port());
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.2:" + PORT + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode());
      assertTrue(r.body().contains("tapflow_test_bind_total 1.0"), r.body());
      assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", PORT).close());
    }
  }

  @Test
  void everyCommandServesMetricsOnLoopbackUnlessToldOtherwise() {
    assertEquals("127.0.0.1:9465", new SensorCommand().metricsAddress);
    assertEquals("127.0.0.1:9466", new ProcessorCommand().metricsAddress);
    assertEquals("127.0.0.1:9467", new DemoCommand().metricsAddress);
    assertEquals("127.0.0.1:9468", new BrokerCommand().metricsAddress);
  }

  @Test
  void anAddressIsHostColonPortWithIpv6InBrackets() {
    assertEquals(
        InetSocketAddress.createUnresolved("0.0.0.0", 9465), MetricsServer.parse("0.0.0.0:9465"));
    assertEquals(
        InetSocketAddress.createUnresolved("::1", 9465), MetricsServer.parse("[::1]:9465"));
    for (String bad : List.of("9465", ":9465", "::1:9465", "127.0.0.1:", "127.0.0.1:70000")) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> MetricsServer.parse(bad));
      assertEquals(
          "a metrics address is HOST:PORT (127.0.0.1:9465, 0.0.0.0:9465, [::1]:9465), not \""
              + bad
              + "\"",
          e.getMessage());
    }
  }
}
