package io.tapflow.cli.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
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
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaBrokerTest {
  @TempDir Path tmp;

  @Test
  void aPortTakenIsAnExceptionNamingItNotTheEndOfTheJvm(@TempDir Path dir) throws Exception {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress("127.0.0.1", 0));
      int port = taken.getLocalPort();

      IllegalStateException e =
          assertThrows(
              IllegalStateException.class, () -> EmbeddedKafkaBroker.start(dir, true, port));

      assertInstanceOf(BindException.class, e.getCause().getCause());
      assertEquals(
          "embedded Kafka broker cannot listen on 127.0.0.1:"
              + port
              + ": "
              + e.getCause().getCause().getMessage(),
          e.getCause().getMessage());
    }
  }

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

  @Test
  void theTlsListenersServeScramUsersAndRejectAWrongPasswordOrAnUntrustedClient() throws Exception {
    TestCertificates.Stores stores = TestCertificates.create(tmp, "ks-pw-1", "ts-pw-1");
    try (EmbeddedKafkaBroker broker =
        EmbeddedKafkaBroker.start(
            new EmbeddedKafkaBroker.Tls(
                stores.brokerKeystore(), "ks-pw-1", Map.of("alice", "alice-pw-1")))) {
      Map<String, Object> trust =
          Map.of(
              "ssl.truststore.location", stores.truststore().toString(),
              "ssl.truststore.password", "ts-pw-1",
              "ssl.truststore.type", "PKCS12");
      Map<String, Object> sasl = new java.util.HashMap<>(trust);
      sasl.put("bootstrap.servers", broker.saslSslBootstrapServers());
      sasl.put("security.protocol", "SASL_SSL");
      sasl.put("sasl.mechanism", "SCRAM-SHA-512");
      sasl.put("sasl.jaas.config", jaas("alice", "alice-pw-1"));
      try (Admin admin = Admin.create(sasl)) {
        admin.createTopics(List.of(new NewTopic("secured", 1, (short) 1))).all().get();
      }
      Map<String, Object> ssl = new java.util.HashMap<>(trust);
      ssl.put("bootstrap.servers", broker.sslBootstrapServers());
      ssl.put("security.protocol", "SSL");
      try (Admin admin = Admin.create(ssl)) {
        assertEquals(java.util.Set.of("secured"), admin.listTopics().names().get());
      }

      sasl.put("sasl.jaas.config", jaas("alice", "wrong-pw"));
      try (Admin admin = Admin.create(sasl)) {
        var e = assertThrows(Exception.class, () -> admin.listTopics().names().get());
        assertInstanceOf(SaslAuthenticationException.class, e.getCause());
      }
      // A client that does not trust the test CA.
      ssl.remove("ssl.truststore.location");
      ssl.remove("ssl.truststore.password");
      ssl.remove("ssl.truststore.type");
      try (Admin admin = Admin.create(ssl)) {
        var e = assertThrows(Exception.class, () -> admin.listTopics().names().get());
        assertInstanceOf(SslAuthenticationException.class, e.getCause());
      }
    }
  }

  private static String jaas(String user, String password) {
    return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
        + user
        + "\" password=\""
        + password
        + "\";";
  }
}
