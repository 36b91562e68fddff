package io.tapflow.sensor.redact;

/**
 * Rewrites one JSON text (RFC 8259) fed byte by byte so that every scalar inside the value of a
 * configured member is redacted, keeping its length: a push-based scanner whose whole state is an
 * enum, a depth bit stack and a few scalars.
 *
 * <p>Inside a redacted value each byte between a string's quotes (escapes included) becomes {@code
 * *}, a number becomes {@code 0} followed by spaces ({@code -12.5} → {@code 0 }); {@code true},
 * {@code false}, {@code null}, structure ({@code {}[]:,}, quotes, whitespace) and the names of
 * members nested in the value stay. So the result is valid JSON of the same length. A member name
 * is compared with the configured names after its escapes are decoded ({@code "con\u0074ent"} is
 * {@code content}), case-sensitively; members nested in a redacted value are redacted with it,
 * whatever their names.
 *
 * <p>{@link #next} returns each byte's replacement, or {@link #FAILED} once the text is not the
 * start of one JSON value: a byte that breaks the grammar, objects and arrays nested deeper than
 * {@value #MAX_DEPTH} levels, anything but whitespace after the value. Strings are not checked for
 * valid UTF-8 (a redacted string's bytes become stars whatever they are). {@link #finish} says
 * whether the bytes fed were exactly one value. One thread at a time.
 */
final class JsonRedactor {
  /** The deepest nesting of objects and arrays followed; one level more fails the text. */
  static final int MAX_DEPTH = 64;

  /** What {@link #next} returns once the text is not JSON. */
  static final int FAILED = -1;

  private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
  private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};
  private static final byte[] NULL = {'n', 'u', 'l', 'l'};

  private enum State {
    /** Before a value: whitespace, then the value's first byte. */
    VALUE,
    /** After {@code [}: whitespace, {@code ]} or a value. */
    ARRAY_FIRST,
    /** After <code>{</code>: whitespace, <code>}</code> or a member name. */
    OBJECT_FIRST,
    /** After {@code ,} in an object: whitespace, then a member name. */
    OBJECT_NEXT,
    NAME,
    NAME_ESCAPE,
    NAME_HEX,
    /** After a member name: whitespace, then {@code :}. */
    AFTER_NAME,
    STRING,
    STRING_ESCAPE,
    STRING_HEX,
    /** After {@code -}: a digit. */
    NUMBER_MINUS,
    /** After a leading {@code 0}. */
    NUMBER_ZERO,
    NUMBER_INT,
    /** After {@code .}: a digit. */
    NUMBER_DOT,
    NUMBER_FRACTION,
    /** After {@code e}: a sign or a digit. */
    NUMBER_E,
    /** After the exponent's sign: a digit. */
    NUMBER_E_SIGN,
    NUMBER_EXPONENT,
    /** Inside {@code true}, {@code false} or {@code null}. */
    LITERAL,
    /** After a value: whitespace, {@code ,} or the container's end (at depth 0: whitespace). */
    AFTER_VALUE,
    FAILED
  }

  private final RedactedFields fields;
  private final int[] counts;
  private final byte[] name;

  private State state = State.VALUE;
  private int depth;
  private long objects; // bit i set: level i is an object
  private int redactDepth = -1; // the depth of the object whose member's value is redacted
  private int redactField;
  private int matchedField = -1; // the field the member name just read is, until its ':'
  private int nameLength; // -1: the name cannot match (too long, or a lone surrogate)
  private int hexDigits;
  private int hexValue;
  private int highSurrogate;
  private byte[] literal;
  private int literalIndex;

  /**
   * A scanner for {@code fields} that adds 1 to {@code counts[i]} for each value of {@code
   * fields.names().get(i)} it has redacted to its end.
   */
  JsonRedactor(RedactedFields fields, int[] counts) {
    this.fields = fields;
    this.counts = counts;
    this.name = new byte[fields.maxLength()];
  }

  /**
   * Takes {@code other}'s whole state (a scanner of the same fields), so that the same bytes give
   * the same output from here as from there.
   */
  void copyFrom(JsonRedactor other) {
    state = other.state;
    depth = other.depth;
    objects = other.objects;
    redactDepth = other.redactDepth;
    redactField = other.redactField;
    matchedField = other.matchedField;
    nameLength = other.nameLength;
    System.arraycopy(other.name, 0, name, 0, name.length);
    hexDigits = other.hexDigits;
    hexValue = other.hexValue;
    highSurrogate = other.highSurrogate;
    literal = other.literal;
    literalIndex = other.literalIndex;
  }

  /** Starts a new text. */
  void reset() {
    state = State.VALUE;
    depth = 0;
    objects = 0;
    redactDepth = -1;
    matchedField = -1;
  }

  /** Whether the bytes fed since {@link #reset} are one JSON value (or only whitespace). */
  boolean finish() {
    switch (state) {
      case NUMBER_ZERO, NUMBER_INT, NUMBER_FRACTION, NUMBER_EXPONENT -> endValue();
      default -> {}
    }
    return depth == 0 && (state == State.AFTER_VALUE || state == State.VALUE);
  }

  /** Whether the text has failed. */
  boolean failed() {
    return state == State.FAILED;
  }

  /**
   * Scans one byte ({@code 0..255}) and returns what it becomes: itself, {@code *}, {@code 0} or a
   * space inside a redacted value; or {@link #FAILED}, from the first byte that is not JSON on.
   */
  int next(int b) {
    boolean redacting = redactDepth >= 0;
    return switch (state) {
      case VALUE -> value(b, redacting);
      case ARRAY_FIRST -> isWhitespace(b) ? b : b == ']' ? close(b) : value(b, redacting);
      case OBJECT_FIRST -> b == '}' ? close(b) : memberName(b);
      case OBJECT_NEXT -> memberName(b);
      case NAME -> name(b);
      case NAME_ESCAPE -> nameEscape(b);
      case NAME_HEX -> nameHex(b);
      case AFTER_NAME -> afterName(b);
      case STRING -> string(b, redacting);
      case STRING_ESCAPE -> stringEscape(b, redacting);
      case STRING_HEX -> {
        if (hex(b) < 0) {
          yield fail();
        }
        if (++hexDigits == 4) {
          state = State.STRING;
        }
        yield redacting ? '*' : b;
      }
      case NUMBER_MINUS -> {
        if (!isDigit(b)) {
          yield fail();
        }
        state = b == '0' ? State.NUMBER_ZERO : State.NUMBER_INT;
        yield redacting ? ' ' : b;
      }
      case NUMBER_ZERO -> numberAfterInteger(b, redacting);
      case NUMBER_INT -> isDigit(b) ? numberByte(b, redacting) : numberAfterInteger(b, redacting);
      case NUMBER_DOT -> {
        if (!isDigit(b)) {
          yield fail();
        }
        state = State.NUMBER_FRACTION;
        yield numberByte(b, redacting);
      }
      case NUMBER_FRACTION -> {
        if (isDigit(b)) {
          yield numberByte(b, redacting);
        }
        if (b == 'e' || b == 'E') {
          state = State.NUMBER_E;
          yield numberByte(b, redacting);
        }
        endValue();
        yield afterValue(b);
      }
      case NUMBER_E -> {
        if (b == '+' || b == '-') {
          state = State.NUMBER_E_SIGN;
        } else if (isDigit(b)) {
          state = State.NUMBER_EXPONENT;
        } else {
          yield fail();
        }
        yield numberByte(b, redacting);
      }
      case NUMBER_E_SIGN -> {
        if (!isDigit(b)) {
          yield fail();
        }
        state = State.NUMBER_EXPONENT;
        yield numberByte(b, redacting);
      }
      case NUMBER_EXPONENT -> {
        if (isDigit(b)) {
          yield numberByte(b, redacting);
        }
        endValue();
        yield afterValue(b);
      }
      case LITERAL -> {
        if (b != literal[literalIndex]) {
          yield fail();
        }
        if (++literalIndex == literal.length) {
          endValue();
        }
        yield b;
      }
      case AFTER_VALUE -> afterValue(b);
      case FAILED -> FAILED;
    };
  }

  /** A number's byte after its first: a space inside a redacted value. */
  private static int numberByte(int b, boolean redacting) {
    return redacting ? ' ' : b;
  }

  private int afterName(int b) {
    if (isWhitespace(b)) {
      return b;
    }
    if (b != ':') {
      return fail();
    }
    if (matchedField >= 0) {
      redactDepth = depth;
      redactField = matchedField;
      matchedField = -1;
    }
    state = State.VALUE;
    return b;
  }

  private int string(int b, boolean redacting) {
    if (b == '"') {
      endValue();
      return b;
    }
    if (b < 0x20) {
      return fail(); // RFC 8259: control characters must be escaped
    }
    if (b == '\\') {
      state = State.STRING_ESCAPE;
    }
    return redacting ? '*' : b;
  }

  private int stringEscape(int b, boolean redacting) {
    switch (b) {
      case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> state = State.STRING;
      case 'u' -> {
        state = State.STRING_HEX;
        hexDigits = 0;
      }
      default -> {
        return fail();
      }
    }
    return redacting ? '*' : b;
  }

  private int value(int b, boolean redacting) {
    switch (b) {
      case ' ', '\t', '\n', '\r' -> {
        return b;
      }
      case '{' -> {
        if (!push(true)) {
          return fail();
        }
        state = State.OBJECT_FIRST;
        return b;
      }
      case '[' -> {
        if (!push(false)) {
          return fail();
        }
        state = State.ARRAY_FIRST;
        return b;
      }
      case '"' -> {
        state = State.STRING;
        return b;
      }
      case '-' -> {
        state = State.NUMBER_MINUS;
        return redacting ? '0' : b;
      }
      case 't', 'f', 'n' -> {
        literal = b == 't' ? TRUE : b == 'f' ? FALSE : NULL;
        literalIndex = 1;
        state = State.LITERAL;
        return b;
      }
      default -> {
        if (!isDigit(b)) {
          return fail();
        }
        state = b == '0' ? State.NUMBER_ZERO : State.NUMBER_INT;
        return redacting ? '0' : b;
      }
    }
  }

  /** A byte after a number's integer part: its fraction, its exponent, or past its end. */
  private int numberAfterInteger(int b, boolean redacting) {
    if (b == '.') {
      state = State.NUMBER_DOT;
      return redacting ? ' ' : b;
    }
    if (b == 'e' || b == 'E') {
      state = State.NUMBER_E;
      return redacting ? ' ' : b;
    }
    endValue();
    return afterValue(b);
  }

  private int afterValue(int b) {
    if (isWhitespace(b)) {
      return b;
    }
    if (depth == 0) {
      return fail(); // RFC 8259: a JSON text is one value
    }
    boolean inObject = (objects & (1L << (depth - 1))) != 0;
    if (b == ',') {
      state = inObject ? State.OBJECT_NEXT : State.VALUE;
      return b;
    }
    if (b == (inObject ? '}' : ']')) {
      return close(b);
    }
    return fail();
  }

  private int memberName(int b) {
    if (isWhitespace(b)) {
      return b;
    }
    if (b != '"') {
      return fail();
    }
    state = State.NAME;
    nameLength = redactDepth >= 0 ? -1 : 0; // inside a redacted value no name is compared
    highSurrogate = 0;
    return b;
  }

  private int name(int b) {
    if (b == '"') {
      matchedField = nameLength >= 0 && highSurrogate == 0 ? fields.indexOf(name, nameLength) : -1;
      state = State.AFTER_NAME;
      return b;
    }
    if (b < 0x20) {
      return fail();
    }
    if (b == '\\') {
      state = State.NAME_ESCAPE;
      return b;
    }
    nameByte(b);
    return b;
  }

  private int nameEscape(int b) {
    int decoded =
        switch (b) {
          case '"', '\\', '/' -> b;
          case 'b' -> '\b';
          case 'f' -> '\f';
          case 'n' -> '\n';
          case 'r' -> '\r';
          case 't' -> '\t';
          case 'u' -> -1;
          default -> -2;
        };
    if (decoded == -2) {
      return fail();
    }
    if (decoded == -1) {
      state = State.NAME_HEX;
      hexDigits = 0;
      hexValue = 0;
    } else {
      nameByte(decoded);
      state = State.NAME;
    }
    return b;
  }

  private int nameHex(int b) {
    int digit = hex(b);
    if (digit < 0) {
      return fail();
    }
    hexValue = hexValue << 4 | digit;
    if (++hexDigits == 4) {
      state = State.NAME;
      nameCodePoint(hexValue);
    }
    return b;
  }

  /** Appends a byte that is not part of a {@code \}{@code u} escape to the decoded name. */
  private void nameByte(int b) {
    if (highSurrogate != 0) {
      nameLength = -1; // a lone high surrogate: no configured name has one
      highSurrogate = 0;
    }
    append(b);
  }

  private void nameCodePoint(int unit) {
    if (Character.isHighSurrogate((char) unit)) {
      if (highSurrogate != 0) {
        nameLength = -1;
      }
      highSurrogate = unit;
      return;
    }
    int cp = unit;
    if (Character.isLowSurrogate((char) unit)) {
      if (highSurrogate == 0) {
        nameLength = -1;
        return;
      }
      cp = Character.toCodePoint((char) highSurrogate, (char) unit);
      highSurrogate = 0;
    } else if (highSurrogate != 0) {
      nameLength = -1;
      highSurrogate = 0;
    }
    if (cp < 0x80) {
      append(cp);
    } else if (cp < 0x800) {
      append(0xC0 | cp >> 6);
      append(0x80 | cp & 0x3F);
    } else if (cp < 0x10000) {
      append(0xE0 | cp >> 12);
      append(0x80 | cp >> 6 & 0x3F);
      append(0x80 | cp & 0x3F);
    } else {
      append(0xF0 | cp >> 18);
      append(0x80 | cp >> 12 & 0x3F);
      append(0x80 | cp >> 6 & 0x3F);
      append(0x80 | cp & 0x3F);
    }
  }

  private void append(int b) {
    if (nameLength < 0) {
      return;
    }
    if (nameLength == name.length) {
      nameLength = -1; // longer than every configured name
      return;
    }
    name[nameLength++] = (byte) b;
  }

  private boolean push(boolean object) {
    if (depth == MAX_DEPTH) {
      return false;
    }
    if (object) {
      objects |= 1L << depth;
    } else {
      objects &= ~(1L << depth);
    }
    depth++;
    return true;
  }

  private int close(int b) {
    depth--;
    endValue();
    return b;
  }

  /** A value ended (a scalar, or a container closed): the redacted one, if it was that. */
  private void endValue() {
    state = State.AFTER_VALUE;
    if (redactDepth == depth) {
      counts[redactField]++;
      redactDepth = -1;
    }
  }

  private int fail() {
    state = State.FAILED;
    return FAILED;
  }

  private static boolean isWhitespace(int b) {
    return b == ' ' || b == '\t' || b == '\n' || b == '\r';
  }

  private static boolean isDigit(int b) {
    return b >= '0' && b <= '9';
  }

  private static int hex(int b) {
    if (b >= '0' && b <= '9') {
      return b - '0';
    }
    if (b >= 'a' && b <= 'f') {
      return b - 'a' + 10;
    }
    if (b >= 'A' && b <= 'F') {
      return b - 'A' + 10;
    }
    return -1;
  }
}
