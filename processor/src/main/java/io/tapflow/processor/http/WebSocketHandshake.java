package io.tapflow.processor.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Reads the RFC 6455 §4 opening handshake from an HTTP Upgrade request head and its response head.
 *
 * <p>Either head may be null: a capture can start after the request, or end before the response.
 * Accessors for a missing head return null, 0, false or an empty list.
 *
 * @param request the client's head, or null if not seen
 * @param response the server's head, or null if not seen
 */
public record WebSocketHandshake(HttpHead request, HttpHead response) {

  /** RFC 6455 §1.3: the GUID the server appends to the client's key before hashing. */
  public static final String ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

  private static final String UPGRADE = "Upgrade";
  private static final String CONNECTION = "Connection";
  private static final String KEY = "Sec-WebSocket-Key";
  private static final String ACCEPT = "Sec-WebSocket-Accept";
  private static final String PROTOCOL = "Sec-WebSocket-Protocol";
  private static final String EXTENSIONS = "Sec-WebSocket-Extensions";

  /**
   * Returns the {@code Sec-WebSocket-Accept} a server must send for {@code key}: RFC 6455 §4.2.2
   * "concatenate ... the value of the Sec-WebSocket-Key header field ... with the string
   * '258EAFA5-E914-47DA-95CA-C5AB0DC85B11', taking the SHA-1 hash of this concatenated value to
   * obtain a 20-byte value and base64-encoding ... this 20-byte hash."
   */
  public static String expectedAccept(String key) {
    try {
      MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
      byte[] hash = sha1.digest((key + ACCEPT_GUID).getBytes(StandardCharsets.ISO_8859_1));
      return Base64.getEncoder().encodeToString(hash);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform must support SHA-1", e);
    }
  }

  /**
   * Returns whether the request asks for a WebSocket: RFC 6455 §4.1 "an HTTP/1.1 or higher GET
   * request" with an {@code Upgrade} header listing {@code websocket} and a {@code Connection}
   * header listing {@code Upgrade}, both compared case-insensitively. The version is not checked.
   */
  public boolean isUpgradeRequest() {
    return request != null
        && request.isRequest()
        && "GET".equals(request.method())
        && request.hasToken(UPGRADE, "websocket")
        && request.hasToken(CONNECTION, "upgrade");
  }

  /**
   * Returns the client's {@code Sec-WebSocket-Key}, the last one if repeated (as Zeek), or null.
   */
  public String key() {
    return lastValue(request, KEY);
  }

  /** Returns the subprotocols the client offered in {@code Sec-WebSocket-Protocol}, in order. */
  public List<String> offeredSubprotocols() {
    return request == null ? List.of() : HttpLists.split(request.header(PROTOCOL));
  }

  /** Returns the extensions the client offered in {@code Sec-WebSocket-Extensions}, in order. */
  public List<WebSocketExtension> offeredExtensions() {
    return request == null ? List.of() : WebSocketExtension.parseList(request.header(EXTENSIONS));
  }

  /** Returns the request-target, e.g. {@code /chat?room=1}, or null. */
  public String path() {
    return request == null ? null : request.target();
  }

  /** Returns the client's {@code Host}, or null. */
  public String host() {
    return request == null ? null : request.header("Host");
  }

  /** Returns the client's {@code Origin}, or null. */
  public String origin() {
    return request == null ? null : request.header("Origin");
  }

  /** Returns the client's {@code User-Agent}, or null. */
  public String userAgent() {
    return request == null ? null : request.header("User-Agent");
  }

  /** Returns the response's status code, or 0 without a response. */
  public int status() {
    return response == null ? 0 : response.status();
  }

  /**
   * Returns the subprotocol the server chose in {@code Sec-WebSocket-Protocol}, the last one if
   * repeated, or null.
   */
  public String acceptedSubprotocol() {
    return lastValue(response, PROTOCOL);
  }

  /** Returns the extensions the server accepted in {@code Sec-WebSocket-Extensions}, in order. */
  public List<WebSocketExtension> acceptedExtensions() {
    return response == null ? List.of() : WebSocketExtension.parseList(response.header(EXTENSIONS));
  }

  /** Returns the server's {@code Sec-WebSocket-Accept}, the last one if repeated, or null. */
  public String accept() {
    return lastValue(response, ACCEPT);
  }

  /** Returns whether the server's accept value is the one {@link #expectedAccept} derives. */
  public boolean acceptMatches() {
    String key = key();
    String accept = accept();
    return key != null && accept != null && expectedAccept(key).equals(accept);
  }

  /**
   * Returns whether the server switched the connection to WebSocket: status 101 and an {@code
   * Upgrade} header listing {@code websocket}. Whether the accept value matches is a separate
   * question ({@link #acceptMatches}), since a capture shows what happened, not what should have.
   */
  public boolean upgraded() {
    return response != null
        && response.isResponse()
        && response.status() == 101
        && response.hasToken(UPGRADE, "websocket");
  }

  /**
   * Returns what is wrong with an upgraded handshake, in Zeek's vocabulary: missing, repeated or
   * wrong key, accept and protocol headers. Empty when the connection was not upgraded.
   */
  public List<HttpAnomaly> anomalies() {
    List<HttpAnomaly> anomalies = new ArrayList<>();
    if (!upgraded()) {
      return anomalies;
    }
    if (request != null && request.headerCount(KEY) > 1) {
      anomalies.add(countAnomaly(HttpAnomaly.WEBSOCKET_MULTIPLE_KEY_HEADERS, request, KEY));
    }
    if (response.headerCount(ACCEPT) > 1) {
      anomalies.add(countAnomaly(HttpAnomaly.WEBSOCKET_MULTIPLE_ACCEPT_HEADERS, response, ACCEPT));
    }
    if (response.headerCount(PROTOCOL) > 1) {
      anomalies.add(
          countAnomaly(HttpAnomaly.WEBSOCKET_MULTIPLE_PROTOCOL_HEADERS, response, PROTOCOL));
    }
    String key = key();
    String accept = accept();
    if (request != null && key == null) {
      anomalies.add(new HttpAnomaly(HttpAnomaly.WEBSOCKET_MISSING_KEY_HEADER, ""));
    }
    if (accept == null) {
      anomalies.add(new HttpAnomaly(HttpAnomaly.WEBSOCKET_MISSING_ACCEPT_HEADER, ""));
    }
    if (key != null && accept != null && !acceptMatches()) {
      anomalies.add(
          new HttpAnomaly(
              HttpAnomaly.WEBSOCKET_WRONG_ACCEPT_HEADER,
              "expected=" + expectedAccept(key) + " found=" + detailValue(accept)));
    }
    return anomalies;
  }

  /**
   * A peer's text as a detail value: {@code %} and every character that is whitespace, a control or
   * outside ASCII written as {@code %XX} (ISO-8859-1, as the head was read), so that the value
   * holds no space and the detail stays {@code key=value} pairs whatever the peer sent.
   */
  static String detailValue(String text) {
    StringBuilder s = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c <= ' ' || c >= 0x7f || c == '%') {
        s.append('%').append(String.format("%02X", (int) c & 0xff));
      } else {
        s.append(c);
      }
    }
    return s.toString();
  }

  private static String lastValue(HttpHead head, String name) {
    if (head == null) {
      return null;
    }
    List<String> values = head.headerValues(name);
    return values.isEmpty() ? null : values.get(values.size() - 1);
  }

  private static HttpAnomaly countAnomaly(String code, HttpHead head, String name) {
    return new HttpAnomaly(code, "count=" + head.headerCount(name));
  }
}
