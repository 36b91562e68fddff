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
 * <p>{@link #writeSnapshot} captures the whole state between any two calls, and {@link
 * #readSnapshot} restores a decoder that carries on exactly as the original would have. Not
 * thread-safe.
 */
public final class WebSocketDecoder {

  /** First byte of every snapshot; bump it when the layout changes. */
  static final int SNAPSHOT_VERSION = 1;

  private final boolean sentByClient;
  private final WebSocketConfig config;
  private final PerMessageDeflate deflate;
  private final WebSocketFrameParser parser;
  private final WebSocketMessageAssembler assembler;
  private WebSocketListener listener;

  /**
   * @param sentByClient whether this direction carries the client's frames (which must be masked)
   * @param deflate the negotiated permessage-deflate parameters, or null when not negotiated
   */
  public WebSocketDecoder(
      boolean sentByClient,
      WebSocketConfig config,
      PerMessageDeflate deflate,
      WebSocketListener listener) {
    this.sentByClient = sentByClient;
    this.config = Objects.requireNonNull(config, "config");
    this.deflate = deflate;
    this.listener = Objects.requireNonNull(listener, "listener");
    WebSocketListener forwarder = new Forwarder();
    this.assembler = new WebSocketMessageAssembler(sentByClient, config, deflate, forwarder);
    this.parser = new WebSocketFrameParser(sentByClient, assembler, forwarder);
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

  /** Whether frame boundaries were lost (after a gap over a frame header); bytes are dropped. */
  public boolean isFramingLost() {
    return parser.state() == WebSocketFrameParser.State.LOST;
  }

  /** Bytes dropped because framing was lost or the direction had ended, gaps included. */
  public long droppedBytes() {
    return parser.droppedBytes();
  }

  /** Writes the whole decoder state; the listener is not part of it. */
  public void writeSnapshot(DataOutput out) throws IOException {
    out.writeByte(SNAPSHOT_VERSION);
    out.writeBoolean(sentByClient);
    out.writeInt(config.maxContentBytes());
    out.writeLong(config.maxInflatedBytes());
    out.writeBoolean(deflate != null);
    if (deflate != null) {
      out.writeBoolean(deflate.serverNoContextTakeover());
      out.writeBoolean(deflate.clientNoContextTakeover());
      out.writeByte(deflate.serverMaxWindowBits());
      out.writeByte(deflate.clientMaxWindowBits());
    }
    parser.writeTo(out);
    assembler.writeTo(out);
  }

  /**
   * Restores a decoder written by {@link #writeSnapshot}.
   *
   * @throws IOException when the snapshot is of another version or malformed
   */
  public static WebSocketDecoder readSnapshot(DataInput in, WebSocketListener listener)
      throws IOException {
    int version = in.readUnsignedByte();
    if (version != SNAPSHOT_VERSION) {
      throw new IOException("unsupported WebSocket decoder snapshot version " + version);
    }
    boolean sentByClient = in.readBoolean();
    WebSocketConfig config;
    PerMessageDeflate deflate = null;
    try {
      config = new WebSocketConfig(in.readInt(), in.readLong());
      if (in.readBoolean()) {
        deflate =
            new PerMessageDeflate(
                in.readBoolean(), in.readBoolean(), in.readUnsignedByte(), in.readUnsignedByte());
      }
    } catch (IllegalArgumentException e) {
      throw new IOException("malformed WebSocket decoder snapshot", e);
    }
    WebSocketDecoder decoder = new WebSocketDecoder(sentByClient, config, deflate, listener);
    decoder.parser.readFrom(in);
    decoder.assembler.readFrom(in);
    return decoder;
  }

  /** Passes events to whichever listener is current, so {@link #setListener} reaches every part. */
  private final class Forwarder implements WebSocketListener {
    @Override
    public void onMessage(WsMessage message) {
      listener.onMessage(message);
    }

    @Override
    public void onAnomaly(String code, String detail, long timestampNanos) {
      listener.onAnomaly(code, detail, timestampNanos);
    }
  }
}
