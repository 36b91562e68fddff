package io.tapflow.processor.analysis;

import io.tapflow.processor.app.AppEvent;
import io.tapflow.processor.app.ApplicationDecoder;
import io.tapflow.processor.app.JsonFieldRedactor;
import io.tapflow.processor.app.WorkermanChatDecoder;
import io.tapflow.processor.http.HttpAnomaly;
import io.tapflow.processor.http.HttpHead;
import io.tapflow.processor.http.HttpHeadParser;
import io.tapflow.processor.http.WebSocketHandshake;
import io.tapflow.processor.snapshot.SnapshotBytes;
import io.tapflow.processor.tcp.Segment;
import io.tapflow.processor.tcp.StreamListener;
import io.tapflow.processor.tcp.TcpConnection;
import io.tapflow.processor.tcp.TcpConnection.Side;
import io.tapflow.processor.websocket.PerMessageDeflate;
import io.tapflow.processor.websocket.WebSocketDecoder;
import io.tapflow.processor.websocket.WebSocketDetector;
import io.tapflow.processor.websocket.WebSocketListener;
import io.tapflow.processor.websocket.WsMessage;
import io.tapflow.processor.websocket.WsOpcode;
import io.tapflow.schemas.AddressText;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;

/**
 * Analyses one connection: TCP → HTTP Upgrade → WebSocket → application, the chain Zeek calls an
 * analyzer tree, and reports what it decodes to an {@link AnalysisListener}.
 *
 * <p>The client's stream is first checked for an HTTP request (by content, on any port). An Upgrade
 * request is parsed, then the server's response; on {@code 101} each direction gets a {@link
 * WebSocketDecoder} and the bytes that followed the heads go to it (a server frame can share a
 * segment with the 101 response). Client bytes that arrive after the request but before the
 * response are held (bounded) until the response decides what they are. Anything else is opaque TCP
 * and only counted. With {@link AnalyzerConfig#redactFields()} configured, each text message has
 * those JSON fields' values redacted ({@link JsonFieldRedactor}) before it is reported or decoded
 * by the application decoder. The whole state can be written with {@link #snapshot} and read back
 * with {@link #restore}.
 */
public final class ConnectionAnalyzer {
  /**
   * 5: written with {@link SnapshotOutput} (varint integers). 4: the same fields with {@link
   * java.io.DataOutputStream}'s fixed-width integers, still read, so state kept by the version
   * before survives an upgrade.
   */
  private static final byte SNAPSHOT_VERSION = 5;

  private static final byte SNAPSHOT_VERSION_FIXED_WIDTH = 4;
  private static final int DETECT_BYTES = 8;
  private static final int MAX_EARLY_CLIENT_BYTES = 256 * 1024;

  private static final ApplicationDecoder CHAT = new WorkermanChatDecoder();

  /**
   * Where {@link #snapshot} writes before the one copy it returns; kept per thread so a snapshot
   * does not grow a fresh buffer several times. Let go of when a snapshot was unusually large.
   */
  private static final ThreadLocal<SnapshotOutput> SNAPSHOT_BUFFER =
      ThreadLocal.withInitial(() -> new SnapshotOutput(4096));

  private static final int SNAPSHOT_BUFFER_RETAINED = 256 * 1024;

  /** What the connection's bytes are known to be. */
  enum Phase {
    /** No client payload seen yet. */
    DETECT,
    /** An HTTP request head is being read, or its response awaited. */
    HTTP,
    /** Upgraded: both directions are WebSocket frames. */
    WEBSOCKET,
    /** Not HTTP/WebSocket, or HTTP that did not upgrade: bytes are only counted. */
    OPAQUE,
    /** Not HTTP: both directions are held until they show WebSocket framing or not. */
    DETECT_FRAMES
  }

  private final AnalyzerConfig config;
  private final ClientStream clientStream = new ClientStream();
  private final ServerStream serverStream = new ServerStream();
  private AnalysisListener out;

  private ConnectionInfo info;
  private TcpConnection tcp;
  private Phase phase = Phase.DETECT;
  private final ByteArrayOutputStream detected = new ByteArrayOutputStream();
  private long detectedTimestamp;
  private HttpHeadParser request;
  private HttpHeadParser response;
  private final HeldBytes earlyClientBytes = new HeldBytes();
  private final HeldBytes earlyServerBytes = new HeldBytes();
  private long lastRecordTimestamp;
  private int recordsSent;
  private boolean firstMessageSeen;
  private long requestTimestamp = -1;
  private long responseTimestamp = -1;
  private WebSocketDecoder clientDecoder;
  private WebSocketDecoder serverDecoder;
  private Integer httpStatus;
  private String path;
  private String host;
  private String origin;
  private String userAgent;
  private String subprotocol;
  private String extensions;
  private String offeredSubprotocols;
  private String offeredExtensions;
  private boolean midStream;
  private boolean clientEnded;
  private boolean serverEnded;
  private long clientMessages;
  private long serverMessages;
  private Integer closeCode;
  private String closeReason;
  private boolean closeSeen;
  private boolean finished;
  private String endReason = "";

  private final WebSocketDetector detector;

  private ConnectionAnalyzer(AnalyzerConfig config) {
    this.config = config;
    this.detector = new WebSocketDetector(config.webSocket());
  }

  /** Starts analysing a connection whose first captured segment is {@code first}. */
  public static ConnectionAnalyzer open(
      String key, String sensor, Segment first, AnalyzerConfig config) {
    ConnectionAnalyzer a = new ConnectionAnalyzer(config);
    a.tcp =
        new TcpConnection(
            config.reassembly(), config.duplicateWindowNanos(), a.clientStream, a.serverStream);
    // Roles are settled by the first segment; feed nothing yet, only learn them.
    a.tcp.assignRoles(first);
    String client = AddressText.endpoint(a.tcp.clientAddr(), a.tcp.clientPort());
    String server = AddressText.endpoint(a.tcp.serverAddr(), a.tcp.serverPort());
    a.info =
        new ConnectionInfo(key, connectionId(key, first.timestampNanos()), sensor, client, server);
    a.lastRecordTimestamp = first.timestampNanos();
    return a;
  }

  /** Takes the next captured segment of this connection. */
  public void onSegment(Segment s, AnalysisListener listener) {
    this.out = listener;
    tcp.onSegment(s);
    if (!finished && tcp.closed()) {
      finish(tcp.reset() ? "rst" : "fin");
    }
  }

  /**
   * Advances this connection to capture time {@code nowNanos} of its sensor: gives up acknowledged
   * holes past their grace time, ends the connection when it has been idle for the idle timeout, or
   * sends an interim record when the interval has passed since the last record.
   *
   * @return whether the analyzer's state changed
   */
  public boolean tick(long nowNanos, AnalysisListener listener) {
    this.out = listener;
    if (finished) {
      return false;
    }
    tcp.checkHoles(nowNanos);
    if (tcp.closed()) {
      finish(tcp.reset() ? "rst" : "fin");
      return true;
    }
    if (nowNanos - tcp.lastTimestamp() >= config.idleTimeoutNanos()) {
      end(nowNanos, "idle", listener);
      return true;
    }
    if (nowNanos - lastRecordTimestamp >= config.interimIntervalNanos()) {
      record(ConnectionSummary.Kind.INTERIM, nowNanos);
      return true;
    }
    return false;
  }

  private void record(ConnectionSummary.Kind kind, long nowNanos) {
    lastRecordTimestamp = nowNanos;
    ConnectionSummary s = summary(kind);
    recordsSent++;
    out.onConnectionRecord(s);
  }

  /** Ends the connection now ({@code reason}: end_of_capture, idle, evicted, ...). */
  public void end(long timestampNanos, String reason, AnalysisListener listener) {
    this.out = listener;
    if (finished) {
      return;
    }
    tcp.end(timestampNanos);
    finish(reason);
  }

  private void finish(String reason) {
    finished = true;
    endReason = reason;
    record(ConnectionSummary.Kind.FINAL, tcp.lastTimestamp());
  }

  /** Whether a segment, arriving after this connection finished, opens a new one (port reuse). */
  public boolean startsNewConnection(Segment s) {
    return finished && s.syn() && !s.ackFlag();
  }

  public boolean finished() {
    return finished;
  }

  /** How the connection ended: fin, rst, end_of_capture, ...; empty while open. */
  public String endReason() {
    return endReason;
  }

  /** Zeek's conn_state of the connection now. */
  public String connState() {
    return tcp.connState();
  }

  public String sensor() {
    return info.sensor();
  }

  public ConnectionInfo info() {
    return info;
  }

  public long lastTimestamp() {
    return tcp.lastTimestamp();
  }

  /** The connection record as of now. */
  public ConnectionSummary summary(ConnectionSummary.Kind kind) {
    Long upgrade =
        requestTimestamp >= 0 && responseTimestamp >= 0
            ? (responseTimestamp - requestTimestamp) / 1000
            : null;
    return new ConnectionSummary(
        info,
        tcp.summary(),
        httpStatus,
        upgrade,
        path,
        host,
        origin,
        userAgent,
        subprotocol,
        extensions,
        offeredSubprotocols,
        offeredExtensions,
        midStream,
        clientDecoder == null ? null : clientDecoder.counters(),
        serverDecoder == null ? null : serverDecoder.counters(),
        clientMessages,
        serverMessages,
        closeCode,
        closeReason,
        kind,
        recordsSent == 0,
        kind == ConnectionSummary.Kind.FINAL ? endReason : "");
  }

  // ---- the client's stream ----

  private final class ClientStream implements StreamListener {
    @Override
    public void onData(byte[] buf, int off, int len, long ts) {
      switch (phase) {
        case DETECT -> detect(buf, off, len, ts);
        case HTTP -> clientHttp(buf, off, len, ts);
        case WEBSOCKET -> clientDecoder.onData(buf, off, len, ts);
        case DETECT_FRAMES -> {
          earlyClientBytes.add(buf, off, len, ts);
          detectFrames(ts);
        }
        case OPAQUE -> {}
      }
    }

    @Override
    public void onGap(long length, long ts) {
      out.onGap(info, Side.CLIENT, length, ts);
      switch (phase) {
        case WEBSOCKET -> clientDecoder.onGap(length, ts);
        case DETECT, HTTP, DETECT_FRAMES -> {
          if (phase == Phase.HTTP) {
            anomaly("http_gap", "side=client length=" + length, ts);
          }
          opaque();
        }
        case OPAQUE -> {}
      }
    }

    @Override
    public void onEnd(long ts) {
      clientEnded = true;
      if (phase == Phase.WEBSOCKET) {
        clientDecoder.onEnd(ts);
      } else if (phase == Phase.DETECT_FRAMES) {
        detectFrames(ts);
      }
    }

    @Override
    public void onAnomaly(String code, String detail, long ts) {
      anomaly(code, "side=client " + detail, ts);
    }
  }

  private void detect(byte[] buf, int off, int len, long ts) {
    int take = Math.min(len, DETECT_BYTES - detected.size());
    detected.write(buf, off, take);
    detectedTimestamp = ts;
    if (detected.size() < DETECT_BYTES) {
      return;
    }
    byte[] head = detected.toByteArray();
    detected.reset();
    if (HttpHeadParser.looksLikeRequest(head, 0, head.length)) {
      phase = Phase.HTTP;
      request = new HttpHeadParser(config.maxHttpHeadBytes());
      clientHttp(head, 0, head.length, detectedTimestamp);
    } else {
      // Not HTTP: perhaps a WebSocket session whose handshake the capture missed.
      phase = Phase.DETECT_FRAMES;
      earlyClientBytes.add(head, 0, head.length, detectedTimestamp);
    }
    if (len > take) {
      clientStream.onData(buf, off + take, len - take, ts);
    } else if (phase == Phase.DETECT_FRAMES) {
      detectFrames(ts);
    }
  }

  private void clientHttp(byte[] buf, int off, int len, long ts) {
    if (!request.isComplete()) {
      int used = request.onData(buf, off, len);
      if (request.isFailed()) {
        httpAnomaly(request.anomaly(), ts);
        phase = Phase.OPAQUE;
        earlyServerBytes.clear();
        return;
      }
      if (!request.isComplete()) {
        return;
      }
      requestTimestamp = ts;
      HttpHead head = request.head();
      path = head.target();
      host = head.header("Host");
      origin = head.header("Origin");
      userAgent = head.header("User-Agent");
      offeredSubprotocols = head.header("Sec-WebSocket-Protocol");
      offeredExtensions = head.header("Sec-WebSocket-Extensions");
      if (!new WebSocketHandshake(head, null).isUpgradeRequest()) {
        phase = Phase.OPAQUE;
        earlyServerBytes.clear();
        return;
      }
      response = new HttpHeadParser(config.maxHttpHeadBytes());
      holdClientBytes(buf, off + used, len - used, ts);
      // A response captured ahead of the end of its request can be read now.
      earlyServerBytes.replay(serverStream::onData);
      return;
    }
    holdClientBytes(buf, off, len, ts);
  }

  /** Holds client bytes that follow the request until the response says what they are. */
  private void holdClientBytes(byte[] buf, int off, int len, long ts) {
    if (len <= 0) {
      return;
    }
    int room = MAX_EARLY_CLIENT_BYTES - earlyClientBytes.size();
    if (len > room) {
      anomaly("websocket_early_client_data_dropped", "length=" + (len - room), ts);
    }
    earlyClientBytes.add(buf, off, Math.min(len, room), ts);
  }

  // ---- the server's stream ----

  private final class ServerStream implements StreamListener {
    @Override
    public void onData(byte[] buf, int off, int len, long ts) {
      switch (phase) {
        case DETECT, HTTP -> serverHttp(buf, off, len, ts);
        case WEBSOCKET -> serverDecoder.onData(buf, off, len, ts);
        case DETECT_FRAMES -> {
          earlyServerBytes.add(buf, off, len, ts);
          detectFrames(ts);
        }
        case OPAQUE -> {}
      }
    }

    @Override
    public void onGap(long length, long ts) {
      out.onGap(info, Side.SERVER, length, ts);
      switch (phase) {
        case WEBSOCKET -> serverDecoder.onGap(length, ts);
        case HTTP -> {
          anomaly("http_gap", "side=server length=" + length, ts);
          opaque();
        }
        case DETECT_FRAMES -> opaque();
        case DETECT, OPAQUE -> {}
      }
    }

    @Override
    public void onEnd(long ts) {
      serverEnded = true;
      if (phase == Phase.WEBSOCKET) {
        serverDecoder.onEnd(ts);
      } else if (phase == Phase.DETECT_FRAMES) {
        detectFrames(ts);
      }
    }

    @Override
    public void onAnomaly(String code, String detail, long ts) {
      anomaly(code, "side=server " + detail, ts);
    }
  }

  private void serverHttp(byte[] buf, int off, int len, long ts) {
    if (response == null) {
      // Server bytes before the client's request head is complete: a server that speaks first
      // (not HTTP), or a response captured ahead of the end of its request. Hold a little.
      if (earlyServerBytes.size() + len > detector.maxInspectedBytes()) {
        earlyServerBytes.clear();
        phase = Phase.OPAQUE;
        return;
      }
      earlyServerBytes.add(buf, off, len, ts);
      return;
    }
    int used = response.onData(buf, off, len);
    if (response.isFailed()) {
      httpAnomaly(response.anomaly(), ts);
      phase = Phase.OPAQUE;
      return;
    }
    if (!response.isComplete()) {
      return;
    }
    responseTimestamp = ts;
    WebSocketHandshake hs = new WebSocketHandshake(request.head(), response.head());
    httpStatus = hs.status();
    subprotocol = hs.acceptedSubprotocol();
    extensions = response.head().header("Sec-WebSocket-Extensions");
    for (HttpAnomaly a : hs.anomalies()) {
      httpAnomaly(a, ts);
    }
    // The heads have said all they will (the fields above): an idle connection keeps neither.
    request = null;
    response = null;
    if (!hs.upgraded()) {
      phase = Phase.OPAQUE;
      earlyClientBytes.clear();
      record(ConnectionSummary.Kind.UPGRADE, ts);
      return;
    }
    phase = Phase.WEBSOCKET;
    PerMessageDeflate deflate = PerMessageDeflate.fromAcceptedExtensions(extensions);
    clientDecoder =
        new WebSocketDecoder(true, config.webSocket(), deflate, new Messages(Side.CLIENT));
    serverDecoder =
        new WebSocketDecoder(false, config.webSocket(), deflate, new Messages(Side.SERVER));
    record(ConnectionSummary.Kind.UPGRADE, ts);
    earlyClientBytes.replay(clientDecoder::onData);
    if (len > used) {
      serverDecoder.onData(buf, off + used, len - used, ts);
    }
  }

  // ---- WebSocket framing without a handshake ----

  /**
   * Decides, from the bytes held of both directions, whether a connection whose handshake was not
   * captured carries WebSocket frames; if so, decodes them from the start of what was held.
   */
  private void detectFrames(long ts) {
    byte[] c = earlyClientBytes.toByteArray();
    byte[] s = earlyServerBytes.toByteArray();
    WebSocketDetector.Detection d =
        detector.detect(c, c.length, clientEnded, s, s.length, serverEnded);
    switch (d.verdict()) {
      case WEBSOCKET -> {
        if (d.rolesSwapped()) {
          swapRoles();
        }
        midStream = true;
        phase = Phase.WEBSOCKET;
        clientDecoder =
            WebSocketDecoder.midStream(true, config.webSocket(), new Messages(Side.CLIENT));
        serverDecoder =
            WebSocketDecoder.midStream(false, config.webSocket(), new Messages(Side.SERVER));
        earlyClientBytes.replay(clientDecoder::onData);
        earlyServerBytes.replay(serverDecoder::onData);
        if (clientEnded) {
          clientDecoder.onEnd(ts);
        }
        if (serverEnded) {
          serverDecoder.onEnd(ts);
        }
      }
      case NOT_WEBSOCKET -> opaque();
      case UNDECIDED -> {
        int max = detector.maxInspectedBytes();
        if ((c.length >= max || clientEnded) && (s.length >= max || serverEnded)) {
          opaque();
        }
      }
    }
  }

  /** The client and server guessed from port numbers are the other way round. */
  private void swapRoles() {
    tcp.swapRoles(clientStream, serverStream);
    info =
        new ConnectionInfo(
            info.key(), info.connectionId(), info.sensor(), info.server(), info.client());
    HeldBytes.swap(earlyClientBytes, earlyServerBytes);
    boolean ended = clientEnded;
    clientEnded = serverEnded;
    serverEnded = ended;
  }

  private void opaque() {
    phase = Phase.OPAQUE;
    earlyClientBytes.clear();
    earlyServerBytes.clear();
  }

  // ---- WebSocket messages ----

  private final class Messages implements WebSocketListener {
    private final Side sender;

    Messages(Side sender) {
      this.sender = sender;
    }

    @Override
    public void onMessage(WsMessage m) {
      if (sender == Side.CLIENT) {
        clientMessages++;
      } else {
        serverMessages++;
      }
      if (!firstMessageSeen) {
        firstMessageSeen = true;
        out.onFirstMessage(info, m.timestampNanos() - responseTimestamp);
      }
      if (m.opcode() == WsOpcode.CLOSE && !closeSeen) {
        closeSeen = true;
        closeCode = m.closeCode();
        closeReason = m.closeReason();
      }
      if (m.opcode() == WsOpcode.TEXT && !config.redactFields().isEmpty()) {
        m = redact(m);
      }
      out.onMessage(info, sender, m);
      if (m.opcode() == WsOpcode.TEXT) {
        for (AppEvent e : CHAT.decode(sender == Side.CLIENT, m.content())) {
          out.onAppEvent(info, sender, m.timestampNanos(), e);
        }
      }
    }

    /**
     * The text message {@code m} with the configured fields' values redacted, reported as counts;
     * {@code m} itself when nothing was redacted. Lengths stay the wire's.
     */
    private WsMessage redact(WsMessage m) {
      List<String> fields = config.redactFields();
      JsonFieldRedactor.Result r = JsonFieldRedactor.redact(m.content(), fields);
      if (!r.parsed()) {
        out.onRedactionUnparsed(info, sender);
        return m;
      }
      if (r.text() == m.content()) {
        return m;
      }
      for (int i = 0; i < fields.size(); i++) {
        if (r.count(i) > 0) {
          out.onRedacted(info, sender, fields.get(i), r.count(i));
        }
      }
      return new WsMessage(
          m.opcode(),
          r.text(),
          m.payloadLength(),
          m.truncated(),
          m.closeCode(),
          m.closeReason(),
          m.compressed(),
          m.fragments(),
          m.timestampNanos(),
          m.missingBytes(),
          m.resynchronized());
    }

    @Override
    public void onAnomaly(String code, String detail, long ts) {
      anomaly(
          code, "side=" + sender.name().toLowerCase() + (detail.isEmpty() ? "" : " " + detail), ts);
    }
  }

  private void httpAnomaly(HttpAnomaly a, long ts) {
    anomaly(a.code(), a.detail(), ts);
  }

  private void anomaly(String code, String detail, long ts) {
    out.onAnomaly(info, code, detail, ts);
  }

  // ---- identity ----

  /** A Zeek-like connection uid: "C" and 17 base-36 digits of a hash of key and start time. */
  static String connectionId(String key, long startNanos) {
    MessageDigest sha = SHA_256.get(); // digest() leaves it reset
    sha.update(key.getBytes(StandardCharsets.UTF_8));
    sha.update(Long.toString(startNanos).getBytes(StandardCharsets.US_ASCII));
    byte[] d = sha.digest();
    long h = 0;
    for (int i = 0; i < 8; i++) {
      h = (h << 8) | (d[i] & 0xFF);
    }
    String digits = Long.toUnsignedString(h, 36);
    return "C" + "0".repeat(Math.max(0, 13 - digits.length())) + digits;
  }

  /**
   * One SHA-256 digest per thread: looking the algorithm up took most of the 4-5 µs a connection's
   * opening cost.
   */
  private static final ThreadLocal<MessageDigest> SHA_256 =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException(e);
            }
          });

  // ---- snapshot ----

  /** Writes the whole analysis state of this connection. */
  public byte[] snapshot() {
    try {
      SnapshotOutput o = SNAPSHOT_BUFFER.get();
      o.reset();
      o.writeByte(SNAPSHOT_VERSION);
      o.writeUTF(info.key());
      o.writeUTF(info.connectionId());
      o.writeUTF(info.sensor());
      o.writeUTF(info.client());
      o.writeUTF(info.server());
      tcp.writeSnapshot(o);
      o.writeByte(phase.ordinal());
      writeBytes(o, detected.toByteArray());
      o.writeLong(detectedTimestamp);
      writeParser(o, request);
      writeParser(o, response);
      earlyClientBytes.writeTo(o);
      earlyServerBytes.writeTo(o);
      o.writeLong(lastRecordTimestamp);
      o.writeInt(recordsSent);
      o.writeBoolean(firstMessageSeen);
      o.writeLong(requestTimestamp);
      o.writeLong(responseTimestamp);
      o.writeBoolean(clientDecoder != null);
      if (clientDecoder != null) {
        clientDecoder.writeSnapshot(o);
        serverDecoder.writeSnapshot(o);
      }
      o.writeInt(httpStatus == null ? -1 : httpStatus);
      writeString(o, path);
      writeString(o, host);
      writeString(o, origin);
      writeString(o, userAgent);
      writeString(o, subprotocol);
      writeString(o, extensions);
      writeString(o, offeredSubprotocols);
      writeString(o, offeredExtensions);
      o.writeBoolean(midStream);
      o.writeBoolean(clientEnded);
      o.writeBoolean(serverEnded);
      o.writeLong(clientMessages);
      o.writeLong(serverMessages);
      o.writeInt(closeCode == null ? -1 : closeCode);
      writeString(o, closeReason);
      o.writeBoolean(closeSeen);
      o.writeBoolean(finished);
      o.writeUTF(endReason);
      byte[] snapshot = o.toByteArray();
      if (o.capacity() > SNAPSHOT_BUFFER_RETAINED) {
        SNAPSHOT_BUFFER.remove();
      }
      return snapshot;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads back an analyzer written by {@link #snapshot}. */
  public static ConnectionAnalyzer restore(byte[] snapshot, AnalyzerConfig config) {
    try {
      if (snapshot.length == 0) {
        throw new IOException("empty analyzer snapshot");
      }
      byte version = snapshot[0];
      DataInput in;
      if (version == SNAPSHOT_VERSION) {
        in = new SnapshotInput(snapshot, 1);
      } else if (version == SNAPSHOT_VERSION_FIXED_WIDTH) {
        in = new DataInputStream(new ByteArrayInputStream(snapshot, 1, snapshot.length - 1));
      } else {
        throw new IOException("unknown analyzer snapshot version " + version);
      }
      ConnectionAnalyzer a = new ConnectionAnalyzer(config);
      a.info =
          new ConnectionInfo(in.readUTF(), in.readUTF(), in.readUTF(), in.readUTF(), in.readUTF());
      a.tcp =
          TcpConnection.readSnapshot(
              in,
              config.reassembly(),
              config.duplicateWindowNanos(),
              a.clientStream,
              a.serverStream);
      a.phase = Phase.values()[in.readByte()];
      a.detected.write(readBytes(in));
      a.detectedTimestamp = in.readLong();
      a.request = readParser(in, config);
      a.response = readParser(in, config);
      a.earlyClientBytes.readFrom(in);
      a.earlyServerBytes.readFrom(in);
      a.lastRecordTimestamp = in.readLong();
      a.recordsSent = in.readInt();
      a.firstMessageSeen = in.readBoolean();
      a.requestTimestamp = in.readLong();
      a.responseTimestamp = in.readLong();
      if (in.readBoolean()) {
        a.clientDecoder = WebSocketDecoder.readSnapshot(in, a.new Messages(Side.CLIENT));
        a.serverDecoder = WebSocketDecoder.readSnapshot(in, a.new Messages(Side.SERVER));
      }
      int status = in.readInt();
      a.httpStatus = status < 0 ? null : status;
      a.path = readString(in);
      a.host = readString(in);
      a.origin = readString(in);
      a.userAgent = readString(in);
      a.subprotocol = readString(in);
      a.extensions = readString(in);
      a.offeredSubprotocols = readString(in);
      a.offeredExtensions = readString(in);
      a.midStream = in.readBoolean();
      a.clientEnded = in.readBoolean();
      a.serverEnded = in.readBoolean();
      a.clientMessages = in.readLong();
      a.serverMessages = in.readLong();
      int code = in.readInt();
      a.closeCode = code < 0 ? null : code;
      a.closeReason = readString(in);
      a.closeSeen = in.readBoolean();
      a.finished = in.readBoolean();
      a.endReason = in.readUTF();
      if (in instanceof SnapshotInput si && si.remaining() != 0) {
        throw new IOException(si.remaining() + " bytes after the analyzer snapshot");
      }
      return a;
    } catch (IOException e) {
      throw new UncheckedIOException("corrupt analyzer snapshot", e);
    } catch (RuntimeException e) {
      // A damaged value the parts take for an index or a size (an enum's ordinal, a count).
      throw new UncheckedIOException("corrupt analyzer snapshot", new IOException(e.toString(), e));
    }
  }

  private static void writeParser(DataOutput o, HttpHeadParser p) throws IOException {
    o.writeBoolean(p != null);
    if (p != null) {
      p.writeSnapshot(o);
    }
  }

  private static HttpHeadParser readParser(DataInput in, AnalyzerConfig config) throws IOException {
    if (!in.readBoolean()) {
      return null;
    }
    HttpHeadParser p = new HttpHeadParser(config.maxHttpHeadBytes());
    p.readSnapshot(in);
    return p;
  }

  private static void writeBytes(DataOutput o, byte[] b) throws IOException {
    o.writeInt(b.length);
    o.write(b);
  }

  private static byte[] readBytes(DataInput in) throws IOException {
    return SnapshotBytes.read(in, in.readInt());
  }

  private static void writeString(DataOutput o, String s) throws IOException {
    o.writeBoolean(s != null);
    if (s != null) {
      writeBytes(o, s.getBytes(StandardCharsets.UTF_8));
    }
  }

  private static String readString(DataInput in) throws IOException {
    return in.readBoolean() ? new String(readBytes(in), StandardCharsets.UTF_8) : null;
  }

  @Override
  public String toString() {
    return "ConnectionAnalyzer" + Arrays.asList(info, phase, finished);
  }
}
