package io.tapflow.bench;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tapflow.cli.Pipeline;
import io.tapflow.cli.broker.EmbeddedKafkaBroker;
import io.tapflow.schemas.PacketRecord;
import io.tapflow.schemas.TapflowSerdes;
import io.tapflow.schemas.Topics;
import io.tapflow.sensor.capture.CaptureConfig;
import io.tapflow.sensor.capture.PcapSource;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Part 3: the processor on Kafka against a plain consumer of the same packets topic, in one run on
 * one embedded broker. {@code ProcessorBench CAPTURE [PARTITIONS [NAME=VALUE...]]}: publishes the
 * capture once per guarantee to a topic of PARTITIONS partitions (default 1; the processor runs
 * that many stream threads), times a plain consumer (bytes only, then with Avro decoding) over it,
 * then the processor with exactly-once v2 and at-least-once from RUNNING to its last commit.
 * NAME=VALUE pairs are further Streams or client properties for the processor.
 */
public final class ProcessorBench {
  private ProcessorBench() {}

  private static int partitions = 1;

  /** Streams and client properties given after the partitions, as {@code name=value}. */
  private static final Map<String, String> extra = new HashMap<>();

  public static void main(String[] args) throws Exception {
    Path capture = Path.of(args[0]);
    partitions = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    for (int i = 2; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      extra.put(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
      // Round 0 warms the JIT up (its figures are printed as warmup_*): in a cold JVM the C1/C2
      // compiler threads take most of the two cores during a 10 s run, which is not the
      // processor's steady state. Round 1 is the measurement.
      for (int round = 0; round < 2; round++) {
        for (boolean exactlyOnce : new boolean[] {true, false}) {
          run(
              broker,
              capture,
              exactlyOnce,
              (round == 0 ? "warmup_" : "") + (exactlyOnce ? "eos" : "alos"));
        }
      }
    }
  }

  private static void run(EmbeddedKafkaBroker broker, Path capture, boolean exactlyOnce, String g)
      throws Exception {
    Topics topics = Topics.DEFAULT.withPrefix("bench-" + g + ".");
    Pipeline.Settings settings =
        new Pipeline.Settings(
            broker.bootstrapServers(),
            properties(),
            topics,
            partitions,
            1,
            "bench-" + g,
            exactlyOnce,
            "bench",
            capture.getFileName().toString());
    try (Pipeline p = Pipeline.create(settings, new PrometheusRegistry())) {
      Map<Long, Long> publishCpu0 = threadCpu();
      long t0 = System.nanoTime();
      long packets;
      try (PcapSource source = PcapSource.open(CaptureConfig.offline(capture))) {
        source.run(p.publisher());
        packets = source.stats().received();
      }
      p.endOfCapture();
      double publish = (System.nanoTime() - t0) / 1e9;
      // The sensor's side: this thread (read, decode, Avro, send) and the producer's I/O.
      long sensorCpu =
          cpuSince(publishCpu0, "kafka-producer-network-thread").get("app")
              + cpuSince(publishCpu0, Thread.currentThread().getName()).get("app");
      System.out.printf(
          "RESULT producer_%s records=%d seconds=%.2f records_per_s=%.0f"
              + " sensor_cpu_us_per_packet=%.1f%n",
          g, packets, publish, packets / publish, sensorCpu / 1e3 / packets);
      consume(p.clientProperties(), topics.packets(), false, g);
      consume(p.clientProperties(), topics.packets(), true, g);
      Map<Long, Long> cpu0 = threadCpu();
      long s0 = System.nanoTime();
      p.startProcessor();
      while (p.processor().streams().state() != KafkaStreams.State.RUNNING) {
        Thread.sleep(5);
      }
      long s1 = System.nanoTime();
      p.awaitProcessed(Duration.ofMinutes(20));
      long s2 = System.nanoTime();
      double secs = (s2 - s1) / 1e9;
      Map<String, Long> cpu = cpuSince(cpu0, "bench-" + g);
      System.out.printf(
          "RESULT processor_%s records=%d seconds=%.2f records_per_s=%.0f startup_s=%.2f"
              + " cpu_us_per_record=%.1f other_threads_cpu_us_per_record=%.1f%n",
          g,
          packets,
          secs,
          packets / secs,
          (s1 - s0) / 1e9,
          cpu.get("app") / 1e3 / packets,
          cpu.get("other") / 1e3 / packets);
      printStreamThreadTime(p.processor().streams(), secs, g);
      printTopicVolume(
          p.clientProperties(), "bench-" + g + "-tapflow-connections-changelog", "changelog_" + g);
      printTopicVolume(p.clientProperties(), topics.messages(), "messages_" + g);
    }
  }

  /**
   * Where the stream thread's wall time went, from Kafka Streams' and its clients' own cumulative
   * metrics: the commits (their count and latency, and within them the producer's flush, the
   * offsets sent to the transaction and its commit, in seconds), the polls (count and mean latency)
   * and the time Kafka Streams counts as blocked on its clients.
   */
  static void printStreamThreadTime(KafkaStreams streams, double secs, String g) {
    Map<String, Double> m = new HashMap<>();
    streams
        .metrics()
        .forEach(
            (name, metric) -> {
              String key = name.group() + ":" + name.name();
              String client = name.tags().getOrDefault("client-id", "");
              if (client.contains("restore") || client.contains("admin")) {
                return; // the restore consumer and the admin client: not the record loop
              }
              if (metric.metricValue() instanceof Number v && !Double.isNaN(v.doubleValue())) {
                m.merge(key, v.doubleValue(), Double::sum);
              }
            });
    double commits = m.getOrDefault("stream-thread-metrics:commit-total", 0.0);
    System.out.printf(
        "RESULT processor_time_%s seconds=%.2f commits=%.0f commit_latency_avg_ms=%.1f"
            + " commit_latency_max_ms=%.1f producer_flush_s=%.2f txn_commit_s=%.2f"
            + " txn_begin_s=%.2f txn_send_offsets_s=%.2f producer_blocked_s=%.2f"
            + " thread_blocked_s=%.2f poll_latency_avg_ms=%.2f polls=%.0f"
            + " consumer_poll_idle_ratio=%.2f%n",
        g,
        secs,
        commits,
        m.getOrDefault("stream-thread-metrics:commit-latency-avg", Double.NaN),
        m.getOrDefault("stream-thread-metrics:commit-latency-max", Double.NaN),
        m.getOrDefault("producer-metrics:flush-time-ns-total", 0.0) / 1e9,
        m.getOrDefault("producer-metrics:txn-commit-time-ns-total", 0.0) / 1e9,
        m.getOrDefault("producer-metrics:txn-begin-time-ns-total", 0.0) / 1e9,
        m.getOrDefault("producer-metrics:txn-send-offsets-time-ns-total", 0.0) / 1e9,
        (m.getOrDefault("producer-metrics:bufferpool-wait-time-ns-total", 0.0)
                + m.getOrDefault("producer-metrics:metadata-wait-time-ns-total", 0.0))
            / 1e9,
        m.getOrDefault("stream-thread-metrics:blocked-time-ns-total", 0.0) / 1e9,
        m.getOrDefault("stream-thread-metrics:poll-latency-avg", Double.NaN),
        m.getOrDefault("stream-thread-metrics:poll-total", 0.0),
        m.getOrDefault("consumer-metrics:poll-idle-ratio-avg", Double.NaN));
  }

  private static Map<String, String> properties() {
    Map<String, String> p = new HashMap<>(extra);
    p.put("num.stream.threads", String.valueOf(partitions));
    return p;
  }

  /** The records and value bytes a topic holds (what the run wrote to it). */
  static void printTopicVolume(Properties client, String topic, String label) {
    Properties c = new Properties();
    c.putAll(client);
    c.remove("group.protocol"); // a Streams setting here ("streams"), not the consumer's
    c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    long n = 0;
    long bytes = 0;
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c)) {
      List<TopicPartition> tps = partitions(consumer, topic);
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      Map<TopicPartition, Long> end = consumer.endOffsets(tps);
      while (tps.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          n++;
          bytes += r.value() == null ? 0 : r.value().length;
        }
      }
    }
    System.out.printf("RESULT topic_%s records=%d value_mb=%.1f%n", label, n, bytes / 1e6);
  }

  /**
   * Reads the whole topic from the start with one consumer; prints records/s. The time runs from
   * the first poll (the partitions assigned and their start and end offsets known) to the last
   * record, as the processor's runs from RUNNING to its last commit: creating the client, looking
   * the partitions up and closing it (about half a second on a 113 660-record topic) are left out,
   * and printed as {@code setup_s}.
   */
  static void consume(Properties client, String topic, boolean avro, String g) {
    Properties c = new Properties();
    c.putAll(client);
    c.remove("group.protocol"); // a Streams setting here ("streams"), not the consumer's
    c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    var values = TapflowSerdes.packetRecord().deserializer();
    long start = System.nanoTime();
    long t0;
    long t1;
    long cpu0;
    long cpu1;
    long n = 0;
    long bytes = 0;
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c)) {
      List<TopicPartition> tps = partitions(consumer, topic);
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      Map<TopicPartition, Long> end = consumer.endOffsets(tps);
      tps.forEach(consumer::position);
      t0 = System.nanoTime();
      cpu0 = THREADS.getCurrentThreadCpuTime();
      while (tps.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        ConsumerRecords<byte[], byte[]> rs = consumer.poll(Duration.ofMillis(200));
        for (ConsumerRecord<byte[], byte[]> r : rs) {
          n++;
          bytes += r.value().length;
          if (avro) {
            PacketRecord pr = values.deserialize(topic, r.value());
            bytes += pr.getPayload() == null ? 0 : 1;
          }
        }
      }
      t1 = System.nanoTime();
      cpu1 = THREADS.getCurrentThreadCpuTime();
    }
    double secs = (t1 - t0) / 1e9;
    double setup = (System.nanoTime() - start - (t1 - t0)) / 1e9;
    double cpuUs = (cpu1 - cpu0) / 1e3;
    System.out.printf(
        "RESULT consumer_%s_%s records=%d seconds=%.2f records_per_s=%.0f mb=%.1f"
            + " cpu_us_per_record=%.2f setup_s=%.2f%n",
        avro ? "avro" : "bytes", g, n, secs, n / secs, bytes / 1e6, cpuUs / n, setup);
  }

  private static List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer, String topic) {
    return consumer.partitionsFor(topic).stream()
        .map(i -> new TopicPartition(topic, i.partition()))
        .toList();
  }

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  /** CPU time so far of every live thread, by thread id. */
  static Map<Long, Long> threadCpu() {
    Map<Long, Long> cpu = new HashMap<>();
    for (long id : THREADS.getAllThreadIds()) {
      long t = THREADS.getThreadCpuTime(id);
      if (t >= 0) {
        cpu.put(id, t);
      }
    }
    return cpu;
  }

  /**
   * CPU nanoseconds spent since {@code before}: {@code app} by the threads whose name contains
   * {@code app} (the stream thread, its producer's and consumer's I/O threads), {@code other} by
   * every other thread (the embedded broker, mostly). Threads that ended in between are missed.
   */
  static Map<String, Long> cpuSince(Map<Long, Long> before, String app) {
    long mine = 0;
    long other = 0;
    for (ThreadInfo info : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
      if (info == null) {
        continue;
      }
      long t = THREADS.getThreadCpuTime(info.getThreadId());
      if (t < 0) {
        continue;
      }
      long spent = t - before.getOrDefault(info.getThreadId(), 0L);
      if (info.getThreadName().contains(app)) {
        mine += spent;
      } else {
        other += spent;
      }
    }
    return Map.of("app", mine, "other", other);
  }
}
