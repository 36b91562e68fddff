package io.tapflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.tapflow.cli.broker.EmbeddedKafkaBroker;
import io.tapflow.schemas.PacketKind;
import io.tapflow.schemas.PacketRecord;
import io.tapflow.schemas.TapflowSerdes;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The live sensor as an unprivileged user (nobody, uid 65534) with only the capabilities the
 * deployment grants it, started through util-linux's {@code setpriv} as systemd's
 * AmbientCapabilities would start it: it captures on {@code lo} and publishes to a broker. Without
 * any capability it ends with an error naming the one it lacks. CI runs as root, which setpriv
 * needs to change user.
 */
class SensorCapabilitiesEndToEndTest {
  /** This test's ports (48400-48499). */
  private static final int SERVER_PORT = 48430;

  private static final int NOBODY = 65534;

  private static Path tmp;
  private static String nobodyClasspath;
  private static EmbeddedKafkaBroker broker;

  @BeforeAll
  static void setUp() throws IOException {
    tmp = Files.createTempDirectory("tapflow-caps-");
    nobodyClasspath = readableClasspath(tmp.resolve("cp"));
    broker = EmbeddedKafkaBroker.start();
  }

  @AfterAll
  static void tearDown() throws IOException {
    broker.close();
    try (Stream<Path> paths = Files.walk(tmp)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Test
  void withNetRawAndNetAdminAloneTheSensorCapturesAndPublishes() throws Exception {
    assertCapturesAndPublishes("net_raw,net_admin", "0000000000003000", "caps-both");
  }

  @Test
  void netRawAloneIsEnoughForTheSensor() throws Exception {
    assertCapturesAndPublishes("net_raw", "0000000000002000", "caps-raw");
  }

  @Test
  void withoutCapabilitiesTheSensorEndsNamingTheMissingOne() throws Exception {
    try (TapflowProcess sensor = sensor(List.of(), "caps-none")) {
      assertEquals(1, sensor.waitFor(Duration.ofMinutes(2)), sensor.stderr());
      assertTrue(
          sensor
              .stderr()
              .contains(
                  "tapflow sensor: cannot capture on lo: socket: Operation not permitted (live"
                      + " capture needs the CAP_NET_RAW capability, or root: see the sensor's"
                      + " systemd unit and DaemonSet in deploy/)\n"),
          sensor.stderr());
    }
  }

  /**
   * Runs the sensor as nobody with {@code caps}, sends one line over a TCP connection on this
   * test's port, and finds the connection's SYN and that line on the packets topic, published by
   * that sensor. The sensor's process runs as uid 65534 with exactly {@code effectiveCaps} (the
   * kernel's hexadecimal CapEff: CAP_NET_ADMIN is bit 12, CAP_NET_RAW bit 13).
   */
  private static void assertCapturesAndPublishes(String caps, String effectiveCaps, String id)
      throws Exception {
    String capArg = "+" + caps.replace(",", ",+");
    List<String> prefix = List.of("--inh-caps=" + capArg, "--ambient-caps=" + capArg);
    byte[] line = ("captured as nobody with " + caps + "\n").getBytes(StandardCharsets.US_ASCII);
    try (TapflowProcess sensor = sensor(prefix, id);
        ServerSocket server = new ServerSocket(SERVER_PORT, 1, InetAddress.getLoopbackAddress())) {
      sensor.awaitStderr("tapflow sensor " + id + ": capturing lo", Duration.ofMinutes(2));
      List<String> status =
          Files.readAllLines(Path.of("/proc", String.valueOf(sensor.pid()), "status"));
      assertTrue(status.contains("Uid:\t65534\t65534\t65534\t65534"), status.toString());
      assertTrue(status.contains("CapEff:\t" + effectiveCaps), status.toString());
      Thread.sleep(500); // the capture loop starts right after the line is printed
      int clientPort;
      try (Socket client = new Socket(InetAddress.getLoopbackAddress(), SERVER_PORT);
          Socket accepted = server.accept()) {
        clientPort = client.getLocalPort();
        OutputStream out = client.getOutputStream();
        out.write(line);
        out.flush();
        client.shutdownOutput();
        InputStream in = accepted.getInputStream();
        assertEquals(new String(line, StandardCharsets.US_ASCII), new String(in.readAllBytes()));
      }
      List<PacketRecord> segments = awaitSegments(id, clientPort, line, Duration.ofMinutes(2));
      assertEquals(
          1,
          segments.stream()
              .filter(r -> r.getSrcPort() == clientPort && r.getDstPort() == SERVER_PORT)
              .filter(r -> (r.getFlags() & 0x12) == 0x02) // SYN without ACK
              .count());
      assertEquals(
          1,
          segments.stream()
              .filter(r -> r.getSrcPort() == clientPort && r.getDstPort() == SERVER_PORT)
              .filter(r -> bytes(r.getPayload()).length > 0)
              .filter(r -> Arrays.equals(bytes(r.getPayload()), line))
              .count());
      assertTrue(sensor.isAlive(), sensor.stderr());
    }
  }

  /** The sensor, live on lo, as nobody with no supplementary groups, under setpriv. */
  private static TapflowProcess sensor(List<String> capabilityArgs, String id) throws IOException {
    List<String> prefix =
        new ArrayList<>(
            List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"));
    prefix.addAll(capabilityArgs);
    return TapflowProcess.start(
        tmp,
        id,
        prefix,
        nobodyClasspath,
        "warn",
        List.of(
            "sensor",
            "-i",
            "lo",
            "-f",
            "tcp port " + SERVER_PORT,
            "--sensor-id",
            id,
            "--topic-prefix",
            id + ".",
            "--partitions",
            "1",
            "--metrics-address",
            "127.0.0.1:0",
            "--bootstrap-servers",
            broker.bootstrapServers()));
  }

  /**
   * Reads the sensor's packets topic until the segment carrying {@code line} from {@code
   * clientPort} is there; returns every segment of that connection read by then.
   */
  private static List<PacketRecord> awaitSegments(
      String id, int clientPort, byte[] line, Duration timeout) {
    String topic = id + ".tapflow.packets";
    List<PacketRecord> segments = new ArrayList<>();
    try (KafkaConsumer<String, PacketRecord> consumer =
        new KafkaConsumer<>(
            Map.of("bootstrap.servers", broker.bootstrapServers()),
            new StringDeserializer(),
            TapflowSerdes.packetRecord().deserializer())) {
      List<TopicPartition> partitions = List.of(new TopicPartition(topic, 0));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<String, PacketRecord> r : consumer.poll(Duration.ofMillis(200))) {
          PacketRecord p = r.value();
          if (p.getKind() == PacketKind.SEGMENT
              && (p.getSrcPort() == clientPort || p.getDstPort() == clientPort)) {
            assertEquals(id, p.getSensorId());
            segments.add(p);
            if (Arrays.equals(bytes(p.getPayload()), line)) {
              return segments;
            }
          }
        }
      }
    }
    return fail("the segment carrying the line never reached " + topic + ": " + segments);
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }

  /**
   * This JVM's class path made readable by nobody: ~/.m2 is not, so every entry is linked (or
   * copied) into {@code dir}, with directories and files world-readable.
   */
  private static String readableClasspath(Path dir) throws IOException {
    Files.createDirectories(dir);
    List<String> entries = new ArrayList<>();
    int i = 0;
    for (String entry : TapflowProcess.testClasspath().split(File.pathSeparator)) {
      Path source = Path.of(entry);
      if (!Files.exists(source)) {
        continue;
      }
      Path target = dir.resolve(String.format("%03d-%s", i++, source.getFileName()));
      if (Files.isDirectory(source)) {
        try (Stream<Path> files = Files.walk(source)) {
          for (Path f : (Iterable<Path>) files::iterator) {
            Path t = target.resolve(source.relativize(f).toString());
            if (Files.isDirectory(f)) {
              Files.createDirectories(t);
            } else {
              Files.copy(f, t);
            }
          }
        }
      } else if (isWorldReadable(source)) {
        try {
          Files.createLink(target, source); // shares the source's (readable) mode
        } catch (FileSystemException | UnsupportedOperationException e) {
          Files.copy(source, target);
        }
      } else {
        Files.copy(source, target);
      }
      entries.add(target.toString());
    }
    try (Stream<Path> paths = Files.walk(tmp)) {
      for (Path p : (Iterable<Path>) paths::iterator) {
        if (Files.isDirectory(p)) {
          Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        } else if (!isWorldReadable(p)) {
          Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
        }
      }
    }
    return String.join(File.pathSeparator, entries);
  }

  private static boolean isWorldReadable(Path p) throws IOException {
    return Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_READ);
  }
}
