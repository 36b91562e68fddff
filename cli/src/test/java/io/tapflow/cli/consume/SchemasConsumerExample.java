package io.tapflow.cli.consume;

import io.tapflow.schemas.AvroSupport;
import io.tapflow.schemas.ChatEvent;
import io.tapflow.schemas.ChatEventKind;
import io.tapflow.schemas.TapflowSerdes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** Reads tapflow's chat topic with the tapflow-schemas artifact's classes and Serdes. */
public final class SchemasConsumerExample {
  private SchemasConsumerExample() {}

  /** Like {@link PlainConsumerExample#chatMessages}, with the generated ChatEvent class. */
  public static List<String> chatMessages(Properties kafka, String topic) {
    // Avro 1.12.2 decodes into generated classes only from packages listed in the system property
    // org.apache.avro.SERIALIZABLE_PACKAGES: this adds io.tapflow.schemas (before Avro loads).
    AvroSupport.allowGeneratedPackage();
    Properties p = new Properties();
    p.putAll(kafka);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<String> lines = new ArrayList<>();
    try (KafkaConsumer<String, ChatEvent> consumer =
        new KafkaConsumer<>(
            p, TapflowSerdes.key().deserializer(), TapflowSerdes.chatEvent().deserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      consumer
          .partitionsFor(topic)
          .forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        for (ConsumerRecord<String, ChatEvent> r : consumer.poll(Duration.ofMillis(500))) {
          ChatEvent e = r.value();
          if (e.getKind() == ChatEventKind.MESSAGE && e.getNick() != null) {
            lines.add(e.getTimestamp() + " " + e.getNick() + ": " + e.getContent());
          }
        }
      }
    }
    return lines;
  }
}
