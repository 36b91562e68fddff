package io.tapflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tapflow.cli.analyze.AnalyzeRun;
import io.tapflow.schemas.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class KafkaOptionsTest {
  private static final Map<String, String> SECRETS =
      Map.of(
          "security.protocol", "SASL_SSL",
          "sasl.jaas.config", "x required username=\"u\" password=\"pw-5a0c\";",
          "ssl.truststore.password", "ts-11f7");

  @TempDir Path tmp;

  @Test
  void aClientConfigWithSecretsThatEveryUserCanReadIsWarnedAboutByName() throws Exception {
    Path file = tmp.resolve("kafka.properties");
    Files.writeString(
        file,
        "security.protocol=SASL_SSL\nsasl.jaas.config=x required password=\"pw-5a0c\";\n"
            + "ssl.truststore.password=ts-11f7\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    KafkaOptions options = new KafkaOptions();
    options.clientConfig = file;
    assertEquals(
        Optional.of(
            "tapflow: warning: "
                + file
                + " holds sasl.jaas.config, ssl.truststore.password and every user can read it"
                + " (chmod 600, or 640 with the service's group)"),
        KafkaOptions.exposureWarning(file, options.clientProperties().keySet()));

    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
    assertEquals(
        Optional.empty(), KafkaOptions.exposureWarning(file, options.clientProperties().keySet()));
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    assertEquals(
        Optional.empty(),
        KafkaOptions.exposureWarning(file, List.of("security.protocol", "client.dns.lookup")));
  }

  @Test
  void theFileIsReadOnceAndDashXWins() throws Exception {
    Path file = tmp.resolve("kafka.properties");
    Files.writeString(file, "security.protocol=SSL\nclient.id=from-file\n");
    Holder h = new Holder();
    new CommandLine(h).parseArgs("--client-config", file.toString(), "-X", "client.id=from-x");
    assertEquals(
        Map.of("security.protocol", "SSL", "client.id", "from-x"), h.kafka.clientProperties());
    Files.delete(file);
    assertEquals("from-x", h.kafka.clientProperties().get("client.id"));
  }

  @Test
  void recordsHoldingClientPropertiesPrintTheirNamesOnly() {
    String settings =
        new Pipeline.Settings("b:9093", SECRETS, Topics.DEFAULT, 1, 1, "app", true, "s", "lo")
            .toString();
    String options =
        new AnalyzeRun.Options(
                Path.of("c.pcap"), "b:9093", SECRETS, null, 1, "s", true, java.time.Duration.ZERO)
            .toString();
    for (String text : List.of(settings, options)) {
      assertTrue(
          text.contains(
              "clientProperties=[sasl.jaas.config, security.protocol,"
                  + " ssl.truststore.password]"),
          text);
      assertFalse(text.contains("pw-5a0c"), text);
      assertFalse(text.contains("ts-11f7"), text);
    }
  }

  @CommandLine.Command(name = "holder")
  static final class Holder {
    @CommandLine.Mixin KafkaOptions kafka;
  }
}
