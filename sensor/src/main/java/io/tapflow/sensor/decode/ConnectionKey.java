package io.tapflow.sensor.decode;

import io.tapflow.schemas.AddressText;
import java.util.Arrays;

/**
 * Builds the canonical, direction-independent key that names one TCP connection seen by one sensor:
 * {@code sensorId|lowEndpoint|highEndpoint}.
 *
 * <p>An endpoint is {@code a.b.c.d:port} or {@code [v6addr]:port} (RFC 5952 text, see {@link
 * AddressText}). Endpoints are ordered by address, IPv4 before IPv6 and then bytes compared
 * unsigned, and then by port; so both directions of a connection give the same key, which is the
 * Kafka record key and the processor's store key. The direction of a segment is a separate field:
 * {@link #sourceIsLow}.
 */
public final class ConnectionKey {

  /** Separates the sensor id and the two endpoints in a key. */
  public static final char SEPARATOR = '|';

  private ConnectionKey() {}

  /** Returns the key of the connection {@code segment} belongs to. */
  public static String of(String sensorId, TcpSegment segment) {
    return of(sensorId, segment.srcAddr(), segment.srcPort(), segment.dstAddr(), segment.dstPort());
  }

  /**
   * Returns the key of the connection between two endpoints, given in either order.
   *
   * @throws IllegalArgumentException if {@code sensorId} contains {@value #SEPARATOR}
   */
  public static String of(String sensorId, byte[] addrA, int portA, byte[] addrB, int portB) {
    if (sensorId.indexOf(SEPARATOR) >= 0) {
      throw new IllegalArgumentException("sensor id must not contain '|': " + sensorId);
    }
    boolean aIsLow = compareEndpoints(addrA, portA, addrB, portB) <= 0;
    StringBuilder sb = new StringBuilder(sensorId.length() + 2 * 48);
    sb.append(sensorId).append(SEPARATOR);
    AddressText.appendEndpoint(sb, aIsLow ? addrA : addrB, aIsLow ? portA : portB);
    sb.append(SEPARATOR);
    AddressText.appendEndpoint(sb, aIsLow ? addrB : addrA, aIsLow ? portB : portA);
    return sb.toString();
  }

  /**
   * Returns whether the segment's source is the key's low endpoint, i.e. whether it travels from
   * the first endpoint of the key to the second. For a connection from an endpoint to itself this
   * is true both ways.
   */
  public static boolean sourceIsLow(TcpSegment segment) {
    return compareEndpoints(
            segment.srcAddr(), segment.srcPort(), segment.dstAddr(), segment.dstPort())
        <= 0;
  }

  /**
   * Compares two endpoints in key order: shorter address first (IPv4 before IPv6), then address
   * bytes compared unsigned, then port.
   */
  public static int compareEndpoints(byte[] addrA, int portA, byte[] addrB, int portB) {
    if (addrA.length != addrB.length) {
      return Integer.compare(addrA.length, addrB.length);
    }
    int byAddress = Arrays.compareUnsigned(addrA, addrB);
    return byAddress != 0 ? byAddress : Integer.compare(portA, portB);
  }

  /** Returns {@code a.b.c.d:port} for IPv4 or {@code [v6addr]:port} for IPv6. */
  public static String endpoint(byte[] addr, int port) {
    return AddressText.endpoint(addr, port);
  }
}
