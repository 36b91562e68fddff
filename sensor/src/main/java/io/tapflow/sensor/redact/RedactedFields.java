package io.tapflow.sensor.redact;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Holds the configured JSON member names whose values are redacted, as UTF-8 bytes for comparison
 * with decoded member names; immutable.
 */
public final class RedactedFields {
  private final List<String> names;
  private final byte[][] utf8;
  private final int maxLength;

  /**
   * The names, in order, each once.
   *
   * @throws IllegalArgumentException when there is none, or one is empty
   */
  public RedactedFields(List<String> names) {
    List<String> distinct = List.copyOf(new LinkedHashSet<>(names));
    if (distinct.isEmpty()) {
      throw new IllegalArgumentException("no field to redact");
    }
    this.names = distinct;
    this.utf8 = new byte[distinct.size()][];
    int longest = 0;
    for (int i = 0; i < distinct.size(); i++) {
      if (distinct.get(i).isEmpty()) {
        throw new IllegalArgumentException("a field name to redact cannot be empty");
      }
      utf8[i] = distinct.get(i).getBytes(StandardCharsets.UTF_8);
      longest = Math.max(longest, utf8[i].length);
    }
    this.maxLength = longest;
  }

  /** The names, each once, in the order given. */
  public List<String> names() {
    return names;
  }

  /** The length of the longest name in UTF-8 bytes: longer member names cannot match. */
  int maxLength() {
    return maxLength;
  }

  /** The index in {@link #names()} of the name whose UTF-8 is {@code name[0, length)}, or -1. */
  int indexOf(byte[] name, int length) {
    for (int i = 0; i < utf8.length; i++) {
      if (Arrays.equals(utf8[i], 0, utf8[i].length, name, 0, length)) {
        return i;
      }
    }
    return -1;
  }
}
