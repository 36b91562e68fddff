package io.tapflow.bench;

import io.tapflow.schemas.TapflowSerdes;
import io.tapflow.schemas.WebSocketMessage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Measures capture-to-topic latency: how long after the sensor captured the packet that completed a
 * WebSocket message the message can be read from the messages topic by a {@code read_committed}
 * consumer. {@code LatencyBench BOOTSTRAP TOPIC LABEL IDLE_SECONDS GO_FILE [TRACE_FILE
 * [PACKETS_TOPIC]]}.
 *
 * <p>The consumer starts at the topic's end and prints {@code READY}; it then reads the warm-up
 * replay's messages without timing them, so that its own JIT is warm too (a consumer started cold
 * just before the measured replay delayed the first seconds' messages by up to 2 s, its compiler
 * competing with the pipeline for the two cores). When {@code GO_FILE} exists it takes the time,
 * prints {@code MEASURING}, and from then on, for each message captured after that time, takes its
 * receive time (wall clock) minus {@code WebSocketMessage.timestamp}, the kernel's capture time of
 * the packet; both are this machine's real-time clock. Messages captured before are counted as
 * {@code earlier=}. It stops after {@code IDLE_SECONDS} without a new timed message, once at least
 * one arrived, prints p50, p90, p99 and max, and reads the topic again from its beginning to count
 * the messages captured after that time that it holds ({@code in_topic=}), which tells a message
 * the consumer missed from one the processor never wrote. With {@code TRACE_FILE}, each timed
 * message's capture time and latency (milliseconds) are written there. {@code max_gap_ms=} is the
 * longest wait between two timed messages (from the first on): a count short of the replay's with
 * {@code in_topic=} complete and a gap near {@code IDLE_SECONDS} means the consumer gave up while
 * the pipeline stalled.
 *
 * <p>With {@code PACKETS_TOPIC} (a seventh argument), a second consumer times the first stage alone
 * the same way: each packet record captured after that time, from its capture to its arrival in the
 * packets topic (sensor and broker, no processor), printed as {@code latency_packets_LABEL}, and
 * each packet's capture time and latency written to {@code TRACE_FILE.packets}. A delay that shows
 * there comes before the processor.
 */
public final class LatencyBench {
  private LatencyBench() {}

  public static void main(String[] args) {
    String bootstrap = args[0];
    String topic = args[1];
    String label = args[2];
    long idleNanos = Long.parseLong(args[3]) * 1_000_000_000L;
    Path go = Path.of(args[4]);
    PrintWriter trace = args.length > 5 ? newTrace(Path.of(args[5])) : null;
    PacketStage packets =
        args.length > 6
            ? new PacketStage(bootstrap, args[6], newTrace(Path.of(args[5] + ".packets")))
            : null;
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 5);
    long[] latencies = new long[1 << 20];
    int n = 0;
    long earlier = 0;
    Instant since = null;
    long maxGap = 0;
    List<TopicPartition> parts;
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      parts = atEnd(consumer, topic);
      if (packets != null) {
        packets.start();
      }
      System.out.println("READY " + label);
      System.out.flush();
      long last = System.nanoTime();
      while (n == 0 || System.nanoTime() - last < idleNanos) {
        if (since == null && Files.exists(go)) {
          since = Instant.now();
          if (packets != null) {
            packets.since = since;
          }
          System.out.println("MEASURING " + label);
          System.out.flush();
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(5))) {
          Instant now = Instant.now();
          WebSocketMessage m = TapflowSerdes.webSocketMessage().decode(r.value());
          if (since == null || m.getTimestamp().isBefore(since)) {
            earlier++;
            continue;
          }
          long arrived = System.nanoTime();
          if (n > 0) {
            maxGap = Math.max(maxGap, arrived - last);
          }
          last = arrived;
          Duration d = Duration.between(m.getTimestamp(), now);
          if (trace != null) {
            trace.println(m.getTimestamp().toEpochMilli() + " " + d.toMillis());
          }
          if (n < latencies.length) {
            latencies[n++] = d.toNanos();
          }
        }
      }
    }
    if (trace != null) {
      trace.close();
    }
    if (packets != null) {
      packets.finish(label);
    }
    System.out.printf(
        "RESULT latency_%s messages=%d %s max_gap_ms=%.1f earlier=%d in_topic=%d%n",
        label, n, percentiles(latencies, n), maxGap / 1e6, earlier, countSince(p, parts, since));
  }

  /** The messages captured at or after {@code since} that the topic holds, read from its start. */
  private static long countSince(Properties p, List<TopicPartition> parts, Instant since) {
    long count = 0;
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      Map<TopicPartition, Long> end = consumer.endOffsets(parts);
      while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          if (!TapflowSerdes.webSocketMessage().decode(r.value()).getTimestamp().isBefore(since)) {
            count++;
          }
        }
      }
    }
    return count;
  }

  /** The first stage timed alone: packet records from their capture to the packets topic. */
  private static final class PacketStage extends Thread {
    private final Properties props = new Properties();
    private final String topic;
    private final PrintWriter trace;
    private final long[] latencies = new long[1 << 22];
    private final java.util.concurrent.CountDownLatch positioned =
        new java.util.concurrent.CountDownLatch(1);
    volatile Instant since;
    private volatile boolean stop;
    private int n;

    PacketStage(String bootstrap, String topic, PrintWriter trace) {
      super("packets-stage");
      setDaemon(true);
      this.topic = topic;
      this.trace = trace;
      props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 5);
    }

    @Override
    public synchronized void start() {
      super.start();
      try {
        positioned.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void run() {
      try (KafkaConsumer<byte[], byte[]> consumer =
          new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
        atEnd(consumer, topic);
        positioned.countDown();
        while (!stop) {
          for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(5))) {
            Instant now = Instant.now();
            Instant from = since;
            Instant captured = TapflowSerdes.packetRecord().decode(r.value()).getTimestamp();
            if (from == null || captured.isBefore(from)) {
              continue;
            }
            Duration d = Duration.between(captured, now);
            trace.println(captured.toEpochMilli() + " " + d.toMillis());
            if (n < latencies.length) {
              latencies[n++] = d.toNanos();
            }
          }
        }
      } finally {
        positioned.countDown();
      }
    }

    void finish(String label) {
      stop = true;
      try {
        join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      trace.close();
      System.out.printf(
          "RESULT latency_packets_%s packets=%d%s%n",
          label, n, n == 0 ? "" : " " + percentiles(latencies, n));
    }
  }

  private static PrintWriter newTrace(Path path) {
    try {
      return new PrintWriter(Files.newBufferedWriter(path));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Assigns every partition of {@code topic} and positions the consumer at their ends. */
  private static List<TopicPartition> atEnd(KafkaConsumer<byte[], byte[]> consumer, String topic) {
    List<TopicPartition> parts =
        consumer.partitionsFor(topic).stream()
            .map(i -> new TopicPartition(topic, i.partition()))
            .toList();
    consumer.assign(parts);
    consumer.seekToEnd(parts);
    parts.forEach(consumer::position);
    return parts;
  }

  /** p50, p90, p99 and max of the first {@code n} latencies (nanoseconds), as result fields. */
  private static String percentiles(long[] latencies, int n) {
    long[] l = Arrays.copyOf(latencies, n);
    Arrays.sort(l);
    return String.format(
        "p50_ms=%.1f p90_ms=%.1f p99_ms=%.1f max_ms=%.1f",
        ms(l, 0.50), ms(l, 0.90), ms(l, 0.99), l[n - 1] / 1e6);
  }

  private static double ms(long[] sorted, double q) {
    return sorted[(int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] / 1e6;
  }
}
