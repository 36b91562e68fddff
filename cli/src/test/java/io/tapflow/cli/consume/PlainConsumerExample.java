package io.tapflow.cli.consume;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.SchemaStore;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads tapflow's chat topic with kafka-clients and Avro only: no tapflow code. */
public final class PlainConsumerExample {
  private PlainConsumerExample() {}

  /**
   * Returns "time nick: text" for each chat message on {@code topic} (as the server relayed it, so
   * with the speaker's nick), from the topic's beginning to its current end.
   *
   * @param kafka bootstrap.servers and any other client settings (TLS, SASL, ...)
   * @param avscDir a copy of tapflow's schemas/src/main/avro
   */
  public static List<String> chatMessages(Properties kafka, String topic, Path avscDir)
      throws IOException {
    // The writer's schema. ChatEvent.avsc uses the Direction type: parse Direction.avsc first.
    Schema.Parser parser = new Schema.Parser();
    parser.parse(avscDir.resolve("Direction.avsc").toFile());
    Schema chatEvent = parser.parse(avscDir.resolve("ChatEvent.avsc").toFile());
    // Values are Avro single-object encoded: C3 01, the 8-byte CRC-64-AVRO fingerprint of the
    // writer's schema, the Avro binary body. The decoder looks the fingerprint up in the store.
    SchemaStore.Cache writers = new SchemaStore.Cache();
    writers.addSchema(chatEvent);
    BinaryMessageDecoder<GenericRecord> decoder =
        new BinaryMessageDecoder<>(GenericData.get(), chatEvent, writers);

    Properties p = new Properties();
    p.putAll(kafka);
    // The processor writes in transactions: read only what it committed.
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<String> lines = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      consumer
          .partitionsFor(topic)
          .forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          // r.key() is the connection key: sensor|low-endpoint|high-endpoint.
          GenericRecord e = decoder.decode(r.value());
          if (e.get("kind").toString().equals("MESSAGE") && e.get("nick") != null) {
            // timestamp-nanos: nanoseconds since the epoch, the capture time.
            Instant time = Instant.EPOCH.plusNanos((Long) e.get("timestamp"));
            lines.add(time + " " + e.get("nick") + ": " + e.get("content"));
          }
        }
      }
    }
    return lines;
  }
}
