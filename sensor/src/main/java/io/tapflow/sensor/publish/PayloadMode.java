package io.tapflow.sensor.publish;

/**
 * Says how many of a segment's captured payload bytes leave the host in its record: all ({@code
 * full}), at most the first {@code N} ({@code cap:N}), or none ({@code none}).
 *
 * <p>Whatever the mode, a record keeps every header field and the payload's wire length, so the
 * processor still counts every byte, follows the sequence numbers and the connection states; the
 * bytes left out are to it what bytes cut by the snaplen are: a gap in place, counted in {@code
 * truncatedBytes} and {@code missedBytes}.
 *
 * @param cap the most payload bytes a record carries: {@link Integer#MAX_VALUE} for {@code full}, 0
 *     for {@code none}
 */
public record PayloadMode(int cap) {
  /** Every captured payload byte is published (the default). */
  public static final PayloadMode FULL = new PayloadMode(Integer.MAX_VALUE);

  /** No payload byte is published: headers and lengths only. */
  public static final PayloadMode NONE = new PayloadMode(0);

  /** Checks that the cap is not negative. */
  public PayloadMode {
    if (cap < 0) {
      throw new IllegalArgumentException("a payload cap cannot be negative: " + cap);
    }
  }

  /** At most the first {@code n} payload bytes of each segment (n at least 1). */
  public static PayloadMode cap(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("cap:N needs N of at least 1 (no payload is none): " + n);
    }
    return n == Integer.MAX_VALUE ? FULL : new PayloadMode(n);
  }

  /**
   * Reads {@code full}, {@code none} or {@code cap:N} (N a positive decimal integer).
   *
   * @throws IllegalArgumentException for anything else, with the forms that are accepted
   */
  public static PayloadMode parse(String text) {
    if (text.equals("full")) {
      return FULL;
    }
    if (text.equals("none")) {
      return NONE;
    }
    String n = text.startsWith("cap:") ? text.substring("cap:".length()) : "";
    if (!n.isEmpty() && n.length() <= 10 && n.chars().allMatch(c -> c >= '0' && c <= '9')) {
      long value = Long.parseLong(n);
      if (value >= 1 && value <= Integer.MAX_VALUE) {
        return cap((int) value);
      }
    }
    throw new IllegalArgumentException(
        "payload mode must be full, none or cap:N with N from 1 to "
            + Integer.MAX_VALUE
            + ": "
            + text);
  }

  /** How many of {@code captured} payload bytes a record carries: the first ones. */
  public int kept(int captured) {
    return Math.min(captured, cap);
  }

  /** Whether this mode publishes every captured byte. */
  public boolean isFull() {
    return cap == Integer.MAX_VALUE;
  }

  /** {@code full}, {@code none} or {@code cap:N}, as {@link #parse} reads it. */
  @Override
  public String toString() {
    return isFull() ? "full" : cap == 0 ? "none" : "cap:" + cap;
  }
}
