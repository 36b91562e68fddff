package io.tapflow.processor.streams;

import io.tapflow.schemas.PacketRecord;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Replays a packets-topic range with a consumer of its own, configured as Kafka Streams configures
 * its restore consumer (same cluster, security settings and isolation level, no consumer group).
 */
final class KafkaInputReplay implements InputReplay {
  private static final Duration POLL = Duration.ofMillis(500);
  private static final Duration STALL = Duration.ofSeconds(60);

  private final Map<String, Object> consumerConfig;
  private final Deserializer<PacketRecord> values;

  KafkaInputReplay(Properties streamsProperties, Deserializer<PacketRecord> values) {
    this.consumerConfig =
        new StreamsConfig(streamsProperties).getRestoreConsumerConfigs("tapflow-input-replay");
    this.values = values;
  }

  @Override
  public long replay(
      String topic, int partition, long from, long to, BiConsumer<String, PacketRecord> sink) {
    Properties c = new Properties();
    c.putAll(consumerConfig);
    c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    TopicPartition tp = new TopicPartition(topic, partition);
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(c)) {
      consumer.assign(List.of(tp));
      long earliest = consumer.beginningOffsets(List.of(tp)).get(tp);
      long start = Math.max(from, earliest);
      consumer.seek(tp, start);
      long position = start;
      long deadline = System.nanoTime() + STALL.toNanos();
      while (position < to) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(POLL).records(tp)) {
          if (r.offset() >= to) {
            break;
          }
          PacketRecord p;
          try {
            p = values.deserialize(topic, r.headers(), r.value());
          } catch (RuntimeException e) {
            continue;
          }
          if (p != null && r.key() != null) {
            sink.accept(r.key(), p);
          }
        }
        long now = consumer.position(tp);
        if (now > position) {
          position = now;
          deadline = System.nanoTime() + STALL.toNanos();
        } else if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "replaying "
                  + tp
                  + " from "
                  + from
                  + " to "
                  + to
                  + ": no progress at "
                  + position
                  + " for "
                  + STALL.toSeconds()
                  + " s");
        }
      }
      return start - from;
    }
  }
}
