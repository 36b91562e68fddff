package io.tapflow.bench;

import io.tapflow.schemas.TapflowSerdes;
import io.tapflow.schemas.WebSocketMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Measures capture-to-topic latency: how long after the sensor captured the packet that completed a
 * WebSocket message the message can be read from the messages topic by a {@code read_committed}
 * consumer. {@code LatencyBench BOOTSTRAP TOPIC LABEL IDLE_SECONDS}.
 *
 * <p>The consumer starts at the topic's end, polls continuously, and for each message takes its
 * receive time (wall clock) minus {@code WebSocketMessage.timestamp}, the kernel's capture time of
 * the packet; both are this machine's real-time clock. It stops after {@code IDLE_SECONDS} without
 * a new message, once at least one arrived, and prints p50, p90, p99 and max.
 */
public final class LatencyBench {
  private LatencyBench() {}

  public static void main(String[] args) {
    String bootstrap = args[0];
    String topic = args[1];
    String label = args[2];
    long idleNanos = Long.parseLong(args[3]) * 1_000_000_000L;
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 5);
    long[] latencies = new long[1 << 20];
    int n = 0;
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts =
          consumer.partitionsFor(topic).stream()
              .map(i -> new TopicPartition(topic, i.partition()))
              .toList();
      consumer.assign(parts);
      consumer.seekToEnd(parts);
      parts.forEach(consumer::position);
      System.out.println("READY " + label);
      System.out.flush();
      long last = System.nanoTime();
      while (n == 0 || System.nanoTime() - last < idleNanos) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(5))) {
          Instant now = Instant.now();
          WebSocketMessage m = TapflowSerdes.webSocketMessage().decode(r.value());
          Duration d = Duration.between(m.getTimestamp(), now);
          if (n < latencies.length) {
            latencies[n++] = d.toNanos();
          }
          last = System.nanoTime();
        }
      }
    }
    long[] l = Arrays.copyOf(latencies, n);
    Arrays.sort(l);
    System.out.printf(
        "RESULT latency_%s messages=%d p50_ms=%.1f p90_ms=%.1f p99_ms=%.1f max_ms=%.1f%n",
        label, n, ms(l, 0.50), ms(l, 0.90), ms(l, 0.99), l[n - 1] / 1e6);
  }

  private static double ms(long[] sorted, double q) {
    return sorted[(int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] / 1e6;
  }
}
