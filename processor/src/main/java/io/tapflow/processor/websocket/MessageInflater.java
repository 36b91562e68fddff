package io.tapflow.processor.websocket;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * Inflates the compressed messages of one direction (RFC 7692 §7.2.2), carrying the sender's LZ77
 * window from one message to the next.
 *
 * <p>The window is kept here as history: the last window-size bytes of inflated output, which is
 * also all a snapshot takes. Each message is inflated by the thread's one raw {@link Inflater},
 * reset and primed with the history through {@link Inflater#setDictionary}: for raw DEFLATE a
 * preset dictionary is exactly the history that back-references reach into, so the output is the
 * sender's. Every message therefore starts from a state made only of the history, the same state a
 * decoder restored from a snapshot starts from. (An inflater kept alive from one message to the
 * next would save the priming, but after malformed data it can be left inside a block, where the
 * next message would decode differently than after a restore; {@code java.util.zip} does not say
 * whether it stands at a block boundary.) When the sender uses {@code no_context_takeover} no
 * history is kept at all.
 *
 * <p>If the history is lost (a gap, a failed or cut-short message) it is emptied rather than left
 * stale: a later message that refers back into it then fails with "invalid distance too far back"
 * instead of inflating to wrong bytes.
 *
 * <p>Confined to one thread at a time, like the decoder it belongs to.
 */
final class MessageInflater {

  /**
   * "Append 4 octets of 0x00 0x00 0xff 0xff to the tail end of the payload of the message" before
   * inflating (RFC 7692 §7.2.2): the empty stored block the sender removed.
   */
  private static final byte[] EMPTY_BLOCK_TAIL = {0x00, 0x00, (byte) 0xff, (byte) 0xff};

  private static final int CHUNK_LENGTH = 8192;

  /** Output scratch, one per thread: it holds bytes only during {@link #inflate}. */
  private static final ThreadLocal<byte[]> CHUNK =
      ThreadLocal.withInitial(() -> new byte[CHUNK_LENGTH]);

  /**
   * The thread's raw inflater (about 40 KiB of native memory), reset before each message; it holds
   * nothing between messages.
   */
  private static final ThreadLocal<Inflater> INFLATER =
      ThreadLocal.withInitial(() -> new Inflater(true));

  /**
   * Marks a history written deflated in a snapshot; a history written whole starts with its length,
   * never negative.
   */
  static final int PACKED = -1;

  /** Deflates the history for a snapshot, one per thread, reset before each use. */
  private static final ThreadLocal<Deflater> PACKER =
      ThreadLocal.withInitial(() -> new Deflater(Deflater.BEST_SPEED, true));

  /** The history laid out in order for {@link Inflater#setDictionary}, one per thread. */
  private static final ThreadLocal<byte[]> LINEAR = ThreadLocal.withInitial(() -> new byte[0]);

  /**
   * zlib's deflate cannot use a 256-byte window and uses 512 bytes when asked for 8 bits, so keep
   * at least that much history.
   */
  private static final int MIN_HISTORY_BITS = 9;

  /**
   * What inflating one message gave.
   *
   * @param inflatedLength bytes produced, at most the limit
   * @param limitReached the message would inflate to more than the limit
   * @param error zlib's complaint, snake_cased, or null when the data was well-formed
   */
  record Result(long inflatedLength, boolean limitReached, String error) {}

  private final boolean contextTakeover;
  private final int historyCapacity;

  /** Ring of the last {@link #historyCapacity} inflated bytes; null until first needed. */
  private byte[] history;

  private int historyEnd;
  private int historyLength;

  MessageInflater(PerMessageDeflate deflate, boolean sentByClient) {
    this.contextTakeover = !deflate.noContextTakeover(sentByClient);
    this.historyCapacity = 1 << Math.max(MIN_HISTORY_BITS, deflate.maxWindowBits(sentByClient));
  }

  /**
   * Inflates one message's payload, passing the output to {@code content} (and {@code utf8} when
   * not null) and into the history for the next message.
   *
   * @param whole whether {@code compressed} is the whole payload rather than a prefix cut at a
   *     limit; only a whole payload gets the empty block appended
   * @param limit the most bytes to produce
   */
  Result inflate(
      byte[] compressed,
      int length,
      boolean whole,
      long limit,
      CappedBuffer content,
      Utf8Validator utf8) {
    Inflater inflater = INFLATER.get();
    inflater.reset();
    prime(inflater);
    byte[] chunk = CHUNK.get();
    long inflated = 0;
    boolean inTail = false;
    try {
      inflater.setInput(compressed, 0, length);
      while (true) {
        int room = (int) Math.min(chunk.length, limit - inflated);
        if (room == 0) {
          // At the limit: is there more? One byte more is enough to say so, but it may take the
          // empty block's tail or the next DEFLATE stream to come (the tail's bits can complete a
          // back-reference), so this goes through the same steps as the output before it.
          if (inflater.inflate(new byte[1]) > 0) {
            return new Result(inflated, true, null);
          }
        }
        int n = room == 0 ? 0 : inflater.inflate(chunk, 0, room);
        if (n > 0) {
          inflated += n;
          content.append(chunk, 0, n);
          if (utf8 != null) {
            utf8.update(chunk, 0, n);
          }
          remember(chunk, n);
        } else if (inflater.finished()) {
          if (inTail || inflater.getRemaining() == 0) {
            return new Result(inflated, false, null); // the stream ended with the payload
          }
          // A block with BFINAL set ended the DEFLATE stream before the payload ended (RFC 7692
          // §7.2.3.4): what follows is a new stream over the same window.
          int next = length - inflater.getRemaining();
          inflater.reset();
          prime(inflater);
          inflater.setInput(compressed, next, length - next);
        } else if (inflater.needsInput() && whole && !inTail) {
          inTail = true;
          inflater.setInput(EMPTY_BLOCK_TAIL);
        } else {
          return new Result(inflated, false, null); // all input taken
        }
      }
    } catch (DataFormatException e) {
      return new Result(inflated, false, snakeCase(e.getMessage()));
    } finally {
      inflater.reset(); // lets go of the input array
    }
  }

  private void prime(Inflater inflater) {
    if (historyLength == 0) {
      return;
    }
    if (historyLength <= historyEnd) { // not wrapped: in order already
      inflater.setDictionary(history, historyEnd - historyLength, historyLength);
      return;
    }
    byte[] linear = LINEAR.get();
    if (linear.length < historyLength) {
      linear = new byte[historyCapacity];
      LINEAR.set(linear);
    }
    linearHistory(linear);
    inflater.setDictionary(linear, 0, historyLength);
  }

  /** Forgets the history: the sender's window holds data this decoder did not see. */
  void resetContext() {
    historyEnd = 0;
    historyLength = 0;
  }

  /** The capacity of the arrays kept between messages. */
  int retainedBytes() {
    return history == null ? 0 : history.length;
  }

  /** Bytes of history the next message will be primed with. */
  int historyLength() {
    return historyLength;
  }

  private void remember(byte[] buf, int len) {
    if (!contextTakeover) {
      return;
    }
    if (len >= historyCapacity) {
      if (history == null || history.length < historyCapacity) {
        history = new byte[historyCapacity];
      }
      System.arraycopy(buf, len - historyCapacity, history, 0, historyCapacity);
      historyEnd = 0;
      historyLength = historyCapacity;
      return;
    }
    grow(historyLength + len);
    int first = Math.min(len, historyCapacity - historyEnd);
    System.arraycopy(buf, 0, history, historyEnd, first);
    System.arraycopy(buf, first, history, 0, len - first);
    historyEnd = (historyEnd + len) % historyCapacity;
    historyLength = Math.min(historyCapacity, historyLength + len);
  }

  /**
   * Makes room for {@code needed} bytes of history (at most the window): the array grows as history
   * arrives, so a direction that inflated little keeps little. Until the array has the window's
   * length the history has not wrapped: it lies in {@code history[0..historyLength)}.
   */
  private void grow(int needed) {
    int length = history == null ? 0 : history.length;
    if (length >= historyCapacity || needed <= length) {
      return;
    }
    int grown = (int) Math.min(historyCapacity, Math.max(needed, Math.max(256, 2L * length)));
    history = history == null ? new byte[grown] : Arrays.copyOf(history, grown);
  }

  /** Copies the history, oldest byte first, to the start of {@code linear}. */
  private void linearHistory(byte[] linear) {
    int start = Math.floorMod(historyEnd - historyLength, historyCapacity);
    int first = Math.min(historyLength, historyCapacity - start);
    System.arraycopy(history, start, linear, 0, first);
    System.arraycopy(history, 0, linear, first, historyLength - first);
  }

  private static String snakeCase(String message) {
    if (message == null || message.isEmpty()) {
      return "invalid_deflate_data";
    }
    return message.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
  }

  /**
   * Writes the history. It is the text of the direction's last messages (up to 32 KiB) and most of
   * what a compressed connection's snapshot holds, so it is written deflated: {@link #PACKED}, the
   * history's length, the deflated length, the deflated bytes. A history written whole (its length,
   * then its bytes), as snapshots before this format have it, is read too.
   */
  void writeTo(DataOutput out) throws IOException {
    if (historyLength == 0) {
      out.writeInt(0);
      return;
    }
    byte[] linear = new byte[historyLength];
    linearHistory(linear);
    Deflater deflater = PACKER.get();
    deflater.reset();
    deflater.setInput(linear);
    deflater.finish();
    byte[] packed = new byte[historyLength + historyLength / 8 + 64];
    int n = 0;
    while (!deflater.finished()) {
      if (n == packed.length) {
        packed = Arrays.copyOf(packed, packed.length * 2);
      }
      n += deflater.deflate(packed, n, packed.length - n);
    }
    out.writeInt(PACKED);
    out.writeInt(historyLength);
    out.writeInt(n);
    out.write(packed, 0, n);
  }

  void readFrom(DataInput in) throws IOException {
    int n = in.readInt();
    if (n == PACKED) {
      readPacked(in);
      return;
    }
    if (n < 0 || n > historyCapacity || (n > 0 && !contextTakeover)) {
      throw new IOException("inflater history of " + n + " bytes, capacity " + historyCapacity);
    }
    resetContext();
    if (n > 0) {
      history = new byte[n];
      in.readFully(history, 0, n);
      historyEnd = n % historyCapacity;
      historyLength = n;
    }
  }

  /** The deflated history {@link #writeTo} writes; exactly its length, or an IOException. */
  private void readPacked(DataInput in) throws IOException {
    int n = in.readInt();
    int packedLength = in.readInt();
    if (n <= 0 || n > historyCapacity || !contextTakeover) {
      throw new IOException("inflater history of " + n + " bytes, capacity " + historyCapacity);
    }
    // Deflate never grows data by more than a few bytes per 16 KiB block.
    if (packedLength <= 0 || packedLength > n + n / 8 + 64) {
      throw new IOException("deflated inflater history of " + packedLength + " bytes for " + n);
    }
    byte[] packed = new byte[packedLength];
    in.readFully(packed);
    byte[] restored = new byte[n + 1]; // one more than needed: a longer history is an error too
    Inflater unpacker = new Inflater(true);
    try {
      unpacker.setInput(packed);
      int got = 0;
      while (got < restored.length && !unpacker.finished()) {
        int k = unpacker.inflate(restored, got, restored.length - got);
        if (k == 0 && (unpacker.needsInput() || unpacker.needsDictionary())) {
          break;
        }
        got += k;
      }
      if (got != n || !unpacker.finished() || unpacker.getRemaining() != 0) {
        throw new IOException("deflated inflater history does not give its " + n + " bytes");
      }
    } catch (DataFormatException e) {
      throw new IOException("deflated inflater history: " + e.getMessage(), e);
    } finally {
      unpacker.end();
    }
    resetContext();
    history = Arrays.copyOf(restored, n);
    historyEnd = n % historyCapacity;
    historyLength = n;
  }
}
