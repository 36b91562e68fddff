package io.tapflow.sensor.redact;

import io.tapflow.sensor.decode.ConnectionKey;
import io.tapflow.sensor.decode.TcpSegment;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Redacts the values of configured JSON members in the WebSocket text messages carried by the TCP
 * segments it is fed in capture order, in place and keeping every length, or says why a segment's
 * payload must be withheld.
 *
 * <p>Each direction of a connection is followed from its SYN ({@link DirectionRedactor}): its HTTP
 * Upgrade head, then its frames. A segment is let through (possibly rewritten) only when every byte
 * of it could be placed: in sequence, after a handshake seen whole, in an uncompressed message that
 * is JSON so far. Otherwise {@link #redact} names a {@link WithheldReason}; after one that loses
 * the direction (a gap, a bad head or frame, no upgrade) the rest of the direction is withheld too,
 * rather than guessed. A repeat of a direction's last segment (a retransmission of it, or the same
 * packet captured twice) is redacted again from the state saved before that segment.
 *
 * <p>Memory is bounded: per connection two directions of scalars and small fixed arrays (the
 * longest configured name, the head parser's field name) and the frame state saved before the last
 * segment, about 1 KB, at most {@code maxConnections} connections, the least recently active
 * forgotten first (its later segments are {@link WithheldReason#MID_STREAM}). A connection is
 * dropped at its RST or its second FIN. Segments without payload and payloads of connections not
 * seen from a SYN keep no state. One thread at a time.
 */
public final class PayloadRedactor {
  /** Connections followed at most, by default. */
  public static final int DEFAULT_MAX_CONNECTIONS = 65_536;

  private static final int FIN = 0x01;
  private static final int SYN = 0x02;
  private static final int RST = 0x04;
  private static final int ACK = 0x10;

  private final RedactedFields fields;
  private final int[] counts;
  private final DirectionRedactor.Context context;
  private final Map<Endpoints, Connection> connections;

  /** A redactor of {@code fields} that follows at most {@code maxConnections} connections. */
  public PayloadRedactor(RedactedFields fields, int maxConnections) {
    if (maxConnections < 1) {
      throw new IllegalArgumentException("maxConnections must be positive: " + maxConnections);
    }
    this.fields = fields;
    this.counts = new int[fields.names().size()];
    this.context = DirectionRedactor.Context.of(fields, counts);
    this.connections =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<Endpoints, Connection> eldest) {
            return size() > maxConnections;
          }
        };
  }

  /** A redactor of {@code fields} that follows {@value #DEFAULT_MAX_CONNECTIONS} connections. */
  public PayloadRedactor(RedactedFields fields) {
    this(fields, DEFAULT_MAX_CONNECTIONS);
  }

  /** The configured names. */
  public RedactedFields fields() {
    return fields;
  }

  /** The connections followed now. */
  public int connections() {
    return connections.size();
  }

  /**
   * Follows {@code s}, rewriting its captured payload in place ({@code s.frame()}) where it holds
   * redacted values, and returns null when the payload may be published, or why it must not.
   */
  public WithheldReason redact(TcpSegment s) {
    Arrays.fill(counts, 0);
    boolean fromLow = ConnectionKey.sourceIsLow(s);
    Endpoints key = Endpoints.of(s, fromLow);
    int flags = s.flags();
    Connection c = connections.get(key);
    if ((flags & SYN) != 0) {
      c = syn(key, c, fromLow, (flags & ACK) == 0, s.seq());
    }
    WithheldReason reason = null;
    if (s.payloadLength() > 0 || s.payloadWireLength() > 0) {
      DirectionRedactor d = c == null ? null : c.direction(fromLow);
      if (d == null) {
        reason = WithheldReason.MID_STREAM;
      } else {
        long seq = (flags & SYN) != 0 ? (s.seq() + 1) & 0xFFFF_FFFFL : s.seq();
        reason =
            d.redact(
                seq,
                s.frame(),
                s.payloadOffset(),
                s.payloadLength(),
                s.isTruncated(),
                c.direction(!fromLow),
                context);
      }
    }
    if (c != null) {
      if ((flags & RST) != 0) {
        connections.remove(key);
      } else if ((flags & FIN) != 0) {
        DirectionRedactor d = c.direction(fromLow);
        if (d != null) {
          d.finish();
        }
        DirectionRedactor peer = c.direction(!fromLow);
        if (d != null && d.finished() && peer != null && peer.finished()) {
          connections.remove(key);
        }
      }
    }
    return s.payloadLength() == 0 ? null : reason; // nothing captured, nothing to withhold
  }

  /**
   * Values of {@code fields().names().get(field)} whose redaction the last segment let through
   * completed.
   */
  public int redactedValues(int field) {
    return counts[field];
  }

  private Connection syn(Endpoints key, Connection c, boolean fromLow, boolean client, long seq) {
    if (c != null && client) {
      DirectionRedactor d = c.direction(fromLow);
      if (d != null && d.initialSequence() != seq) {
        c = null; // a new connection on the same ports
      }
    }
    if (c == null) {
      c = new Connection();
      connections.put(key, c);
    }
    if (c.direction(fromLow) == null) {
      c.set(fromLow, new DirectionRedactor(client, seq));
    }
    return c;
  }

  /** The two directions of one connection, each null until its SYN is seen. */
  private static final class Connection {
    private DirectionRedactor low;
    private DirectionRedactor high;

    DirectionRedactor direction(boolean fromLow) {
      return fromLow ? low : high;
    }

    void set(boolean fromLow, DirectionRedactor d) {
      if (fromLow) {
        low = d;
      } else {
        high = d;
      }
    }
  }

  /** A connection's endpoints in key order ({@link ConnectionKey}). */
  private record Endpoints(byte[] lowAddr, int lowPort, byte[] highAddr, int highPort) {
    static Endpoints of(TcpSegment s, boolean fromLow) {
      return fromLow
          ? new Endpoints(s.srcAddr(), s.srcPort(), s.dstAddr(), s.dstPort())
          : new Endpoints(s.dstAddr(), s.dstPort(), s.srcAddr(), s.srcPort());
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Endpoints e
          && lowPort == e.lowPort
          && highPort == e.highPort
          && Arrays.equals(lowAddr, e.lowAddr)
          && Arrays.equals(highAddr, e.highAddr);
    }

    @Override
    public int hashCode() {
      return (Arrays.hashCode(lowAddr) * 31 + Arrays.hashCode(highAddr)) * 31
          + lowPort * 65_537
          + highPort;
    }

    @Override
    public String toString() {
      return ConnectionKey.endpoint(lowAddr, lowPort)
          + "|"
          + ConnectionKey.endpoint(highAddr, highPort);
    }
  }
}
