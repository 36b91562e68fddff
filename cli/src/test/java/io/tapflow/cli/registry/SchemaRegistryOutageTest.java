package io.tapflow.cli.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tapflow.cli.TopicAdmin;
import io.tapflow.cli.TopicReader;
import io.tapflow.cli.broker.EmbeddedKafkaBroker;
import io.tapflow.schemas.PacketRecord;
import io.tapflow.schemas.SchemaRegistryClient;
import io.tapflow.schemas.SchemaRegistryException;
import io.tapflow.schemas.SchemaRegistrySettings;
import io.tapflow.schemas.Topics;
import io.tapflow.schemas.ValueSerde;
import io.tapflow.schemas.ValueSerdes;
import io.tapflow.schemas.WireFormat;
import io.tapflow.sensor.capture.CaptureConfig;
import io.tapflow.sensor.capture.PcapSource;
import io.tapflow.sensor.metrics.SensorMetrics;
import io.tapflow.sensor.publish.PacketPublisher;
import io.tapflow.sensor.publish.PacketRecordEncoder;
import io.tapflow.sensor.publish.PublishConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

/**
 * A sensor writing through a real schema registry (Apicurio) that stops in the middle of a run:
 * what it registered at start it keeps writing, without asking the registry again; a writer that
 * never got an id cannot be started while the registry is down.
 */
class SchemaRegistryOutageTest {
  private static final Path CHAT = Path.of("..", "samples", "chat.pcap");

  @Test
  void aSensorKeepsWritingWhenTheRegistryStopsAndCannotStartWithoutIt() throws Exception {
    Topics topics = Topics.DEFAULT.withPrefix("outage.");
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
      Properties client = new Properties();
      client.put("bootstrap.servers", broker.bootstrapServers());
      try (Admin admin = Admin.create(client)) {
        TopicAdmin.ensure(admin, topics, 1, (short) 1, Map.of());
      }
      SchemaRegistrySettings settings;
      int id;
      ApicurioRegistry registry = ApicurioRegistry.start();
      try {
        settings = SchemaRegistrySettings.of(registry.ccompatUrl());
        ValueSerde<PacketRecord> values =
            ValueSerdes.withRegistry(SchemaRegistryClient.create(settings)).packetRecord();
        id = values.prepareTopic(topics.packets());
        SensorMetrics metrics = new SensorMetrics(new PrometheusRegistry());
        try (PacketPublisher publisher = publisher(broker, topics, id, metrics)) {
          publisher.awaitPartitionsWritable();
          replay(publisher);
          registry.close();
          registry = null;
          // The id is known: the registry is not asked again.
          replay(publisher);
          publisher.flush();
          assertEquals(0, publisher.failed());
          assertEquals(1 + 40 + 40, publisher.sent());
          assertEquals(80.0, metrics.recordsPublished.labelValues("outage", "segment").get());
        }
      } finally {
        if (registry != null) {
          registry.close();
        }
      }

      // A writer that never got an id (a fresh client), the registry down: preparing the topic
      // fails, which stops a sensor's start (exit code 3) before it captures anything it could not
      // frame.
      ValueSerde<PacketRecord> cold =
          ValueSerdes.withRegistry(SchemaRegistryClient.create(settings)).packetRecord();
      SchemaRegistryException refused =
          assertThrows(SchemaRegistryException.class, () -> cold.prepareTopic(topics.packets()));
      assertTrue(refused.getMessage().contains("cannot be reached"), refused.getMessage());

      List<ConsumerRecord<String, byte[]>> written =
          TopicReader.readAll(
              client, topics.packets(), new ByteArrayDeserializer(), Duration.ofMinutes(2));
      assertEquals(81, written.size());
      for (ConsumerRecord<String, byte[]> r : written) {
        assertEquals(WireFormat.SCHEMA_REGISTRY, WireFormat.of(r.value()));
        assertEquals(id, WireFormat.schemaId(r.value()));
      }
    }
  }

  private static PacketPublisher publisher(
      EmbeddedKafkaBroker broker, Topics topics, int schemaId, SensorMetrics metrics) {
    return new PacketPublisher(
        PublishConfig.file(broker.bootstrapServers(), Map.of()),
        "outage",
        "chat.pcap",
        topics.packets(),
        PacketRecordEncoder.header(schemaId),
        metrics);
  }

  private static void replay(PacketPublisher publisher) throws Exception {
    try (PcapSource source = PcapSource.open(CaptureConfig.offline(CHAT))) {
      source.run(publisher);
    }
  }
}
