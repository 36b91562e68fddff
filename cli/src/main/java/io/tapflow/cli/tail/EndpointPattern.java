package io.tapflow.cli.tail;

import io.tapflow.schemas.AddressText;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * An IP address with or without a port, as given to {@code --client} and {@code --server}, matched
 * against the endpoint text of the records ({@code a.b.c.d:port}, {@code [v6addr]:port}).
 *
 * <p>The address is kept in the records' own text form (dotted quad, RFC 5952 for IPv6, see {@link
 * AddressText}), so {@code 2001:DB8:0:0::1} given by the user matches {@code [2001:db8::1]:443}.
 *
 * @param address the address bytes (4 or 16)
 * @param port the port, or -1 for any port
 */
public record EndpointPattern(byte[] address, int port) {
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(?:\\.\\d{1,3}){3}");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

  /**
   * Parses {@code 10.0.0.1}, {@code 10.0.0.1:443}, {@code 2001:db8::1}, {@code [2001:db8::1]} or
   * {@code [2001:db8::1]:443}. Only literal addresses: no name is looked up.
   *
   * @throws IllegalArgumentException with a message for the user when it is none of these
   */
  public static EndpointPattern parse(String text) {
    String t = text.strip();
    String host;
    int port = -1;
    if (t.startsWith("[")) {
      int close = t.indexOf(']');
      if (close < 0) {
        throw invalid(text);
      }
      host = t.substring(1, close);
      String rest = t.substring(close + 1);
      if (!rest.isEmpty()) {
        if (!rest.startsWith(":")) {
          throw invalid(text);
        }
        port = port(rest.substring(1), text);
      }
      if (!IPV6.matcher(host).matches()) {
        throw invalid(text);
      }
    } else if (IPV6.matcher(t).matches() && t.indexOf(':') != t.lastIndexOf(':')) {
      host = t; // a bare IPv6 address: several colons, no port
    } else {
      int colon = t.indexOf(':');
      host = colon < 0 ? t : t.substring(0, colon);
      if (colon >= 0) {
        port = port(t.substring(colon + 1), text);
      }
      if (!IPV4.matcher(host).matches()) {
        throw invalid(text);
      }
    }
    return new EndpointPattern(address(host, text), port);
  }

  /**
   * Parses the endpoint text of a record or a connection key ({@code a.b.c.d:port}, {@code
   * [v6addr]:port}); both parts must be present.
   */
  public static EndpointPattern parseEndpoint(String text) {
    EndpointPattern e = parse(text);
    if (e.port < 0) {
      throw invalid(text);
    }
    return e;
  }

  /** Whether {@code endpoint} (a record's endpoint text) has this address and, if given, port. */
  public boolean matches(String endpoint) {
    if (endpoint == null) {
      return false;
    }
    int colon = endpoint.lastIndexOf(':');
    if (colon < 0) {
      return false;
    }
    String host =
        endpoint.startsWith("[") ? endpoint.substring(1, colon - 1) : endpoint.substring(0, colon);
    if (!host.equals(AddressText.format(address))) {
      return false;
    }
    return port < 0 || endpoint.substring(colon + 1).equals(Integer.toString(port));
  }

  /** The pattern as the records write it: {@code a.b.c.d[:port]}, {@code [v6addr][:port]}. */
  @Override
  public String toString() {
    String host = AddressText.format(address);
    if (address.length == 16) {
      host = "[" + host + "]";
    }
    return port < 0 ? host : host + ":" + port;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EndpointPattern e
        && java.util.Arrays.equals(address, e.address)
        && port == e.port;
  }

  @Override
  public int hashCode() {
    return 31 * java.util.Arrays.hashCode(address) + port;
  }

  private static int port(String digits, String text) {
    if (!digits.matches("\\d{1,5}")) {
      throw invalid(text);
    }
    int port = Integer.parseInt(digits);
    if (port > 65535) {
      throw invalid(text);
    }
    return port;
  }

  private static byte[] address(String host, String text) {
    if (IPV4.matcher(host).matches()) {
      String[] parts = host.split("\\.");
      byte[] b = new byte[4];
      for (int i = 0; i < 4; i++) {
        int v = Integer.parseInt(parts[i]);
        if (v > 255) {
          throw invalid(text);
        }
        b[i] = (byte) v;
      }
      return b;
    }
    try {
      // Only hex digits, colons and dots reach here, with at least one colon: the JDK parses
      // such a string as an IPv6 literal and never looks a name up.
      InetAddress a = InetAddress.getByName(host);
      if (a instanceof Inet4Address) { // an IPv4-mapped literal (::ffff:a.b.c.d)
        byte[] b = new byte[16];
        b[10] = (byte) 0xFF;
        b[11] = (byte) 0xFF;
        System.arraycopy(a.getAddress(), 0, b, 12, 4);
        return b;
      }
      return a.getAddress();
    } catch (UnknownHostException e) {
      throw invalid(text);
    }
  }

  private static IllegalArgumentException invalid(String text) {
    return new IllegalArgumentException(
        "'"
            + text
            + "' is not an IP address with an optional port"
            + " (10.0.0.1, 10.0.0.1:443, 2001:db8::1, [2001:db8::1]:443)");
  }
}
