package io.tapflow.cli;

import io.tapflow.schemas.SchemaRegistrySettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The Kafka connection and schema registry options every command that reads or writes shares. */
public final class KafkaOptions {
  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  @Option(
      names = "--bootstrap-servers",
      description =
          "Kafka bootstrap servers. Without it, an embedded single-node broker is started.")
  public String bootstrapServers;

  @Option(
      names = "--client-config",
      description =
          "A properties file of Kafka client settings (TLS, SASL, ...). Keep secrets here (mode"
              + " 0600 or 0640), not in -X: a command line is visible to every user.")
  public Path clientConfig;

  @Option(
      names = {"-X", "--kafka"},
      description = "A Kafka client setting as key=value; may be repeated; wins over the file.")
  public Map<String, String> settings = new HashMap<>();

  private Map<String, String> loaded;

  @Option(
      names = "--schema-registry-url",
      paramLabel = "URL",
      description =
          "A schema registry's Confluent-compatible API (for Apicurio Registry"
              + " http://HOST:PORT/apis/ccompat/v7): every value written is framed in its wire"
              + " format. Auth and TLS: schema.registry.* settings in --client-config or -X.")
  public String schemaRegistryUrl;

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

  /**
   * The Kafka client settings from --client-config and -X, -X last, without the schema registry's
   * ({@code schema.registry.*}).
   */
  public Map<String, String> clientProperties() throws IOException {
    return SchemaRegistrySettings.withoutRegistrySettings(allProperties());
  }

  /**
   * The schema registry given by --schema-registry-url or {@code schema.registry.url}, with the
   * other {@code schema.registry.*} settings; empty when none is given.
   *
   * @throws ParameterException for an unknown setting or a bad value
   */
  public Optional<SchemaRegistrySettings> schemaRegistry() throws IOException {
    try {
      return SchemaRegistrySettings.from(schemaRegistryUrl, allProperties());
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
  }

  /**
   * Every setting from --client-config and -X, -X last; the file is read once. Warns on standard
   * error (naming the settings, never their values) when the file holds secrets and every user may
   * read it.
   */
  private Map<String, String> allProperties() throws IOException {
    if (loaded != null) {
      return loaded;
    }
    Map<String, String> all = new HashMap<>();
    if (clientConfig != null) {
      Properties p = new Properties();
      try (InputStream in = Files.newInputStream(clientConfig)) {
        p.load(in);
      }
      p.forEach((k, v) -> all.put(k.toString(), v.toString()));
      exposureWarning(clientConfig, all.keySet()).ifPresent(System.err::println);
    }
    all.putAll(settings);
    loaded = Map.copyOf(all);
    return loaded;
  }

  /**
   * Whether a client setting's value is a secret: Kafka's password-type settings ({@code
   * sasl.jaas.config}, {@code ssl.*.password}, PEM keys, OAuth client secrets).
   */
  public static boolean isSecret(String key) {
    return key.equals("sasl.jaas.config")
        || key.endsWith(".password")
        || key.endsWith(".passphrase")
        || key.endsWith(".secret")
        || key.equals("ssl.keystore.key");
  }

  /** A warning when {@code file} holds secret settings and is readable by every user. */
  static Optional<String> exposureWarning(Path file, Collection<String> keys) throws IOException {
    List<String> secrets = keys.stream().filter(KafkaOptions::isSecret).sorted().toList();
    if (secrets.isEmpty()
        || !file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      return Optional.empty();
    }
    if (!Files.getPosixFilePermissions(file).contains(PosixFilePermission.OTHERS_READ)) {
      return Optional.empty();
    }
    return Optional.of(
        "tapflow: warning: "
            + file
            + " holds "
            + String.join(", ", secrets)
            + " and every user can read it (chmod 600, or 640 with the service's group)");
  }
}
