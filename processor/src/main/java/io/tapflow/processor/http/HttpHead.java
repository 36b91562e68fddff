package io.tapflow.processor.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Holds one HTTP/1.x message head: its start line and its header fields in the order they were
 * sent.
 *
 * <p>A request head has {@code method}, {@code target} and {@code version}, and {@code status} 0
 * and {@code reason} null. A response head has {@code version}, {@code status} and {@code reason},
 * and {@code method} and {@code target} null. Header names keep the case they were sent in; lookups
 * ignore case (RFC 9110 §5.1).
 *
 * @param method request method, case-sensitive (RFC 9110 §9.1); null for a response
 * @param target request-target as sent; null for a response
 * @param version protocol version, e.g. {@code HTTP/1.1}
 * @param status three-digit status code; 0 for a request
 * @param reason reason phrase, possibly empty; null for a request
 * @param headers header fields in the order they were sent
 */
public record HttpHead(
    String method, String target, String version, int status, String reason, List<Header> headers) {

  /**
   * Holds one header field line, its value with surrounding whitespace removed.
   *
   * @param name field name as sent
   * @param value field value; obsolete line folding replaced by a single space
   */
  public record Header(String name, String value) {

    /** Requires both parts. */
    public Header {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
    }
  }

  /** Requires a version, exactly one start-line shape, and copies the header list. */
  public HttpHead {
    Objects.requireNonNull(version, "version");
    if ((method == null) == (reason == null)) {
      throw new IllegalArgumentException("a head is either a request or a response");
    }
    headers = List.copyOf(headers);
  }

  /** Returns a request head. */
  public static HttpHead request(
      String method, String target, String version, List<Header> headers) {
    return new HttpHead(
        Objects.requireNonNull(method, "method"),
        Objects.requireNonNull(target, "target"),
        version,
        0,
        null,
        headers);
  }

  /** Returns a response head. */
  public static HttpHead response(String version, int status, String reason, List<Header> headers) {
    return new HttpHead(null, null, version, status, Objects.requireNonNull(reason), headers);
  }

  /** Returns whether this is a request head. */
  public boolean isRequest() {
    return method != null;
  }

  /** Returns whether this is a response head. */
  public boolean isResponse() {
    return method == null;
  }

  /**
   * Returns the value of the named header, its lines joined with {@code ", "} in order if it was
   * sent more than once (RFC 9110 §5.3), or null if it was not sent.
   */
  public String header(String name) {
    List<String> values = headerValues(name);
    return values.isEmpty() ? null : String.join(", ", values);
  }

  /** Returns the values of every line of the named header, in order; empty if it was not sent. */
  public List<String> headerValues(String name) {
    List<String> values = new ArrayList<>(1);
    for (Header header : headers) {
      if (header.name().equalsIgnoreCase(name)) {
        values.add(header.value());
      }
    }
    return values;
  }

  /** Returns how many lines of the named header were sent. */
  public int headerCount(String name) {
    return headerValues(name).size();
  }

  /**
   * Returns whether the named header's comma-separated list holds {@code token}, ignoring case, as
   * RFC 6455 §4.2.1 requires for {@code Upgrade: websocket} and {@code Connection: Upgrade}.
   */
  public boolean hasToken(String name, String token) {
    return HttpLists.containsToken(header(name), token);
  }
}
