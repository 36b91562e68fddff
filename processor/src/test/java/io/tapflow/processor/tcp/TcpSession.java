package io.tapflow.processor.tcp;

import io.tapflow.schemas.TcpFlags;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the segments of a TCP conversation between a client and a server, as a capture would show
 * them, for tests: handshake, data either way (each segment ACKs the other side), FIN close.
 */
public final class TcpSession {
  private final byte[] clientAddr;
  private final int clientPort;
  private final byte[] serverAddr;
  private final int serverPort;
  private long clientSeq;
  private long serverSeq;
  private long now;
  private final long step;

  public TcpSession(
      byte[] clientAddr,
      int clientPort,
      byte[] serverAddr,
      int serverPort,
      long clientIsn,
      long serverIsn,
      long startNanos,
      long stepNanos) {
    this.clientAddr = clientAddr;
    this.clientPort = clientPort;
    this.serverAddr = serverAddr;
    this.serverPort = serverPort;
    this.clientSeq = clientIsn;
    this.serverSeq = serverIsn;
    this.now = startNanos;
    this.step = stepNanos;
  }

  /** A session between 10.0.0.1:50000 and 10.0.0.2:8080 starting at 1 s, 10 µs per segment. */
  public static TcpSession standard() {
    return new TcpSession(
        new byte[] {10, 0, 0, 1},
        50000,
        new byte[] {10, 0, 0, 2},
        8080,
        1000,
        5000,
        1_000_000_000L,
        10_000L);
  }

  /** SYN, SYN/ACK, ACK. */
  public List<Segment> handshake() {
    List<Segment> out = new ArrayList<>();
    out.add(client(TcpFlags.SYN, new byte[0], 0));
    clientSeq = (clientSeq + 1) & 0xFFFFFFFFL;
    out.add(server(TcpFlags.SYN | TcpFlags.ACK, new byte[0]));
    serverSeq = (serverSeq + 1) & 0xFFFFFFFFL;
    out.add(client(TcpFlags.ACK, new byte[0], 0));
    return out;
  }

  public Segment clientSends(byte[] data) {
    Segment s = client(TcpFlags.ACK | TcpFlags.PSH, data, 0);
    clientSeq = (clientSeq + data.length) & 0xFFFFFFFFL;
    return s;
  }

  public Segment clientSends(String ascii) {
    return clientSends(ascii.getBytes(StandardCharsets.ISO_8859_1));
  }

  public Segment serverSends(byte[] data) {
    Segment s = server(TcpFlags.ACK | TcpFlags.PSH, data);
    serverSeq = (serverSeq + data.length) & 0xFFFFFFFFL;
    return s;
  }

  public Segment serverSends(String ascii) {
    return serverSends(ascii.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** Client FIN, server FIN/ACK, client ACK. */
  public List<Segment> close() {
    List<Segment> out = new ArrayList<>();
    out.add(client(TcpFlags.FIN | TcpFlags.ACK, new byte[0], 0));
    clientSeq = (clientSeq + 1) & 0xFFFFFFFFL;
    out.add(server(TcpFlags.FIN | TcpFlags.ACK, new byte[0]));
    serverSeq = (serverSeq + 1) & 0xFFFFFFFFL;
    out.add(client(TcpFlags.ACK, new byte[0], 0));
    return out;
  }

  private Segment client(int flags, byte[] data, int missing) {
    now += step;
    return new Segment(
        clientAddr,
        clientPort,
        serverAddr,
        serverPort,
        clientSeq,
        (flags & TcpFlags.ACK) != 0 ? serverSeq : 0,
        flags,
        65535,
        data,
        data.length + missing,
        now);
  }

  private Segment server(int flags, byte[] data) {
    now += step;
    return new Segment(
        serverAddr,
        serverPort,
        clientAddr,
        clientPort,
        serverSeq,
        clientSeq,
        flags,
        65535,
        data,
        data.length,
        now);
  }
}
