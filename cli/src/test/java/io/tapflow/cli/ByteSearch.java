package io.tapflow.cli;

/** Searching bytes for bytes, for tests that look for a secret in published records. */
public final class ByteSearch {
  private ByteSearch() {}

  /**
   * Whether {@code needle} occurs in {@code haystack} (a null haystack, a tombstone, holds none).
   */
  public static boolean contains(byte[] haystack, byte[] needle) {
    if (haystack == null) {
      return false;
    }
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
