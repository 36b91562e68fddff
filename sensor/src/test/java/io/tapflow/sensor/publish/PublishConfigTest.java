package io.tapflow.sensor.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class PublishConfigTest {

  @Test
  void liveCaptureNeverWaitsForTheProducerAndKeepsItsMetadataThroughAnOutage() {
    Properties p = PublishConfig.live("k:9092", Map.of()).producerProperties();
    assertEquals(0, p.get("max.block.ms"));
    assertEquals(64L * 1024 * 1024, p.get("buffer.memory"));
    assertEquals("none", p.get("metadata.recovery.strategy"));
    assertEquals("k:9092", p.get("bootstrap.servers"));
    assertEquals(true, p.get("enable.idempotence"));
    assertEquals("all", p.get("acks"));
  }

  @Test
  void aFileWaitsForRoomAsLongAsKafkaSays() {
    Properties p =
        PublishConfig.file("k:9092", Map.of("max.block.ms", "5000"))
            .withBufferBytes(2 * 1024 * 1024)
            .producerProperties();
    assertEquals("5000", p.get("max.block.ms"));
    assertEquals(2L * 1024 * 1024, p.get("buffer.memory"));
    assertFalse(
        PublishConfig.file("k:9092", Map.of()).producerProperties().containsKey("max.block.ms"));
  }

  @Test
  void clientPropertiesOverrideTheDefaults() {
    Properties p =
        PublishConfig.live("k:9092", Map.of("linger.ms", "20", "security.protocol", "SSL"))
            .producerProperties();
    assertEquals("20", p.get("linger.ms"));
    assertEquals("SSL", p.get("security.protocol"));
  }

  @Test
  void theBufferIsTheConfigsOwnAndLiveCaptureCannotBeMadeToBlock() {
    IllegalArgumentException memory =
        assertThrows(
            IllegalArgumentException.class,
            () -> PublishConfig.file("k:9092", Map.of("buffer.memory", "1000000")));
    assertEquals(
        "buffer.memory is the sensor's publish buffer: set it with --publish-buffer-bytes",
        memory.getMessage());
    IllegalArgumentException block =
        assertThrows(
            IllegalArgumentException.class,
            () -> PublishConfig.live("k:9092", Map.of("max.block.ms", "60000")));
    assertEquals(
        "max.block.ms cannot be set for live capture: the sensor never blocks on Kafka, it drops"
            + " and counts what does not fit its publish buffer",
        block.getMessage());
    IllegalArgumentException small =
        assertThrows(
            IllegalArgumentException.class,
            () -> PublishConfig.live("k:9092", Map.of()).withBufferBytes(1024 * 1024 - 1));
    assertEquals("the publish buffer must be at least 1048576 bytes: 1048575", small.getMessage());
  }

  @Test
  void redactedFieldsAreNoneByDefaultKeptInOrderAndNeverEmpty() {
    PublishConfig live = PublishConfig.live("k:9092", Map.of());
    assertEquals(List.of(), live.redactFields());
    assertEquals(
        List.of("content", "msg"), live.withRedactFields(List.of("content", "msg")).redactFields());
    IllegalArgumentException empty =
        assertThrows(IllegalArgumentException.class, () -> live.withRedactFields(List.of("")));
    assertEquals("a field name to redact cannot be empty", empty.getMessage());
  }

  @Test
  void theDefaultsAreStatedOnce() {
    PublishConfig live = PublishConfig.live("k:9092", Map.of());
    assertEquals(PublishConfig.DEFAULT_BUFFER_BYTES, live.bufferBytes());
    assertEquals(Duration.ofSeconds(10), live.closeTimeout());
    assertEquals(
        Duration.ofSeconds(3), live.withCloseTimeout(Duration.ofSeconds(3)).closeTimeout());
    assertEquals(PayloadMode.FULL, live.payload());
    assertEquals(PayloadMode.FULL, PublishConfig.file("k:9092", Map.of()).payload());
    assertNull(live.stateFile());
    assertEquals(Duration.ofSeconds(1), live.stateInterval());
    PublishConfig changed =
        live.withPayload(PayloadMode.NONE)
            .withStateFile(Path.of("/var/lib/tapflow-sensor/sensor.state"))
            .withStateInterval(Duration.ofMillis(250))
            .withBufferBytes(2 * 1024 * 1024)
            .withCloseTimeout(Duration.ofSeconds(4));
    assertEquals(PayloadMode.NONE, changed.payload());
    assertEquals(Path.of("/var/lib/tapflow-sensor/sensor.state"), changed.stateFile());
    assertEquals(Duration.ofMillis(250), changed.stateInterval());
    assertEquals(2L * 1024 * 1024, changed.bufferBytes());
    assertEquals(Duration.ofSeconds(4), changed.closeTimeout());
    assertEquals(
        "the state interval must be positive: PT0S",
        assertThrows(IllegalArgumentException.class, () -> live.withStateInterval(Duration.ZERO))
            .getMessage());
  }
}
