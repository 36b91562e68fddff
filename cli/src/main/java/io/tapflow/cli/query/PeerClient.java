package io.tapflow.cli.query;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Asks another processor instance's query server, marking the request as forwarded so that it
 * answers from its own tasks only and never forwards again.
 */
final class PeerClient {
  /** The header of a forwarded request; its value is the forwarding instance. */
  static final String FORWARDED_BY = "Tapflow-Forwarded-By";

  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(CONNECT_TIMEOUT)
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();
  private final String self;

  PeerClient(String self) {
    this.self = self;
  }

  /** A peer's answer: its status, JSON body and Retry-After header (null when none). */
  record Response(int status, JsonNode body, String retryAfter) {}

  /** The peer could not be reached, or did not answer JSON. */
  static final class PeerException extends Exception {
    private static final long serialVersionUID = 1L;
    final String instance;

    PeerException(String instance, String message) {
      super(message);
      this.instance = instance;
    }
  }

  /** Starts {@code GET pathAndQuery} (already percent-encoded) at {@code peer}. */
  CompletableFuture<Response> get(HostInfo peer, String pathAndQuery) {
    String instance = name(peer);
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://" + authority(peer) + pathAndQuery))
            .timeout(REQUEST_TIMEOUT)
            .header(FORWARDED_BY, self)
            .header("Accept", "application/json")
            .GET()
            .build();
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .handle(
            (r, failure) -> {
              if (failure != null) {
                Throwable cause =
                    failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause()
                        : failure;
                throw new CompletionException(
                    new PeerException(
                        instance,
                        "instance "
                            + instance
                            + " cannot be reached: "
                            + (cause.getMessage() == null
                                ? cause.getClass().getSimpleName()
                                : cause.getMessage())));
              }
              try {
                return new Response(
                    r.statusCode(),
                    Answer.JSON.readTree(r.body()),
                    r.headers().firstValue("Retry-After").orElse(null));
              } catch (JsonProcessingException e) {
                throw new CompletionException(
                    new PeerException(
                        instance,
                        "instance " + instance + " answered " + r.statusCode() + " without JSON"));
              }
            });
  }

  /** Waits for {@code f}; a peer's failure comes out as its {@link PeerException}. */
  static Response await(CompletableFuture<Response> f) throws PeerException, IOException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof PeerException p) {
        throw p;
      }
      throw new IOException(e.getCause());
    }
  }

  /** {@code host:port} as the streams metadata gives it. */
  static String name(HostInfo h) {
    return h.host() + ":" + h.port();
  }

  private static String authority(HostInfo h) {
    return (h.host().contains(":") ? "[" + h.host() + "]" : h.host()) + ":" + h.port();
  }

  static Map<String, String> retryAfter(Response r) {
    return r.retryAfter() == null ? Map.of() : Map.of("Retry-After", r.retryAfter());
  }
}
