package io.tapflow.processor.tcp;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/**
 * Tracks one TCP connection: who is client and server, the three-way handshake, and both byte
 * streams through a {@link TcpReassembler} per direction.
 *
 * <p>The client is the sender of the first SYN without ACK (or the receiver of a SYN/ACK). When the
 * capture starts after the handshake, the endpoint with the higher port is taken as the client
 * (ephemeral ports are high), the first sender on a tie.
 */
public final class TcpConnection {
  private static final byte SNAPSHOT_VERSION = 1;

  /** Who sent a segment. */
  public enum Side {
    CLIENT,
    SERVER
  }

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

  private final TcpReassembler toServer;
  private final TcpReassembler toClient;

  /** Creates a connection whose two streams go to the given listeners. */
  public TcpConnection(
      TcpReassembler.Limits limits, StreamListener clientStream, StreamListener serverStream) {
    this(new TcpReassembler(limits, clientStream), new TcpReassembler(limits, serverStream));
  }

  private TcpConnection(TcpReassembler toServer, TcpReassembler toClient) {
    this.toServer = toServer;
    this.toClient = toClient;
  }

  /** Takes one segment of this connection and returns which side sent it. */
  public Side onSegment(Segment s) {
    long ts = s.timestampNanos();
    if (clientAddr == null) {
      assignRoles(s);
    }
    if (firstTimestamp < 0) {
      firstTimestamp = ts;
    }
    lastTimestamp = Math.max(lastTimestamp, ts);
    Side side = sideOf(s);
    boolean syn = s.syn();
    boolean ack = s.ackFlag();
    if (side == Side.CLIENT) {
      clientPackets++;
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
    } else {
      serverPackets++;
      if (syn && ack) {
        synAckCount++;
        if (synAckTimestamp < 0) {
          synAckTimestamp = ts;
          serverIsn = s.seq();
        }
      }
    }
    TcpReassembler stream = side == Side.CLIENT ? toServer : toClient;
    byte[] payload = s.payload();
    int missing = Math.max(0, s.payloadWireLength() - payload.length);
    stream.onSegment(s.seq(), syn, s.fin(), payload, 0, payload.length, missing, ts);
    if (s.rst()) {
      reset = true;
      toServer.end(ts);
      toClient.end(ts);
    }
    return side;
  }

  /** Ends both streams (idle timeout, eviction, end of capture). */
  public void end(long timestampNanos) {
    toServer.end(timestampNanos);
    toClient.end(timestampNanos);
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

  /** Which side sent {@code s}. */
  public Side sideOf(Segment s) {
    return s.srcPort() == clientPort && Arrays.equals(s.srcAddr(), clientAddr)
        ? Side.CLIENT
        : Side.SERVER;
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

  /** Capture time of the client's first SYN, or -1. */
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

  public int synCount() {
    return synCount;
  }

  public int synAckCount() {
    return synAckCount;
  }

  public boolean reset() {
    return reset;
  }

  public long clientPackets() {
    return clientPackets;
  }

  public long serverPackets() {
    return serverPackets;
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
    toServer.writeSnapshot(out);
    toClient.writeSnapshot(out);
  }

  /** Restores a connection written by {@link #writeSnapshot}. */
  public static TcpConnection readSnapshot(
      DataInput in,
      TcpReassembler.Limits limits,
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
    long firstTimestamp = in.readLong();
    long lastTimestamp = in.readLong();
    long synTimestamp = in.readLong();
    long synAckTimestamp = in.readLong();
    long ackTimestamp = in.readLong();
    long serverIsn = in.readLong();
    int synCount = in.readInt();
    int synAckCount = in.readInt();
    boolean reset = in.readBoolean();
    long clientPackets = in.readLong();
    long serverPackets = in.readLong();
    TcpReassembler toServer = TcpReassembler.readSnapshot(in, limits, clientStream);
    TcpReassembler toClient = TcpReassembler.readSnapshot(in, limits, serverStream);
    TcpConnection c = new TcpConnection(toServer, toClient);
    c.clientAddr = clientAddr;
    c.clientPort = clientPort;
    c.serverAddr = serverAddr;
    c.serverPort = serverPort;
    c.rolesFromHandshake = rolesFromHandshake;
    c.firstTimestamp = firstTimestamp;
    c.lastTimestamp = lastTimestamp;
    c.synTimestamp = synTimestamp;
    c.synAckTimestamp = synAckTimestamp;
    c.ackTimestamp = ackTimestamp;
    c.serverIsn = serverIsn;
    c.synCount = synCount;
    c.synAckCount = synAckCount;
    c.reset = reset;
    c.clientPackets = clientPackets;
    c.serverPackets = serverPackets;
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
