package io.tapflow.processor.http;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Holds one extension offered or accepted in a {@code Sec-WebSocket-Extensions} header.
 *
 * <p>RFC 6455 §9.1:
 *
 * <pre>
 *   Sec-WebSocket-Extensions = extension-list
 *   extension-list = 1#extension
 *   extension = extension-token *( ";" extension-param )
 *   extension-param = token [ "=" (token | quoted-string) ]
 * </pre>
 *
 * <p>For example {@code permessage-deflate; client_max_window_bits} (RFC 7692 §7.1).
 *
 * @param name extension token as sent
 * @param params parameters in the order sent, quoted values unquoted; a parameter sent without a
 *     value maps to null
 */
public record WebSocketExtension(String name, Map<String, String> params) {

  /** Requires a name and keeps an unmodifiable copy of the parameters in their order. */
  public WebSocketExtension {
    Objects.requireNonNull(name, "name");
    params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
  }

  /**
   * Returns the extensions of a header value in the order listed; null or blank gives none. An
   * element without an extension token before its parameters (such as {@code ;} or {@code ; a=1})
   * names no extension and is left out.
   */
  public static List<WebSocketExtension> parseList(String headerValue) {
    List<WebSocketExtension> extensions = new ArrayList<>();
    for (String element : HttpLists.split(headerValue)) {
      if (!element.startsWith(";")) {
        extensions.add(parse(element));
      }
    }
    return extensions;
  }

  /** Returns the extension in one list element, e.g. {@code "permessage-deflate; a=1; b"}. */
  public static WebSocketExtension parse(String element) {
    List<String> parts = HttpLists.split(element, ';');
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("empty extension");
    }
    Map<String, String> params = new LinkedHashMap<>();
    for (String param : parts.subList(1, parts.size())) {
      int eq = param.indexOf('=');
      if (eq < 0) {
        params.put(param, null);
      } else {
        String value = HttpLists.trimOws(param.substring(eq + 1));
        params.put(HttpLists.trimOws(param.substring(0, eq)), unquote(value));
      }
    }
    return new WebSocketExtension(parts.get(0), params);
  }

  /** Returns whether the parameter was sent, with or without a value; names ignore case. */
  public boolean hasParam(String paramName) {
    return params.keySet().stream().anyMatch(paramName::equalsIgnoreCase);
  }

  /** Returns the parameter's value, or null if it was sent without one or not at all. */
  public String param(String paramName) {
    for (Map.Entry<String, String> param : params.entrySet()) {
      if (param.getKey().equalsIgnoreCase(paramName)) {
        return param.getValue();
      }
    }
    return null;
  }

  /** Returns the extension as a header element, e.g. {@code permessage-deflate; a=1; b}. */
  @Override
  public String toString() {
    StringBuilder s = new StringBuilder(name);
    params.forEach(
        (key, value) -> {
          s.append("; ").append(key);
          if (value != null) {
            s.append('=').append(value);
          }
        });
    return s.toString();
  }

  /** Removes the quotes and backslash escapes of a quoted-string (RFC 9110 §5.6.4). */
  private static String unquote(String value) {
    if (value.length() < 2 || value.charAt(0) != '"' || value.charAt(value.length() - 1) != '"') {
      return value;
    }
    StringBuilder s = new StringBuilder(value.length());
    for (int i = 1; i < value.length() - 1; i++) {
      char c = value.charAt(i);
      if (c == '\\' && i + 1 < value.length() - 1) {
        c = value.charAt(++i);
      }
      s.append(c);
    }
    return s.toString();
  }
}
