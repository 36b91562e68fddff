package io.tapflow.processor.streams;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ProcessorConfigTest {
  @Test
  void toStringNamesTheClientPropertiesWithoutTheirValues() {
    String text =
        ProcessorConfig.builder("broker:9093")
            .clientProperties(
                Map.of(
                    "security.protocol", "SASL_SSL",
                    "sasl.jaas.config",
                        "org.apache.kafka.common.security.scram.ScramLoginModule required"
                            + " username=\"u\" password=\"pw-3e81\";",
                    "ssl.truststore.password", "ts-9c02"))
            .build()
            .toString();
    assertTrue(
        text.endsWith(
            ", clientProperties=[sasl.jaas.config, security.protocol, ssl.truststore.password]]"),
        text);
    assertTrue(text.startsWith("ProcessorConfig[bootstrapServers=broker:9093, "), text);
    assertFalse(text.contains("pw-3e81"), text);
    assertFalse(text.contains("ts-9c02"), text);
    assertFalse(text.contains("SASL_SSL"), text);
  }
}
