package io.tapflow.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.avro.Schema;

/**
 * Talks to a schema registry through its Confluent-compatible REST API: registers a schema under a
 * subject, fetches a schema by id, asks whether a schema is compatible with a subject's latest.
 *
 * <p>Ids and schemas are cached for the life of the client (a registry never changes what an id
 * means), so after a topic's first record no request is made for it. A failed request is answered
 * from its failure for {@link SchemaRegistrySettings#retryBackoff()} without being sent again. Safe
 * for use by several threads.
 */
public final class SchemaRegistryClient {
  private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Failures remembered at most; garbage ids in a topic must not grow the memory without end. */
  private static final int MAX_FAILURES = 1024;

  private final SchemaRegistrySettings settings;
  private final HttpClient http;
  private final String authorization;
  private final Map<String, Integer> ids = new ConcurrentHashMap<>();
  private final Map<Integer, Schema> schemas = new ConcurrentHashMap<>();
  private final Map<String, Failure> failures = new ConcurrentHashMap<>();

  private record Failure(SchemaRegistryException error, long atNanos) {}

  private SchemaRegistryClient(SchemaRegistrySettings settings, HttpClient http) {
    this.settings = settings;
    this.http = http;
    this.authorization =
        settings.userInfo() == null
            ? null
            : "Basic "
                + Base64.getEncoder()
                    .encodeToString(settings.userInfo().getBytes(StandardCharsets.UTF_8));
  }

  /** A client for the registry {@code settings} describe (no request is made yet). */
  public static SchemaRegistryClient create(SchemaRegistrySettings settings) {
    HttpClient.Builder b =
        HttpClient.newBuilder()
            // HTTP/1.1, as registry clients speak it: over TLS, java.net.http's default HTTP/2
            // (ALPN h2) had POSTs to Apicurio Registry 2.6 time out.
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(settings.requestTimeout())
            .followRedirects(HttpClient.Redirect.NORMAL);
    if (settings.trustStore() != null || settings.keyStore() != null) {
      b.sslContext(sslContext(settings));
    }
    return new SchemaRegistryClient(settings, b.build());
  }

  public SchemaRegistrySettings settings() {
    return settings;
  }

  /**
   * Registers {@code schema} under {@code subject} (POST {@code /subjects/{subject}/versions}) and
   * returns its id; registering a schema the subject already has returns the id it has.
   *
   * @throws SchemaRegistryException when the registry cannot be reached or refuses the schema (an
   *     incompatible one: error code 409)
   */
  public int register(String subject, Schema schema) {
    String text = schema.toString();
    String key = subject + '\n' + text;
    Integer cached = ids.get(key);
    if (cached != null) {
      return cached;
    }
    int id =
        remembering(
            "register " + subject + '\n' + text,
            () -> {
              JsonNode answer =
                  post(
                      "/subjects/" + encode(subject) + "/versions",
                      JSON.createObjectNode().put("schema", text),
                      "register the schema of " + schema.getFullName() + " under " + subject);
              return requiredInt(answer, "id", "register under " + subject);
            });
    ids.put(key, id);
    schemas.putIfAbsent(id, schema);
    return id;
  }

  /**
   * The schema with id {@code id} (GET {@code /schemas/ids/{id}}).
   *
   * @throws SchemaRegistryException when the registry cannot be reached or knows no such id (error
   *     code 40403)
   */
  public Schema schemaById(int id) {
    Schema cached = schemas.get(id);
    if (cached != null) {
      return cached;
    }
    Schema schema =
        remembering(
            "id " + id,
            () -> {
              String what = "fetch schema id " + id;
              JsonNode answer = send(request("/schemas/ids/" + id).GET(), what);
              JsonNode text = answer.get("schema");
              if (text == null || !text.isTextual()) {
                throw new SchemaRegistryException(
                    what + ": the answer has no schema: " + answer, 200, 0, null);
              }
              String type = answer.path("schemaType").asText("AVRO");
              if (!"AVRO".equals(type)) {
                throw new SchemaRegistryException(
                    what + ": a " + type + " schema, not Avro", 200, 0, null);
              }
              try {
                return new Schema.Parser().parse(text.asText());
              } catch (RuntimeException e) {
                throw new SchemaRegistryException(
                    what + ": not an Avro schema: " + e.getMessage(), 200, 0, e);
              }
            });
    schemas.putIfAbsent(id, schema);
    return schema;
  }

  /**
   * Whether {@code schema} may be registered under {@code subject} by the subject's compatibility
   * rule (POST {@code /compatibility/subjects/{subject}/versions/latest}); true for a subject with
   * no version yet.
   */
  public boolean isCompatible(String subject, Schema schema) {
    try {
      JsonNode answer =
          post(
              "/compatibility/subjects/" + encode(subject) + "/versions/latest",
              JSON.createObjectNode().put("schema", schema.toString()),
              "check the compatibility of " + schema.getFullName() + " with " + subject);
      JsonNode v = answer.get("is_compatible");
      if (v == null || !v.isBoolean()) {
        throw new SchemaRegistryException(
            "compatibility check of " + subject + ": no is_compatible in " + answer, 200, 0, null);
      }
      return v.booleanValue();
    } catch (SchemaRegistryException e) {
      if (e.httpStatus() == 404) {
        return true;
      }
      throw e;
    }
  }

  private <T> T remembering(String key, Supplier<T> request) {
    Failure f = failures.get(key);
    if (f != null) {
      long since = System.nanoTime() - f.atNanos();
      if (since < settings.retryBackoff().toNanos()) {
        SchemaRegistryException e = f.error();
        throw new SchemaRegistryException(
            e.getMessage() + " (not retried within " + settings.retryBackoff().toMillis() + " ms)",
            e.httpStatus(),
            e.errorCode(),
            e);
      }
    }
    try {
      T value = request.get();
      failures.remove(key);
      return value;
    } catch (SchemaRegistryException e) {
      if (failures.size() >= MAX_FAILURES) {
        failures.clear();
      }
      failures.put(key, new Failure(e, System.nanoTime()));
      throw e;
    }
  }

  private JsonNode post(String path, JsonNode body, String what) {
    try {
      return send(
          request(path)
              .header("Content-Type", CONTENT_TYPE)
              .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))),
          what);
    } catch (IOException e) {
      throw new SchemaRegistryException(what + ": " + e, 0, 0, e);
    }
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(settings.url() + path))
            .timeout(settings.requestTimeout())
            .header("Accept", CONTENT_TYPE + ", application/json");
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return b;
  }

  private JsonNode send(HttpRequest.Builder request, String what) {
    HttpResponse<byte[]> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new SchemaRegistryException(
          what + ": the schema registry at " + settings.url() + " cannot be reached: " + e,
          0,
          0,
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SchemaRegistryException(what + ": interrupted", 0, 0, e);
    }
    JsonNode answer;
    try {
      answer = JSON.readTree(response.body());
    } catch (IOException e) {
      answer = null;
    }
    int status = response.statusCode();
    if (status / 100 != 2 || answer == null) {
      String message =
          answer != null && answer.hasNonNull("message")
              ? answer.get("message").asText()
              : new String(response.body(), StandardCharsets.UTF_8);
      int code = answer != null ? answer.path("error_code").asInt(0) : 0;
      throw new SchemaRegistryException(
          what
              + ": the schema registry at "
              + settings.url()
              + " answered HTTP "
              + status
              + (code != 0 ? " error " + code : "")
              + ": "
              + abbreviate(message),
          status,
          code,
          null);
    }
    return answer;
  }

  private static int requiredInt(JsonNode answer, String field, String what) {
    JsonNode v = answer.get(field);
    if (v == null || !v.canConvertToInt()) {
      throw new SchemaRegistryException(what + ": no " + field + " in " + answer, 200, 0, null);
    }
    return v.intValue();
  }

  private static String encode(String pathSegment) {
    return URLEncoder.encode(pathSegment, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String abbreviate(String s) {
    String one = s.strip().replace('\n', ' ');
    return one.length() > 300 ? one.substring(0, 300) + "..." : one;
  }

  private static SSLContext sslContext(SchemaRegistrySettings s) {
    try {
      TrustManagerFactory tmf = null;
      if (s.trustStore() != null) {
        tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(load(s.trustStore()));
      }
      KeyManagerFactory kmf = null;
      if (s.keyStore() != null) {
        kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        String password = s.keyStore().password();
        kmf.init(load(s.keyStore()), password == null ? new char[0] : password.toCharArray());
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(
          kmf == null ? null : kmf.getKeyManagers(),
          tmf == null ? null : tmf.getTrustManagers(),
          null);
      return ctx;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException("schema registry TLS settings: " + e.getMessage(), e);
    }
  }

  private static KeyStore load(SchemaRegistrySettings.Store store)
      throws GeneralSecurityException, IOException {
    KeyStore ks = KeyStore.getInstance(store.type());
    try (InputStream in = Files.newInputStream(store.location())) {
      ks.load(in, store.password() == null ? null : store.password().toCharArray());
    }
    return ks;
  }
}
