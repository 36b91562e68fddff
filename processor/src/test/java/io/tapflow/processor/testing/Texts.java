package io.tapflow.processor.testing;

/**
 * Checks the shapes of texts the processor reports, by hand rather than by regular expression (the
 * fuzzer instruments regular expressions, which makes them slow).
 */
public final class Texts {

  private Texts() {}

  /**
   * Whether {@code detail} is an anomaly detail: empty, or {@code key=value} pairs separated by
   * single spaces, keys snake_case, values without spaces.
   */
  public static boolean isDetail(String detail) {
    if (detail.isEmpty()) {
      return true;
    }
    for (String pair : detail.split(" ", -1)) {
      int eq = pair.indexOf('=');
      if (eq <= 0 || !isSnakeCase(pair.substring(0, eq))) {
        return false;
      }
      for (int i = eq + 1; i < pair.length(); i++) {
        if (Character.isWhitespace(pair.charAt(i))) {
          return false;
        }
      }
    }
    return true;
  }

  /** Whether {@code s} is a non-empty snake_case code: lower-case letters, digits, underscores. */
  public static boolean isSnakeCase(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
        return false;
      }
    }
    return !s.isEmpty();
  }

  /** Whether {@code s} is an RFC 9110 token: one or more tchar. */
  public static boolean isToken(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean tchar =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!tchar) {
        return false;
      }
    }
    return !s.isEmpty();
  }
}
