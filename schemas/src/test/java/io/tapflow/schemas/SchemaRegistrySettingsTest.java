package io.tapflow.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SchemaRegistrySettingsTest {
  @Test
  void withoutAUrlThereIsNoRegistry() {
    assertEquals(Optional.empty(), SchemaRegistrySettings.from(null, Map.of("acks", "all")));
  }

  @Test
  void theOptionGivesTheUrlAndTheDefaults() {
    assertEquals(
        new SchemaRegistrySettings(
            "http://127.0.0.1:8080/apis/ccompat/v7",
            null,
            null,
            null,
            Duration.ofSeconds(10),
            Duration.ofSeconds(5)),
        SchemaRegistrySettings.from("http://127.0.0.1:8080/apis/ccompat/v7/", Map.of()).get());
  }

  @Test
  void clientPropertiesGiveAuthTlsAndTimeoutsAndTheOptionWinsOverTheirUrl() {
    SchemaRegistrySettings s =
        SchemaRegistrySettings.from(
                "https://registry.example:8081",
                Map.of(
                    "schema.registry.url", "http://ignored:1",
                    "schema.registry.basic.auth.user.info", "tapflow:secret",
                    "schema.registry.ssl.truststore.location", "/etc/tapflow/ca.p12",
                    "schema.registry.ssl.truststore.password", "changeit",
                    "schema.registry.ssl.truststore.type", "PKCS12",
                    "schema.registry.request.timeout.ms", "2500",
                    "schema.registry.retry.backoff.ms", "0",
                    "security.protocol", "SSL"))
            .get();
    assertEquals("https://registry.example:8081", s.url());
    assertEquals("tapflow:secret", s.userInfo());
    assertEquals(
        new SchemaRegistrySettings.Store(Path.of("/etc/tapflow/ca.p12"), "changeit", "PKCS12"),
        s.trustStore());
    assertEquals(null, s.keyStore());
    assertEquals(Duration.ofMillis(2500), s.requestTimeout());
    assertEquals(Duration.ZERO, s.retryBackoff());
  }

  @Test
  void theKafkaClientsAreNotGivenTheRegistrySettings() {
    assertEquals(
        Map.of("security.protocol", "SSL"),
        SchemaRegistrySettings.withoutRegistrySettings(
            Map.of("schema.registry.url", "http://r:8081", "security.protocol", "SSL")));
  }

  @Test
  void aMisspeltSettingIsRefusedWithTheKnownOnes() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                SchemaRegistrySettings.from(
                    "http://r:8081", Map.of("schema.registry.basic.auth.userinfo", "a:b")));
    assertEquals(
        "unknown schema registry setting(s) [schema.registry.basic.auth.userinfo]; known:"
            + " [schema.registry.basic.auth.user.info, schema.registry.request.timeout.ms,"
            + " schema.registry.retry.backoff.ms, schema.registry.ssl.keystore.location,"
            + " schema.registry.ssl.keystore.password, schema.registry.ssl.keystore.type,"
            + " schema.registry.ssl.truststore.location, schema.registry.ssl.truststore.password,"
            + " schema.registry.ssl.truststore.type, schema.registry.url]",
        e.getMessage());
  }

  @Test
  void badValuesAreRefused() {
    assertEquals(
        "a schema registry URL is http or https: ftp://r:8081",
        assertThrows(
                IllegalArgumentException.class,
                () -> SchemaRegistrySettings.from("ftp://r:8081", Map.of()))
            .getMessage());
    assertEquals(
        "schema.registry.request.timeout.ms is a number of milliseconds (at least 1), not '0'",
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    SchemaRegistrySettings.from(
                        "http://r:8081", Map.of("schema.registry.request.timeout.ms", "0")))
            .getMessage());
    assertEquals(
        "schema registry settings given without a URL (--schema-registry-url)",
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    SchemaRegistrySettings.from(
                        null, Map.of("schema.registry.basic.auth.user.info", "a:b")))
            .getMessage());
  }
}
