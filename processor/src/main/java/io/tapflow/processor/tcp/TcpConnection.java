package io.tapflow.processor.tcp;

import io.tapflow.processor.snapshot.SnapshotBytes;
import io.tapflow.schemas.TcpFlags;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/**
 * Tracks one TCP connection: who is client (Zeek's originator) and server (responder), each
 * endpoint's TCP state, the three-way handshake, Zeek's connection history, and both byte streams
 * through a {@link TcpReassembler} per direction.
 *
 * <p>The client is the sender of the first SYN without ACK (or the receiver of a SYN/ACK). When the
 * capture starts after the handshake, the endpoint with the higher port is taken as the client
 * (ephemeral ports are high), the first sender on a tie; history then starts with {@code ^} when
 * the first packet came from the server.
 *
 * <p>A packet identical to the previous one of its direction (sequence and acknowledgment numbers,
 * flags, window and payload) and captured within {@link #duplicateWindowNanos} of it is a capture
 * duplicate (as {@code -i any} records for some paths), counted once in {@link #duplicatePackets()}
 * and otherwise ignored. A TCP retransmission comes at least a retransmission timeout later and is
 * not mistaken for one; identical duplicate ACKs within the window are, which only moves them from
 * the packet counts to the duplicate count.
 */
public final class TcpConnection {
  private static final byte SNAPSHOT_VERSION = 2;

  /** Who sent a segment. */
  public enum Side {
    CLIENT,
    SERVER
  }

  /** An endpoint's TCP state, as Zeek's analyzer names them. */
  public enum EndpointState {
    INACTIVE,
    SYN_SENT,
    SYN_ACK_SENT,
    PARTIAL,
    ESTABLISHED,
    CLOSED,
    RESET
  }

  private final long duplicateWindowNanos;

  private byte[] clientAddr;
  private int clientPort;
  private byte[] serverAddr;
  private int serverPort;
  private boolean rolesFromHandshake;

  private long firstTimestamp = -1;
  private long lastTimestamp = -1;
  private long synTimestamp = -1;
  private long synAckTimestamp = -1;
  private long ackTimestamp = -1;
  private long serverIsn = -1;
  private int synCount;
  private int synAckCount;
  private boolean reset;
  private long clientPackets;
  private long serverPackets;
  private long duplicatePackets;
  private long retransmittedPackets;
  private long outOfOrderPackets;
  private EndpointState clientState = EndpointState.INACTIVE;
  private EndpointState serverState = EndpointState.INACTIVE;
  private String history = "";
  private final long[] letterCounts = new long[6]; // T, t, G, g, W, w
  private final long[] lastSignature = new long[2]; // per side: hash of the last segment
  private final long[] lastSignatureTime = {Long.MIN_VALUE, Long.MIN_VALUE};
  private final byte[][] lastPayload = new byte[2][]; // not in the snapshot, see isDuplicate

  private TcpReassembler toServer;
  private TcpReassembler toClient;

  /** Creates a connection whose two streams go to the given listeners. */
  public TcpConnection(
      TcpReassembler.Limits limits,
      long duplicateWindowNanos,
      StreamListener clientStream,
      StreamListener serverStream) {
    this(
        duplicateWindowNanos,
        new TcpReassembler(limits, clientStream),
        new TcpReassembler(limits, serverStream));
  }

  private TcpConnection(
      long duplicateWindowNanos, TcpReassembler toServer, TcpReassembler toClient) {
    this.duplicateWindowNanos = duplicateWindowNanos;
    this.toServer = toServer;
    this.toClient = toClient;
  }

  /**
   * Takes one segment of this connection and returns which side sent it, or null when it was a
   * capture duplicate and ignored.
   */
  public Side onSegment(Segment s) {
    long ts = s.timestampNanos();
    assignRoles(s);
    Side side = sideOf(s);
    boolean client = side == Side.CLIENT;
    if (isDuplicate(side, s)) {
      duplicatePackets++;
      return null;
    }
    if (firstTimestamp < 0) {
      firstTimestamp = ts;
      if (!client) {
        history += "^";
      }
    }
    lastTimestamp = Math.max(lastTimestamp, ts);
    if (client) {
      clientPackets++;
    } else {
      serverPackets++;
    }
    updateHandshake(side, s, ts);
    updateStates(side, s);
    int len = s.payload().length;
    int missing = Math.max(0, s.payloadWireLength() - len);
    TcpReassembler stream = client ? toServer : toClient;
    TcpReassembler peer = client ? toClient : toServer;
    if (s.ackFlag()) {
      peer.onPeerAck(s.ack(), ts);
    }
    long toServerGaps = toServer.gaps();
    long toClientGaps = toClient.gaps();
    int kind = stream.onSegment(s.seq(), s.syn(), s.fin(), s.payload(), 0, len, missing, ts);
    stream.checkHoles(lastTimestamp);
    peer.checkHoles(lastTimestamp);
    if ((kind & TcpReassembler.RETRANSMITTED) != 0) {
      retransmittedPackets++;
      if (len + missing > 0) {
        repeatedLetter(client ? 0 : 1, client ? 'T' : 't');
      }
    }
    if ((kind & TcpReassembler.OUT_OF_ORDER) != 0) {
      outOfOrderPackets++;
    }
    noteGaps(toServerGaps, toClientGaps);
    if (s.window() == 0 && !s.syn() && !s.rst()) {
      repeatedLetter(client ? 4 : 5, client ? 'W' : 'w');
    }
    if (s.rst()) {
      reset = true;
      end(ts);
    }
    return side;
  }

  /** Gives up acknowledged holes that stayed unfilled until {@code nowNanos} (capture time). */
  public void checkHoles(long nowNanos) {
    long toServerGaps = toServer.gaps();
    long toClientGaps = toClient.gaps();
    toServer.checkHoles(nowNanos);
    toClient.checkHoles(nowNanos);
    noteGaps(toServerGaps, toClientGaps);
  }

  /** Ends both streams (idle timeout, eviction, end of capture). */
  public void end(long timestampNanos) {
    long toServerGaps = toServer.gaps();
    long toClientGaps = toClient.gaps();
    toServer.end(timestampNanos);
    toClient.end(timestampNanos);
    noteGaps(toServerGaps, toClientGaps);
  }

  /** History letters for content gaps given up since the counts were taken. */
  private void noteGaps(long toServerGaps, long toClientGaps) {
    for (long i = toServerGaps; i < toServer.gaps(); i++) {
      repeatedLetter(2, 'G');
    }
    for (long i = toClientGaps; i < toClient.gaps(); i++) {
      repeatedLetter(3, 'g');
    }
  }

  /**
   * Whether {@code s} repeats the previous packet of its direction. The header fields are compared
   * by a signature; the payload only when they match, so the common case costs no pass over the
   * payload. The previous payload is not part of the snapshot: right after a restore a repeated
   * packet with payload counts as a retransmission instead (a pure ACK still as a duplicate).
   */
  private boolean isDuplicate(Side side, Segment s) {
    int i = side.ordinal();
    long signature =
        (((s.seq() * 31 + s.ack()) * 31 + s.flags()) * 31 + s.window()) * 31
            + s.payloadWireLength();
    boolean duplicate =
        signature == lastSignature[i]
            && s.timestampNanos() - lastSignatureTime[i] <= duplicateWindowNanos
            && s.timestampNanos() >= lastSignatureTime[i]
            && (lastPayload[i] == null
                ? s.payload().length == 0
                : Arrays.equals(s.payload(), lastPayload[i]));
    lastSignature[i] = signature;
    lastSignatureTime[i] = s.timestampNanos();
    lastPayload[i] = s.payload();
    return duplicate;
  }

  private void updateHandshake(Side side, Segment s, long ts) {
    boolean syn = s.syn();
    boolean ack = s.ackFlag();
    if (side == Side.CLIENT) {
      if (syn && !ack) {
        synCount++;
        if (synTimestamp < 0) {
          synTimestamp = ts;
        }
      } else if (!syn
          && ack
          && synAckTimestamp >= 0
          && ackTimestamp < 0
          && s.ack() == (serverIsn + 1) % (1L << 32)) {
        ackTimestamp = ts;
      }
    } else if (syn && ack) {
      synAckCount++;
      if (synAckTimestamp < 0) {
        synAckTimestamp = ts;
        serverIsn = s.seq();
      }
    }
  }

  /** Zeek's endpoint state machine and history letters (uppercase: client, lowercase: server). */
  private void updateStates(Side side, Segment s) {
    boolean client = side == Side.CLIENT;
    EndpointState self = client ? clientState : serverState;
    EndpointState peer = client ? serverState : clientState;
    int f = s.flags();
    boolean syn = s.syn();
    boolean fin = s.fin();
    boolean rst = s.rst();
    boolean ack = s.ackFlag();
    int len = Math.max(s.payload().length, s.payloadWireLength());
    if (syn && (fin || rst)) {
      letter(client ? 'Q' : 'q');
    }
    if (syn) {
      letter(ack ? (client ? 'H' : 'h') : (client ? 'S' : 's'));
    }
    if (ack && !syn && !fin && !rst && len == 0) {
      letter(client ? 'A' : 'a');
    }
    if (len > 0) {
      letter(client ? 'D' : 'd');
    }
    if (fin) {
      letter(client ? 'F' : 'f');
    }
    if (rst) {
      letter(client ? 'R' : 'r');
    }
    if (rst) {
      self = EndpointState.RESET;
    } else if (fin) {
      if (self != EndpointState.RESET) {
        self = EndpointState.CLOSED;
      }
    } else if (syn) {
      if (self == EndpointState.INACTIVE || self == EndpointState.SYN_SENT) {
        self = ack ? EndpointState.SYN_ACK_SENT : EndpointState.SYN_SENT;
      }
    } else if (TcpFlags.has(f, TcpFlags.ACK) || len > 0) {
      if (self == EndpointState.INACTIVE) {
        self = EndpointState.PARTIAL;
      } else if (self == EndpointState.SYN_SENT || self == EndpointState.SYN_ACK_SENT) {
        self = EndpointState.ESTABLISHED;
        if (peer == EndpointState.SYN_SENT || peer == EndpointState.SYN_ACK_SENT) {
          peer = EndpointState.ESTABLISHED;
        }
      }
    }
    if (client) {
      clientState = self;
      serverState = peer;
    } else {
      serverState = self;
      clientState = peer;
    }
  }

  private void letter(char c) {
    if (history.indexOf(c) < 0) {
      history += c;
    }
  }

  /** Letters Zeek repeats when their count reaches 1, 10, 100, 1000, ... */
  private void repeatedLetter(int counter, char c) {
    long n = ++letterCounts[counter];
    for (long p = 1; p <= n; p *= 10) {
      if (p == n) {
        history += c;
        return;
      }
    }
  }

  /**
   * Zeek's {@code conn_state} for this connection now, from the two endpoint states (see Zeek's
   * base/protocols/conn/main.zeek for the definitions of each value).
   */
  public String connState() {
    EndpointState os = clientState;
    EndpointState rs = serverState;
    boolean oInactive = os == EndpointState.INACTIVE || os == EndpointState.PARTIAL;
    boolean rInactive = rs == EndpointState.INACTIVE || rs == EndpointState.PARTIAL;
    if (rs == EndpointState.RESET) {
      if (os == EndpointState.SYN_SENT
          || os == EndpointState.SYN_ACK_SENT
          || (os == EndpointState.RESET
              && toServer.streamBytes() == 0
              && toClient.streamBytes() == 0)) {
        return "REJ";
      }
      return oInactive ? "RSTRH" : "RSTR";
    }
    if (os == EndpointState.RESET) {
      if (rInactive) {
        return history.matches("\\^?S[^HAFGIQ]*R.*") ? "RSTOS0" : "OTH";
      }
      return "RSTO";
    }
    if (rs == EndpointState.CLOSED && os == EndpointState.CLOSED) {
      return "SF";
    }
    if (os == EndpointState.CLOSED) {
      return rInactive ? "SH" : "S2";
    }
    if (rs == EndpointState.CLOSED) {
      return oInactive ? "SHR" : "S3";
    }
    if (os == EndpointState.SYN_SENT && rs == EndpointState.INACTIVE) {
      return "S0";
    }
    if (os == EndpointState.ESTABLISHED && rs == EndpointState.ESTABLISHED) {
      return "S1";
    }
    return "OTH";
  }

  /** Settles who is client and server from the first segment seen; later calls change nothing. */
  public void assignRoles(Segment s) {
    if (clientAddr != null) {
      return;
    }
    boolean senderIsClient;
    if (s.syn()) {
      senderIsClient = !s.ackFlag();
      rolesFromHandshake = true;
    } else {
      senderIsClient = s.srcPort() >= s.dstPort();
    }
    if (senderIsClient) {
      clientAddr = s.srcAddr();
      clientPort = s.srcPort();
      serverAddr = s.dstAddr();
      serverPort = s.dstPort();
    } else {
      clientAddr = s.dstAddr();
      clientPort = s.dstPort();
      serverAddr = s.srcAddr();
      serverPort = s.srcPort();
    }
  }

  /**
   * Swaps client and server: the roles guessed for a connection seen mid-stream (from port numbers)
   * turned out wrong once its payload was understood. Everything said of each side moves with it;
   * the history's letters change case and its {@code ^} flag toggles, as Zeek writes a flipped
   * connection.
   */
  public void swapRoles(StreamListener clientStream, StreamListener serverStream) {
    byte[] addr = clientAddr;
    clientAddr = serverAddr;
    serverAddr = addr;
    int port = clientPort;
    clientPort = serverPort;
    serverPort = port;
    long packets = clientPackets;
    clientPackets = serverPackets;
    serverPackets = packets;
    EndpointState state = clientState;
    clientState = serverState;
    serverState = state;
    TcpReassembler stream = toServer;
    toServer = toClient;
    toClient = stream;
    toServer.setListener(clientStream);
    toClient.setListener(serverStream);
    for (int i = 0; i < letterCounts.length; i += 2) {
      long n = letterCounts[i];
      letterCounts[i] = letterCounts[i + 1];
      letterCounts[i + 1] = n;
    }
    long signature = lastSignature[0];
    lastSignature[0] = lastSignature[1];
    lastSignature[1] = signature;
    byte[] payload = lastPayload[0];
    lastPayload[0] = lastPayload[1];
    lastPayload[1] = payload;
    long time = lastSignatureTime[0];
    lastSignatureTime[0] = lastSignatureTime[1];
    lastSignatureTime[1] = time;
    StringBuilder h = new StringBuilder(history.startsWith("^") ? "" : "^");
    for (char c : history.toCharArray()) {
      if (c != '^') {
        h.append(Character.isUpperCase(c) ? Character.toLowerCase(c) : Character.toUpperCase(c));
      }
    }
    history = h.toString();
  }

  /** Which side sent {@code s}. */
  public Side sideOf(Segment s) {
    return s.srcPort() == clientPort && Arrays.equals(s.srcAddr(), clientAddr)
        ? Side.CLIENT
        : Side.SERVER;
  }

  /** The TCP part of a connection record, as of now. */
  public TcpSummary summary() {
    return new TcpSummary(
        CommunityId.tcp(clientAddr, clientPort, serverAddr, serverPort, 0),
        connState(),
        history,
        firstTimestamp,
        lastTimestamp,
        micros(synTimestamp, ackTimestamp),
        micros(synTimestamp, synAckTimestamp),
        micros(synAckTimestamp, ackTimestamp),
        Math.max(0, synCount - 1),
        Math.max(0, synAckCount - 1),
        toServer.streamBytes(),
        toClient.streamBytes(),
        clientPackets,
        serverPackets,
        retransmittedPackets,
        outOfOrderPackets,
        duplicatePackets,
        toServer.gapBytes() + toClient.gapBytes(),
        toServer.truncatedBytes() + toClient.truncatedBytes(),
        firstTimestamp < 0 ? 0 : (lastTimestamp - firstTimestamp) / 1000);
  }

  private static Long micros(long from, long to) {
    return from >= 0 && to >= 0 ? (to - from) / 1000 : null;
  }

  /** Whether both directions have ended (FIN delivered on both, or RST). */
  public boolean closed() {
    return toServer.ended() && toClient.ended();
  }

  public byte[] clientAddr() {
    return clientAddr;
  }

  public int clientPort() {
    return clientPort;
  }

  public byte[] serverAddr() {
    return serverAddr;
  }

  public int serverPort() {
    return serverPort;
  }

  /** Whether the roles come from a SYN or SYN/ACK rather than from port numbers. */
  public boolean rolesFromHandshake() {
    return rolesFromHandshake;
  }

  public long firstTimestamp() {
    return firstTimestamp;
  }

  public long lastTimestamp() {
    return lastTimestamp;
  }

  /** Capture time of the client's first SYN, or -1. Handshake timings measure from it. */
  public long synTimestamp() {
    return synTimestamp;
  }

  /** Capture time of the server's first SYN/ACK, or -1. */
  public long synAckTimestamp() {
    return synAckTimestamp;
  }

  /** Capture time of the client's ACK of the SYN/ACK that completes the handshake, or -1. */
  public long ackTimestamp() {
    return ackTimestamp;
  }

  /** SYNs the client sent (1 plus retransmissions). */
  public int synCount() {
    return synCount;
  }

  /** SYN/ACKs the server sent (1 plus retransmissions). */
  public int synAckCount() {
    return synAckCount;
  }

  public boolean reset() {
    return reset;
  }

  /** Packets the client sent, capture duplicates not counted. */
  public long clientPackets() {
    return clientPackets;
  }

  /** Packets the server sent, capture duplicates not counted. */
  public long serverPackets() {
    return serverPackets;
  }

  public long duplicatePackets() {
    return duplicatePackets;
  }

  /** Packets carrying bytes (or SYN/FIN) already received. */
  public long retransmittedPackets() {
    return retransmittedPackets;
  }

  public long outOfOrderPackets() {
    return outOfOrderPackets;
  }

  /** Zeek's connection history letters. */
  public String history() {
    return history;
  }

  public EndpointState clientState() {
    return clientState;
  }

  public EndpointState serverState() {
    return serverState;
  }

  /** The client-to-server stream. */
  public TcpReassembler toServer() {
    return toServer;
  }

  /** The server-to-client stream. */
  public TcpReassembler toClient() {
    return toClient;
  }

  /** Writes the whole connection state, both streams included. */
  public void writeSnapshot(DataOutput out) throws IOException {
    out.writeByte(SNAPSHOT_VERSION);
    writeBytes(out, clientAddr);
    out.writeInt(clientPort);
    writeBytes(out, serverAddr);
    out.writeInt(serverPort);
    out.writeBoolean(rolesFromHandshake);
    out.writeLong(firstTimestamp);
    out.writeLong(lastTimestamp);
    out.writeLong(synTimestamp);
    out.writeLong(synAckTimestamp);
    out.writeLong(ackTimestamp);
    out.writeLong(serverIsn);
    out.writeInt(synCount);
    out.writeInt(synAckCount);
    out.writeBoolean(reset);
    out.writeLong(clientPackets);
    out.writeLong(serverPackets);
    out.writeLong(duplicatePackets);
    out.writeLong(retransmittedPackets);
    out.writeLong(outOfOrderPackets);
    out.writeByte(clientState.ordinal());
    out.writeByte(serverState.ordinal());
    out.writeUTF(history);
    for (long c : letterCounts) {
      out.writeLong(c);
    }
    for (int i = 0; i < 2; i++) {
      SnapshotBytes.writeFixed(out, lastSignature[i], 8); // a hash
      out.writeLong(lastSignatureTime[i]);
    }
    toServer.writeSnapshot(out);
    toClient.writeSnapshot(out);
  }

  /** Restores a connection written by {@link #writeSnapshot}. */
  public static TcpConnection readSnapshot(
      DataInput in,
      TcpReassembler.Limits limits,
      long duplicateWindowNanos,
      StreamListener clientStream,
      StreamListener serverStream)
      throws IOException {
    byte version = in.readByte();
    if (version != SNAPSHOT_VERSION) {
      throw new IOException("unknown connection snapshot version " + version);
    }
    byte[] clientAddr = readBytes(in);
    int clientPort = in.readInt();
    byte[] serverAddr = readBytes(in);
    int serverPort = in.readInt();
    boolean rolesFromHandshake = in.readBoolean();
    long[] longs = new long[6];
    for (int i = 0; i < longs.length; i++) {
      longs[i] = in.readLong();
    }
    int synCount = in.readInt();
    int synAckCount = in.readInt();
    boolean reset = in.readBoolean();
    long[] counts = new long[5];
    for (int i = 0; i < counts.length; i++) {
      counts[i] = in.readLong();
    }
    EndpointState clientState = EndpointState.values()[in.readByte()];
    EndpointState serverState = EndpointState.values()[in.readByte()];
    String history = in.readUTF();
    long[] letterCounts = new long[6];
    for (int i = 0; i < letterCounts.length; i++) {
      letterCounts[i] = in.readLong();
    }
    long[] signatures = new long[4];
    for (int i = 0; i < signatures.length; i += 2) {
      signatures[i] = SnapshotBytes.readFixed(in, 8);
      signatures[i + 1] = in.readLong();
    }
    TcpReassembler toServer = TcpReassembler.readSnapshot(in, limits, clientStream);
    TcpReassembler toClient = TcpReassembler.readSnapshot(in, limits, serverStream);
    TcpConnection c = new TcpConnection(duplicateWindowNanos, toServer, toClient);
    c.clientAddr = clientAddr;
    c.clientPort = clientPort;
    c.serverAddr = serverAddr;
    c.serverPort = serverPort;
    c.rolesFromHandshake = rolesFromHandshake;
    c.firstTimestamp = longs[0];
    c.lastTimestamp = longs[1];
    c.synTimestamp = longs[2];
    c.synAckTimestamp = longs[3];
    c.ackTimestamp = longs[4];
    c.serverIsn = longs[5];
    c.synCount = synCount;
    c.synAckCount = synAckCount;
    c.reset = reset;
    c.clientPackets = counts[0];
    c.serverPackets = counts[1];
    c.duplicatePackets = counts[2];
    c.retransmittedPackets = counts[3];
    c.outOfOrderPackets = counts[4];
    c.clientState = clientState;
    c.serverState = serverState;
    c.history = history;
    System.arraycopy(letterCounts, 0, c.letterCounts, 0, letterCounts.length);
    c.lastSignature[0] = signatures[0];
    c.lastSignatureTime[0] = signatures[1];
    c.lastSignature[1] = signatures[2];
    c.lastSignatureTime[1] = signatures[3];
    return c;
  }

  private static void writeBytes(DataOutput out, byte[] b) throws IOException {
    if (b == null) {
      out.writeByte(-1);
      return;
    }
    out.writeByte(b.length);
    out.write(b);
  }

  private static byte[] readBytes(DataInput in) throws IOException {
    int n = in.readByte();
    if (n < 0) {
      return null;
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }
}
