package io.tapflow.processor.http;

import java.util.Objects;

/**
 * Names one thing wrong with an HTTP head or the WebSocket handshake it carries, as a stable
 * snake_case code plus key=value detail.
 *
 * <p>The WebSocket handshake codes are Zeek's weird names, so that users can pivot between tools.
 *
 * @param code stable snake_case code, one of the constants of this class
 * @param detail space-separated key=value pairs; empty when there is nothing to add
 */
public record HttpAnomaly(String code, String detail) {

  /** The head grew past the parser's limit before its empty line arrived. */
  public static final String HTTP_HEAD_TOO_LONG = "http_head_too_long";

  /** The start line or a header line could not be parsed. */
  public static final String HTTP_MALFORMED_HEAD = "http_malformed_head";

  /** The server's Sec-WebSocket-Accept is not the one derived from the client's key. */
  public static final String WEBSOCKET_WRONG_ACCEPT_HEADER = "websocket_wrong_accept_header";

  /** The connection was upgraded but the request carried no Sec-WebSocket-Key. */
  public static final String WEBSOCKET_MISSING_KEY_HEADER = "websocket_missing_key_header";

  /** The connection was upgraded but the response carried no Sec-WebSocket-Accept. */
  public static final String WEBSOCKET_MISSING_ACCEPT_HEADER = "websocket_missing_accept_header";

  /** The request carried Sec-WebSocket-Key more than once. */
  public static final String WEBSOCKET_MULTIPLE_KEY_HEADERS = "websocket_multiple_key_headers";

  /** The response carried Sec-WebSocket-Accept more than once. */
  public static final String WEBSOCKET_MULTIPLE_ACCEPT_HEADERS =
      "websocket_multiple_accept_headers";

  /** The response carried Sec-WebSocket-Protocol more than once. */
  public static final String WEBSOCKET_MULTIPLE_PROTOCOL_HEADERS =
      "websocket_multiple_protocol_headers";

  /** Requires both parts; the detail may be empty. */
  public HttpAnomaly {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(detail, "detail");
  }
}
