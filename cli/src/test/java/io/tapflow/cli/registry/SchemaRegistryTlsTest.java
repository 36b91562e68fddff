package io.tapflow.cli.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tapflow.schemas.ChatEvent;
import io.tapflow.schemas.ChatEventKind;
import io.tapflow.schemas.Direction;
import io.tapflow.schemas.SchemaRegistryClient;
import io.tapflow.schemas.SchemaRegistryException;
import io.tapflow.schemas.SchemaRegistrySettings;
import io.tapflow.schemas.ValueSerde;
import io.tapflow.schemas.ValueSerdes;
import io.tapflow.schemas.WireFormat;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry client over https against a real Apicurio Registry serving a self-signed
 * certificate: trusted through {@code schema.registry.ssl.truststore.*}, refused without it.
 */
class SchemaRegistryTlsTest {
  @TempDir Path dir;

  @Test
  void theRegistryIsReachedOverHttpsWithTheConfiguredTrustStoreAndRefusedWithoutIt()
      throws Exception {
    Path server = dir.resolve("server.p12");
    Path cert = dir.resolve("server.crt");
    Path trust = dir.resolve("trust.p12");
    keytool(
        "-genkeypair",
        "-alias",
        "registry",
        "-keyalg",
        "RSA",
        "-keysize",
        "2048",
        "-dname",
        "CN=127.0.0.1",
        "-ext",
        "SAN=IP:127.0.0.1",
        "-validity",
        "2",
        "-storetype",
        "PKCS12",
        "-keystore",
        server.toString(),
        "-storepass",
        "server-pass");
    keytool(
        "-exportcert",
        "-rfc",
        "-alias",
        "registry",
        "-keystore",
        server.toString(),
        "-storepass",
        "server-pass",
        "-file",
        cert.toString());
    keytool(
        "-importcert",
        "-noprompt",
        "-alias",
        "registry",
        "-file",
        cert.toString(),
        "-storetype",
        "PKCS12",
        "-keystore",
        trust.toString(),
        "-storepass",
        "trust-pass");

    try (ApicurioRegistry registry = ApicurioRegistry.start(server, "server-pass")) {
      SchemaRegistrySettings trusted =
          SchemaRegistrySettings.from(
                  registry.ccompatTlsUrl(),
                  Map.of(
                      "schema.registry.ssl.truststore.location", trust.toString(),
                      "schema.registry.ssl.truststore.password", "trust-pass",
                      "schema.registry.ssl.truststore.type", "PKCS12"))
              .get();
      ChatEvent say =
          ChatEvent.newBuilder()
              .setConnectionId("C1")
              .setTimestamp(Instant.parse("2024-05-01T10:00:00.123456789Z"))
              .setDirection(Direction.CLIENT_TO_SERVER)
              .setType("say")
              .setKind(ChatEventKind.MESSAGE)
              .setNick("ayse")
              .setContent("Günaydın! Çay içelim mi? ğüşiöç ĞÜŞİÖÇ")
              .build();
      ValueSerde<ChatEvent> writer =
          ValueSerdes.withRegistry(SchemaRegistryClient.create(trusted)).chatEvent();
      int id = writer.prepareTopic("tls.tapflow.chat");
      byte[] framed = writer.encode("tls.tapflow.chat", say);
      assertEquals(id, WireFormat.schemaId(framed));
      // A second client has no cache: it fetches the writer's schema by id over https.
      ValueSerde<ChatEvent> reader =
          ValueSerdes.withRegistry(SchemaRegistryClient.create(trusted)).chatEvent();
      assertEquals(say, reader.decode(framed));
      assertEquals(ChatEvent.getClassSchema(), SchemaRegistryClient.create(trusted).schemaById(id));

      SchemaRegistryException untrusted =
          assertThrows(
              SchemaRegistryException.class,
              () ->
                  SchemaRegistryClient.create(SchemaRegistrySettings.of(registry.ccompatTlsUrl()))
                      .register("tls.tapflow.chat-value", ChatEvent.getClassSchema()));
      assertEquals(0, untrusted.httpStatus());
      assertTrue(
          untrusted
              .getMessage()
              .startsWith(
                  "register the schema of io.tapflow.schemas.ChatEvent under"
                      + " tls.tapflow.chat-value: the schema registry at "
                      + registry.ccompatTlsUrl()
                      + " cannot be reached: javax.net.ssl.SSLHandshakeException"),
          untrusted.getMessage());
    }
  }

  private static void keytool(String... args) throws IOException, InterruptedException {
    List<String> command =
        new java.util.ArrayList<>(
            List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(2, TimeUnit.MINUTES), "keytool did not finish");
    assertEquals(0, p.exitValue(), output);
  }
}
