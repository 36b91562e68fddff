package io.tapflow.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.tapflow.cli.broker.EmbeddedKafkaBroker;
import io.tapflow.schemas.PacketKind;
import io.tapflow.schemas.PacketRecord;
import io.tapflow.schemas.TapflowSerdes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.DoublePredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * The broker goes away for 30 s while a live sensor ({@code tapflow sensor -i lo} in a child JVM)
 * captures a steady stream of real TCP traffic on this test's port: the sensor keeps capturing,
 * drops and counts what its 1 MiB publish buffer cannot hold ({@code buffer_full}) and what the
 * producer gives up on ({@code publish_failed}: the delivery timeout is shortened to 12 s, so the
 * outage outlasts it), and publishes again once the broker is back on the same port and log
 * directory. At the end every packet is accounted for: captured = published + dropped, exactly, and
 * the topic holds exactly the published records, by their sequence numbers.
 */
class SensorBrokerOutageEndToEndTest {
  /**
   * This test's ports (48600-48699): the broker's and the peers' are the first free ones of their
   * ranges (these ports lie in the kernel's ephemeral range, so another program's client socket may
   * hold one for a while).
   */
  private static final int BROKER_PORTS = 48620;

  private static final int PEER_PORTS = 48640;
  private static final int PORTS_EACH = 20;
  private static final Duration OUTAGE = Duration.ofSeconds(30);
  private static final String ID = "outage";
  private static final Pattern SUMMARY =
      Pattern.compile(
          "tapflow sensor outage: stopped: captured=(\\d+) published=(\\d+) dropped=(\\d+)"
              + " \\(([^)]*)\\) pending=(\\d+); records taken=(\\d+) delivered=(\\d+);"
              + " libpcap received=(\\d+) kernel_dropped=(\\d+) interface_dropped=(\\d+)");

  private static final String PUBLISHED = "tapflow_sensor_records_published_total";
  private static final String DROPPED = "tapflow_sensor_packets_dropped_total";
  private static final String SEGMENT = "kind=\"segment\"";

  private final HttpClient http = HttpClient.newHttpClient();
  private int peerPort;
  private int metricsPort;

  @Test
  void aLiveSensorKeepsCapturingThroughABrokerOutageAndAccountsForEveryPacket() throws Exception {
    Path dir = Files.createTempDirectory("tapflow-outage-");
    Path data = dir.resolve("broker");
    EmbeddedKafkaBroker broker = BrokerPorts.firstFree(data, false, BROKER_PORTS, PORTS_EACH);
    int brokerPort = BrokerPorts.port(broker);
    try (ServerSocket server = firstFreeServerSocket();
        TapflowProcess sensor = sensor(dir, broker.bootstrapServers())) {
      sensor.awaitStderr("tapflow sensor outage: capturing lo", Duration.ofMinutes(2));
      Matcher started = Pattern.compile("/metrics on port (\\d+)").matcher(sensor.stderr());
      assertTrue(started.find(), sensor.stderr());
      metricsPort = Integer.parseInt(started.group(1));
      Thread sink = sink(server);
      Traffic traffic = new Traffic();
      traffic.start();
      awaitMetric(sensor, PUBLISHED, SEGMENT, v -> v > 0);

      broker.close();
      broker = null;
      long outageStart = System.nanoTime();
      // Within the outage, the buffer fills and its oldest records pass their delivery timeout.
      awaitMetric(sensor, DROPPED, "reason=\"buffer_full\"", v -> v > 0);
      awaitMetric(sensor, DROPPED, "reason=\"publish_failed\"", v -> v > 0);
      assertTrue(
          System.nanoTime() - outageStart < OUTAGE.toNanos(),
          "the drops came after the outage's end");
      LockSupport.parkNanos(OUTAGE.toNanos() - (System.nanoTime() - outageStart));
      broker = BrokerPorts.restart(data, brokerPort, Duration.ofMinutes(1));
      long backNanos = System.currentTimeMillis() * 1_000_000L; // the capture clock's epoch
      long writesBeforeBack = traffic.writes.get();

      // Publishing resumes while the traffic goes on; then, the traffic stopped and the buffer
      // drained, a connection opened now reaches the topic whole.
      double publishedBack = metric(PUBLISHED, SEGMENT);
      awaitMetric(sensor, PUBLISHED, SEGMENT, v -> v > publishedBack);
      traffic.finish();
      awaitMetric(sensor, "tapflow_sensor_packets_pending", "sensor=\"outage\"", v -> v == 0);
      byte[] marker = markerConnection();
      List<PacketRecord> markerSegments = awaitMarker(broker, marker, Duration.ofMinutes(2));
      sensor.stop(Duration.ofMinutes(1));
      sink.join(10_000);

      Matcher m = SUMMARY.matcher(sensor.stderr());
      assertTrue(m.find(), sensor.stderr());
      long captured = Long.parseLong(m.group(1));
      long published = Long.parseLong(m.group(2));
      long dropped = Long.parseLong(m.group(3));
      Map<String, Long> reasons = reasons(m.group(4));
      long pending = Long.parseLong(m.group(5));
      long taken = Long.parseLong(m.group(6));
      long delivered = Long.parseLong(m.group(7));
      assertEquals(0, pending);
      assertEquals(captured, published + dropped, m.group());
      assertEquals(dropped, reasons.values().stream().mapToLong(Long::longValue).sum());
      assertTrue(reasons.getOrDefault("buffer_full", 0L) > 0, m.group());
      assertTrue(reasons.getOrDefault("publish_failed", 0L) > 0, m.group());
      assertTrue(
          traffic.writes.get() > writesBeforeBack, "traffic flowed after the broker came back");

      // The topic holds exactly what the sensor says it published, each record once, in order.
      List<ConsumerRecord<String, PacketRecord>> topic = readTopic(broker);
      List<PacketRecord> records = topic.stream().map(ConsumerRecord::value).toList();
      assertEquals(delivered, records.size());
      assertEquals(
          published, records.stream().filter(r -> r.getKind() == PacketKind.SEGMENT).count());
      Set<Long> sequences = new HashSet<>();
      for (PacketRecord r : records) {
        assertEquals(ID, r.getSensorId());
        assertTrue(r.getSensorSeq() < taken, r.toString());
        assertTrue(sequences.add(r.getSensorSeq()), "sensorSeq twice: " + r.getSensorSeq());
      }
      // A record the producer refused took no number; the numbers missing are the records it took
      // and then failed: the publish_failed segments and any failed heartbeat.
      assertEquals(taken - delivered, taken - sequences.size());
      assertTrue(taken - delivered >= reasons.get("publish_failed"), m.group());
      Map<Integer, Long> lastPartitionSeq = new HashMap<>();
      for (ConsumerRecord<String, PacketRecord> r : topic) {
        long previous = lastPartitionSeq.getOrDefault(r.partition(), -1L);
        assertTrue(r.value().getPartitionSeq() > previous, "partition order: " + r);
        lastPartitionSeq.put(r.partition(), r.value().getPartitionSeq());
      }
      // The marker connection, captured after the outage, is on the topic whole; so are segments
      // of the steady traffic captured after the broker came back.
      assertArrayEquals(marker, clientBytes(markerSegments));
      int trafficPort = traffic.localPort;
      assertTrue(
          records.stream()
              .anyMatch(
                  r ->
                      r.getSrcPort() == trafficPort
                          && r.getTimestamp().toEpochMilli() * 1_000_000L > backNanos),
          "no segment captured after the broker came back is on the topic");
    } finally {
      if (broker != null) {
        broker.close();
      }
      deleteRecursively(dir);
    }
  }

  /** A listening socket on the first free port of this test's peer ports. */
  private ServerSocket firstFreeServerSocket() throws IOException {
    for (int port = PEER_PORTS; ; port++) {
      try {
        ServerSocket s = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
        peerPort = port;
        return s;
      } catch (java.net.BindException e) {
        if (port == PEER_PORTS + PORTS_EACH - 1) {
          throw e;
        }
      }
    }
  }

  /** The sensor, live on lo, with a 1 MiB publish buffer and a 12 s delivery timeout. */
  private TapflowProcess sensor(Path dir, String bootstrap) throws IOException {
    return TapflowProcess.start(
        dir,
        ID,
        List.of(),
        TapflowProcess.testClasspath(),
        "warn",
        List.of(
            "sensor",
            "-i",
            "lo",
            "-f",
            "tcp port " + peerPort,
            "--sensor-id",
            ID,
            "--topic-prefix",
            ID + ".",
            "--partitions",
            "2",
            "--metrics-address",
            "127.0.0.1:0",
            "--bootstrap-servers",
            bootstrap,
            "--publish-buffer-bytes",
            String.valueOf(1024 * 1024),
            "-X",
            "request.timeout.ms=5000",
            "-X",
            "delivery.timeout.ms=12000"));
  }

  /**
   * Writes 1000 random (incompressible) bytes every millisecond over one loopback connection, until
   * finished: about 1 MB/s, which fills the 1 MiB buffer within seconds of the outage.
   */
  private final class Traffic extends Thread {
    final AtomicLong writes = new AtomicLong();
    final AtomicBoolean running = new AtomicBoolean(true);
    volatile int localPort;

    Traffic() {
      super("traffic");
    }

    @Override
    public void run() {
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), peerPort)) {
        s.setTcpNoDelay(true);
        localPort = s.getLocalPort();
        OutputStream out = s.getOutputStream();
        Random random = new Random(48621);
        byte[] chunk = new byte[1000];
        while (running.get()) {
          random.nextBytes(chunk);
          out.write(chunk);
          out.flush();
          writes.incrementAndGet();
          LockSupport.parkNanos(1_000_000);
        }
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }

    void finish() throws InterruptedException {
      running.set(false);
      join(10_000);
    }
  }

  /** Accepts connections on the peer port and reads each to its end. */
  private static Thread sink(ServerSocket server) {
    Thread t =
        new Thread(
            () -> {
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
            },
            "sink");
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** Sends 40 distinct lines over a new connection and closes it; returns the bytes sent. */
  private byte[] markerConnection() throws IOException {
    ByteArrayOutputStream sent = new ByteArrayOutputStream();
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), peerPort)) {
      s.setTcpNoDelay(true);
      OutputStream out = s.getOutputStream();
      for (int i = 0; i < 40; i++) {
        byte[] line = ("after the outage " + i + "\n").getBytes(StandardCharsets.US_ASCII);
        out.write(line);
        out.flush();
        sent.write(line);
        LockSupport.parkNanos(1_000_000);
      }
    }
    return sent.toByteArray();
  }

  /**
   * Reads the topic until the segments from the marker connection's client carry all of {@code
   * marker}; returns every segment of that connection read by then.
   */
  private List<PacketRecord> awaitMarker(
      EmbeddedKafkaBroker broker, byte[] marker, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      List<PacketRecord> all = readTopic(broker).stream().map(ConsumerRecord::value).toList();
      int markerPort = markerClientPort(all);
      if (markerPort > 0) {
        List<PacketRecord> connection =
            all.stream()
                .filter(r -> r.getSrcPort() == markerPort || r.getDstPort() == markerPort)
                .toList();
        if (clientBytes(connection).length == marker.length) {
          return connection;
        }
      }
      Thread.sleep(1000);
    }
    return fail("the marker connection never reached the topic");
  }

  /** The client port of the connection whose first payload starts the marker, or 0. */
  private int markerClientPort(List<PacketRecord> records) {
    byte[] start = "after the outage 0\n".getBytes(StandardCharsets.US_ASCII);
    for (PacketRecord r : records) {
      byte[] p = bytes(r.getPayload());
      if (r.getDstPort() == peerPort
          && p.length >= start.length
          && java.util.Arrays.equals(p, 0, start.length, start, 0, start.length)) {
        return r.getSrcPort();
      }
    }
    return 0;
  }

  /** The client's payload bytes of one connection's segments, in sequence order, once each. */
  private byte[] clientBytes(List<PacketRecord> connection) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    connection.stream()
        .filter(r -> r.getDstPort() == peerPort && r.getPayload().remaining() > 0)
        .sorted(Comparator.comparingLong(PacketRecord::getSeq))
        .forEach(r -> out.writeBytes(bytes(r.getPayload())));
    return out.toByteArray();
  }

  private static List<ConsumerRecord<String, PacketRecord>> readTopic(EmbeddedKafkaBroker broker) {
    Properties client = new Properties();
    client.put("bootstrap.servers", broker.bootstrapServers());
    return TopicReader.readAll(
        client,
        ID + ".tapflow.packets",
        TapflowSerdes.packetRecord().deserializer(),
        Duration.ofMinutes(2));
  }

  /**
   * Waits (at most the outage's length) until the sum of the sensor's series {@code name} with a
   * label matching satisfies {@code condition}.
   */
  private void awaitMetric(
      TapflowProcess sensor, String name, String label, DoublePredicate condition)
      throws Exception {
    long deadline = System.nanoTime() + OUTAGE.toNanos();
    double value = 0;
    while (System.nanoTime() < deadline) {
      assertTrue(sensor.isAlive(), sensor.stderr());
      value = metric(name, label);
      if (condition.test(value)) {
        return;
      }
      Thread.sleep(200);
    }
    fail(name + "{" + label + "} stayed at " + value + "; the sensor's metrics:\n" + scrape());
  }

  private String scrape() throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private double metric(String name, String label) throws Exception {
    String text = scrape();
    double sum = 0;
    for (String line : text.lines().toList()) {
      if (line.startsWith(name + "{") && line.contains(label)) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  private static Map<String, Long> reasons(String text) {
    Map<String, Long> reasons = new HashMap<>();
    for (String pair : text.split(" ")) {
      if (!pair.isEmpty()) {
        String[] kv = pair.split("=");
        reasons.put(kv[0], Long.parseLong(kv[1]));
      }
    }
    return reasons;
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
