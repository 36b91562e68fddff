package io.tapflow.processor.app;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads what {@link JsonMembers#read} reads, another way, to compare with: Jackson's streaming
 * parser with PHP's {@code json_decode} rules put on top of it (the whole input strict UTF-8 by the
 * JDK's decoder, no byte order mark, nesting to 512, numbers of any length, no unpaired surrogate
 * in any string).
 */
final class JsonMembersOracle {

  private static final JsonFactory JSON =
      JsonFactory.builder()
          .streamReadConstraints(
              StreamReadConstraints.builder()
                  .maxNestingDepth(JsonMembers.MAX_DEPTH)
                  .maxNumberLength(Integer.MAX_VALUE)
                  .maxStringLength(Integer.MAX_VALUE)
                  .maxNameLength(Integer.MAX_VALUE)
                  .build())
          .build();

  private JsonMembersOracle() {}

  /** {@link JsonMembers#read}'s contract, by Jackson. */
  static int read(byte[] utf8, byte[][] names, String[] values) {
    Arrays.fill(values, 0, names.length, null);
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(utf8))
              .toString();
    } catch (CharacterCodingException e) {
      return -1;
    }
    if (text.startsWith("\uFEFF") || badUnicodeEscape(text)) {
      return -1;
    }
    int strings = 0;
    try (JsonParser p = JSON.createParser(text)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return -1;
      }
      for (JsonToken t = p.nextToken(); ; t = p.nextToken()) {
        if (t == null) {
          return -1;
        }
        if (t == JsonToken.END_OBJECT && p.getParsingContext().inRoot()) {
          break;
        }
        if (t == JsonToken.FIELD_NAME || t == JsonToken.VALUE_STRING) {
          if (unpairedSurrogate(p.getText())) {
            return -1;
          }
        }
        if (t == JsonToken.FIELD_NAME && p.getParsingContext().getParent().inRoot()) {
          int member = indexOf(names, p.currentName());
          JsonToken v = p.nextToken();
          if (v == JsonToken.VALUE_STRING && unpairedSurrogate(p.getText())) {
            return -1;
          }
          if (member < 0) {
            continue; // a container is walked into by the loop, which checks its strings
          }
          boolean scalar = v.isScalarValue() && v != JsonToken.VALUE_NULL;
          values[member] = scalar ? p.getText() : null;
          strings = v == JsonToken.VALUE_STRING ? strings | 1 << member : strings & ~(1 << member);
        }
      }
      if (p.nextToken() != null) {
        return -1; // anything after the object
      }
    } catch (IOException e) {
      return -1;
    }
    return strings;
  }

  private static int indexOf(byte[][] names, String name) {
    for (int i = 0; i < names.length; i++) {
      if (new String(names[i], StandardCharsets.US_ASCII).equals(name)) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Whether a backslash-u escape lacks its four ASCII hex digits. Jackson masks an escape's
   * characters to their low byte before looking them up (jackson-core's {@code
   * CharTypes.charToHex}), so it reads the escape "de0" followed by U+0133 as "de03" (U+0133's low
   * byte is '3'); PHP, and JSON, refuse it. (A backslash outside a string is an error Jackson
   * reports.)
   */
  private static boolean badUnicodeEscape(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) != '\\' || i + 1 >= s.length()) {
        continue;
      }
      if (s.charAt(i + 1) == 'u') {
        if (i + 6 > s.length()) {
          return true;
        }
        for (int k = i + 2; k < i + 6; k++) {
          char c = s.charAt(k);
          if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return true;
          }
        }
      }
      i++; // the escaped character
    }
    return false;
  }

  private static boolean unpairedSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
          return true;
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return true;
      }
    }
    return false;
  }
}
