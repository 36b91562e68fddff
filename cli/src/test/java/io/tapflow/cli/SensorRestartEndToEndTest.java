package io.tapflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.tapflow.cli.broker.EmbeddedKafkaBroker;
import io.tapflow.schemas.PacketRecord;
import io.tapflow.schemas.TapflowSerdes;
import io.tapflow.schemas.Topics;
import io.tapflow.sensor.publish.SensorStateFile;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.function.DoublePredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * A live sensor ({@code tapflow sensor -i lo --state-file FILE} in a child JVM) is stopped and
 * started again with the same state file, and the processor counts the records lost in between
 * ({@code tapflow_processor_records_lost_total}): after a clean stop during a broker outage,
 * exactly the records the sensor took and could not deliver; after SIGKILL, exactly the numbers of
 * the last state write that never reached the topic (the records numbered after that write and lost
 * are the documented bound), and nothing for numbers a successor gives out again.
 */
class SensorRestartEndToEndTest {
  /** This test's ports: the broker's 48910-48919, the peer's 48930-48949. */
  private static final int BROKER_PORTS = 48910;

  private static final int PEER_PORTS = 48930;
  private static final String ID = "restart";
  private static final Duration WAIT = Duration.ofMinutes(1);
  private static final Pattern SUMMARY =
      Pattern.compile(
          "tapflow sensor restart: stopped: captured=(\\d+) published=(\\d+) dropped=(\\d+)"
              + " \\(([^)]*)\\) pending=(\\d+); records taken=(\\d+) delivered=(\\d+);");

  private final HttpClient http = HttpClient.newHttpClient();

  /** One sensor process and the port of its /metrics. */
  private record Sensor(TapflowProcess process, int metricsPort) {}

  /** What a stopped sensor's last line says. */
  private record Summary(
      long published, long publishFailed, long pending, long taken, long delivered) {}

  @Test
  void aSensorStoppedCleanlyDuringAnOutageHasEveryRecordItCouldNotDeliverCountedAfterItsRestart()
      throws Exception {
    Path dir = Files.createTempDirectory("tapflow-restart-clean-");
    Path data = dir.resolve("broker");
    Path state = dir.resolve("sensor.state");
    EmbeddedKafkaBroker broker = BrokerPorts.firstFree(data, false, BROKER_PORTS, 10);
    int brokerPort = BrokerPorts.port(broker);
    String prefix = "clean.";
    try (LoopbackPeer peer = LoopbackPeer.start(PEER_PORTS, 20)) {
      Sensor first = sensor(dir, "first", broker, prefix, peer, state);
      assertTrue(first.process().stderr().contains(": new run "), first.process().stderr());
      assertTrue(first.process().stderr().contains("(no state file yet)"));
      peer.startSteady(1000, 2, 48910);
      awaitMetric(first, "tapflow_sensor_records_published_total", "kind=\"segment\"", v -> v > 0);

      // The broker goes; what the sensor captures now waits in its producer, and is failed when
      // the sensor stops cleanly (its producer's 10 s to deliver it run out).
      broker.close();
      broker = null;
      awaitMetric(first, "tapflow_sensor_packets_pending", "sensor=\"restart\"", v -> v >= 100);
      peer.stopSteady();
      first.process().stop(WAIT);
      Summary s1 = summary(first.process());
      assertEquals(0, s1.pending());
      assertTrue(s1.publishFailed() >= 100, first.process().stderr());
      long lost = s1.taken() - s1.delivered();
      assertTrue(lost >= s1.publishFailed(), "failed heartbeats are lost records too");

      SensorStateFile.Numbering stopped = SensorStateFile.read(state);
      assertTrue(stopped.clean());
      assertEquals(s1.taken(), stopped.nextSensorSeq());
      long[] next = stopped.nextPartitionSeqs();
      assertEquals(s1.taken(), next[0] + next[1], "each record took one number of one partition");
      assertTrue(
          first
              .process()
              .stderr()
              .contains(
                  state
                      + ": run "
                      + stopped.runId()
                      + " stopped cleanly, next sensorSeq "
                      + s1.taken()),
          first.process().stderr());

      broker = BrokerPorts.restart(data, brokerPort, WAIT);
      Sensor second = sensor(dir, "second", broker, prefix, peer, state);
      assertTrue(
          second
              .process()
              .stderr()
              .contains(
                  "continuing run "
                      + stopped.runId()
                      + " after a clean stop at sensorSeq "
                      + s1.taken()
                      + ", partitionSeq ["
                      + next[0]
                      + ", "
                      + next[1]
                      + "]"),
          second.process().stderr());
      peer.marker("after the restart", 20);
      awaitMetric(second, "tapflow_sensor_records_published_total", "kind=\"segment\"", v -> v > 0);
      awaitMetric(second, "tapflow_sensor_packets_pending", "sensor=\"restart\"", v -> v == 0);
      second.process().stop(WAIT);
      Summary s2 = summary(second.process());
      assertEquals(s2.taken(), s2.delivered(), "the broker was there throughout");

      // The topic: one run, its numbers once each; those missing are the first run's undelivered.
      // A record the first sensor counted as failed may be there all the same: the broker can
      // append a batch and go before its acknowledgement leaves (a CI run had 8 such records), so
      // what is missing is at most what the sensor could not confirm, and what the processor
      // counts is exactly what is missing.
      List<ConsumerRecord<String, PacketRecord>> topic = readTopic(broker, prefix);
      Set<Long> numbers = new HashSet<>();
      for (ConsumerRecord<String, PacketRecord> r : topic) {
        assertEquals(stopped.runId(), r.value().getSensorRunId());
        assertTrue(numbers.add(r.value().getSensorSeq()));
      }
      long missing = s1.taken() + s2.taken() - numbers.size();
      assertTrue(
          missing > 0 && missing <= lost,
          "missing " + missing + ", not confirmed " + lost + ", topic " + topic.size());
      assertEquals(s1.taken() + s2.taken() - 1, numbers.stream().mapToLong(n -> n).max().orElse(0));
      for (long n = s1.taken(); n < s1.taken() + s2.taken(); n++) {
        assertTrue(numbers.contains(n), "the second run delivered everything, " + n + " missing");
      }

      // The processor counts exactly those.
      assertEquals(missing, (long) recordsLost(broker, prefix));
    } finally {
      if (broker != null) {
        broker.close();
      }
      deleteRecursively(dir);
    }
  }

  @Test
  void afterSigkillTheNumbersOfTheLastStateWriteThatNeverArrivedAreCountedAndReusedOnesAreNot()
      throws Exception {
    Path dir = Files.createTempDirectory("tapflow-restart-kill-");
    Path data = dir.resolve("broker");
    Path state = dir.resolve("sensor.state");
    EmbeddedKafkaBroker broker = BrokerPorts.firstFree(data, false, BROKER_PORTS, 10);
    int brokerPort = BrokerPorts.port(broker);
    String prefix = "kill.";
    try (LoopbackPeer peer = LoopbackPeer.start(PEER_PORTS, 20)) {
      // 1. Killed during an outage: every record numbered up to the last write and not delivered
      // is counted.
      Sensor first = sensor(dir, "first", broker, prefix, peer, state);
      peer.startSteady(1000, 2, 48911);
      awaitMetric(first, "tapflow_sensor_records_published_total", "kind=\"segment\"", v -> v > 0);
      broker.close();
      broker = null;
      // A write whose numbers were taken after the broker went covers every delivered record:
      // the second write after the close. Between the two, the segments the producer holds (all
      // undelivered) are counted; the last write numbers them all.
      Object written = awaitWrite(state, null);
      double pending = metric(first, "tapflow_sensor_packets_pending", "sensor=\"restart\"");
      awaitWrite(state, written);
      assertEquals(137, first.process().kill(WAIT));
      SensorStateFile.Numbering afterKill = SensorStateFile.read(state);
      assertFalse(afterKill.clean());
      broker = BrokerPorts.restart(data, brokerPort, WAIT);
      List<ConsumerRecord<String, PacketRecord>> before2 = readTopic(broker, prefix);
      long[] last1 = lastNumbers(before2);
      long[] next1 = afterKill.nextPartitionSeqs();
      long counted1 = 0;
      for (int p = 0; p < 2; p++) {
        assertTrue(next1[p] - 1 >= last1[p], "the last write came after the last delivery");
        counted1 += next1[p] - 1 - last1[p];
      }
      assertTrue(counted1 >= pending, counted1 + " counted, " + pending + " pending before");
      assertTrue(pending > 0);

      // 2. Killed with the broker there: records delivered after its last write have numbers the
      // successor gives out again; they are no loss.
      Sensor second = sensor(dir, "second", broker, prefix, peer, state);
      assertTrue(
          second
              .process()
              .stderr()
              .contains(
                  "continuing run "
                      + afterKill.runId()
                      + " after an unclean stop, from its last state write: sensorSeq "
                      + afterKill.nextSensorSeq()
                      + ", partitionSeq ["
                      + next1[0]
                      + ", "
                      + next1[1]
                      + "] (records numbered after that write and lost are not counted)"),
          second.process().stderr());
      awaitMetric(second, "tapflow_sensor_records_published_total", "kind=\"segment\"", v -> v > 0);
      awaitWrite(state, awaitWrite(state, null));
      Thread.sleep(300); // records delivered after the last write
      assertEquals(137, second.process().kill(WAIT));
      Thread.sleep(1000); // what its socket still held reaches the broker before the next reads
      SensorStateFile.Numbering afterKill2 = SensorStateFile.read(state);
      assertEquals(afterKill.runId(), afterKill2.runId());
      List<ConsumerRecord<String, PacketRecord>> before3 = readTopic(broker, prefix);
      long[] last2 = lastNumbers(before3);
      long[] next2 = afterKill2.nextPartitionSeqs();
      long counted2 = 0;
      boolean reused = false;
      for (int p = 0; p < 2; p++) {
        counted2 += Math.max(0, next2[p] - 1 - last2[p]);
        reused |= next2[p] - 1 < last2[p];
      }
      assertTrue(reused, "no record was delivered after the second sensor's last write");
      // The successor's first record in each partition carries the number the file held.
      assertSuccessorStartsAt(before2, readTopic(broker, prefix), afterKill);

      // 3. Stopped cleanly, nothing lost.
      Sensor third = sensor(dir, "third", broker, prefix, peer, state);
      peer.stopSteady();
      peer.marker("the third run", 20);
      awaitMetric(third, "tapflow_sensor_packets_pending", "sensor=\"restart\"", v -> v == 0);
      third.process().stop(WAIT);
      Summary s3 = summary(third.process());
      assertEquals(s3.taken(), s3.delivered());
      List<ConsumerRecord<String, PacketRecord>> all = readTopic(broker, prefix);
      assertSuccessorStartsAt(before3, all, afterKill2);
      assertEquals(
          List.of(afterKill.runId()),
          all.stream().map(r -> r.value().getSensorRunId()).distinct().toList());

      assertEquals(counted1 + counted2, (long) recordsLost(broker, prefix));
    } finally {
      if (broker != null) {
        broker.close();
      }
      deleteRecursively(dir);
    }
  }

  /**
   * The records after {@code before} in each partition start with the numbers {@code from} held: in
   * partition p, {@code partitionSeq} from its next number; the first record of all, {@code
   * sensorSeq} from its next one.
   */
  private static void assertSuccessorStartsAt(
      List<ConsumerRecord<String, PacketRecord>> before,
      List<ConsumerRecord<String, PacketRecord>> after,
      SensorStateFile.Numbering from) {
    long[] next = from.nextPartitionSeqs();
    long firstSensorSeq = Long.MAX_VALUE;
    for (int p = 0; p < 2; p++) {
      int partition = p;
      long end = before.stream().filter(r -> r.partition() == partition).count();
      ConsumerRecord<String, PacketRecord> first =
          after.stream()
              .filter(r -> r.partition() == partition)
              .skip(end)
              .findFirst()
              .orElseThrow(() -> new AssertionError("no record of the successor in " + partition));
      assertEquals(next[p], first.value().getPartitionSeq(), "partition " + p);
      firstSensorSeq = Math.min(firstSensorSeq, first.value().getSensorSeq());
    }
    assertEquals(from.nextSensorSeq(), firstSensorSeq);
  }

  /** The highest partitionSeq of each of the two partitions. */
  private static long[] lastNumbers(List<ConsumerRecord<String, PacketRecord>> records) {
    long[] last = {-1, -1};
    for (ConsumerRecord<String, PacketRecord> r : records) {
      last[r.partition()] = Math.max(last[r.partition()], r.value().getPartitionSeq());
    }
    return last;
  }

  /**
   * Waits until the state file is written again (a write replaces the file: a new file key), after
   * {@code previous} (null: after now); returns the new file's key.
   */
  private static Object awaitWrite(Path state, Object previous) throws Exception {
    Object start = previous != null ? previous : fileKey(state);
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      Object key = fileKey(state);
      if (key != null && !key.equals(start)) {
        return key;
      }
      Thread.sleep(5);
    }
    return fail("the state file was not written again");
  }

  private static Object fileKey(Path state) {
    try {
      return Files.readAttributes(state, BasicFileAttributes.class).fileKey();
    } catch (IOException e) {
      return null; // between the rename and the read
    }
  }

  /** Runs a processor over the topics and returns what it counted as lost for this sensor. */
  private static double recordsLost(EmbeddedKafkaBroker broker, String prefix) throws Exception {
    PrometheusRegistry registry = new PrometheusRegistry();
    Pipeline.Settings settings =
        new Pipeline.Settings(
            broker.bootstrapServers(),
            Map.of(),
            Topics.DEFAULT.withPrefix(prefix),
            2,
            1,
            prefix + "processor",
            true,
            "the-processors-side",
            "none");
    try (Pipeline pipeline = Pipeline.create(settings, registry)) {
      pipeline.startProcessor();
      pipeline.awaitProcessed(Duration.ofMinutes(2));
    }
    for (var snapshot : registry.scrape()) {
      if (snapshot.getMetadata().getName().equals("tapflow_processor_records_lost")) {
        for (var d : ((CounterSnapshot) snapshot).getDataPoints()) {
          if (d.getLabels().equals(Labels.of("sensor", ID))) {
            return d.getValue();
          }
        }
      }
    }
    return 0;
  }

  /** Starts a live sensor on lo for the peer's port and waits until it captures. */
  private Sensor sensor(
      Path dir,
      String name,
      EmbeddedKafkaBroker broker,
      String prefix,
      LoopbackPeer peer,
      Path state)
      throws Exception {
    TapflowProcess p =
        TapflowProcess.start(
            dir,
            name,
            List.of(),
            TapflowProcess.testClasspath(),
            "warn",
            List.of(
                "sensor",
                "-i",
                "lo",
                "-f",
                "tcp port " + peer.port(),
                "--sensor-id",
                ID,
                "--topic-prefix",
                prefix,
                "--partitions",
                "2",
                "--metrics-address",
                "127.0.0.1:0",
                "--bootstrap-servers",
                broker.bootstrapServers(),
                "--state-file",
                state.toString(),
                "-X",
                "request.timeout.ms=5000"));
    p.awaitStderr("tapflow sensor restart: capturing lo", Duration.ofMinutes(2));
    Matcher m = Pattern.compile("/metrics on port (\\d+)").matcher(p.stderr());
    assertTrue(m.find(), p.stderr());
    return new Sensor(p, Integer.parseInt(m.group(1)));
  }

  private static Summary summary(TapflowProcess p) {
    Matcher m = SUMMARY.matcher(p.stderr());
    assertTrue(m.find(), p.stderr());
    Map<String, Long> reasons = new HashMap<>();
    for (String pair : m.group(4).split(" ")) {
      if (!pair.isEmpty()) {
        String[] kv = pair.split("=");
        reasons.put(kv[0], Long.parseLong(kv[1]));
      }
    }
    return new Summary(
        Long.parseLong(m.group(2)),
        reasons.getOrDefault("publish_failed", 0L),
        Long.parseLong(m.group(5)),
        Long.parseLong(m.group(6)),
        Long.parseLong(m.group(7)));
  }

  private static List<ConsumerRecord<String, PacketRecord>> readTopic(
      EmbeddedKafkaBroker broker, String prefix) {
    Properties client = new Properties();
    client.put("bootstrap.servers", broker.bootstrapServers());
    List<ConsumerRecord<String, PacketRecord>> records =
        new ArrayList<>(
            TopicReader.readAll(
                client,
                prefix + "tapflow.packets",
                TapflowSerdes.packetRecord().deserializer(),
                WAIT));
    records.removeIf(r -> !Objects.equals(r.value().getSensorId(), ID));
    return records;
  }

  private void awaitMetric(Sensor sensor, String name, String label, DoublePredicate condition)
      throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    double value = 0;
    while (System.nanoTime() < deadline) {
      assertTrue(sensor.process().isAlive(), sensor.process().stderr());
      value = metric(sensor, name, label);
      if (condition.test(value)) {
        return;
      }
      Thread.sleep(100);
    }
    fail(name + "{" + label + "} stayed at " + value);
  }

  private double metric(Sensor sensor, String name, String label) throws Exception {
    String text =
        http.send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + sensor.metricsPort() + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    double sum = 0;
    for (String line : text.lines().toList()) {
      if (line.startsWith(name + "{") && line.contains(label)) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
