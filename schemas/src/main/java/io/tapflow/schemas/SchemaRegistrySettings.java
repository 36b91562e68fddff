package io.tapflow.schemas;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Where a schema registry speaking the Confluent-compatible REST API is and how to reach it; one
 * immutable value with its defaults in {@link #of(String)}.
 *
 * <p>Built from {@code --schema-registry-url} and the {@code schema.registry.*} client properties
 * ({@link #PREFIX}), which may stand in the Kafka client config file or be given with {@code -X}:
 *
 * <ul>
 *   <li>{@code schema.registry.url}: the registry's Confluent-compatible API (the option wins)
 *   <li>{@code schema.registry.basic.auth.user.info}: {@code USER:PASSWORD} for HTTP basic auth
 *   <li>{@code schema.registry.ssl.truststore.location}, {@code .password}, {@code .type}: the CAs
 *       an {@code https} registry is checked against (default: the JVM's)
 *   <li>{@code schema.registry.ssl.keystore.location}, {@code .password}, {@code .type}: a client
 *       certificate for mutual TLS
 *   <li>{@code schema.registry.request.timeout.ms}: connect and request timeout (10000)
 *   <li>{@code schema.registry.retry.backoff.ms}: after a failed request, how long the same request
 *       fails at once without being sent again (5000), so a registry that is down does not hold up
 *       every record for a whole timeout
 * </ul>
 *
 * @param url base URL of the Confluent-compatible API, without a trailing slash (for Apicurio
 *     Registry {@code http://host:8080/apis/ccompat/v7})
 * @param userInfo {@code USER:PASSWORD} for basic auth, or null
 * @param trustStore trust store for https, or null for the JVM's default
 * @param keyStore client certificate store for mutual TLS, or null
 * @param requestTimeout connect and per-request timeout
 * @param retryBackoff how long a failed lookup or registration is answered from its failure
 */
public record SchemaRegistrySettings(
    String url,
    String userInfo,
    Store trustStore,
    Store keyStore,
    Duration requestTimeout,
    Duration retryBackoff) {

  /** The prefix of every registry client property. */
  public static final String PREFIX = "schema.registry.";

  /** The URL and which secrets are set, never their values. */
  @Override
  public String toString() {
    return "SchemaRegistrySettings[url="
        + url
        + ", basicAuth="
        + (userInfo != null)
        + ", trustStore="
        + (trustStore == null ? null : trustStore.location())
        + ", keyStore="
        + (keyStore == null ? null : keyStore.location())
        + ", requestTimeout="
        + requestTimeout
        + ", retryBackoff="
        + retryBackoff
        + "]";
  }

  private static final Set<String> KEYS =
      Set.of(
          "url",
          "basic.auth.user.info",
          "ssl.truststore.location",
          "ssl.truststore.password",
          "ssl.truststore.type",
          "ssl.keystore.location",
          "ssl.keystore.password",
          "ssl.keystore.type",
          "request.timeout.ms",
          "retry.backoff.ms");

  /**
   * A key or trust store file.
   *
   * @param location the file
   * @param password its password, or null
   * @param type its type ({@code PKCS12}, {@code JKS})
   */
  public record Store(Path location, String password, String type) {}

  public SchemaRegistrySettings {
    URI uri = URI.create(url);
    if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
      throw new IllegalArgumentException("a schema registry URL is http or https: " + url);
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException("a schema registry URL names a host: " + url);
    }
    url = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  /** The defaults, for a registry at {@code url}. */
  public static SchemaRegistrySettings of(String url) {
    return new SchemaRegistrySettings(
        url, null, null, null, Duration.ofSeconds(10), Duration.ofSeconds(5));
  }

  /**
   * The settings given by {@code urlOption} (may be null) and the {@code schema.registry.*} entries
   * of {@code properties}; empty when neither names a URL.
   *
   * @throws IllegalArgumentException for an unknown {@code schema.registry.*} key or a bad value
   */
  public static Optional<SchemaRegistrySettings> from(
      String urlOption, Map<String, String> properties) {
    Map<String, String> p = new TreeMap<>();
    properties.forEach(
        (k, v) -> {
          if (k.startsWith(PREFIX)) {
            p.put(k.substring(PREFIX.length()), v);
          }
        });
    Set<String> unknown = new TreeSet<>(p.keySet());
    unknown.removeAll(KEYS);
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(
          "unknown schema registry setting(s) "
              + unknown.stream().map(k -> PREFIX + k).toList()
              + "; known: "
              + new TreeSet<>(KEYS).stream().map(k -> PREFIX + k).toList());
    }
    String url = urlOption != null ? urlOption : p.get("url");
    if (url == null || url.isBlank()) {
      if (p.size() > 0) {
        throw new IllegalArgumentException(
            "schema registry settings given without a URL (--schema-registry-url)");
      }
      return Optional.empty();
    }
    SchemaRegistrySettings d = of(url);
    return Optional.of(
        new SchemaRegistrySettings(
            d.url(),
            p.get("basic.auth.user.info"),
            store(p, "ssl.truststore."),
            store(p, "ssl.keystore."),
            millis(p, "request.timeout.ms", d.requestTimeout(), 1),
            millis(p, "retry.backoff.ms", d.retryBackoff(), 0)));
  }

  /** {@code properties} without the registry's entries: what the Kafka clients are given. */
  public static Map<String, String> withoutRegistrySettings(Map<String, String> properties) {
    Map<String, String> out = new TreeMap<>(properties);
    out.keySet().removeIf(k -> k.startsWith(PREFIX));
    return out;
  }

  private static Store store(Map<String, String> p, String prefix) {
    String location = p.get(prefix + "location");
    if (location == null) {
      return null;
    }
    return new Store(
        Path.of(location),
        p.get(prefix + "password"),
        p.getOrDefault(prefix + "type", java.security.KeyStore.getDefaultType()));
  }

  private static Duration millis(Map<String, String> p, String key, Duration fallback, long min) {
    String v = p.get(key);
    if (v == null) {
      return fallback;
    }
    try {
      long ms = Long.parseLong(v.trim());
      if (ms < min) {
        throw new NumberFormatException();
      }
      return Duration.ofMillis(ms);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          PREFIX + key + " is a number of milliseconds (at least " + min + "), not '" + v + "'");
    }
  }
}
