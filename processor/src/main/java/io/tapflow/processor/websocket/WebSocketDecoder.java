package io.tapflow.processor.websocket;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Objects;

/**
 * Decodes one direction of a WebSocket connection: bytes to frames to messages.
 *
 * <p>Bytes are pushed in any split with {@link #onData}; capture loss is pushed with {@link #onGap}
 * and the end of the direction with {@link #onEnd}. Messages and anomalies go to the {@link
 * WebSocketListener}. The decoder is a passive monitor, not an endpoint: where RFC 6455 tells an
 * endpoint to fail the connection, it reports an anomaly and decodes on where it can. Nothing it is
 * fed makes it throw.
 *
 * <p>When framing is lost (a gap where a frame header was due), the decoder searches the bytes that
 * follow for the next frame header and carries on from there; the message that frame starts is
 * marked {@link WsMessage#resynchronized()}. A decoder made by {@link #midStream} starts that way,
 * for a connection whose handshake was not captured.
 *
 * <p>{@link #counters()} counts frames, messages and bytes as they are read.
 *
 * <p>{@link #writeSnapshot} captures the whole state between any two calls, and {@link
 * #readSnapshot} restores a decoder that carries on exactly as the original would have. Not
 * thread-safe.
 */
public final class WebSocketDecoder {

  /**
   * First byte of every snapshot; bump it when the layout changes. Version 1 (no search window,
   * counters or mid-stream flag) is still read.
   */
  static final int SNAPSHOT_VERSION = 2;

  private final boolean sentByClient;
  private final WebSocketConfig config;
  private final PerMessageDeflate deflate;
  private final boolean midStream;
  private final Tally tally = new Tally();
  private final WebSocketFrameParser parser;
  private final WebSocketMessageAssembler assembler;
  private WebSocketListener listener;

  /**
   * A decoder for a direction whose handshake was seen, starting at its first frame.
   *
   * @param sentByClient whether this direction carries the client's frames (which must be masked)
   * @param deflate the negotiated permessage-deflate parameters, or null when not negotiated
   */
  public WebSocketDecoder(
      boolean sentByClient,
      WebSocketConfig config,
      PerMessageDeflate deflate,
      WebSocketListener listener) {
    this(sentByClient, config, deflate, false, listener);
  }

  private WebSocketDecoder(
      boolean sentByClient,
      WebSocketConfig config,
      PerMessageDeflate deflate,
      boolean midStream,
      WebSocketListener listener) {
    this.sentByClient = sentByClient;
    this.config = Objects.requireNonNull(config, "config");
    this.deflate = deflate;
    this.midStream = midStream;
    this.listener = Objects.requireNonNull(listener, "listener");
    WebSocketListener forwarder = new Forwarder();
    this.assembler =
        new WebSocketMessageAssembler(sentByClient, config, deflate, midStream, forwarder);
    this.parser =
        new WebSocketFrameParser(
            sentByClient,
            deflate != null || midStream,
            midStream,
            config.maxResyncBytes(),
            assembler,
            forwarder,
            tally);
  }

  /**
   * A decoder for a direction joined at an unknown point, its handshake not captured (see {@link
   * WebSocketDetector}). It first searches for a frame header, as after a gap, without reporting a
   * gap. The negotiated extensions are unknown: frames with RSV1 are taken for permessage-deflate
   * and delivered uninflated ({@link WebSocketAnomalies#COMPRESSED_WITHOUT_HANDSHAKE}).
   *
   * @param sentByClient whether this direction carries the client's (masked) frames
   */
  public static WebSocketDecoder midStream(
      boolean sentByClient, WebSocketConfig config, WebSocketListener listener) {
    return new WebSocketDecoder(sentByClient, config, null, true, listener);
  }

  /** Captured bytes of this direction, in order; any split, including one byte at a time. */
  public void onData(byte[] buf, int off, int len, long timestampNanos) {
    Objects.checkFromIndexSize(off, len, buf.length);
    parser.onData(buf, off, len, timestampNanos);
  }

  /** {@code length} bytes of this direction that were never captured. */
  public void onGap(long length, long timestampNanos) {
    parser.onGap(length, timestampNanos);
  }

  /**
   * The direction ended (FIN, RST or timeout): a frame or fragmented message left incomplete is
   * reported as {@link WebSocketAnomalies#INCOMPLETE_MESSAGE_AT_END}. Later data is dropped.
   */
  public void onEnd(long timestampNanos) {
    parser.onEnd(timestampNanos);
  }

  public void setListener(WebSocketListener l) {
    this.listener = Objects.requireNonNull(l, "listener");
  }

  public boolean sentByClient() {
    return sentByClient;
  }

  public WebSocketConfig config() {
    return config;
  }

  /** The negotiated permessage-deflate parameters, or null. */
  public PerMessageDeflate deflate() {
    return deflate;
  }

  /** Whether this decoder was made by {@link #midStream}: the handshake was not seen. */
  public boolean isMidStream() {
    return midStream;
  }

  /**
   * Whether frame boundaries are unknown right now (after a gap over a frame header, or before a
   * mid-stream decoder found its first frame): bytes are held while searching.
   */
  public boolean isFramingLost() {
    return parser.state() == WebSocketFrameParser.State.LOST;
  }

  /**
   * Bytes dropped: skipped while searching for a frame header, never captured while framing was
   * lost, or after the direction had ended.
   */
  public long droppedBytes() {
    return parser.droppedBytes();
  }

  /**
   * Bytes held while searching for a frame header, at most {@link WebSocketConfig#maxResyncBytes}.
   */
  public int heldBytes() {
    return parser.heldBytes();
  }

  /** What this direction has read so far, counted. */
  public WebSocketCounters counters() {
    return tally.counters();
  }

  /**
   * The capacity of the arrays the decoder keeps between calls: what it costs in memory, bounded by
   * the configured limits whatever the peers send.
   */
  long retainedBytes() {
    return (long) parser.retainedBytes() + assembler.retainedBytes();
  }

  /** Writes the whole decoder state; the listener is not part of it. */
  public void writeSnapshot(DataOutput out) throws IOException {
    out.writeByte(SNAPSHOT_VERSION);
    out.writeBoolean(sentByClient);
    out.writeInt(config.maxContentBytes());
    out.writeLong(config.maxInflatedBytes());
    out.writeInt(config.maxResyncBytes());
    out.writeBoolean(midStream);
    out.writeBoolean(deflate != null);
    if (deflate != null) {
      out.writeBoolean(deflate.serverNoContextTakeover());
      out.writeBoolean(deflate.clientNoContextTakeover());
      out.writeByte(deflate.serverMaxWindowBits());
      out.writeByte(deflate.clientMaxWindowBits());
    }
    parser.writeTo(out);
    assembler.writeTo(out);
    tally.writeTo(out);
  }

  /**
   * Restores a decoder written by {@link #writeSnapshot}.
   *
   * @throws IOException when the snapshot is of another version or malformed
   */
  public static WebSocketDecoder readSnapshot(DataInput in, WebSocketListener listener)
      throws IOException {
    int version = in.readUnsignedByte();
    if (version != 1 && version != SNAPSHOT_VERSION) {
      throw new IOException("unsupported WebSocket decoder snapshot version " + version);
    }
    boolean sentByClient = in.readBoolean();
    WebSocketConfig config;
    PerMessageDeflate deflate = null;
    boolean midStream = false;
    try {
      int maxContentBytes = in.readInt();
      long maxInflatedBytes = in.readLong();
      int maxResyncBytes = WebSocketConfig.DEFAULT_MAX_RESYNC_BYTES;
      if (version >= 2) {
        maxResyncBytes = in.readInt();
        midStream = in.readBoolean();
      }
      config = new WebSocketConfig(maxContentBytes, maxInflatedBytes, maxResyncBytes);
      if (in.readBoolean()) {
        deflate =
            new PerMessageDeflate(
                in.readBoolean(), in.readBoolean(), in.readUnsignedByte(), in.readUnsignedByte());
      }
    } catch (IllegalArgumentException e) {
      throw new IOException("malformed WebSocket decoder snapshot", e);
    }
    if (midStream && deflate != null) {
      throw new IOException("malformed WebSocket decoder snapshot: mid-stream with an extension");
    }
    WebSocketDecoder decoder =
        new WebSocketDecoder(sentByClient, config, deflate, midStream, listener);
    decoder.parser.readFrom(in, version);
    decoder.assembler.readFrom(in, version);
    if (version >= 2) {
      decoder.tally.readFrom(in);
    }
    return decoder;
  }

  /** Passes events to whichever listener is current, so {@link #setListener} reaches every part. */
  private final class Forwarder implements WebSocketListener {
    @Override
    public void onMessage(WsMessage message) {
      tally.message(message);
      listener.onMessage(message);
    }

    @Override
    public void onAnomaly(String code, String detail, long timestampNanos) {
      listener.onAnomaly(code, detail, timestampNanos);
    }
  }
}
