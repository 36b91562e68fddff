package io.tapflow.processor.websocket;

import static io.tapflow.processor.websocket.WebSocketProtocol.B0_FIN;
import static io.tapflow.processor.websocket.WebSocketProtocol.B0_OPCODE;
import static io.tapflow.processor.websocket.WebSocketProtocol.B0_RSV1;
import static io.tapflow.processor.websocket.WebSocketProtocol.B0_RSV2;
import static io.tapflow.processor.websocket.WebSocketProtocol.B0_RSV3;
import static io.tapflow.processor.websocket.WebSocketProtocol.B1_MASK;
import static io.tapflow.processor.websocket.WebSocketProtocol.B1_PAYLOAD_LEN;
import static io.tapflow.processor.websocket.WebSocketProtocol.CLOSE_STATUS_LENGTH;
import static io.tapflow.processor.websocket.WebSocketProtocol.MASKING_KEY_LENGTH;
import static io.tapflow.processor.websocket.WebSocketProtocol.MAX_CONTROL_PAYLOAD_LENGTH;
import static io.tapflow.processor.websocket.WebSocketProtocol.OPCODE_BINARY;
import static io.tapflow.processor.websocket.WebSocketProtocol.OPCODE_CLOSE;
import static io.tapflow.processor.websocket.WebSocketProtocol.OPCODE_CONTINUATION;
import static io.tapflow.processor.websocket.WebSocketProtocol.OPCODE_PING;
import static io.tapflow.processor.websocket.WebSocketProtocol.OPCODE_PONG;
import static io.tapflow.processor.websocket.WebSocketProtocol.OPCODE_TEXT;
import static io.tapflow.processor.websocket.WebSocketProtocol.PAYLOAD_LEN_16;
import static io.tapflow.processor.websocket.WebSocketProtocol.PAYLOAD_LEN_64;

/**
 * Judges whether a frame of one direction starts at a given offset of bytes whose framing is
 * unknown.
 *
 * <p>A candidate is a plausible frame header: an opcode RFC 6455 defines (never a continuation,
 * since the message it would continue is unknown), RSV bits only where permessage-deflate may set
 * them, the mask bit the direction requires ("a client MUST mask all frames", "a server MUST NOT
 * mask any frames", §5.1), a payload length in the minimal encoding and under 4 GiB, a control
 * frame final and at most 125 bytes long. Where the payload can say more, it must agree: a close
 * frame starts with a status code §7.4 allows, an uncompressed text frame starts with well-formed
 * UTF-8.
 *
 * <p>The candidate's length then says where the next header starts, and that one must be plausible
 * too: fragments following fragments as §5.4 orders them, no fragment but the last empty, no close
 * frame inside a fragmented message and nothing after one, no masking key used twice. A
 * continuation that is not the last of its message is a weak link: it must be plausible but is no
 * evidence, since "00 LL" (a zero byte and a small number) is everywhere in binary data. A
 * candidate is a frame when its chain holds {@value #CONFIRMING_HEADERS} strong plausible headers,
 * or when its chain of plausible frames ends exactly where the captured data ends (the direction
 * ended or a gap follows). When the bytes that can be held run out first, two strong headers are
 * enough and one is not. Random bytes pass one strong header check about once in fifty, so a chain
 * of four is passed by chance about once in ten million offsets.
 *
 * <p>What a chain cannot tell apart: a header forged by chance in the last bytes of a lost frame
 * whose length happens to reach the true next header (about once in a hundred losses on the
 * real-peer test captures, where those bytes look random: compressed, masked or binary). {@link
 * #refine} undoes it when the forged frame swallows two or more true frames; otherwise it yields
 * one spurious message, marked resynchronised, and the true frames after it decode as they should.
 *
 * <p>Holds no state: the parser keeps the bytes, this only reads them.
 */
final class FrameSearch {

  /** The outcome of judging one offset. */
  enum Verdict {
    /** A frame starts here. */
    FRAME,
    /** No frame starts here. */
    NOT_A_FRAME,
    /** Undecided until more bytes come. */
    NEED_MORE
  }

  /** How far the bytes at hand reach. */
  enum Horizon {
    /** More bytes may follow. */
    OPEN,
    /** No more bytes follow: the direction ended or a capture gap comes next. */
    DATA_ENDS,
    /** More bytes would follow but no more can be held. */
    WINDOW_FULL
  }

  /** Strong plausible headers in a chain, the candidate's included, that make it a frame. */
  static final int CONFIRMING_HEADERS = 4;

  /** Strong plausible headers in a chain that make a candidate a frame when the window is full. */
  static final int CONFIRMING_HEADERS_AT_WINDOW_END = 2;

  /** Headers followed in one chain at most, weak ones included; a longer chain is not a frame. */
  static final int MAX_CHAIN_LINKS = 64;

  /** Payload bytes of a text or close frame checked for well-formed content. */
  static final int CHECKED_PAYLOAD_BYTES = 256;

  /**
   * The search takes no frame claiming this many payload bytes or more: the RFC allows up to
   * 2^63-1, but such lengths are what eight random bytes read as, not what peers send.
   */
  static final long MAX_PLAUSIBLE_PAYLOAD_LENGTH = 1L << 32;

  /** The longest frame header: 2 bytes, a 64-bit length and a masking key. */
  static final int MAX_HEADER_LENGTH = 2 + 8 + MASKING_KEY_LENGTH;

  /** {@link #frameLength} results that are not lengths. */
  private static final long NEED_MORE = -1;

  private static final long IMPLAUSIBLE = -2;

  /** Whether a data message is open at a point of a chain. */
  private enum Fragmentation {
    /** At the candidate: what came before is unknown, and the candidate must start something. */
    CANDIDATE,
    /** After a control frame candidate: a message may or may not be open. */
    UNKNOWN,
    /** A fragmented message is open: the next data frame continues it. */
    OPEN,
    /** No message is open: the next data frame starts one. */
    CLOSED,
    /** After a close frame: nothing follows ("MUST NOT send any more data frames", §5.5.1). */
    AFTER_CLOSE
  }

  private final boolean sentByClient;
  private final boolean rsv1Allowed;

  /**
   * Scratch space for checking text, made at the first search: most directions never lose a header,
   * and an idle decoder should not carry it. Not state.
   */
  private Utf8Validator utf8;

  private byte[] scratch;

  /** The masking keys of the chain being followed; scratch, not state (made with the rest). */
  private int[] chainKeys;

  /**
   * @param sentByClient whether the bytes are the client's (whose frames are masked)
   * @param rsv1Allowed whether RSV1 may mark a compressed message: permessage-deflate was
   *     negotiated, or the handshake was not seen
   */
  FrameSearch(boolean sentByClient, boolean rsv1Allowed) {
    this.sentByClient = sentByClient;
    this.rsv1Allowed = rsv1Allowed;
  }

  /**
   * Judges whether a frame starts at {@code buf[from]}, reading no further than {@code to}.
   *
   * <p>The verdict depends only on the bytes and the horizon, never on how they arrived, so it can
   * be asked again as bytes come and gives the answer it would have given with all of them.
   */
  Verdict judge(byte[] buf, int from, int to, Horizon horizon) {
    int at = from;
    int links = 0;
    int strong = 0;
    Fragmentation fragmentation = Fragmentation.CANDIDATE;
    while (true) {
      if (at == to && links > 0) {
        return switch (horizon) {
          case OPEN -> Verdict.NEED_MORE;
          case DATA_ENDS -> Verdict.FRAME;
          case WINDOW_FULL -> atWindowEnd(strong);
        };
      }
      long length = frameLength(buf, at, to, fragmentation, links, horizon != Horizon.OPEN);
      if (length == IMPLAUSIBLE) {
        return Verdict.NOT_A_FRAME;
      }
      if (length == NEED_MORE) {
        return unreached(horizon, strong);
      }
      links++;
      if (isStrong(buf[at] & 0xff)) {
        strong++;
      }
      if (strong == CONFIRMING_HEADERS) {
        return Verdict.FRAME;
      }
      if (links == MAX_CHAIN_LINKS) {
        return Verdict.NOT_A_FRAME;
      }
      fragmentation = next(fragmentation, buf[at] & 0xff);
      if (length > to - at) {
        return unreached(horizon, strong);
      }
      at += (int) length;
    }
  }

  /**
   * Where to resume after {@code judge} found a frame at {@code from}: at {@code from}, unless its
   * first frame holds a chain of at least two strong plausible headers, starting after {@code from}
   * and ending exactly where that frame ends. Then the frame at {@code from} is a header forged by
   * chance in the lost frame's last bytes, whose length happens to reach a true header; the inner
   * chain explains the same bytes with more evidence and is where the true frames start.
   *
   * <p>Reads nothing past the end of the frame at {@code from}, which {@code judge} has read: a
   * chain that made it a frame always holds its whole first frame.
   *
   * @param to the end of the bytes at hand
   * @return the offset of the first frame to parse
   */
  int refine(byte[] buf, int from, int to) {
    long end = from + frameLength(buf, from, to, Fragmentation.CANDIDATE, 0, true);
    if (end <= from || end > to) {
      return from;
    }
    for (int inner = from + 1; inner < end; inner++) {
      if (reachesWithEvidence(buf, inner, (int) end)) {
        return inner;
      }
    }
    return from;
  }

  /** Whether plausible frames chain from {@code at} to exactly {@code end} with two strong ones. */
  private boolean reachesWithEvidence(byte[] buf, int at, int end) {
    int links = 0;
    int strong = 0;
    Fragmentation fragmentation = Fragmentation.UNKNOWN;
    while (at < end && links < MAX_CHAIN_LINKS) {
      long length = frameLength(buf, at, end, fragmentation, links, true);
      if (length < 0 || length > end - at) {
        return false;
      }
      links++;
      if (isStrong(buf[at] & 0xff)) {
        strong++;
      }
      fragmentation = next(fragmentation, buf[at] & 0xff);
      at += (int) length;
    }
    return at == end && strong >= 2;
  }

  /**
   * Whether a plausible header with this first byte is evidence: every header but a continuation
   * that is not the last. "00 LL", a zero byte and a small number, is everywhere in binary data.
   */
  private static boolean isStrong(int b0) {
    return (b0 & B0_OPCODE) != OPCODE_CONTINUATION || (b0 & B0_FIN) != 0;
  }

  /** The chain runs past the bytes at hand after {@code strong} strong plausible headers. */
  private static Verdict unreached(Horizon horizon, int strong) {
    return switch (horizon) {
      case OPEN -> Verdict.NEED_MORE;
      case DATA_ENDS -> Verdict.NOT_A_FRAME;
      case WINDOW_FULL -> atWindowEnd(strong);
    };
  }

  private static Verdict atWindowEnd(int strong) {
    return strong >= CONFIRMING_HEADERS_AT_WINDOW_END ? Verdict.FRAME : Verdict.NOT_A_FRAME;
  }

  /** Whether a message is open after the frame whose first byte is {@code b0}. */
  private static Fragmentation next(Fragmentation before, int b0) {
    int opcode = b0 & B0_OPCODE;
    if (opcode == OPCODE_CLOSE) {
      return Fragmentation.AFTER_CLOSE;
    }
    if (WebSocketProtocol.isControl(opcode)) {
      return before == Fragmentation.CANDIDATE ? Fragmentation.UNKNOWN : before;
    }
    return (b0 & B0_FIN) != 0 ? Fragmentation.CLOSED : Fragmentation.OPEN;
  }

  /**
   * The length of the plausible frame starting at {@code at}, header included.
   *
   * @param links plausible headers before this one in the chain, whose masking keys are in {@link
   *     #chainKeys}
   * @param complete whether no more bytes will come: check what payload there is rather than wait
   * @return the frame's length, {@link #NEED_MORE} or {@link #IMPLAUSIBLE}
   */
  private long frameLength(
      byte[] buf, int at, int to, Fragmentation fragmentation, int links, boolean complete) {
    if (to - at < 2) {
      return NEED_MORE;
    }
    int b0 = buf[at] & 0xff;
    int b1 = buf[at + 1] & 0xff;
    int opcode = b0 & B0_OPCODE;
    boolean fin = (b0 & B0_FIN) != 0;
    if (!plausibleFirstByte(b0, opcode, fin, fragmentation)) {
      return IMPLAUSIBLE;
    }
    boolean masked = (b1 & B1_MASK) != 0;
    int length7 = b1 & B1_PAYLOAD_LEN;
    if (masked != sentByClient
        || (WebSocketProtocol.isControl(opcode) && length7 > MAX_CONTROL_PAYLOAD_LENGTH)) {
      return IMPLAUSIBLE;
    }
    // A fragment that is not the last carries something: senders have no reason to send an empty
    // one, and runs of zero bytes ("00 00 00 00") would otherwise read as chains of them.
    if (!fin && length7 == 0) {
      return IMPLAUSIBLE;
    }
    int lengthBytes = length7 == PAYLOAD_LEN_16 ? 2 : length7 == PAYLOAD_LEN_64 ? 8 : 0;
    int headerLength = 2 + lengthBytes + (masked ? MASKING_KEY_LENGTH : 0);
    if (to - at < headerLength) {
      return NEED_MORE;
    }
    long payloadLength = length7;
    if (lengthBytes > 0) {
      payloadLength = 0;
      for (int i = 0; i < lengthBytes; i++) {
        payloadLength = (payloadLength << 8) | (buf[at + 2 + i] & 0xff);
      }
      // "the minimal number of bytes MUST be used to encode the length" and "the most significant
      // bit MUST be 0" (RFC 6455 §5.2)
      long minimum = lengthBytes == 2 ? PAYLOAD_LEN_16 : 0x10000;
      if (payloadLength < minimum || payloadLength >= MAX_PLAUSIBLE_PAYLOAD_LENGTH) {
        return IMPLAUSIBLE;
      }
    }
    int payloadAt = at + headerLength;
    int checked = (int) Math.min(payloadLength, CHECKED_PAYLOAD_BYTES);
    if (to - payloadAt < checked) {
      if (!complete) {
        return NEED_MORE;
      }
      checked = to - payloadAt;
    }
    int maskingKey = masked ? readInt(buf, payloadAt - MASKING_KEY_LENGTH) : 0;
    if (chainKeys == null) {
      utf8 = new Utf8Validator();
      scratch = new byte[CHECKED_PAYLOAD_BYTES];
      chainKeys = new int[MAX_CHAIN_LINKS];
    }
    if (masked) {
      // "The masking key needs to be unpredictable" and is picked afresh "for each frame" (§5.3,
      // §10.3): a key seen earlier in the chain means the chain is a pattern repeating in the data.
      for (int i = 0; i < links; i++) {
        if (chainKeys[i] == maskingKey) {
          return IMPLAUSIBLE;
        }
      }
      chainKeys[links] = maskingKey;
    }
    boolean wholePayload = checked == payloadLength;
    if (!plausiblePayload(b0, buf, payloadAt, checked, maskingKey, payloadLength, wholePayload)) {
      return IMPLAUSIBLE;
    }
    return headerLength + payloadLength;
  }

  private boolean plausibleFirstByte(int b0, int opcode, boolean fin, Fragmentation before) {
    if ((b0 & (B0_RSV2 | B0_RSV3)) != 0 || before == Fragmentation.AFTER_CLOSE) {
      return false;
    }
    boolean rsv1 = (b0 & B0_RSV1) != 0;
    return switch (opcode) {
      // "Fragments of one message MUST NOT be interleaved" (§5.4): a message starts when none is
      // open. Only its first frame may carry the Per-Message Compressed bit (RFC 7692 §6.1).
      case OPCODE_TEXT, OPCODE_BINARY -> before != Fragmentation.OPEN && (!rsv1 || rsv1Allowed);
      case OPCODE_CONTINUATION ->
          (before == Fragmentation.OPEN || before == Fragmentation.UNKNOWN) && !rsv1;
      // "Control frames themselves MUST NOT be fragmented" (§5.5)
      case OPCODE_PING, OPCODE_PONG -> fin && !rsv1;
      // No data frame may follow a close, so a message still open could never end.
      case OPCODE_CLOSE -> fin && !rsv1 && before != Fragmentation.OPEN;
      default -> false;
    };
  }

  /**
   * Whether the first {@code checked} payload bytes fit the frame: a close frame's status code, an
   * uncompressed text frame's UTF-8.
   */
  private boolean plausiblePayload(
      int b0,
      byte[] buf,
      int payloadAt,
      int checked,
      int maskingKey,
      long payloadLength,
      boolean wholePayload) {
    int opcode = b0 & B0_OPCODE;
    if (opcode == OPCODE_CLOSE) {
      // "If there is a body, the first two bytes of the body MUST be a 2-byte unsigned integer"
      if (payloadLength == 1) {
        return false;
      }
      if (checked < CLOSE_STATUS_LENGTH) {
        return true;
      }
      int code =
          (unmasked(buf, payloadAt, 0, maskingKey) << 8) | unmasked(buf, payloadAt, 1, maskingKey);
      return WebSocketProtocol.isValidCloseCode(code)
          && wellFormedUtf8(buf, payloadAt, CLOSE_STATUS_LENGTH, checked, maskingKey, wholePayload);
    }
    if (opcode == OPCODE_TEXT && (b0 & B0_RSV1) == 0) {
      boolean wholeMessage = wholePayload && (b0 & B0_FIN) != 0;
      return wellFormedUtf8(buf, payloadAt, 0, checked, maskingKey, wholeMessage);
    }
    return true;
  }

  private boolean wellFormedUtf8(
      byte[] buf, int payloadAt, int from, int to, int maskingKey, boolean finished) {
    int n = 0;
    for (int i = from; i < to; i++) {
      scratch[n++] = (byte) unmasked(buf, payloadAt, i, maskingKey);
    }
    utf8.reset();
    utf8.update(scratch, 0, n);
    return finished ? utf8.finish() : !utf8.isInvalid();
  }

  /** Payload byte {@code i}, unmasked (RFC 6455 §5.3). */
  private static int unmasked(byte[] buf, int payloadAt, int i, int maskingKey) {
    return (buf[payloadAt + i] ^ (maskingKey >>> (24 - 8 * (i & 3)))) & 0xff;
  }

  private static int readInt(byte[] buf, int at) {
    return ((buf[at] & 0xff) << 24)
        | ((buf[at + 1] & 0xff) << 16)
        | ((buf[at + 2] & 0xff) << 8)
        | (buf[at + 3] & 0xff);
  }

  /** The opcode of the frame header at {@code at}. */
  static int opcodeAt(byte[] buf, int at) {
    return buf[at] & B0_OPCODE;
  }

  /** The payload length of the frame header at {@code at}, which must be whole. */
  static long payloadLengthAt(byte[] buf, int at) {
    int length7 = buf[at + 1] & B1_PAYLOAD_LEN;
    int lengthBytes = length7 == PAYLOAD_LEN_16 ? 2 : length7 == PAYLOAD_LEN_64 ? 8 : 0;
    if (lengthBytes == 0) {
      return length7;
    }
    long length = 0;
    for (int i = 0; i < lengthBytes; i++) {
      length = (length << 8) | (buf[at + 2 + i] & 0xff);
    }
    return length;
  }
}
