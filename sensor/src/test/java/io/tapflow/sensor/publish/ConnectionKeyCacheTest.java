package io.tapflow.sensor.publish;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tapflow.sensor.decode.ConnectionKey;
import io.tapflow.sensor.decode.TcpSegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

class ConnectionKeyCacheTest {

  @Test
  void aCachedKeyIsTheConnectionKeysUtf8BytesAndItsMurmur2Hash() {
    Random random = new Random(4096);
    for (String sensor : List.of("s", "sensör-ğ-😀", "edge-01.example.org")) {
      ConnectionKeyCache cache = new ConnectionKeyCache(sensor);
      List<TcpSegment> connections = new ArrayList<>();
      // Three times as many connections as slots: every slot is taken over and over.
      for (int i = 0; i < 3 * ConnectionKeyCache.SLOTS; i++) {
        connections.add(segment(random));
      }
      for (int pass = 0; pass < 2; pass++) {
        for (TcpSegment s : connections) {
          check(cache, sensor, s);
          check(cache, sensor, reversed(s));
        }
      }
    }
  }

  @Test
  void bothDirectionsOfAConnectionShareOneKeyArray() {
    ConnectionKeyCache cache = new ConnectionKeyCache("s");
    TcpSegment s = segment(new Random(1));
    byte[] key = cache.find(s).key();
    assertSame(key, cache.find(reversed(s)).key());
    assertSame(key, cache.find(s).key());
    assertEquals(ConnectionKey.of("s", s), new String(cache.find(s).key(), StandardCharsets.UTF_8));
  }

  @Test
  void aSensorIdWithTheSeparatorIsRefused() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new ConnectionKeyCache("a|b"));
    assertEquals("sensor id must not contain '|': a|b", e.getMessage());
  }

  private static void check(ConnectionKeyCache cache, String sensor, TcpSegment s) {
    byte[] expected = ConnectionKey.of(sensor, s).getBytes(StandardCharsets.UTF_8);
    ConnectionKeyCache.Entry e = cache.find(s);
    assertArrayEquals(expected, e.key(), s.toString());
    assertEquals(Utils.murmur2(expected), e.hash(), s.toString());
  }

  /** A segment between random endpoints: IPv4, IPv6 or IPv4-mapped IPv6, few distinct ports. */
  private static TcpSegment segment(Random random) {
    int kind = random.nextInt(3);
    int length = kind == 0 ? 4 : 16;
    byte[] a = new byte[length];
    byte[] b = new byte[length];
    random.nextBytes(a);
    random.nextBytes(b);
    if (kind == 2) {
      for (byte[] addr : new byte[][] {a, b}) {
        java.util.Arrays.fill(addr, 0, 10, (byte) 0);
        addr[10] = (byte) 0xFF;
        addr[11] = (byte) 0xFF;
      }
    }
    if (random.nextInt(10) == 0) {
      b = a.clone(); // same host, the ports tell the endpoints apart
    }
    return new TcpSegment(
        length == 4 ? 4 : 6,
        a,
        b,
        random.nextInt(10) == 0 ? 80 : random.nextInt(65536),
        random.nextInt(65536),
        0,
        0,
        0x10,
        0,
        new byte[0],
        0,
        0,
        0,
        new int[0]);
  }

  private static TcpSegment reversed(TcpSegment s) {
    return new TcpSegment(
        s.ipVersion(),
        s.dstAddr().clone(),
        s.srcAddr().clone(),
        s.dstPort(),
        s.srcPort(),
        0,
        0,
        0x10,
        0,
        new byte[0],
        0,
        0,
        0,
        new int[0]);
  }
}
