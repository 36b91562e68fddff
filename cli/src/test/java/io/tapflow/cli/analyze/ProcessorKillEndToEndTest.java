package io.tapflow.cli.analyze;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tapflow.cli.Pipeline;
import io.tapflow.cli.TapflowProcess;
import io.tapflow.cli.TopicAdmin;
import io.tapflow.cli.broker.EmbeddedKafkaBroker;
import io.tapflow.cli.generate.ChatTrafficGenerator;
import io.tapflow.cli.generate.PcapWriter;
import io.tapflow.cli.output.JsonLines;
import io.tapflow.schemas.ConnectionRecord;
import io.tapflow.schemas.TapflowSerdes;
import io.tapflow.schemas.Topics;
import io.tapflow.sensor.capture.CaptureConfig;
import io.tapflow.sensor.capture.PcapSource;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills the {@code tapflow processor} process with SIGKILL at random points while it decodes a
 * large compressed capture, restarts it each time with its local state directory deleted or kept,
 * and requires that its output topics hold, record for record, what an uninterrupted run wrote:
 * exactly-once, with no duplicate and no missing record.
 *
 * <p>The capture is published once (two partitions, END_OF_CAPTURE at the end of each, as {@code
 * tapflow analyze} publishes it); every run reads its own byte-for-byte copy under its own topic
 * prefix and application id; the uninterrupted run and the trials run side by side. Each trial's
 * kill points come from a {@link Random} whose seed is drawn from the test's seed; every failure
 * names that seed, and {@code -Dtapflow.kill.seed=N} repeats it (the kill points, not the timing).
 * A failing run keeps its temporary directory with each instance's log ({@code NAME.err}).
 */
class ProcessorKillEndToEndTest {
  /**
   * 22 363 packets that one processor decodes in about 6 s here (after about 4 s of start); with
   * permessage-deflate and context takeover, so the connections' inflater windows must survive
   * every restart.
   */
  private static final ChatTrafficGenerator.Spec CAPTURE =
      ChatTrafficGenerator.Spec.of(300, 20, true, 8).withPort(48_580);

  private static final int PARTITIONS = 2;
  private static final int TRIALS = 3;
  private static final int KILLS_PER_TRIAL = 2;

  /**
   * Kill points are drawn in this part of the packets (the processor commits every few hundred).
   */
  private static final double FIRST_KILL_POINT = 0.03;

  private static final double LAST_KILL_POINT = 0.70;

  private static final Duration INSTANCE_TIMEOUT = Duration.ofMinutes(2);

  /** The exit code of a process that SIGKILL ended (128 + 9). */
  private static final int KILLED = 137;

  /**
   * A killed instance never leaves its consumer group. With dynamic membership its successor's
   * rebalance waits until the coordinator expires it: the session timeout is the broker's minimum,
   * 6 s, instead of 45 s.
   */
  private static final List<String> CLIENT_SETTINGS =
      List.of("-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=1000");

  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path tmp;

  private final long seed = Long.getLong("tapflow.kill.seed", System.nanoTime());
  private EmbeddedKafkaBroker broker;
  private Admin admin;
  private Properties client;

  /**
   * One processor run: its application id (also its topic prefix), its topics, its state directory,
   * for static group membership (as deploy/k8s runs it) the {@code group.instance.id} of its
   * instances (null: dynamic membership, as deploy/systemd runs it), and its {@code
   * --checkpoint-interval} in seconds (null: the default).
   */
  private record Run(
      String name, Topics topics, Path stateDir, String instanceId, String checkpointSeconds) {}

  /** One output record, as the comparison sees it. */
  private record Out(byte[] key, byte[] value, long timestamp) {
    boolean same(Out o) {
      return Arrays.equals(key, o.key) && Arrays.equals(value, o.value) && timestamp == o.timestamp;
    }
  }

  @Test
  void aProcessorKilledAtRandomPointsAndRestartedWritesExactlyWhatAnUninterruptedRunWrites()
      throws Exception {
    String why =
        "seed " + seed + " (-Dtapflow.kill.seed=" + seed + " repeats it; logs in " + tmp + ")";
    log(why);
    Path capture = tmp.resolve("chat-deflate.pcap");
    ChatTrafficGenerator.Summary generated;
    try (PcapWriter w = new PcapWriter(capture)) {
      generated = ChatTrafficGenerator.generate(CAPTURE, w);
    }
    broker = EmbeddedKafkaBroker.start();
    client = new Properties();
    client.put("bootstrap.servers", broker.bootstrapServers());
    admin = Admin.create(client);
    try {
      Topics source = Topics.DEFAULT.withPrefix("source.");
      publish(capture, source);
      Map<TopicPartition, Long> published =
          endOffsets(source.packets(), IsolationLevel.READ_UNCOMMITTED);
      // The packets, and per partition a heartbeat (written before them) and an END_OF_CAPTURE.
      assertEquals(
          generated.packets() + 2 * PARTITIONS,
          published.values().stream().mapToLong(Long::longValue).sum());

      // The uninterrupted run and the trials run side by side: most of a run is waiting (for a
      // JVM to start, a rebalance, a restore), and each kill point is a committed position, not a
      // time.
      ExecutorService runs = Executors.newFixedThreadPool(1 + TRIALS);
      try {
        Future<Map<String, Map<Integer, List<Out>>>> reference =
            runs.submit(
                () -> {
                  Run run = run("reference", false, null);
                  copyPackets(source.packets(), run, published);
                  long t0 = System.nanoTime();
                  try (TapflowProcess p = start(run, "reference")) {
                    awaitEnd(run, p, why);
                  }
                  log(
                      "reference: uninterrupted run of %d ms",
                      (System.nanoTime() - t0) / 1_000_000);
                  return outputs(run);
                });
        List<Future<Map<String, Map<Integer, List<Out>>>>> trials = new ArrayList<>();
        Random seeds = new Random(seed);
        for (int trial = 1; trial <= TRIALS; trial++) {
          Random random = new Random(seeds.nextLong());
          // Checkpoints of the connections' state at every commit (a restart replays nothing),
          // every 0.2-2 s (it replays the packets since the last one), and at the default 10 s
          // (the kills mostly come before the first: it replays from the start).
          String checkpoint =
              switch (trial % 3) {
                case 1 -> "0";
                case 2 -> String.format(Locale.ROOT, "%.1f", 0.2 + 1.8 * random.nextDouble());
                default -> null;
              };
          Run run = run("trial" + trial, trial % 2 == 1, checkpoint);
          String trialWhy = why + ", trial " + trial;
          trials.add(
              runs.submit(
                  () -> {
                    copyPackets(source.packets(), run, published);
                    killAndRestart(run, random, trialWhy);
                    Map<String, Map<Integer, List<Out>>> outputs = outputs(run);
                    log(
                        "%s: %d output records written and aborted (read_uncommitted sees them)",
                        run.name(),
                        uncommittedRecords(run)
                            - counts(outputs).values().stream().mapToLong(Long::longValue).sum());
                    return outputs;
                  }));
        }
        Map<String, Map<Integer, List<Out>>> expected = result(reference);
        assertEquals(
            Map.of(
                "tapflow.ws.messages",
                generated.webSocketFrames(),
                "tapflow.chat",
                generated.textMessages(),
                // One at the upgrade and a final one per connection, and an interim record for
                // each of the 8 connections still open 60 s (the interim interval) of capture time
                // after their first record.
                "tapflow.connections",
                2L * CAPTURE.connections() + 8,
                "tapflow.anomalies",
                0L),
            counts(expected),
            "records of the uninterrupted run");
        assertEquals(13_200, generated.webSocketFrames());
        assertEquals(12_600, generated.textMessages());
        assertEquals(CAPTURE.connections(), finalConnectionRecords(expected));
        for (int trial = 1; trial <= TRIALS; trial++) {
          assertSameOutputs(
              expected, result(trials.get(trial - 1)), "trial" + trial, why + ", trial " + trial);
        }
      } finally {
        runs.shutdownNow(); // the runs still going stop their processes
        runs.awaitTermination(1, TimeUnit.MINUTES);
      }
    } finally {
      admin.close();
      broker.close();
    }
  }

  /** The value of a run, or what failed it. */
  private static <T> T result(Future<T> run) throws Exception {
    try {
      return run.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Error error) {
        throw error;
      }
      throw (Exception) e.getCause();
    }
  }

  private Run run(String name, boolean staticMembership, String checkpointSeconds) {
    return new Run(
        name,
        Topics.DEFAULT.withPrefix(name + "."),
        tmp.resolve(name + "-state"),
        staticMembership ? name + "-instance" : null,
        checkpointSeconds);
  }

  /** Publishes the capture as {@code tapflow analyze} does, END_OF_CAPTURE included. */
  private void publish(Path capture, Topics topics) throws Exception {
    Pipeline.Settings settings =
        new Pipeline.Settings(
            broker.bootstrapServers(),
            Map.of(),
            topics,
            PARTITIONS,
            1,
            "unused",
            true,
            "kill",
            capture.getFileName().toString());
    try (Pipeline pipeline = Pipeline.create(settings, new PrometheusRegistry());
        PcapSource pcap = PcapSource.open(CaptureConfig.offline(capture))) {
      pcap.run(pipeline.publisher());
      pipeline.endOfCapture();
      assertEquals(0, pipeline.publisher().failed());
    }
  }

  /**
   * Creates the run's topics and copies every record of {@code from} to the same partition of the
   * run's packets topic: key, value, timestamp and headers as they are, in order.
   */
  private void copyPackets(String from, Run run, Map<TopicPartition, Long> end) throws Exception {
    // Retention off, as analyze creates its topics: the capture's timestamps are old.
    TopicAdmin.ensure(admin, run.topics(), PARTITIONS, (short) 1, Map.of("retention.ms", "-1"));
    String to = run.topics().packets();
    Properties p = new Properties();
    p.putAll(client);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
        for (ConsumerRecord<byte[], byte[]> r :
            read(e.getKey(), e.getValue(), IsolationLevel.READ_COMMITTED)) {
          producer.send(
              new ProducerRecord<>(
                  to, r.partition(), r.timestamp(), r.key(), r.value(), r.headers()));
        }
      }
      producer.flush();
    }
    Map<TopicPartition, Long> copied = endOffsets(to, IsolationLevel.READ_UNCOMMITTED);
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      assertEquals(
          e.getValue(),
          copied.get(new TopicPartition(to, e.getKey().partition())),
          "records copied to " + to);
    }
  }

  private TapflowProcess start(Run run, String name) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "processor",
                "--application-id",
                run.name(),
                "--topic-prefix",
                run.name() + ".",
                "--partitions",
                String.valueOf(PARTITIONS),
                "--replication-factor",
                "1",
                "--state-dir",
                run.stateDir().toString(),
                "--metrics-address",
                "127.0.0.1:0",
                "--bootstrap-servers",
                broker.bootstrapServers()));
    args.addAll(CLIENT_SETTINGS);
    if (run.instanceId() != null) {
      args.addAll(List.of("-X", "group.instance.id=" + run.instanceId()));
    }
    if (run.checkpointSeconds() != null) {
      args.addAll(List.of("--checkpoint-interval", run.checkpointSeconds()));
    }
    return TapflowProcess.start(tmp, name, List.of(), TapflowProcess.testClasspath(), "warn", args);
  }

  /**
   * Runs {@code run} to the end with {@link #KILLS_PER_TRIAL} SIGKILLs on the way. Instance k is
   * killed a random 0-250 ms after its committed position has reached a random kill point (drawn in
   * order between {@link #FIRST_KILL_POINT} and {@link #LAST_KILL_POINT} of the packets, and past
   * where the instance started); the group's committed offsets must show that it had committed
   * progress of its own and had not reached the end. Before each restart the local state directory
   * is deleted or kept: each trial does both, in a random order.
   */
  private void killAndRestart(Run run, Random random, String why) throws Exception {
    Map<TopicPartition, Long> end =
        endOffsets(run.topics().packets(), IsolationLevel.READ_UNCOMMITTED);
    long total = end.values().stream().mapToLong(Long::longValue).sum();
    double[] points = new double[KILLS_PER_TRIAL];
    for (int k = 0; k < KILLS_PER_TRIAL; k++) {
      points[k] = FIRST_KILL_POINT + (LAST_KILL_POINT - FIRST_KILL_POINT) * random.nextDouble();
    }
    Arrays.sort(points);
    boolean deleteFirst = random.nextBoolean();
    log(
        "%s: %s membership, checkpoint interval %s, kill points %s of %d records",
        run.name(),
        run.instanceId() == null ? "dynamic" : "static",
        run.checkpointSeconds() == null ? "default" : run.checkpointSeconds() + " s",
        Arrays.toString(points),
        total);
    for (int k = 0; k < KILLS_PER_TRIAL; k++) {
      long before = committedSum(run);
      long target = Math.max(before + 1, (long) (points[k] * total));
      long jitterMs = random.nextInt(250);
      long t0 = System.nanoTime();
      String name = run.name() + "-" + k;
      long progressMs = -1;
      try (TapflowProcess p = start(run, name)) {
        long deadline = System.nanoTime() + INSTANCE_TIMEOUT.toNanos();
        long committed;
        while ((committed = committedSum(run)) < target) {
          if (progressMs < 0 && committed > before) {
            progressMs = (System.nanoTime() - t0) / 1_000_000;
          }
          if (!p.isAlive()) {
            fail(why + ": " + name + " ended by itself; stderr:\n" + p.stderr());
          }
          if (System.nanoTime() > deadline) {
            fail(why + ": " + name + " committed " + committed + " of " + target + " in time");
          }
          Thread.sleep(50);
        }
        progressMs = progressMs < 0 ? (System.nanoTime() - t0) / 1_000_000 : progressMs;
        Thread.sleep(jitterMs);
        assertEquals(KILLED, p.kill(Duration.ofSeconds(30)), why + ": " + name + "'s exit code");
      }
      Map<TopicPartition, Long> after = committed(run);
      long afterSum = after.values().stream().mapToLong(Long::longValue).sum();
      boolean delete = (k == 0) == deleteFirst;
      log(
          "%s: committed from %d, first progress after %d ms, killed %d ms after %d at %d %s;"
              + " local state %s",
          name,
          before,
          progressMs,
          jitterMs,
          target,
          afterSum,
          after.values(),
          delete ? "deleted" : "kept");
      assertTrue(
          afterSum > before && afterSum < total,
          why + ": " + name + " was not killed mid-way: committed " + after + " of " + end);
      if (delete) {
        deleteRecursively(run.stateDir());
      } else {
        // What the killed instance left: the process id file and the RocksDB store of each task.
        try (Stream<Path> files = Files.walk(run.stateDir())) {
          assertTrue(
              files.anyMatch(
                  f ->
                      f.getFileName().toString().endsWith(".sst")
                          || f.getFileName().toString().equals("CURRENT")),
              why + ": " + name + " left no RocksDB store in " + run.stateDir());
        }
      }
    }
    long t0 = System.nanoTime();
    try (TapflowProcess last = start(run, run.name() + "-last")) {
      awaitEnd(run, last, why);
    }
    log("%s-last: finished after %d ms", run.name(), (System.nanoTime() - t0) / 1_000_000);
  }

  /**
   * Waits until {@code p} has committed its position at the end of every packets partition and
   * every output partition's last transaction is complete.
   */
  private void awaitEnd(Run run, TapflowProcess p, String why) throws Exception {
    Map<TopicPartition, Long> end =
        endOffsets(run.topics().packets(), IsolationLevel.READ_UNCOMMITTED);
    long deadline = System.nanoTime() + INSTANCE_TIMEOUT.toNanos();
    while (true) {
      if (!p.isAlive()) {
        fail(why + ": " + p.name() + " ended by itself; stderr:\n" + p.stderr());
      }
      Map<TopicPartition, Long> committed = committed(run);
      if (committed.equals(end) && outputsSettled(run)) {
        return;
      }
      if (System.nanoTime() > deadline) {
        fail(why + ": " + p.name() + " committed " + committed + " of " + end + " in time");
      }
      Thread.sleep(100);
    }
  }

  /** Whether every output partition's last stable offset is its end (no open transaction). */
  private boolean outputsSettled(Run run) throws Exception {
    for (String topic : outputTopics(run)) {
      if (!endOffsets(topic, IsolationLevel.READ_COMMITTED)
          .equals(endOffsets(topic, IsolationLevel.READ_UNCOMMITTED))) {
        return false;
      }
    }
    return true;
  }

  private static List<String> outputTopics(Run run) {
    Topics t = run.topics();
    return List.of(t.messages(), t.connections(), t.chat(), t.anomalies());
  }

  /** The run's committed positions on the packets partitions (Streams' group is its app id). */
  private Map<TopicPartition, Long> committed(Run run) throws Exception {
    Map<TopicPartition, Long> c = new TreeMap<>(Comparator.comparingInt(TopicPartition::partition));
    for (Map.Entry<TopicPartition, OffsetAndMetadata> e :
        admin
            .listConsumerGroupOffsets(run.name())
            .partitionsToOffsetAndMetadata()
            .get()
            .entrySet()) {
      if (e.getKey().topic().equals(run.topics().packets()) && e.getValue() != null) {
        c.put(e.getKey(), e.getValue().offset());
      }
    }
    return c;
  }

  private long committedSum(Run run) throws Exception {
    return committed(run).values().stream().mapToLong(Long::longValue).sum();
  }

  private Map<TopicPartition, Long> endOffsets(String topic, IsolationLevel isolation)
      throws Exception {
    Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
    for (int i = 0; i < PARTITIONS; i++) {
      specs.put(new TopicPartition(topic, i), OffsetSpec.latest());
    }
    Map<TopicPartition, Long> end =
        new TreeMap<>(Comparator.comparingInt(TopicPartition::partition));
    admin
        .listOffsets(specs, new ListOffsetsOptions(isolation))
        .all()
        .get()
        .forEach((tp, info) -> end.put(tp, info.offset()));
    return end;
  }

  /** One partition's records below {@code end}, in offset order. */
  private List<ConsumerRecord<byte[], byte[]>> read(
      TopicPartition tp, long end, IsolationLevel isolation) {
    Properties p = new Properties();
    p.putAll(client);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.toString());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
      while (consumer.position(tp) < end) {
        if (System.nanoTime() > deadline) {
          fail("timed out reading " + tp);
        }
        consumer.poll(Duration.ofMillis(200)).records(tp).forEach(records::add);
      }
    }
    return records;
  }

  /**
   * Every output topic's committed records by topic (without the run's prefix) and partition, read
   * with read_committed.
   */
  private Map<String, Map<Integer, List<Out>>> outputs(Run run) throws Exception {
    Map<String, Map<Integer, List<Out>>> out = new LinkedHashMap<>();
    for (String topic : outputTopics(run)) {
      Map<Integer, List<Out>> partitions = new TreeMap<>();
      for (Map.Entry<TopicPartition, Long> e :
          endOffsets(topic, IsolationLevel.READ_COMMITTED).entrySet()) {
        List<Out> records = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r :
            read(e.getKey(), e.getValue(), IsolationLevel.READ_COMMITTED)) {
          records.add(new Out(r.key(), r.value(), r.timestamp()));
        }
        partitions.put(e.getKey().partition(), records);
      }
      out.put(topic.substring(run.name().length() + 1), partitions);
    }
    return out;
  }

  /** How many records of the run's output topics a read_uncommitted consumer reads. */
  private long uncommittedRecords(Run run) throws Exception {
    long n = 0;
    for (String topic : outputTopics(run)) {
      for (Map.Entry<TopicPartition, Long> e :
          endOffsets(topic, IsolationLevel.READ_UNCOMMITTED).entrySet()) {
        n += read(e.getKey(), e.getValue(), IsolationLevel.READ_UNCOMMITTED).size();
      }
    }
    return n;
  }

  private static Map<String, Long> counts(Map<String, Map<Integer, List<Out>>> outputs) {
    Map<String, Long> counts = new TreeMap<>();
    outputs.forEach(
        (topic, partitions) ->
            counts.put(topic, partitions.values().stream().mapToLong(List::size).sum()));
    return counts;
  }

  private static long finalConnectionRecords(Map<String, Map<Integer, List<Out>>> outputs) {
    return outputs.get("tapflow.connections").values().stream()
        .flatMap(List::stream)
        .map(o -> TapflowSerdes.connectionRecord().deserializer().deserialize("", o.value()))
        .map(ConnectionRecord::getEndReason)
        .filter("fin"::equals)
        .count();
  }

  private static void assertSameOutputs(
      Map<String, Map<Integer, List<Out>>> expected,
      Map<String, Map<Integer, List<Out>>> actual,
      String run,
      String why) {
    List<String> differences = new ArrayList<>();
    for (String topic : expected.keySet()) {
      for (int partition = 0; partition < PARTITIONS; partition++) {
        List<Out> e = expected.get(topic).get(partition);
        List<Out> a = actual.get(topic).get(partition);
        int i = 0;
        while (i < e.size() && i < a.size() && e.get(i).same(a.get(i))) {
          i++;
        }
        if (i < e.size() || i < a.size()) {
          differences.add(difference(topic, partition, e, a, i));
        }
      }
    }
    if (!differences.isEmpty()) {
      fail(
          why
              + ": "
              + run
              + "'s committed outputs differ from the uninterrupted run's\n"
              + String.join("\n", differences));
    }
    log("%s: outputs equal the uninterrupted run's: %s", run, counts(actual));
  }

  /**
   * Where one partition's records first differ, decoded, and how many are missing or extra
   * (duplicated, or new) counted as a multiset.
   */
  private static String difference(
      String topic, int partition, List<Out> expected, List<Out> actual, int first) {
    Function<Out, String> decode = decoder(topic);
    Map<String, Integer> balance = new HashMap<>();
    expected.forEach(o -> balance.merge(fingerprint(o), 1, Integer::sum));
    actual.forEach(o -> balance.merge(fingerprint(o), -1, Integer::sum));
    long missing = balance.values().stream().filter(n -> n > 0).mapToLong(n -> n).sum();
    long extra = balance.values().stream().filter(n -> n < 0).mapToLong(n -> -n).sum();
    return String.format(
        "%s-%d: %d records expected, %d found; %d expected records missing, %d records more than"
            + " expected; first difference at index %d%n  expected: %s%n  found:    %s",
        topic,
        partition,
        expected.size(),
        actual.size(),
        missing,
        extra,
        first,
        first < expected.size() ? describe(expected.get(first), decode) : "(end)",
        first < actual.size() ? describe(actual.get(first), decode) : "(end)");
  }

  private static String fingerprint(Out o) {
    return HexFormat.of().formatHex(o.key())
        + "/"
        + HexFormat.of().formatHex(o.value())
        + "/"
        + o.timestamp();
  }

  private static String describe(Out o, Function<Out, String> decode) {
    String key = o.key() == null ? "null" : new String(o.key(), StandardCharsets.UTF_8);
    return "key=" + key + " timestamp=" + o.timestamp() + " " + decode.apply(o);
  }

  private static Function<Out, String> decoder(String topic) {
    return o -> {
      try {
        return switch (topic) {
          case "tapflow.ws.messages" ->
              JsonLines.line(
                  JsonLines.message(
                      TapflowSerdes.webSocketMessage().deserializer().deserialize("", o.value())));
          case "tapflow.connections" ->
              JsonLines.line(
                  JsonLines.connection(
                      TapflowSerdes.connectionRecord().deserializer().deserialize("", o.value())));
          case "tapflow.chat" ->
              JsonLines.line(
                  JsonLines.chat(
                      TapflowSerdes.chatEvent().deserializer().deserialize("", o.value())));
          case "tapflow.anomalies" ->
              JsonLines.line(
                  JsonLines.anomaly(
                      TapflowSerdes.anomaly().deserializer().deserialize("", o.value())));
          default -> HexFormat.of().formatHex(o.value());
        };
      } catch (RuntimeException e) {
        return "(undecodable: " + e + ") " + HexFormat.of().formatHex(o.value());
      }
    };
  }

  private static void log(String format, Object... args) {
    System.out.println("ProcessorKillEndToEndTest: " + String.format(format, args));
  }

  private static void deleteRecursively(Path dir) throws Exception {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
