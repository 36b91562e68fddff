package io.tapflow.processor.http;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a field value into the elements of an RFC 9110 §5.6.1 comma-separated list.
 *
 * <p>"A recipient MUST parse and ignore a reasonable number of empty list elements": empty elements
 * are dropped, optional whitespace around each element is trimmed, and a comma inside a
 * quoted-string does not split.
 */
public final class HttpLists {

  private HttpLists() {}

  /**
   * Returns the non-empty elements of {@code value} split at {@code separator}; null gives none.
   */
  public static List<String> split(String value, char separator) {
    List<String> elements = new ArrayList<>();
    if (value == null) {
      return elements;
    }
    StringBuilder element = new StringBuilder();
    boolean quoted = false;
    boolean escaped = false;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (escaped) {
        escaped = false;
      } else if (quoted && c == '\\') {
        escaped = true;
      } else if (c == '"') {
        quoted = !quoted;
      } else if (!quoted && c == separator) {
        addTrimmed(elements, element);
        element.setLength(0);
        continue;
      }
      element.append(c);
    }
    addTrimmed(elements, element);
    return elements;
  }

  /** Returns the non-empty elements of a comma-separated list; null gives none. */
  public static List<String> split(String value) {
    return split(value, ',');
  }

  /** Returns whether the comma-separated list holds {@code token}, compared case-insensitively. */
  public static boolean containsToken(String value, String token) {
    if (value == null) {
      return false;
    }
    if (value.equalsIgnoreCase(token)) {
      return true; // the usual one-element list ("Upgrade: websocket"), without splitting
    }
    for (String element : split(value)) {
      if (element.equalsIgnoreCase(token)) {
        return true;
      }
    }
    return false;
  }

  /** Removes RFC 9110 optional whitespace (SP and HTAB) from both ends. */
  static String trimOws(CharSequence s) {
    int start = 0;
    int end = s.length();
    while (start < end && isOws(s.charAt(start))) {
      start++;
    }
    while (end > start && isOws(s.charAt(end - 1))) {
      end--;
    }
    return s.subSequence(start, end).toString();
  }

  static boolean isOws(char c) {
    return c == ' ' || c == '\t';
  }

  private static void addTrimmed(List<String> elements, CharSequence element) {
    String trimmed = trimOws(element);
    if (!trimmed.isEmpty()) {
      elements.add(trimmed);
    }
  }
}
