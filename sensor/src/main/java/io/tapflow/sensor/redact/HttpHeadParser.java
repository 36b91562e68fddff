package io.tapflow.sensor.redact;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Follows one HTTP/1.1 request or response head (RFC 9112) byte by byte up to its empty line,
 * noting what a WebSocket upgrade (RFC 6455 §4) needs: the status, {@code Upgrade: websocket}, and
 * the extensions a 101 response negotiates.
 *
 * <p>The head must be strict HTTP/1.1: a request line {@code METHOD SP target SP HTTP/1.1 CRLF} or
 * a status line {@code HTTP/1.1 SP 3DIGIT SP reason CRLF}, header lines {@code name ":" value CRLF}
 * (no folding), an empty line; at most {@value #MAX_HEAD_BYTES} bytes. Anything else fails it, so
 * bytes that are not a head are never taken for one. State: an enum and scalars (a header name is
 * kept only as long as the longest one looked at).
 */
final class HttpHeadParser {
  /** The longest head followed, in bytes. */
  static final int MAX_HEAD_BYTES = 16 * 1024;

  /** What {@link #next} says of a byte. */
  enum Step {
    /** The byte belongs to the head, which goes on. */
    HEAD,
    /** The byte is the head's last (the LF of its empty line). */
    DONE,
    /** The bytes are not an HTTP/1.1 head, or it is too long. */
    FAILED
  }

  private enum State {
    METHOD,
    TARGET,
    REQUEST_VERSION,
    STATUS_VERSION,
    STATUS_SPACE,
    STATUS_CODE,
    REASON,
    /** After a line's CR: its LF. */
    LINE_LF,
    /** A header line's first byte, or the empty line's CR. */
    LINE_START,
    FIELD_NAME,
    FIELD_VALUE,
    /** After the empty line's CR: its LF. */
    END_LF,
    DONE,
    FAILED
  }

  private enum Field {
    OTHER,
    UPGRADE,
    EXTENSIONS
  }

  private static final byte[] VERSION = {'H', 'T', 'T', 'P', '/', '1', '.', '1'};
  private static final byte[] WEBSOCKET = {'w', 'e', 'b', 's', 'o', 'c', 'k', 'e', 't'};
  private static final byte[] UPGRADE = {'u', 'p', 'g', 'r', 'a', 'd', 'e'};
  private static final byte[] EXTENSIONS =
      "sec-websocket-extensions".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] PERMESSAGE_DEFLATE =
      "permessage-deflate".getBytes(StandardCharsets.US_ASCII);

  private final boolean request;
  private State state;
  private int length;
  private int index; // into VERSION, or digits of the status, or the line's length so far
  private int status;
  private final byte[] fieldName = new byte[EXTENSIONS.length];
  private int fieldNameLength;
  private Field field;
  private int websocketMatched;
  private boolean upgradeWebSocket;
  // Sec-WebSocket-Extensions: each element's token, then its parameters up to the next comma.
  private final byte[] token = new byte[PERMESSAGE_DEFLATE.length];
  private int tokenLength; // -1: longer than permessage-deflate
  private boolean inParameters;
  private boolean inQuotes;
  private boolean deflate;
  private boolean otherExtension;

  /** A parser of a request head ({@code request}) or of a response head. */
  HttpHeadParser(boolean request) {
    this.request = request;
    this.state = request ? State.METHOD : State.STATUS_VERSION;
  }

  /** Whether this parses a request head. */
  boolean request() {
    return request;
  }

  /** The response's status code (0 for a request, or before the status line is read). */
  int status() {
    return status;
  }

  /** Whether an {@code Upgrade} field names {@code websocket} (case-insensitively). */
  boolean upgradeWebSocket() {
    return upgradeWebSocket;
  }

  /** Whether {@code Sec-WebSocket-Extensions} names permessage-deflate. */
  boolean deflate() {
    return deflate;
  }

  /** Whether {@code Sec-WebSocket-Extensions} names another extension than permessage-deflate. */
  boolean otherExtension() {
    return otherExtension;
  }

  /** Reads one byte ({@code 0..255}) of the head. */
  Step next(int b) {
    if (state == State.DONE || state == State.FAILED) {
      return Step.FAILED;
    }
    if (++length > MAX_HEAD_BYTES) {
      return fail();
    }
    switch (state) {
      case METHOD -> {
        if (b == ' ' && index > 0) {
          state = State.TARGET;
          index = 0;
        } else if (isTchar(b)) {
          index++;
        } else {
          return fail();
        }
      }
      case TARGET -> {
        if (b == ' ' && index > 0) {
          state = State.REQUEST_VERSION;
          index = 0;
        } else if (b > 0x20 && b < 0x7F) {
          index++;
        } else {
          return fail();
        }
      }
      case REQUEST_VERSION -> {
        if (index == VERSION.length) {
          if (b != '\r') {
            return fail();
          }
          state = State.LINE_LF;
        } else if (b == VERSION[index]) {
          index++;
        } else {
          return fail();
        }
      }
      case STATUS_VERSION -> {
        if (index == VERSION.length) {
          if (b != ' ') {
            return fail();
          }
          state = State.STATUS_CODE;
          index = 0;
        } else if (b == VERSION[index]) {
          index++;
        } else {
          return fail();
        }
      }
      case STATUS_CODE -> {
        if (b < '0' || b > '9') {
          return fail();
        }
        status = status * 10 + (b - '0');
        if (++index == 3) {
          state = State.STATUS_SPACE;
        }
      }
      case STATUS_SPACE -> {
        if (b == ' ') {
          state = State.REASON;
        } else if (b == '\r') {
          state = State.LINE_LF;
        } else {
          return fail();
        }
      }
      case REASON -> {
        if (b == '\r') {
          state = State.LINE_LF;
        } else if (!isFieldByte(b)) {
          return fail();
        }
      }
      case LINE_LF -> {
        if (b != '\n') {
          return fail();
        }
        state = State.LINE_START;
      }
      case LINE_START -> {
        if (b == '\r') {
          state = State.END_LF;
        } else if (isTchar(b)) {
          state = State.FIELD_NAME;
          fieldNameLength = 0;
          fieldName(b);
        } else {
          return fail();
        }
      }
      case FIELD_NAME -> {
        if (b == ':') {
          startValue();
        } else if (isTchar(b)) {
          fieldName(b);
        } else {
          return fail();
        }
      }
      case FIELD_VALUE -> {
        if (b == '\r') {
          endToken();
          state = State.LINE_LF;
        } else if (isFieldByte(b)) {
          valueByte(b);
        } else {
          return fail();
        }
      }
      case END_LF -> {
        if (b != '\n') {
          return fail();
        }
        state = State.DONE;
        return Step.DONE;
      }
      default -> {
        return fail();
      }
    }
    return Step.HEAD;
  }

  private void fieldName(int b) {
    if (fieldNameLength >= 0 && fieldNameLength < fieldName.length) {
      fieldName[fieldNameLength++] = (byte) lower(b);
    } else {
      fieldNameLength = -1; // longer than every name looked at
    }
  }

  private void startValue() {
    state = State.FIELD_VALUE;
    field = Field.OTHER;
    if (is(UPGRADE)) {
      field = Field.UPGRADE;
      websocketMatched = 0;
    } else if (is(EXTENSIONS)) {
      field = Field.EXTENSIONS;
      tokenLength = 0;
      inParameters = false;
      inQuotes = false;
    }
  }

  private boolean is(byte[] name) {
    return fieldNameLength == name.length
        && Arrays.equals(fieldName, 0, fieldNameLength, name, 0, name.length);
  }

  private void valueByte(int b) {
    switch (field) {
      case UPGRADE -> {
        int c = lower(b);
        if (c == WEBSOCKET[websocketMatched]) {
          if (++websocketMatched == WEBSOCKET.length) {
            upgradeWebSocket = true;
            websocketMatched = 0;
          }
        } else {
          websocketMatched = c == WEBSOCKET[0] ? 1 : 0;
        }
      }
      case EXTENSIONS -> extensionsByte(b);
      case OTHER -> {}
    }
  }

  /** RFC 6455 §9.1: {@code extension-token *( ";" param )} elements separated by commas. */
  private void extensionsByte(int b) {
    if (inParameters) {
      if (b == '"') {
        inQuotes = !inQuotes;
      } else if (b == ',' && !inQuotes) {
        inParameters = false;
        tokenLength = 0;
      }
      return;
    }
    if (b == ';' || b == ',' || b == ' ' || b == '\t') {
      endToken();
      inParameters = b == ';';
      tokenLength = 0;
      return;
    }
    if (tokenLength >= 0 && tokenLength < token.length) {
      token[tokenLength++] = (byte) lower(b);
    } else {
      tokenLength = -1;
      otherExtension = true;
    }
  }

  private void endToken() {
    if (field != Field.EXTENSIONS || inParameters || tokenLength == 0) {
      return;
    }
    if (tokenLength == PERMESSAGE_DEFLATE.length
        && Arrays.equals(token, 0, tokenLength, PERMESSAGE_DEFLATE, 0, tokenLength)) {
      deflate = true;
    } else {
      otherExtension = true;
    }
    tokenLength = 0;
  }

  private Step fail() {
    state = State.FAILED;
    return Step.FAILED;
  }

  /** Whether the head was longer than {@value #MAX_HEAD_BYTES} bytes. */
  boolean tooLong() {
    return length > MAX_HEAD_BYTES;
  }

  /** RFC 9110 §5.6.2 tchar. */
  private static boolean isTchar(int b) {
    return (b >= 'a' && b <= 'z')
        || (b >= 'A' && b <= 'Z')
        || (b >= '0' && b <= '9')
        || "!#$%&'*+-.^_`|~".indexOf(b) >= 0;
  }

  /** RFC 9110 §5.5 field-vchar, SP or HTAB (obs-text included). */
  private static boolean isFieldByte(int b) {
    return b == ' ' || b == '\t' || (b > 0x20 && b != 0x7F);
  }

  private static int lower(int b) {
    return b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b;
  }
}
