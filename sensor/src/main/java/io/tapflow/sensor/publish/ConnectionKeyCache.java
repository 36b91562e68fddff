package io.tapflow.sensor.publish;

import io.tapflow.sensor.decode.ConnectionKey;
import io.tapflow.sensor.decode.TcpSegment;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.common.utils.Utils;

/**
 * Remembers the Kafka key of recently seen connections, as bytes with their murmur2 hash, so that a
 * packet of a connection seen before costs no key text, no encoding and no hash.
 *
 * <p>The key is {@link ConnectionKey#of}'s text in UTF-8; its hash picks the partition as Kafka's
 * default partitioner would. The cache is direct-mapped: a connection's endpoints, in key order,
 * choose one of {@value #SLOTS} slots, and a new connection takes its slot from whichever had it.
 * So its memory is bounded (about 4096 keys of 60 to 110 bytes) whatever the traffic, and a miss
 * costs what every packet cost without it. A key array is never changed once made: records of one
 * connection share it. One thread at a time.
 */
final class ConnectionKeyCache {
  static final int SLOTS = 4096;

  /**
   * One connection: its endpoints in key order, its key (never to be changed) and the key's murmur2
   * hash, as Kafka's default partitioner computes it.
   */
  record Entry(byte[] lowAddr, int lowPort, byte[] highAddr, int highPort, byte[] key, int hash) {}

  private final String sensorId;
  private final Entry[] slots = new Entry[SLOTS];

  ConnectionKeyCache(String sensorId) {
    if (sensorId.indexOf(ConnectionKey.SEPARATOR) >= 0) {
      throw new IllegalArgumentException("sensor id must not contain '|': " + sensorId);
    }
    this.sensorId = sensorId;
  }

  /** Returns the entry of {@code s}'s connection, made now if the cache does not hold it. */
  Entry find(TcpSegment s) {
    byte[] src = s.srcAddr();
    byte[] dst = s.dstAddr();
    boolean srcIsLow = ConnectionKey.compareEndpoints(src, s.srcPort(), dst, s.dstPort()) <= 0;
    byte[] lowAddr = srcIsLow ? src : dst;
    byte[] highAddr = srcIsLow ? dst : src;
    int lowPort = srcIsLow ? s.srcPort() : s.dstPort();
    int highPort = srcIsLow ? s.dstPort() : s.srcPort();
    int slot = slot(lowAddr, lowPort, highAddr, highPort);
    Entry e = slots[slot];
    if (e == null
        || e.lowPort != lowPort
        || e.highPort != highPort
        || !Arrays.equals(e.lowAddr, lowAddr)
        || !Arrays.equals(e.highAddr, highAddr)) {
      byte[] key =
          ConnectionKey.of(sensorId, lowAddr, lowPort, highAddr, highPort)
              .getBytes(StandardCharsets.UTF_8);
      // The decoder gives every segment its own address arrays: keeping them is safe.
      e = new Entry(lowAddr, lowPort, highAddr, highPort, key, Utils.murmur2(key));
      slots[slot] = e;
    }
    return e;
  }

  private static int slot(byte[] lowAddr, int lowPort, byte[] highAddr, int highPort) {
    int h = lowPort * 31 + highPort;
    for (byte b : lowAddr) {
      h = h * 31 + b;
    }
    for (byte b : highAddr) {
      h = h * 31 + b;
    }
    h ^= h >>> 16;
    h *= 0x45d9f3b;
    h ^= h >>> 16;
    return h & (SLOTS - 1);
  }
}
