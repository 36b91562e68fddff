package io.tapflow.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine.Option;

/** The Kafka connection options every command shares. */
public final class KafkaOptions {
  @Option(
      names = "--bootstrap-servers",
      description =
          "Kafka bootstrap servers. Without it, an embedded single-node broker is started.")
  public String bootstrapServers;

  @Option(
      names = "--client-config",
      description = "A properties file of Kafka client settings (TLS, SASL, ...).")
  public Path clientConfig;

  @Option(
      names = {"-X", "--kafka"},
      description = "A Kafka client setting as key=value; may be repeated.")
  public Map<String, String> settings = new HashMap<>();

  /** The bootstrap servers given, or {@code fallback}. */
  public String bootstrapOr(String fallback) {
    return bootstrapServers == null ? fallback : bootstrapServers;
  }

  /** bootstrap.servers (given, or {@code fallback}) and every other client setting given. */
  public Properties properties(String fallback) throws IOException {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrapOr(fallback));
    p.putAll(clientProperties());
    return p;
  }

  /** The client settings from --client-config and -X, -X last. */
  public Map<String, String> clientProperties() throws IOException {
    Map<String, String> all = new HashMap<>();
    if (clientConfig != null) {
      Properties p = new Properties();
      try (InputStream in = Files.newInputStream(clientConfig)) {
        p.load(in);
      }
      p.forEach((k, v) -> all.put(k.toString(), v.toString()));
    }
    all.putAll(settings);
    return all;
  }
}
