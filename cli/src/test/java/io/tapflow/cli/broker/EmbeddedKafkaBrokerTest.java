package io.tapflow.cli.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class EmbeddedKafkaBrokerTest {

  @Test
  void aRecordProducedTransactionallyIsReadBackCommitted() throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
        admin.createTopics(List.of(new NewTopic("t", 2, (short) 1))).all().get();
      }
      Properties p = new Properties();
      p.put("bootstrap.servers", broker.bootstrapServers());
      p.put("transactional.id", "test-tx");
      try (KafkaProducer<String, String> producer =
          new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
        producer.initTransactions();
        producer.beginTransaction();
        producer.send(new ProducerRecord<>("t", "k", "hello"));
        producer.commitTransaction();
      }
      Properties c = new Properties();
      c.put("bootstrap.servers", broker.bootstrapServers());
      c.put("group.id", "g");
      c.put("auto.offset.reset", "earliest");
      c.put("isolation.level", "read_committed");
      try (KafkaConsumer<String, String> consumer =
          new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
        consumer.subscribe(List.of("t"));
        ConsumerRecords<String, String> records = ConsumerRecords.empty();
        for (int i = 0; i < 50 && records.isEmpty(); i++) {
          records = consumer.poll(Duration.ofMillis(200));
        }
        assertEquals(1, records.count());
        assertEquals("hello", records.iterator().next().value());
      }
    }
  }
}
