package io.tapflow.cli.registry;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Apicurio Registry 2.6 (in-memory storage) in a child JVM on a free loopback port in
 * 48300-48399, from the app the cli build unpacks into {@code target/apicurio}.
 */
final class ApicurioRegistry implements AutoCloseable {
  private static final int FIRST_PORT = 48300;
  private static final int LAST_PORT = 48399;

  private final Process process;
  private final int port;
  private final int tlsPort;
  private final Path log;

  private ApicurioRegistry(Process process, int port, int tlsPort, Path log) {
    this.process = process;
    this.port = port;
    this.tlsPort = tlsPort;
    this.log = log;
  }

  /** Starts the registry (http) and waits (up to 5 minutes) until it reports itself ready. */
  static ApicurioRegistry start() throws IOException, InterruptedException {
    return start(null, null);
  }

  /**
   * Starts the registry serving https too, with the key and certificate in {@code keyStore} (a
   * PKCS12 file), and waits until it reports itself ready.
   */
  static ApicurioRegistry start(Path keyStore, String password)
      throws IOException, InterruptedException {
    Path runner =
        Path.of(
            System.getProperty(
                "apicurio.runner",
                "target/apicurio/apicurio-registry-app-2.6.13.Final-runner.jar"));
    if (!Files.isRegularFile(runner)) {
      throw new IllegalStateException(
          runner + " is missing: the cli build unpacks it (mvn process-test-resources -pl cli)");
    }
    int[] ports = freePorts(keyStore == null ? 1 : 2);
    int port = ports[0];
    int tlsPort = keyStore == null ? 0 : ports[1];
    Path log = Files.createTempFile("apicurio-" + port + "-", ".log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>();
    command.addAll(
        List.of(java, "-Xmx384m", "-Dquarkus.http.host=127.0.0.1", "-Dquarkus.http.port=" + port));
    if (keyStore != null) {
      command.addAll(
          List.of(
              "-Dquarkus.http.ssl-port=" + tlsPort,
              "-Dquarkus.http.ssl.certificate.key-store-file=" + keyStore.toAbsolutePath(),
              "-Dquarkus.http.ssl.certificate.key-store-file-type=PKCS12",
              "-Dquarkus.http.ssl.certificate.key-store-password=" + password));
    }
    command.addAll(List.of("-jar", runner.toAbsolutePath().toString()));
    Process p =
        new ProcessBuilder(command)
            .directory(runner.toAbsolutePath().getParent().toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    ApicurioRegistry r = new ApicurioRegistry(p, port, tlsPort, log);
    try {
      r.awaitReady(Duration.ofMinutes(5));
    } catch (RuntimeException | InterruptedException e) {
      r.close();
      throw e;
    }
    return r;
  }

  /** The Confluent-compatible API, what tapflow's --schema-registry-url is given. */
  String ccompatUrl() {
    return "http://127.0.0.1:" + port + "/apis/ccompat/v7";
  }

  /** The Confluent-compatible API over https (when started with a key store). */
  String ccompatTlsUrl() {
    return "https://127.0.0.1:" + tlsPort + "/apis/ccompat/v7";
  }

  /** Apicurio's own (v2) API, what Apicurio's serdes are given. */
  String apicurioUrl() {
    return "http://127.0.0.1:" + port + "/apis/registry/v2";
  }

  private void awaitReady(Duration timeout) throws InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "Apicurio Registry exited with " + process.exitValue() + ":\n" + logTail());
      }
      try {
        HttpResponse<Void> r =
            http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200 && tlsAccepts()) {
          return;
        }
      } catch (IOException e) {
        // Not listening yet.
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException(
        "Apicurio Registry not ready in " + timeout + ":\n" + logTail());
  }

  /**
   * Whether the https port (if any) accepts connections: Quarkus can answer the readiness check on
   * http a moment before its https listener is bound, and a request in that moment is refused.
   */
  private boolean tlsAccepts() {
    if (tlsPort == 0) {
      return true;
    }
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), tlsPort), 5000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private String logTail() {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** A port in this test range that nothing listens on (bound, then released). */
  static int closedPort() throws IOException {
    return freePorts(1)[0];
  }

  /** {@code n} distinct ports in this test range that nothing listens on. */
  private static int[] freePorts(int n) throws IOException {
    List<ServerSocket> held = new ArrayList<>();
    try {
      for (int port = FIRST_PORT; port <= LAST_PORT && held.size() < n; port++) {
        try {
          held.add(new ServerSocket(port, 1, InetAddress.getLoopbackAddress()));
        } catch (IOException busy) {
          // Try the next one.
        }
      }
      if (held.size() < n) {
        throw new IOException("no " + n + " free ports in " + FIRST_PORT + "-" + LAST_PORT);
      }
      return held.stream().mapToInt(ServerSocket::getLocalPort).toArray();
    } finally {
      for (ServerSocket s : held) {
        s.close();
      }
    }
  }

  /** Stops the registry (its storage is in memory: everything registered is gone). */
  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
    try {
      Files.deleteIfExists(log);
    } catch (IOException e) {
      // A temporary log left behind is harmless.
    }
  }
}
