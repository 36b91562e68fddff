package io.tapflow.cli.tail;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the times and durations of the tail command: an ISO-8601 instant ({@code
 * 2026-11-25T01:13:15.3Z}, or with an offset such as {@code +02:00}) or a time relative to now
 * ({@code 15m}, {@code 2h}, {@code 1d}, {@code 1h30m}: that long ago).
 */
public final class TimeArgument {
  private static final Pattern DURATION = Pattern.compile("(?:\\d+(?:ms|s|m|h|d))+");
  private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d)");

  private TimeArgument() {}

  /**
   * Returns the instant {@code text} names, a relative one counted back from {@code now}.
   *
   * @throws IllegalArgumentException with a message for the user when {@code text} is neither
   */
  public static Instant instant(String text, Instant now) {
    String t = text.strip();
    if (DURATION.matcher(t).matches()) {
      return now.minus(duration(t));
    }
    try {
      return OffsetDateTime.parse(t).toInstant();
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          "'"
              + text
              + "' is not a time: give an ISO-8601 instant with its zone"
              + " (2026-11-25T01:13:15Z, 2026-11-25T03:13:15.5+02:00)"
              + " or a time ago (90s, 15m, 2h, 1d, 1h30m)");
    }
  }

  /**
   * Returns the duration {@code text} names: one or more of a number and a unit, {@code ms}, {@code
   * s}, {@code m}, {@code h} or {@code d} ({@code 0s}, {@code 5m}, {@code 1h30m}).
   *
   * @throws IllegalArgumentException with a message for the user when it is not one
   */
  public static Duration duration(String text) {
    String t = text.strip();
    if (!DURATION.matcher(t).matches()) {
      throw new IllegalArgumentException(
          "'"
              + text
              + "' is not a duration: give a number and a unit, ms s m h d (30s, 5m, 1h30m)");
    }
    Duration total = Duration.ZERO;
    Matcher m = PART.matcher(t);
    try {
      while (m.find()) {
        long n = Long.parseLong(m.group(1));
        total =
            total.plus(
                switch (m.group(2)) {
                  case "ms" -> Duration.ofMillis(n);
                  case "s" -> Duration.ofSeconds(n);
                  case "m" -> Duration.ofMinutes(n);
                  case "h" -> Duration.ofHours(n);
                  case "d" -> Duration.ofDays(n);
                  default -> throw new IllegalStateException(m.group(2));
                });
      }
    } catch (ArithmeticException | NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' is too long a duration");
    }
    return total;
  }
}
