package io.tapflow.processor.websocket;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The permessage-deflate parameters a server accepted (RFC 7692 §7.1).
 *
 * @param serverNoContextTakeover the server starts every message with an empty LZ77 window
 * @param clientNoContextTakeover the client starts every message with an empty LZ77 window
 * @param serverMaxWindowBits base-2 logarithm of the server's LZ77 window, 8 to 15
 * @param clientMaxWindowBits base-2 logarithm of the client's LZ77 window, 8 to 15
 */
public record PerMessageDeflate(
    boolean serverNoContextTakeover,
    boolean clientNoContextTakeover,
    int serverMaxWindowBits,
    int clientMaxWindowBits) {

  /** The extension's name in Sec-WebSocket-Extensions. */
  public static final String EXTENSION_NAME = "permessage-deflate";

  /** The smallest window size parameter RFC 7692 §7.1.2 allows. */
  public static final int MIN_WINDOW_BITS = 8;

  /** The largest window size parameter, and the value when none was negotiated. */
  public static final int MAX_WINDOW_BITS = 15;

  /** permessage-deflate accepted without parameters. */
  public static final PerMessageDeflate DEFAULT =
      new PerMessageDeflate(false, false, MAX_WINDOW_BITS, MAX_WINDOW_BITS);

  public PerMessageDeflate {
    checkWindowBits("serverMaxWindowBits", serverMaxWindowBits);
    checkWindowBits("clientMaxWindowBits", clientMaxWindowBits);
  }

  /**
   * Parses the server's accepted Sec-WebSocket-Extensions header value (several header lines joined
   * with commas).
   *
   * <p>Parsing is lenient, as befits a monitor: unknown parameters are ignored and a missing or
   * invalid window size reads as 15, the largest window, with which any sender's data inflates.
   *
   * @return the first permessage-deflate among the accepted extensions, or null when there is none
   */
  public static PerMessageDeflate fromAcceptedExtensions(String headerValue) {
    if (headerValue == null) {
      return null;
    }
    for (String extension : splitOutsideQuotes(headerValue, ',')) {
      List<String> parts = splitOutsideQuotes(extension, ';');
      if (!parts.get(0).trim().equalsIgnoreCase(EXTENSION_NAME)) {
        continue;
      }
      boolean serverNoContextTakeover = false;
      boolean clientNoContextTakeover = false;
      int serverMaxWindowBits = MAX_WINDOW_BITS;
      int clientMaxWindowBits = MAX_WINDOW_BITS;
      for (String param : parts.subList(1, parts.size())) {
        int eq = param.indexOf('=');
        String name = (eq < 0 ? param : param.substring(0, eq)).trim().toLowerCase(Locale.ROOT);
        String value = eq < 0 ? null : unquote(param.substring(eq + 1).trim());
        switch (name) {
          case "server_no_context_takeover" -> serverNoContextTakeover = true;
          case "client_no_context_takeover" -> clientNoContextTakeover = true;
          case "server_max_window_bits" -> serverMaxWindowBits = windowBits(value);
          case "client_max_window_bits" -> clientMaxWindowBits = windowBits(value);
          default -> {
            // An endpoint would fail the connection on an unknown parameter; a monitor reads on.
          }
        }
      }
      return new PerMessageDeflate(
          serverNoContextTakeover,
          clientNoContextTakeover,
          serverMaxWindowBits,
          clientMaxWindowBits);
    }
    return null;
  }

  /** Whether the sender of one direction resets its LZ77 window for every message. */
  public boolean noContextTakeover(boolean sentByClient) {
    return sentByClient ? clientNoContextTakeover : serverNoContextTakeover;
  }

  /** The LZ77 window size parameter of the sender of one direction. */
  public int maxWindowBits(boolean sentByClient) {
    return sentByClient ? clientMaxWindowBits : serverMaxWindowBits;
  }

  private static void checkWindowBits(String name, int bits) {
    if (bits < MIN_WINDOW_BITS || bits > MAX_WINDOW_BITS) {
      throw new IllegalArgumentException(name + " must be 8 to 15: " + bits);
    }
  }

  private static int windowBits(String value) {
    if (value == null || value.isEmpty() || value.length() > 2) {
      return MAX_WINDOW_BITS;
    }
    for (int i = 0; i < value.length(); i++) {
      if (value.charAt(i) < '0' || value.charAt(i) > '9') {
        return MAX_WINDOW_BITS;
      }
    }
    int bits = Integer.parseInt(value);
    return bits >= MIN_WINDOW_BITS && bits <= MAX_WINDOW_BITS ? bits : MAX_WINDOW_BITS;
  }

  private static String unquote(String value) {
    if (value.length() < 2 || value.charAt(0) != '"' || value.charAt(value.length() - 1) != '"') {
      return value;
    }
    StringBuilder unquoted = new StringBuilder(value.length() - 2);
    for (int i = 1; i < value.length() - 1; i++) {
      char c = value.charAt(i);
      if (c == '\\' && i + 1 < value.length() - 1) {
        c = value.charAt(++i);
      }
      unquoted.append(c);
    }
    return unquoted.toString();
  }

  /** Splits on a separator that is not inside a quoted-string (RFC 7230 §3.2.6). */
  private static List<String> splitOutsideQuotes(String s, char separator) {
    List<String> parts = new ArrayList<>();
    boolean quoted = false;
    int start = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (quoted && c == '\\') {
        i++;
      } else if (c == '"') {
        quoted = !quoted;
      } else if (!quoted && c == separator) {
        parts.add(s.substring(start, i));
        start = i + 1;
      }
    }
    parts.add(s.substring(start));
    return parts;
  }
}
