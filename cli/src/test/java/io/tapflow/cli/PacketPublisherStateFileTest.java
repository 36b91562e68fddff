package io.tapflow.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tapflow.cli.broker.EmbeddedKafkaBroker;
import io.tapflow.schemas.PacketRecord;
import io.tapflow.schemas.TapflowSerdes;
import io.tapflow.sensor.capture.CaptureConfig;
import io.tapflow.sensor.capture.PacketHandler;
import io.tapflow.sensor.capture.PcapSource;
import io.tapflow.sensor.metrics.SensorMetrics;
import io.tapflow.sensor.publish.PacketPublisher;
import io.tapflow.sensor.publish.PacketRecordEncoder;
import io.tapflow.sensor.publish.PublishConfig;
import io.tapflow.sensor.publish.SensorStateFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A publisher with a state file against a real broker: where its numbering starts (a new run, a
 * clean predecessor's numbers exactly, an unclean one's last write), what it writes at its start,
 * while it runs and at its close, and what it refuses.
 */
class PacketPublisherStateFileTest {
  /** This test's broker port: the first free one of 48900-48909. */
  private static final int BROKER_PORTS = 48900;

  private static EmbeddedKafkaBroker broker;
  private static final List<Frame> FRAMES = new ArrayList<>();

  @TempDir Path dir;

  private record Frame(int linkType, long ts, boolean nano, byte[] data, int caplen, int len) {}

  @BeforeAll
  static void startBroker() throws Exception {
    broker =
        BrokerPorts.firstFree(Files.createTempDirectory("tapflow-state-"), true, BROKER_PORTS, 10);
    try (PcapSource source =
        PcapSource.open(CaptureConfig.offline(Path.of("..", "samples", "chat.pcap")))) {
      source.run((PacketHandler) (l, t, n, d, c, w) -> FRAMES.add(new Frame(l, t, n, d, c, w)));
    }
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
  }

  private static void createTopic(String topic) throws Exception {
    Properties p = new Properties();
    p.put("bootstrap.servers", broker.bootstrapServers());
    try (Admin admin = Admin.create(p)) {
      admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
    }
  }

  private PacketPublisher publisher(String sensor, String topic, Path stateFile) {
    return new PacketPublisher(
        PublishConfig.file(broker.bootstrapServers(), Map.of())
            .withStateFile(stateFile)
            .withStateInterval(Duration.ofMillis(100)),
        sensor,
        "chat.pcap",
        topic,
        PacketRecordEncoder.singleObjectHeader(),
        new SensorMetrics(new PrometheusRegistry()));
  }

  private static void publish(PacketPublisher p, int from, int to) {
    for (Frame f : FRAMES.subList(from, to)) {
      p.onPacket(f.linkType, f.ts, f.nano, f.data, f.caplen, f.len);
    }
    p.flush();
  }

  private static List<ConsumerRecord<String, PacketRecord>> read(String topic) {
    Properties p = new Properties();
    p.put("bootstrap.servers", broker.bootstrapServers());
    return TopicReader.readAll(
        p, topic, TapflowSerdes.packetRecord().deserializer(), Duration.ofMinutes(1));
  }

  @Test
  void aPublisherRestartedAfterACleanStopContinuesItsPredecessorsRunExactly() throws Exception {
    String topic = "clean.tapflow.packets";
    createTopic(topic);
    Path state = dir.resolve("sensor.state");
    String run;
    long[] nextAtStop;
    try (PacketPublisher first = publisher("s1", topic, state)) {
      PacketPublisher.Start start = first.start();
      assertEquals(PacketPublisher.Origin.NEW, start.origin());
      assertEquals("no state file yet", start.reason());
      run = start.runId();
      // The claim is written before the first number is given out: not clean, numbers from 0.
      assertEquals(
          new SensorStateFile.Numbering("s1", topic, run, false, 0, new long[0]),
          SensorStateFile.read(state));
      first.awaitPartitionsWritable(); // a heartbeat to each partition
      publish(first, 0, 25);
      assertEquals(27, first.sent());
      first.close();
      SensorStateFile.Numbering stopped = SensorStateFile.read(state);
      assertTrue(stopped.clean());
      assertEquals(run, stopped.runId());
      assertEquals(27, stopped.nextSensorSeq());
      nextAtStop = stopped.nextPartitionSeqs();
      assertEquals(2, nextAtStop.length);
      assertEquals(27, nextAtStop[0] + nextAtStop[1]);
    }
    try (PacketPublisher second = publisher("s1", topic, state)) {
      PacketPublisher.Start start = second.start();
      assertEquals(PacketPublisher.Origin.CONTINUED, start.origin());
      assertEquals(run, start.runId());
      assertEquals(27, start.nextSensorSeq());
      assertArrayEquals(nextAtStop, start.nextPartitionSeqs());
      assertEquals(
          "continuing run "
              + run
              + " after a clean stop at sensorSeq 27, partitionSeq ["
              + nextAtStop[0]
              + ", "
              + nextAtStop[1]
              + "]",
          start.describe());
      assertFalse(SensorStateFile.read(state).clean(), "claimed again at the start");
      publish(second, 25, 40);
      second.endOfCapture();
      second.flush();
    }
    // One run on the topic: sensorSeq 0..43 once each, and in each partition 0, 1, 2, ...
    List<ConsumerRecord<String, PacketRecord>> records = read(topic);
    assertEquals(2 + 40 + 2, records.size());
    assertEquals(
        List.of(run), records.stream().map(r -> r.value().getSensorRunId()).distinct().toList());
    assertEquals(
        java.util.stream.LongStream.range(0, 44).boxed().toList(),
        records.stream().map(r -> r.value().getSensorSeq()).sorted().toList());
    for (int partition = 0; partition < 2; partition++) {
      int p = partition;
      List<Long> numbers =
          records.stream()
              .filter(r -> r.partition() == p)
              .map(r -> r.value().getPartitionSeq())
              .toList();
      assertEquals(java.util.stream.LongStream.range(0, numbers.size()).boxed().toList(), numbers);
    }
    SensorStateFile.Numbering end = SensorStateFile.read(state);
    assertTrue(end.clean());
    assertEquals(44, end.nextSensorSeq());
  }

  @Test
  void whileItRunsThePublisherWritesTheNumbersGivenOutAndAnUncleanFileIsContinuedFromThere()
      throws Exception {
    String topic = "unclean.tapflow.packets";
    createTopic(topic);
    Path state = dir.resolve("sensor.state");
    Path copy = dir.resolve("copy.state");
    String run;
    try (PacketPublisher p = publisher("s2", topic, state)) {
      run = p.start().runId();
      p.awaitPartitionsWritable();
      publish(p, 0, 10);
      // Within a few intervals the file says what was given out: 12 records, not clean.
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      SensorStateFile.Numbering n = SensorStateFile.read(state);
      while (n.nextSensorSeq() != 12 && System.nanoTime() < deadline) {
        Thread.sleep(20);
        n = SensorStateFile.read(state);
      }
      assertEquals(12, n.nextSensorSeq());
      assertFalse(n.clean());
      // What a crash now would leave: the file as it is while the publisher runs.
      Files.copy(state, copy);
    }
    PacketPublisher.Start start;
    try (PacketPublisher after = publisher("s2", topic, copy)) {
      start = after.start();
    }
    assertEquals(PacketPublisher.Origin.CONTINUED_AFTER_CRASH, start.origin());
    assertEquals(run, start.runId());
    assertEquals(12, start.nextSensorSeq());
    assertTrue(
        start.describe().endsWith("(records numbered after that write and lost are not counted)"),
        start.describe());
  }

  @Test
  void aStateFileOfAnotherSensorOrTopicStartsANewRunAndSaysWhy() throws Exception {
    String topic = "other.tapflow.packets";
    createTopic(topic);
    Path state = dir.resolve("sensor.state");
    String run;
    try (PacketPublisher p = publisher("s3", topic, state)) {
      run = p.start().runId();
    }
    PacketPublisher.Start otherSensor;
    try (PacketPublisher p = publisher("s4", topic, state)) {
      otherSensor = p.start();
    }
    assertEquals(PacketPublisher.Origin.NEW, otherSensor.origin());
    assertNotEquals(run, otherSensor.runId());
    assertEquals(
        "the state file numbered sensor s3's records on other.tapflow.packets",
        otherSensor.reason());
    // The file now holds s4's run, ended cleanly.
    assertEquals("s4", SensorStateFile.read(state).sensorId());

    Files.writeString(state, "version=7\n");
    PacketPublisher.Start unreadable;
    try (PacketPublisher p = publisher("s4", topic, state)) {
      unreadable = p.start();
    }
    assertEquals(PacketPublisher.Origin.NEW, unreadable.origin());
    assertEquals("the state file was unreadable: not a version 1 state file", unreadable.reason());
  }

  @Test
  void aSecondPublisherCannotTakeAStateFileInUseAndAMissingDirectoryIsRefused() throws Exception {
    String topic = "locked.tapflow.packets";
    createTopic(topic);
    Path state = dir.resolve("sensor.state");
    try (PacketPublisher p = publisher("s5", topic, state)) {
      UncheckedIOException e =
          assertThrows(UncheckedIOException.class, () -> publisher("s5", topic, state));
      assertEquals(
          "cannot use the state file "
              + state
              + ": another sensor uses the state file "
              + state
              + " (it holds the lock on "
              + dir.resolve("sensor.state.lock")
              + ")",
          e.getMessage());
      assertEquals(PacketPublisher.Origin.NEW, p.start().origin());
    }
    Path missing = dir.resolve("no-such-dir").resolve("sensor.state");
    UncheckedIOException e =
        assertThrows(UncheckedIOException.class, () -> publisher("s5", topic, missing));
    assertTrue(e.getMessage().startsWith("cannot use the state file " + missing), e.getMessage());
  }
}
