package io.tapflow.cli.generate;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.zip.Deflater;

/**
 * Generates the packets of N concurrent workerman-chat WebSocket conversations, interleaved in time
 * order and deterministic by seed.
 *
 * <p>Each connection: the TCP three-way handshake (MSS option), an HTTP/1.1 Upgrade with a correct
 * Sec-WebSocket-Accept (optionally negotiating permessage-deflate), a {@code login} and its answer,
 * then M exchanges (a {@code say} line echoed by the server, or a server {@code ping} answered by a
 * {@code pong}), and, unless kept open, a close handshake (code 1000) followed by the server's FIN.
 * Client frames are masked (RFC 6455 §5.3); with compression every data frame is deflated with
 * context takeover (RFC 7692 §7.2.1: DEFLATE with a sync flush, the trailing {@code 00 00 ff ff}
 * removed) and has RSV1 set. Payloads are cut into segments of at most the MSS; the receiver of a
 * message answers it (the answer carries the ACK) or acknowledges it with a pure ACK.
 */
public final class ChatTrafficGenerator {

  /**
   * What to generate.
   *
   * @param connections concurrent connections
   * @param exchangesPerConnection say or ping exchanges per connection after the login
   * @param compression negotiate permessage-deflate
   * @param seed the random seed: the same spec gives the same bytes
   * @param serverPort the chat server's TCP port
   * @param close end each connection with a close handshake and FIN; false leaves them open
   * @param meanThinkMicros mean time between a connection's exchanges (exponential)
   * @param firstConnection the index of the first connection (addresses and seeds follow from it),
   *     so a large set can be generated in batches
   */
  public record Spec(
      int connections,
      int exchangesPerConnection,
      boolean compression,
      long seed,
      int serverPort,
      boolean close,
      long meanThinkMicros,
      int firstConnection) {

    public static Spec of(int connections, int exchanges, boolean compression, long seed) {
      return new Spec(connections, exchanges, compression, seed, 47_300, true, 2_000_000, 0);
    }

    /** The same, with connections left open at the end. */
    public Spec open() {
      return new Spec(
          connections,
          exchangesPerConnection,
          compression,
          seed,
          serverPort,
          false,
          meanThinkMicros,
          firstConnection);
    }

    public Spec withThink(long micros) {
      return new Spec(
          connections,
          exchangesPerConnection,
          compression,
          seed,
          serverPort,
          close,
          micros,
          firstConnection);
    }

    public Spec withPort(int port) {
      return new Spec(
          connections,
          exchangesPerConnection,
          compression,
          seed,
          port,
          close,
          meanThinkMicros,
          firstConnection);
    }

    /** {@code n} connections starting at index {@code first}. */
    public Spec batch(int first, int n) {
      return new Spec(
          n, exchangesPerConnection, compression, seed, serverPort, close, meanThinkMicros, first);
    }
  }

  /**
   * What was generated.
   *
   * @param packets packets written
   * @param frameBytes Ethernet frame bytes written
   * @param webSocketFrames WebSocket frames (one per message: the generator never fragments)
   * @param textMessages text messages, both directions
   * @param closeFrames close frames, both directions
   * @param payloadBytes application payload bytes before compression and masking
   * @param wirePayloadBytes WebSocket frame bytes (headers included) on the wire
   */
  public record Summary(
      long packets,
      long frameBytes,
      long webSocketFrames,
      long textMessages,
      long closeFrames,
      long payloadBytes,
      long wirePayloadBytes) {}

  /** RFC 6455 §1.3: the GUID appended to the key for Sec-WebSocket-Accept. */
  static final String WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

  static final int SERVER_IP = 0x0a000001; // 10.0.0.1
  static final int MSS = 1460;
  static final long EPOCH_MICROS = 1_704_103_200_000_000L; // 2024-01-01T10:00:00Z

  private static final String[] WORDS = {
    "hello",
    "merhaba",
    "günaydın",
    "çay",
    "içelim",
    "mi",
    "ok",
    "yes",
    "no",
    "thanks",
    "lol",
    "see",
    "you",
    "tomorrow",
    "meeting",
    "at",
    "ten",
    "the",
    "build",
    "is",
    "green",
    "again",
    "who",
    "broke",
    "prod",
    "ğüşiöç",
    "deploy",
    "done",
    "coffee",
    "?",
    "!",
    "😀",
    "and",
    "then",
    "we",
    "need",
    "more",
    "tests",
    "kafka",
    "is",
    "fast",
    "really",
    "what",
    "about",
    "lunch"
  };
  private static final String[] NICKS = {
    "mynick", "ayse", "mehmet", "zeynep", "alice", "bob", "carol", "dave", "emre", "fatma"
  };
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

  private final Spec spec;
  private final PacketSink sink;
  private long packets;
  private long frameBytes;
  private long wsFrames;
  private long textMessages;
  private long closeFrames;
  private long payloadBytes;
  private long wireBytes;

  private ChatTrafficGenerator(Spec spec, PacketSink sink) {
    this.spec = spec;
    this.sink = sink;
  }

  /** Generates {@code spec}'s traffic into {@code sink}, in capture order. */
  public static Summary generate(Spec spec, PacketSink sink) throws IOException {
    return new ChatTrafficGenerator(spec, sink).run();
  }

  private Summary run() throws IOException {
    PriorityQueue<Conn> queue =
        new PriorityQueue<>(
            Math.max(1, spec.connections()),
            Comparator.<Conn>comparingLong(c -> c.pending.peek().time).thenComparingInt(c -> c.id));
    long spread = Math.max(1, spec.meanThinkMicros());
    for (int i = spec.firstConnection(); i < spec.firstConnection() + spec.connections(); i++) {
      Conn c = new Conn(i, new SplittableRandom(spec.seed() * 1_000_003L + i));
      c.start(EPOCH_MICROS + c.rnd.nextLong(spread));
      queue.add(c);
    }
    while (!queue.isEmpty()) {
      Conn c = queue.poll();
      Pkt p = c.pending.poll();
      sink.packet(p.time, p.frame);
      packets++;
      frameBytes += p.frame.length;
      if (c.pending.isEmpty()) {
        c.next(p.time);
      }
      if (!c.pending.isEmpty()) {
        queue.add(c);
      }
    }
    return new Summary(
        packets, frameBytes, wsFrames, textMessages, closeFrames, payloadBytes, wireBytes);
  }

  private record Pkt(long time, byte[] frame) {}

  /** One simulated connection: its addresses, sequence numbers, compressors and script position. */
  private final class Conn {
    final int id;
    final SplittableRandom rnd;
    final int clientIp;
    final int clientPort;
    final long rttMicros;
    final String nick;
    final String clientId;
    final ArrayDeque<Pkt> pending = new ArrayDeque<>();
    final Deflater clientDeflater;
    final Deflater serverDeflater;
    long clientSeq;
    long serverSeq;
    int clientIpId;
    int serverIpId;
    int exchangesDone;
    boolean closed;

    Conn(int id, SplittableRandom rnd) {
      this.id = id;
      this.rnd = rnd;
      this.clientIp =
          0x0a000000 | ((1 + id / 60_000) << 16) | (((id % 60_000) / 250) << 8) | (1 + id % 250);
      this.clientPort = 32_768 + rnd.nextInt(28_000);
      this.rttMicros = 100 + rnd.nextInt(1_900);
      this.nick = NICKS[rnd.nextInt(NICKS.length)] + id;
      this.clientId = String.format("%08x%04x%08x", clientIp, clientPort, id + 1);
      this.clientSeq = rnd.nextLong(1L << 32);
      this.serverSeq = rnd.nextLong(1L << 32);
      this.clientIpId = rnd.nextInt(65_536);
      this.serverIpId = rnd.nextInt(65_536);
      this.clientDeflater =
          spec.compression() ? new Deflater(Deflater.DEFAULT_COMPRESSION, true) : null;
      this.serverDeflater =
          spec.compression() ? new Deflater(Deflater.DEFAULT_COMPRESSION, true) : null;
    }

    /** The handshakes, the login and its answer. */
    void start(long t) {
      long half = rttMicros / 2;
      send(true, t, TcpFrames.SYN, new byte[0]);
      clientSeq++;
      send(false, t += half, TcpFrames.SYN | TcpFrames.ACK, new byte[0]);
      serverSeq++;
      send(true, t += half, TcpFrames.ACK, new byte[0]);
      byte[] key = new byte[16];
      rnd.nextBytes(key);
      String k = Base64.getEncoder().encodeToString(key);
      String ext =
          spec.compression()
              ? "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
              : "";
      String request =
          "GET /chat HTTP/1.1\r\n"
              + "Host: 10.0.0.1:"
              + spec.serverPort()
              + "\r\n"
              + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
              + "Sec-WebSocket-Key: "
              + k
              + "\r\n"
              + "Sec-WebSocket-Version: 13\r\n"
              + ext
              + "Origin: http://chat.example\r\n"
              + "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n\r\n";
      t = data(true, t + 50, request.getBytes(StandardCharsets.US_ASCII), false);
      String response =
          "HTTP/1.1 101 Switching Protocols\r\n"
              + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
              + "Sec-WebSocket-Accept: "
              + accept(k)
              + "\r\n"
              + (spec.compression() ? "Sec-WebSocket-Extensions: permessage-deflate\r\n" : "")
              + "\r\n";
      t = data(false, t + half + 30, response.getBytes(StandardCharsets.US_ASCII), false);
      t =
          message(
              true,
              t + half + 200,
              "{\"type\":\"login\",\"client_name\":\"" + nick + "\",\"room_id\":\"1\"}",
              false);
      t =
          message(
              false,
              t + half + 80,
              "{\"type\":\"login\",\"client_id\":\""
                  + clientId
                  + "\",\"client_name\":\""
                  + nick
                  + "\",\"time\":\""
                  + time(t)
                  + "\",\"client_list\":{\""
                  + clientId
                  + "\":\""
                  + nick
                  + "\"}}",
              false);
      ack(true, t + half);
    }

    /** The next burst after the one that ended at {@code last}, or nothing when done. */
    void next(long last) {
      if (closed) {
        return;
      }
      long t = last + 1 + (long) (-Math.log(1 - rnd.nextDouble()) * spec.meanThinkMicros());
      long half = rttMicros / 2;
      if (exchangesDone < spec.exchangesPerConnection()) {
        exchangesDone++;
        if (rnd.nextInt(100) < 85) {
          String content = content();
          t =
              message(
                  true,
                  t,
                  "{\"type\":\"say\",\"to_client_id\":\"all\","
                      + "\"to_client_name\":\"所有人\",\"content\":\""
                      + content
                      + "\"}",
                  false);
          t =
              message(
                  false,
                  t + half + 60,
                  "{\"type\":\"say\",\"from_client_id\":\""
                      + clientId
                      + "\",\"from_client_name\":\""
                      + nick
                      + "\",\"to_client_id\":\"all\",\"content\":\""
                      + phpEscape(content)
                      + "\",\"time\":\""
                      + time(t)
                      + "\"}",
                  false);
          ack(true, t + half);
        } else {
          t = message(false, t, "{\"type\":\"ping\"}", false);
          t = message(true, t + half + 40, "{\"type\":\"pong\"}", false);
          ack(false, t + half);
        }
      } else if (spec.close()) {
        closed = true;
        // RFC 6455 §7.1.1: the server closes the TCP connection first after the close handshake.
        t = message(true, t, null, true);
        t = message(false, t + half + 40, null, true);
        send(false, t += 20, TcpFrames.FIN | TcpFrames.ACK, new byte[0]);
        serverSeq++;
        send(true, t += half, TcpFrames.FIN | TcpFrames.ACK, new byte[0]);
        clientSeq++;
        send(false, t + half, TcpFrames.ACK, new byte[0]);
      } else {
        closed = true;
      }
      if (closed && clientDeflater != null) {
        // The compressors hold native memory; free it as soon as the script is done.
        clientDeflater.end();
        serverDeflater.end();
      }
    }

    /** A chat line: mostly a few words, sometimes a paragraph, rarely a long paste. */
    String content() {
      int roll = rnd.nextInt(1000);
      int target;
      if (roll < 900) {
        // Log-normal, median about 28 characters.
        target = (int) Math.min(400, Math.max(1, Math.exp(Math.log(28) + 0.8 * gaussian())));
      } else if (roll < 990) {
        target = 200 + rnd.nextInt(1_800);
      } else {
        target = 2_000 + rnd.nextInt(30_000);
      }
      StringBuilder b = new StringBuilder(target + 16);
      while (b.length() < target) {
        if (b.length() > 0) {
          b.append(' ');
        }
        b.append(WORDS[rnd.nextInt(WORDS.length)]);
      }
      return b.toString();
    }

    double gaussian() {
      // Box–Muller from the connection's own generator, so each connection stays deterministic.
      double u = 1 - rnd.nextDouble();
      double v = rnd.nextDouble();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    /**
     * One WebSocket message (a text frame, or a close frame with code 1000 when {@code close}) sent
     * at {@code t}; returns the time of its last segment.
     */
    long message(boolean fromClient, long t, String text, boolean close) {
      byte[] payload;
      int opcode;
      boolean rsv1 = false;
      if (close) {
        payload = new byte[] {0x03, (byte) 0xe8}; // 1000, normal closure
        opcode = 0x8;
        closeFrames++;
      } else {
        byte[] raw = text.getBytes(StandardCharsets.UTF_8);
        payloadBytes += raw.length;
        textMessages++;
        opcode = 0x1;
        if (spec.compression()) {
          payload = deflate(fromClient ? clientDeflater : serverDeflater, raw);
          rsv1 = true;
        } else {
          payload = raw;
        }
      }
      wsFrames++;
      byte[] frame = frame(opcode, rsv1, fromClient, payload);
      wireBytes += frame.length;
      return data(fromClient, t, frame, true);
    }

    /**
     * RFC 6455 §5.2 framing of one final frame; client frames masked with a fresh key.
     *
     * <pre>
     *  0                   1                   2                   3
     *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
     * +-+-+-+-+-------+-+-------------+-------------------------------+
     * |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
     * |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
     * |N|V|V|V|       |S|             |   (if payload len==126/127)   |
     * | |1|2|3|       |K|             |                               |
     * +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
     * </pre>
     */
    byte[] frame(int opcode, boolean rsv1, boolean masked, byte[] payload) {
      int n = payload.length;
      int lenBytes = n < 126 ? 0 : n < 65_536 ? 2 : 8;
      int head = 2 + lenBytes + (masked ? 4 : 0);
      byte[] f = new byte[head + n];
      f[0] = (byte) (0x80 | (rsv1 ? 0x40 : 0) | opcode);
      int m = masked ? 0x80 : 0;
      if (lenBytes == 0) {
        f[1] = (byte) (m | n);
      } else if (lenBytes == 2) {
        f[1] = (byte) (m | 126);
        f[2] = (byte) (n >>> 8);
        f[3] = (byte) n;
      } else {
        f[1] = (byte) (m | 127);
        for (int i = 0; i < 8; i++) {
          f[2 + i] = (byte) ((long) n >>> (56 - 8 * i));
        }
      }
      if (masked) {
        int keyAt = 2 + lenBytes;
        int key = rnd.nextInt();
        for (int i = 0; i < 4; i++) {
          f[keyAt + i] = (byte) (key >>> (24 - 8 * i));
        }
        for (int i = 0; i < n; i++) {
          f[head + i] = (byte) (payload[i] ^ f[keyAt + (i & 3)]);
        }
      } else {
        System.arraycopy(payload, 0, f, head, n);
      }
      return f;
    }

    /**
     * Sends {@code bytes} in MSS-sized segments from one side at {@code t}, the last with PSH; the
     * receiver acknowledges every second full segment. Returns the time of the last segment.
     */
    long data(boolean fromClient, long t, byte[] bytes, boolean acked) {
      int segments = 0;
      for (int off = 0; off < bytes.length; off += MSS) {
        int len = Math.min(MSS, bytes.length - off);
        boolean last = off + len >= bytes.length;
        send(fromClient, t, TcpFrames.ACK | (last ? TcpFrames.PSH : 0), bytes, off, len);
        if (fromClient) {
          clientSeq += len;
        } else {
          serverSeq += len;
        }
        segments++;
        if (!last && segments % 2 == 0) {
          ack(!fromClient, t + 5);
          t += 5;
        }
        t += last ? 0 : 12;
      }
      return t;
    }

    void ack(boolean fromClient, long t) {
      send(fromClient, t, TcpFrames.ACK, new byte[0]);
    }

    void send(boolean fromClient, long t, int flags, byte[] payload) {
      send(fromClient, t, flags, payload, 0, payload.length);
    }

    void send(boolean fromClient, long t, int flags, byte[] payload, int off, int len) {
      long seq = fromClient ? clientSeq : serverSeq;
      long ack = (flags & TcpFrames.ACK) != 0 ? (fromClient ? serverSeq : clientSeq) : 0;
      byte[] f =
          fromClient
              ? TcpFrames.frame(
                  clientIp,
                  clientPort,
                  SERVER_IP,
                  spec.serverPort(),
                  seq,
                  ack,
                  flags,
                  64_240,
                  clientIpId++,
                  MSS,
                  payload,
                  off,
                  len)
              : TcpFrames.frame(
                  SERVER_IP,
                  spec.serverPort(),
                  clientIp,
                  clientPort,
                  seq,
                  ack,
                  flags,
                  65_160,
                  serverIpId++,
                  MSS,
                  payload,
                  off,
                  len);
      pending.add(new Pkt(t, f));
    }
  }

  /** RFC 6455 §4.2.2: base64 of the SHA-1 of the key and the GUID. */
  static String accept(String key) {
    try {
      MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
      byte[] d = sha1.digest((key + WEBSOCKET_GUID).getBytes(StandardCharsets.US_ASCII));
      return Base64.getEncoder().encodeToString(d);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * RFC 7692 §7.2.1: compress with DEFLATE, flush to a byte boundary (sync flush) and remove the
   * four octets 0x00 0x00 0xff 0xff at the tail; the compressor's context carries over.
   */
  static byte[] deflate(Deflater deflater, byte[] raw) {
    deflater.setInput(raw);
    byte[] out = new byte[raw.length + 64];
    int n = 0;
    while (true) {
      n += deflater.deflate(out, n, out.length - n, Deflater.SYNC_FLUSH);
      if (n < out.length) {
        break;
      }
      out = Arrays.copyOf(out, out.length * 2);
    }
    return Arrays.copyOf(out, n - 4);
  }

  /** Like PHP's json_encode: non-ASCII as \\uXXXX escapes (UTF-16 units). */
  static String phpEscape(String s) {
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        b.append(c);
      } else {
        b.append(String.format("\\u%04x", (int) c));
      }
    }
    return b.toString();
  }

  static String time(long micros) {
    return TIME.format(Instant.ofEpochSecond(micros / 1_000_000));
  }
}
