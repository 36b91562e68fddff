package io.tapflow.processor.app;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads the chosen members of one JSON object from its UTF-8 bytes, as strictly as PHP's {@code
 * json_decode} accepts them.
 *
 * <p>The bytes must be exactly one object (RFC 8259 §4), optionally surrounded by whitespace
 * (space, tab, line feed, carriage return), and well-formed throughout, members not asked for
 * included:
 *
 * <ul>
 *   <li>UTF-8 as RFC 3629 defines it (no overlong forms, no surrogates, nothing above U+10FFFF), no
 *       byte order mark;
 *   <li>strings without unescaped control characters (below U+0020), with only the escapes of RFC
 *       8259 §7, and with a {@code \\u} escape of a surrogate only as a high surrogate followed by
 *       an escaped low one (PHP: "Single unpaired UTF-16 surrogate");
 *   <li>numbers as RFC 8259 §6 writes them ({@code
 *       -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?}), of any length;
 *   <li>at most {@value #MAX_DEPTH} arrays and objects nested, the outer object included ({@code
 *       json_decode}'s default depth).
 * </ul>
 *
 * <p>A member's value is kept when it is a string (unescaped), a number (its text as written) or a
 * boolean ({@code true}, {@code false}); null, arrays and objects are kept as absent. A name that
 * occurs more than once keeps its last value, as {@code json_decode} does.
 *
 * <p>One pass over the bytes, no token objects; a string without escapes becomes a {@code String}
 * straight from its bytes. Not thread-safe; one instance reads one message.
 */
final class JsonMembers {

  /** Deepest nesting of arrays and objects accepted, the outer object counting as 1. */
  static final int MAX_DEPTH = 512;

  /** The bytes that stand for themselves in a string: ASCII but controls, quote and backslash. */
  private static final boolean[] PLAIN = new boolean[256];

  static {
    for (int c = 0x20; c < 0x80; c++) {
      PLAIN[c] = c != '"' && c != '\\';
    }
  }

  /** The value of each hexadecimal digit; a negative number for any other byte. */
  private static final int[] HEX = new int[256];

  static {
    Arrays.fill(HEX, -1 << 16); // stays negative in a four-digit value
    for (int c = '0'; c <= '9'; c++) {
      HEX[c] = c - '0';
    }
    for (int c = 'a'; c <= 'f'; c++) {
      HEX[c] = c - 'a' + 10;
      HEX[c - 'a' + 'A'] = c - 'a' + 10;
    }
  }

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private final byte[] in;
  private final byte[][] names;
  private final String[] values;
  private int pos;
  private int strings;

  /**
   * Room for the characters of the strings a thread decodes, kept between messages up to {@link
   * #RETAINED_CHARS}.
   */
  private static final ThreadLocal<char[]> SCRATCH = ThreadLocal.withInitial(() -> new char[256]);

  private static final int RETAINED_CHARS = 16 * 1024;

  /** Room for the characters of a string being decoded: this thread's scratch, or larger. */
  private char[] chars;

  private JsonMembers(byte[] in, byte[][] names, String[] values) {
    this.in = in;
    this.names = names;
    this.values = values;
  }

  /**
   * Reads the object in {@code utf8}, storing in {@code values[i]} the kept value of the member
   * named {@code names[i]} (ASCII names without escapes; at most 31), null when there is none.
   *
   * @return a bit mask of the names whose last value is a string (bit i for {@code names[i]}), or
   *     -1 when the bytes are not one well-formed object; {@code values} is then undefined
   */
  static int read(byte[] utf8, byte[][] names, String[] values) {
    if (names.length > 31 || values.length < names.length) {
      throw new IllegalArgumentException("at most 31 names, and a value slot for each");
    }
    Arrays.fill(values, 0, names.length, null);
    JsonMembers r = new JsonMembers(utf8, names, values);
    try {
      r.skipWhitespace();
      r.object(1, true);
      r.skipWhitespace();
      return r.pos == utf8.length ? r.strings : -1;
    } catch (Malformed e) {
      return -1;
    }
  }

  /** Thrown (without a stack trace) when the input is not well-formed. */
  private static final class Malformed extends Exception {
    private static final long serialVersionUID = 1L;
    static final Malformed INSTANCE = new Malformed();

    private Malformed() {
      super("malformed JSON", null, false, false);
    }
  }

  private static Malformed malformed() {
    return Malformed.INSTANCE;
  }

  private int next() throws Malformed {
    if (pos >= in.length) {
      throw malformed();
    }
    return in[pos++] & 0xff;
  }

  private void expect(int c) throws Malformed {
    if (next() != c) {
      throw malformed();
    }
  }

  private void skipWhitespace() {
    while (pos < in.length) {
      byte c = in[pos];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        return;
      }
      pos++;
    }
  }

  /** Reads an object whose '{' is next; at the top ({@code top}) its members are looked at. */
  private void object(int depth, boolean top) throws Malformed {
    if (depth > MAX_DEPTH) {
      throw malformed();
    }
    expect('{');
    skipWhitespace();
    if (pos < in.length && in[pos] == '}') {
      pos++;
      return;
    }
    while (true) {
      expect('"');
      int member = -1;
      if (top) {
        member = memberName();
      } else {
        skipString();
      }
      skipWhitespace();
      expect(':');
      skipWhitespace();
      if (member >= 0) {
        memberValue(member, depth);
      } else {
        value(depth);
      }
      skipWhitespace();
      int c = next();
      if (c == '}') {
        return;
      }
      if (c != ',') {
        throw malformed();
      }
      skipWhitespace();
    }
  }

  private void array(int depth) throws Malformed {
    if (depth > MAX_DEPTH) {
      throw malformed();
    }
    expect('[');
    skipWhitespace();
    if (pos < in.length && in[pos] == ']') {
      pos++;
      return;
    }
    while (true) {
      value(depth);
      skipWhitespace();
      int c = next();
      if (c == ']') {
        return;
      }
      if (c != ',') {
        throw malformed();
      }
      skipWhitespace();
    }
  }

  /** Reads (and checks) any value inside a container at {@code depth}. */
  private void value(int depth) throws Malformed {
    if (pos >= in.length) {
      throw malformed();
    }
    switch (in[pos]) {
      case '{' -> object(depth + 1, false);
      case '[' -> array(depth + 1);
      case '"' -> {
        pos++;
        skipString();
      }
      case 't' -> literal("true");
      case 'f' -> literal("false");
      case 'n' -> literal("null");
      default -> number();
    }
  }

  /** Reads the value of the top-level member {@code member} and keeps it. */
  private void memberValue(int member, int depth) throws Malformed {
    int start = pos;
    if (start >= in.length) {
      throw malformed();
    }
    String kept;
    boolean string = false;
    switch (in[start]) {
      case '"' -> {
        pos++;
        kept = string();
        string = true;
      }
      case 't', 'f', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9' -> {
        value(depth);
        kept = new String(in, start, pos - start, StandardCharsets.US_ASCII);
      }
      default -> {
        value(depth);
        kept = null;
      }
    }
    values[member] = kept;
    strings = string ? strings | (1 << member) : strings & ~(1 << member);
  }

  private void literal(String word) throws Malformed {
    for (int i = 0; i < word.length(); i++) {
      expect(word.charAt(i));
    }
  }

  /** Reads a number; JSON's grammar, digits of any count. */
  private void number() throws Malformed {
    if (pos < in.length && in[pos] == '-') {
      pos++;
    }
    int first = next();
    if (first == '0') {
      // no more digits: a leading zero stands alone
    } else if (first >= '1' && first <= '9') {
      skipDigits();
    } else {
      throw malformed();
    }
    if (pos < in.length && in[pos] == '.') {
      pos++;
      requireDigits();
    }
    if (pos < in.length && (in[pos] == 'e' || in[pos] == 'E')) {
      pos++;
      if (pos < in.length && (in[pos] == '+' || in[pos] == '-')) {
        pos++;
      }
      requireDigits();
    }
  }

  private void requireDigits() throws Malformed {
    int c = next();
    if (c < '0' || c > '9') {
      throw malformed();
    }
    skipDigits();
  }

  private void skipDigits() {
    while (pos < in.length && in[pos] >= '0' && in[pos] <= '9') {
      pos++;
    }
  }

  /**
   * Reads a member name whose opening quote was read: the index of the asked-for name it equals,
   * else -1.
   */
  private int memberName() throws Malformed {
    int start = pos;
    int end = plainEnd();
    if (in[end] == '"') {
      pos = end + 1;
      int length = end - start;
      for (int i = 0; i < names.length; i++) {
        byte[] n = names[i];
        if (n.length == length && Arrays.equals(in, start, end, n, 0, length)) {
          return i;
        }
      }
      return -1;
    }
    String name = string();
    for (int i = 0; i < names.length; i++) {
      if (name.equals(new String(names[i], StandardCharsets.US_ASCII))) {
        return i;
      }
    }
    return -1;
  }

  /** Reads (and checks) a string whose opening quote was read. */
  private void skipString() throws Malformed {
    int end = plainEnd();
    if (in[end] == '"') {
      pos = end + 1;
    } else {
      string();
    }
  }

  /**
   * Reads a string whose opening quote was read and returns its value: ASCII without escapes is
   * copied, anything else decoded in one pass into {@link #chars}.
   */
  private String string() throws Malformed {
    byte[] b = in;
    int start = pos;
    int i = plainRun(start);
    if (i < b.length && b[i] == '"') {
      pos = i + 1;
      return new String(b, start, i - start, StandardCharsets.ISO_8859_1);
    }
    // Never more characters than bytes: room for the rest of the input is room enough.
    int room = b.length - start;
    if (chars == null) {
      chars = SCRATCH.get();
    }
    if (chars.length < room) {
      chars = new char[room];
      if (room <= RETAINED_CHARS) {
        SCRATCH.set(chars);
      }
    }
    char[] out = chars;
    int n = 0;
    for (int k = start; k < i; k++) {
      out[n++] = (char) b[k];
    }
    while (true) {
      while (i < b.length && PLAIN[b[i] & 0xff]) {
        out[n++] = (char) b[i++];
      }
      if (i >= b.length) {
        throw malformed();
      }
      int c = b[i] & 0xff;
      if (c == '"') {
        pos = i + 1;
        return new String(out, 0, n);
      }
      if (c == '\\') {
        if (i + 5 < b.length && b[i + 1] == 'u') {
          // the common escape: a four-digit one outside the surrogates
          int u =
              HEX[b[i + 2] & 0xff] << 12
                  | HEX[b[i + 3] & 0xff] << 8
                  | HEX[b[i + 4] & 0xff] << 4
                  | HEX[b[i + 5] & 0xff];
          if (u >= 0 && (u < 0xd800 || u > 0xdfff)) {
            out[n++] = (char) u;
            i += 6;
            continue;
          }
        }
        pos = i + 1;
        n = escape(out, n);
        i = pos;
      } else if (c >= 0xc2 && c <= 0xdf && i + 1 < b.length && (b[i + 1] & 0xc0) == 0x80) {
        out[n++] = (char) ((c & 0x1f) << 6 | b[i + 1] & 0x3f);
        i += 2;
      } else if (c < 0x20) {
        throw malformed();
      } else {
        int end = utf8Sequence(i, c); // three or four bytes: two are read above
        if (end - i == 3) {
          out[n++] = (char) ((c & 0x0f) << 12 | (b[i + 1] & 0x3f) << 6 | b[i + 2] & 0x3f);
        } else {
          int cp =
              (c & 0x07) << 18 | (b[i + 1] & 0x3f) << 12 | (b[i + 2] & 0x3f) << 6 | b[i + 3] & 0x3f;
          out[n++] = Character.highSurrogate(cp);
          out[n++] = Character.lowSurrogate(cp);
        }
        i = end;
      }
    }
  }

  /**
   * Checks the string's bytes from {@link #pos} up to the next quote or backslash, which must
   * exist, and returns where it stands; {@link #pos} is unchanged.
   */
  private int plainEnd() throws Malformed {
    byte[] b = in;
    int i = pos;
    while (true) {
      i = plainRun(i);
      if (i >= b.length) {
        throw malformed();
      }
      int c = b[i] & 0xff;
      if (c == '"' || c == '\\') {
        return i;
      }
      if (c < 0x20) {
        throw malformed();
      }
      i = utf8Sequence(i, c);
    }
  }

  /** The index of the first byte from {@code i} on that is not {@link #PLAIN}, or the length. */
  private int plainRun(int i) {
    byte[] b = in;
    while (i + 8 <= b.length && plainWord((long) LONGS.get(b, i))) {
      i += 8;
    }
    while (i < b.length && PLAIN[b[i] & 0xff]) {
      i++;
    }
    return i;
  }

  /**
   * Whether all eight bytes of {@code w} are {@link #PLAIN}: none with its high bit set, none below
   * 0x20, none a quote or a backslash (the zero-byte tests of Hacker's Delight §6-1, exact once no
   * byte has its high bit set).
   */
  private static boolean plainWord(long w) {
    long below20 = (w - 0x2020202020202020L) & ~w;
    long x = w ^ 0x2222222222222222L;
    long quote = (x - 0x0101010101010101L) & ~x;
    long y = w ^ 0x5c5c5c5c5c5c5c5cL;
    long backslash = (y - 0x0101010101010101L) & ~y;
    return ((w | below20 | quote | backslash) & 0x8080808080808080L) == 0;
  }

  /**
   * Checks the multi-byte UTF-8 sequence led by {@code lead} at {@code i} (RFC 3629 §4) and returns
   * the index after it.
   */
  private int utf8Sequence(int i, int lead) throws Malformed {
    int length;
    int min = 0x80;
    int max = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) {
      length = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead == 0xe0) {
        min = 0xa0; // no overlong forms
      } else if (lead == 0xed) {
        max = 0x9f; // no surrogates
      }
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead == 0xf0) {
        min = 0x90;
      } else if (lead == 0xf4) {
        max = 0x8f; // nothing above U+10FFFF
      }
    } else {
      throw malformed();
    }
    if (i + length > in.length) {
      throw malformed();
    }
    int second = in[i + 1] & 0xff;
    if (second < min || second > max) {
      throw malformed();
    }
    for (int k = 2; k < length; k++) {
      int b = in[i + k] & 0xff;
      if (b < 0x80 || b > 0xbf) {
        throw malformed();
      }
    }
    return i + length;
  }

  /**
   * Reads the escape whose backslash was read (RFC 8259 §7) into {@code out} at {@code n} and
   * returns the new count (at most two characters, from at least two bytes).
   */
  private int escape(char[] out, int n) throws Malformed {
    int c = next();
    char e =
        switch (c) {
          case '"', '\\', '/' -> (char) c;
          case 'b' -> '\b';
          case 'f' -> '\f';
          case 'n' -> '\n';
          case 'r' -> '\r';
          case 't' -> '\t';
          case 'u' -> hex4();
          default -> throw malformed();
        };
    if (Character.isLowSurrogate(e)) {
      throw malformed();
    }
    out[n++] = e;
    if (Character.isHighSurrogate(e)) {
      expect('\\');
      expect('u');
      char low = hex4();
      if (!Character.isLowSurrogate(low)) {
        throw malformed();
      }
      out[n++] = low;
    }
    return n;
  }

  private char hex4() throws Malformed {
    int v = 0;
    for (int k = 0; k < 4; k++) {
      int c = next();
      int d;
      if (c >= '0' && c <= '9') {
        d = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        d = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        d = c - 'A' + 10;
      } else {
        throw malformed();
      }
      v = v << 4 | d;
    }
    return (char) v;
  }
}
