package io.tapflow.processor.app;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Replaces the value of every JSON object member with a configured name by the JSON string {@code
 * "[redacted]"}, leaving every other byte of the text as it was.
 *
 * <p>The text must be exactly one JSON value (RFC 8259) in UTF-8, with whitespace around it
 * allowed. Objects are searched at any depth, inside arrays too, and a top-level array is searched
 * like any other. A member's name is compared after its escapes are decoded ({@code "con\u0074ent"}
 * is {@code content}), case-sensitively. Its whole value is replaced, whatever its type (string,
 * number, true, false, null, object, array); members inside a replaced value are not looked at, so
 * they are not counted. Every occurrence of a repeated name is replaced. Nothing else changes:
 * whitespace, escapes, member order and number spellings stay byte for byte.
 *
 * <p>A text that is not one JSON value (empty, not JSON, cut short, trailing bytes, a second value,
 * malformed UTF-8 inside a string), or whose nesting is deeper than {@link #MAX_DEPTH}, is not
 * checked: it comes back {@link Result#parsed() unparsed}, unchanged. A text with nothing to
 * replace comes back as the same array, not a copy. The text is read as a stream of tokens (no
 * tree); the work is one pass over it plus one copy when something is replaced.
 *
 * <p>Stateless and thread-safe.
 */
public final class JsonFieldRedactor {

  /** What a replaced value becomes, as a JSON string. */
  public static final String REPLACEMENT = "[redacted]";

  /** The deepest nesting of objects and arrays checked; a deeper text is left unparsed. */
  public static final int MAX_DEPTH = 1000;

  private static final byte[] REPLACEMENT_JSON =
      ("\"" + REPLACEMENT + "\"").getBytes(StandardCharsets.US_ASCII);

  /**
   * Strict RFC 8259 (Jackson's defaults: no comments, no single quotes, no NaN), no limits on
   * strings, names or numbers beyond the message's own size, a bounded depth. Names are not
   * interned into the JVM's string pool. (Names must stay canonicalised: without it Jackson reads
   * bytes through a character parser that reports no byte offsets and decodes malformed UTF-8 in
   * names as U+FFFD instead of refusing it.)
   */
  private static final JsonFactory JSON =
      JsonFactory.builder()
          .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
          .streamReadConstraints(
              StreamReadConstraints.builder()
                  .maxNestingDepth(MAX_DEPTH)
                  .maxStringLength(Integer.MAX_VALUE)
                  .maxNameLength(Integer.MAX_VALUE)
                  .maxNumberLength(Integer.MAX_VALUE)
                  .build())
          .build();

  private JsonFieldRedactor() {}

  /**
   * What redacting one text gave.
   *
   * <p>{@link #text()} is the input array itself when nothing was replaced (and when unparsed).
   */
  public static final class Result {
    private final byte[] text;
    private final int[] counts;
    private final boolean parsed;

    private Result(byte[] text, int[] counts, boolean parsed) {
      this.text = text;
      this.counts = counts;
      this.parsed = parsed;
    }

    /** The text with the configured members' values replaced. */
    public byte[] text() {
      return text;
    }

    /** Whether the text was one JSON value and so was checked. */
    public boolean parsed() {
      return parsed;
    }

    /** Values replaced of the field at {@code index} in the configured list. */
    public int count(int index) {
      return counts[index];
    }

    /** Values replaced of every field together. */
    public int total() {
      int total = 0;
      for (int c : counts) {
        total += c;
      }
      return total;
    }

    @Override
    public String toString() {
      return "Result[parsed="
          + parsed
          + ", counts="
          + Arrays.toString(counts)
          + ", text="
          + new String(text, StandardCharsets.UTF_8)
          + "]";
    }
  }

  /**
   * Redacts the members named {@code fields} in the JSON text {@code utf8}; never throws for any
   * input. The result's counts are by index in {@code fields}.
   */
  public static Result redact(byte[] utf8, List<String> fields) {
    int[] counts = new int[fields.size()];
    // Start and end offsets of the values to replace, in text order; they never overlap.
    int[] spans = new int[8];
    int n = 0;
    try (JsonParser p = JSON.createParser(utf8)) {
      JsonToken t = p.nextToken();
      int depth = 0;
      while (t != null) {
        switch (t) {
          case START_OBJECT, START_ARRAY -> depth++;
          case END_OBJECT, END_ARRAY -> depth--;
          case FIELD_NAME -> {
            int field = fields.indexOf(p.currentName());
            if (field >= 0) {
              JsonToken value = p.nextToken();
              int start = offset(p, utf8);
              int end = end(p, value, utf8, start);
              if (end < 0) {
                return unparsed(utf8, counts);
              }
              if (n + 2 > spans.length) {
                spans = Arrays.copyOf(spans, spans.length * 2);
              }
              spans[n++] = start;
              spans[n++] = end;
              counts[field]++;
            }
          }
          default -> {}
        }
        if (depth == 0) {
          break; // the top-level value is complete
        }
        t = p.nextToken();
      }
      if (t == null || p.nextToken() != null) {
        return unparsed(utf8, counts); // empty, or a second value after the first
      }
    } catch (IOException e) {
      return unparsed(utf8, counts);
    }
    return new Result(n == 0 ? utf8 : replace(utf8, spans, n), counts, true);
  }

  private static Result unparsed(byte[] utf8, int[] counts) {
    Arrays.fill(counts, 0);
    return new Result(utf8, counts, false);
  }

  /** The byte offset where the parser's current token starts; -1 if outside the text. */
  private static int offset(JsonParser p, byte[] utf8) {
    long o = p.currentTokenLocation().getByteOffset();
    return o >= 0 && o < utf8.length ? (int) o : -1;
  }

  /**
   * The offset just past the value whose first token {@code value} starts at {@code start}, after
   * checking that the text there is what the parser said; -1 when it is not.
   */
  private static int end(JsonParser p, JsonToken value, byte[] utf8, int start) throws IOException {
    if (start < 0 || value == null) {
      return -1;
    }
    byte first = utf8[start];
    return switch (value) {
      case START_OBJECT, START_ARRAY -> {
        p.skipChildren();
        int close = offset(p, utf8);
        byte open = value == JsonToken.START_OBJECT ? (byte) '{' : (byte) '[';
        byte closing = value == JsonToken.START_OBJECT ? (byte) '}' : (byte) ']';
        yield first == open && close > start && utf8[close] == closing ? close + 1 : -1;
      }
      case VALUE_STRING -> first == '"' ? endOfString(utf8, start) : -1;
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT ->
          first == '-' || (first >= '0' && first <= '9') ? endOfLiteral(utf8, start) : -1;
      case VALUE_TRUE -> first == 't' ? endOfLiteral(utf8, start) : -1;
      case VALUE_FALSE -> first == 'f' ? endOfLiteral(utf8, start) : -1;
      case VALUE_NULL -> first == 'n' ? endOfLiteral(utf8, start) : -1;
      default -> -1;
    };
  }

  /**
   * The offset past the closing quote of the string opening at {@code start}. No byte of a UTF-8
   * multi-byte sequence is a quote or a backslash, so the bytes can be walked one by one.
   */
  private static int endOfString(byte[] utf8, int start) {
    int i = start + 1;
    while (i < utf8.length) {
      byte b = utf8[i];
      if (b == '\\') {
        i += 2;
      } else if (b == '"') {
        return i + 1;
      } else {
        i++;
      }
    }
    return -1;
  }

  /**
   * The offset past the number or literal starting at {@code start}: the parser has read it whole,
   * and what may follow it (whitespace, a comma, a closing bracket) is none of its bytes.
   */
  private static int endOfLiteral(byte[] utf8, int start) {
    int i = start;
    while (i < utf8.length && isLiteralByte(utf8[i])) {
      i++;
    }
    return i;
  }

  private static boolean isLiteralByte(byte b) {
    return (b >= '0' && b <= '9')
        || (b >= 'a' && b <= 'z')
        || (b >= 'A' && b <= 'Z')
        || b == '-'
        || b == '+'
        || b == '.';
  }

  /** {@code utf8} with each of the {@code n / 2} spans replaced by {@link #REPLACEMENT_JSON}. */
  private static byte[] replace(byte[] utf8, int[] spans, int n) {
    int length = utf8.length;
    for (int i = 0; i < n; i += 2) {
      length += REPLACEMENT_JSON.length - (spans[i + 1] - spans[i]);
    }
    byte[] out = new byte[length];
    int from = 0;
    int to = 0;
    for (int i = 0; i < n; i += 2) {
      int kept = spans[i] - from;
      System.arraycopy(utf8, from, out, to, kept);
      to += kept;
      System.arraycopy(REPLACEMENT_JSON, 0, out, to, REPLACEMENT_JSON.length);
      to += REPLACEMENT_JSON.length;
      from = spans[i + 1];
    }
    System.arraycopy(utf8, from, out, to, utf8.length - from);
    return out;
  }
}
