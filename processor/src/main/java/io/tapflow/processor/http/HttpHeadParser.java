package io.tapflow.processor.http;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Turns the bytes of one direction of a connection into one HTTP/1.x message head, pushed in any
 * split.
 *
 * <p>A head is the start line and the header field lines up to and including the empty line that
 * ends them (RFC 9112 §2.1):
 *
 * <pre>
 *   HTTP-message = start-line CRLF *( field-line CRLF ) CRLF [ message-body ]
 * </pre>
 *
 * <p>{@link #onData} consumes bytes only up to the end of that empty line and returns how many it
 * took, so the caller can hand the rest of the same buffer (a server's first WebSocket frame may
 * share a TCP segment with its 101 response) to the next decoder. The parser buffers the head and
 * parses it when the empty line arrives; its whole state is {@link State} plus a few fields and
 * survives {@link #writeSnapshot}/{@link #readSnapshot}.
 *
 * <p>Leniencies, all allowed by RFC 9112: a bare LF ends a line (§2.2); empty lines before the
 * start line are ignored (§2.2); start-line words may be separated by any run of SP or HTAB (§3,
 * §4); whitespace between a field name and its colon is removed (§5.1, what a proxy MUST do for
 * responses); an obs-fold continuation line is joined to the previous value with one SP (§5.2); a
 * whitespace-preceded line right after the start line is consumed without further processing
 * (§2.2). Field values are decoded as ISO-8859-1, so every byte maps to one char.
 *
 * <p>Failures end in {@link State#FAILED} with an {@link HttpAnomaly}: {@code http_head_too_long}
 * (detail {@code max_bytes=N}) when the head would exceed {@code maxHeadBytes}, or {@code
 * http_malformed_head} (detail {@code reason=... line=N}) when the start line or a field line
 * cannot be parsed. A complete or failed parser consumes nothing more until {@link #reset}.
 */
public final class HttpHeadParser {

  /** The default limit on a head's size, terminating empty line included. */
  public static final int DEFAULT_MAX_HEAD_BYTES = 64 * 1024;

  private static final byte CR = '\r';
  private static final byte LF = '\n';
  private static final int INITIAL_CAPACITY = 512;
  private static final int SNAPSHOT_VERSION = 1;
  private static final Pattern WORD_SEPARATOR = Pattern.compile("[ \t]+");
  private static final Pattern STATUS_CODE = Pattern.compile("[0-9]{3}");
  private static final Pattern VERSION = Pattern.compile("HTTP/[0-9]\\.[0-9]");
  private static final String[] METHODS = {
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"
  };
  private static final byte[] HTTP_1 = "HTTP/1.".getBytes(StandardCharsets.US_ASCII);

  /** Where the parser is; the snapshot stores {@link #code}, never the ordinal. */
  public enum State {
    /** Buffering head bytes until the empty line. */
    READING(0),
    /** The head ended and parsed; {@link #head()} holds it. */
    COMPLETE(1),
    /** The head was too long or malformed; {@link #anomaly()} says which. */
    FAILED(2);

    private final int code;

    State(int code) {
      this.code = code;
    }

    static State ofCode(int code) throws IOException {
      for (State state : values()) {
        if (state.code == code) {
          return state;
        }
      }
      throw new IOException("unknown HttpHeadParser state code " + code);
    }
  }

  private final int maxHeadBytes;

  private State state = State.READING;

  /** Head bytes consumed so far, in {@code buffer[0..length)}. */
  private byte[] buffer = new byte[INITIAL_CAPACITY];

  private int length;

  /** Bytes other than CR on the current line; 0 at the start of a line. */
  private int lineLength;

  /** Whether a non-empty line (the start line) has been consumed. */
  private boolean startLineSeen;

  /** Derived from the buffer when the head completes. */
  private HttpHead head;

  /** Set when the parser fails. */
  private HttpAnomaly anomaly;

  /** Creates a parser with the default 64 KiB limit. */
  public HttpHeadParser() {
    this(DEFAULT_MAX_HEAD_BYTES);
  }

  /** Creates a parser that fails on a head longer than {@code maxHeadBytes}. */
  public HttpHeadParser(int maxHeadBytes) {
    if (maxHeadBytes < 1) {
      throw new IllegalArgumentException("maxHeadBytes must be positive: " + maxHeadBytes);
    }
    this.maxHeadBytes = maxHeadBytes;
  }

  /**
   * Consumes head bytes from {@code buf[off..off+len)} and returns how many it took: all of them
   * while the head is incomplete, up to and including its final LF when it completes here, up to
   * the limit when it fails for length, and 0 once complete or failed.
   */
  public int onData(byte[] buf, int off, int len) {
    Objects.checkFromIndexSize(off, len, buf.length);
    int consumed = 0;
    while (consumed < len && state == State.READING) {
      if (length == maxHeadBytes) {
        fail(HttpAnomaly.HTTP_HEAD_TOO_LONG, "max_bytes=" + maxHeadBytes);
        break;
      }
      byte b = buf[off + consumed++];
      append(b);
      switch (b) {
        case LF -> endOfLine();
        case CR -> {}
        default -> lineLength++;
      }
    }
    return consumed;
  }

  /** Returns whether the head ended and parsed. */
  public boolean isComplete() {
    return state == State.COMPLETE;
  }

  /** Returns whether the head was too long or malformed. */
  public boolean isFailed() {
    return state == State.FAILED;
  }

  /** Returns where the parser is. */
  public State state() {
    return state;
  }

  /** Returns the parsed head once complete, else null. */
  public HttpHead head() {
    return head;
  }

  /** Returns why the parser failed, else null. */
  public HttpAnomaly anomaly() {
    return anomaly;
  }

  /** Returns how many head bytes are buffered: the head's size once complete, 0 once failed. */
  public int headLength() {
    return length;
  }

  /** Returns the limit this parser was created with. */
  public int maxHeadBytes() {
    return maxHeadBytes;
  }

  /** Forgets the head, ready for the next one on the same stream. */
  public void reset() {
    state = State.READING;
    buffer = new byte[INITIAL_CAPACITY];
    length = 0;
    lineLength = 0;
    startLineSeen = false;
    head = null;
    anomaly = null;
  }

  /**
   * Returns whether {@code buf[off..off+len)} starts like an HTTP request: a registered method (RFC
   * 9110 §9, RFC 5789) followed by SP. Meant for the first bytes of a stream, to recognize HTTP on
   * any port; false if there are too few bytes to tell.
   */
  public static boolean looksLikeRequest(byte[] buf, int off, int len) {
    Objects.checkFromIndexSize(off, len, buf.length);
    for (String method : METHODS) {
      int n = method.length();
      if (len > n && buf[off + n] == ' ' && startsWith(buf, off, len, method)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Returns whether {@code buf[off..off+len)} starts like an HTTP/1.x response: {@code "HTTP/1."}.
   * False if there are too few bytes to tell.
   */
  public static boolean looksLikeResponse(byte[] buf, int off, int len) {
    Objects.checkFromIndexSize(off, len, buf.length);
    if (len < HTTP_1.length) {
      return false;
    }
    return Arrays.equals(buf, off, off + HTTP_1.length, HTTP_1, 0, HTTP_1.length);
  }

  /**
   * Writes the parser's state so {@link #readSnapshot} can restore it: a version byte, the state
   * code, then the buffered bytes and line position (reading), the head bytes (complete, parsed
   * again on restore), or the anomaly (failed).
   */
  public void writeSnapshot(DataOutput out) throws IOException {
    out.writeByte(SNAPSHOT_VERSION);
    out.writeByte(state.code);
    switch (state) {
      case READING -> {
        out.writeBoolean(startLineSeen);
        out.writeInt(lineLength);
        writeBuffer(out);
      }
      case COMPLETE -> writeBuffer(out);
      case FAILED -> {
        out.writeUTF(anomaly.code());
        out.writeUTF(anomaly.detail());
      }
    }
  }

  /** Replaces this parser's state with one written by {@link #writeSnapshot}. */
  public void readSnapshot(DataInput in) throws IOException {
    int version = in.readUnsignedByte();
    if (version != SNAPSHOT_VERSION) {
      throw new IOException("unknown HttpHeadParser snapshot version " + version);
    }
    State restored = State.ofCode(in.readUnsignedByte());
    reset();
    switch (restored) {
      case READING -> {
        startLineSeen = in.readBoolean();
        lineLength = in.readInt();
        readBuffer(in);
      }
      case COMPLETE -> {
        readBuffer(in);
        parse();
      }
      case FAILED -> fail(in.readUTF(), in.readUTF());
    }
  }

  private void writeBuffer(DataOutput out) throws IOException {
    out.writeInt(length);
    out.write(buffer, 0, length);
  }

  private void readBuffer(DataInput in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > maxHeadBytes) {
      throw new IOException("snapshot head length " + n + " outside 0.." + maxHeadBytes);
    }
    buffer = new byte[Math.max(INITIAL_CAPACITY, n)];
    in.readFully(buffer, 0, n);
    length = n;
  }

  private void append(byte b) {
    if (length == buffer.length) {
      buffer = Arrays.copyOf(buffer, Math.min(maxHeadBytes, buffer.length * 2));
    }
    buffer[length++] = b;
  }

  private void endOfLine() {
    if (lineLength > 0) {
      startLineSeen = true;
      lineLength = 0;
    } else if (startLineSeen) {
      parse();
    }
  }

  private void fail(String code, String detail) {
    state = State.FAILED;
    anomaly = new HttpAnomaly(code, detail);
    head = null;
    buffer = new byte[0];
    length = 0;
  }

  /** Parses the complete head in the buffer into {@link #head}, or fails. */
  private void parse() {
    List<String> lines = lines();
    String startLine = lines.get(0);
    boolean isResponse = startLine.startsWith("HTTP/");
    HttpHead start = isResponse ? response(startLine) : request(startLine);
    if (start == null) {
      String reason = isResponse ? "bad_status_line" : "bad_request_line";
      fail(HttpAnomaly.HTTP_MALFORMED_HEAD, "reason=" + reason + " line=1");
      return;
    }
    List<HttpHead.Header> headers = new ArrayList<>();
    for (int i = 1; i < lines.size(); i++) {
      String line = lines.get(i);
      int lineNumber = i + 1;
      if (HttpLists.isOws(line.charAt(0))) {
        if (headers.isEmpty()) {
          continue; // RFC 9112 §2.2: consume without further processing.
        }
        HttpHead.Header last = headers.remove(headers.size() - 1);
        String folded = last.value() + " " + HttpLists.trimOws(line);
        headers.add(new HttpHead.Header(last.name(), HttpLists.trimOws(folded)));
        continue;
      }
      int colon = line.indexOf(':');
      String name = colon < 0 ? "" : HttpLists.trimOws(line.substring(0, colon));
      if (name.isEmpty() || !isToken(name)) {
        fail(HttpAnomaly.HTTP_MALFORMED_HEAD, "reason=bad_field_line line=" + lineNumber);
        return;
      }
      headers.add(new HttpHead.Header(name, HttpLists.trimOws(line.substring(colon + 1))));
    }
    head =
        new HttpHead(
            start.method(),
            start.target(),
            start.version(),
            start.status(),
            start.reason(),
            headers);
    state = State.COMPLETE;
  }

  /** Returns the non-empty lines of the buffered head, start line first, CR and LF removed. */
  private List<String> lines() {
    String text = new String(buffer, 0, length, StandardCharsets.ISO_8859_1);
    List<String> lines = new ArrayList<>();
    int start = 0;
    int lf;
    while ((lf = text.indexOf('\n', start)) >= 0) {
      String line = stripCr(text.substring(start, lf));
      if (!line.isEmpty()) {
        lines.add(line);
      } else if (!lines.isEmpty()) {
        break; // the empty line that ends the head
      }
      start = lf + 1;
    }
    return lines;
  }

  /** Removes every CR: a bare CR inside a line is not a separator, and endOfLine ignored it too. */
  private static String stripCr(String line) {
    return line.indexOf('\r') < 0 ? line : line.replace("\r", "");
  }

  /**
   * Parses {@code method SP request-target SP HTTP-version} into a head without fields, or null.
   */
  private static HttpHead request(String startLine) {
    String[] words = WORD_SEPARATOR.split(HttpLists.trimOws(startLine));
    if (words.length != 3 || !isToken(words[0]) || !isVersion(words[2])) {
      return null;
    }
    return HttpHead.request(words[0], words[1], words[2], List.of());
  }

  /** Parses {@code HTTP-version SP status-code SP [ reason-phrase ]} likewise, or returns null. */
  private static HttpHead response(String startLine) {
    String[] words = WORD_SEPARATOR.split(HttpLists.trimOws(startLine), 3);
    if (words.length < 2 || !isVersion(words[0]) || !STATUS_CODE.matcher(words[1]).matches()) {
      return null;
    }
    String reason = words.length == 3 ? words[2] : "";
    return HttpHead.response(words[0], Integer.parseInt(words[1]), reason, List.of());
  }

  /** {@code HTTP-version = HTTP-name "/" DIGIT "." DIGIT} (RFC 9112 §2.3). */
  private static boolean isVersion(String s) {
    return VERSION.matcher(s).matches();
  }

  /** {@code token = 1*tchar} (RFC 9110 §5.6.2). */
  private static boolean isToken(String s) {
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

  private static boolean startsWith(byte[] buf, int off, int len, String ascii) {
    if (len < ascii.length()) {
      return false;
    }
    for (int i = 0; i < ascii.length(); i++) {
      if (buf[off + i] != ascii.charAt(i)) {
        return false;
      }
    }
    return true;
  }
}
