package io.tapflow.schemas;

/**
 * Formats an IP address given as network-order bytes as text: dotted quad for IPv4, the RFC 5952
 * canonical form for IPv6.
 *
 * <p>RFC 5952 §4: leading zeros in a 16-bit field MUST be suppressed; "::" MUST be used to its
 * maximum capability, MUST NOT shorten just one 16-bit 0 field, shortens the longest run of zero
 * fields and, on a tie, the first; hexadecimal digits MUST be lowercase. §5: IPv4-mapped addresses
 * ({@code ::ffff:0:0/96}) are written in mixed notation, {@code ::ffff:192.0.2.1}.
 */
public final class AddressText {

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private AddressText() {}

  /**
   * Returns the endpoint text of the contract: {@code a.b.c.d:port} for IPv4, {@code [v6addr]:port}
   * for IPv6.
   */
  public static String endpoint(byte[] addr, int port) {
    StringBuilder sb = new StringBuilder(48);
    appendEndpoint(sb, addr, port);
    return sb.toString();
  }

  /** Appends the endpoint text of {@link #endpoint} to {@code sb}. */
  public static void appendEndpoint(StringBuilder sb, byte[] addr, int port) {
    if (addr.length == 16) {
      sb.append('[');
      append(sb, addr);
      sb.append(']');
    } else {
      append(sb, addr);
    }
    sb.append(':').append(port);
  }

  /** Returns the text of a 4-byte IPv4 or 16-byte IPv6 address. */
  public static String format(byte[] addr) {
    StringBuilder sb = new StringBuilder(addr.length == 4 ? 15 : 39);
    append(sb, addr);
    return sb.toString();
  }

  /** Appends the text of a 4-byte IPv4 or 16-byte IPv6 address to {@code sb}. */
  public static void append(StringBuilder sb, byte[] addr) {
    switch (addr.length) {
      case 4 -> appendIpv4(sb, addr, 0);
      case 16 -> appendIpv6(sb, addr);
      default ->
          throw new IllegalArgumentException("an IP address has 4 or 16 bytes, not " + addr.length);
    }
  }

  private static void appendIpv4(StringBuilder sb, byte[] addr, int offset) {
    sb.append(addr[offset] & 0xFF)
        .append('.')
        .append(addr[offset + 1] & 0xFF)
        .append('.')
        .append(addr[offset + 2] & 0xFF)
        .append('.')
        .append(addr[offset + 3] & 0xFF);
  }

  private static void appendIpv6(StringBuilder sb, byte[] addr) {
    if (isIpv4Mapped(addr)) {
      sb.append("::ffff:");
      appendIpv4(sb, addr, 12);
      return;
    }
    // Find the longest run of two or more zero fields; the first one wins a tie.
    int bestStart = -1;
    int bestLength = 1;
    int runStart = -1;
    for (int field = 0; field <= 8; field++) {
      boolean zero = field < 8 && addr[2 * field] == 0 && addr[2 * field + 1] == 0;
      if (zero && runStart < 0) {
        runStart = field;
      } else if (!zero && runStart >= 0) {
        if (field - runStart > bestLength) {
          bestStart = runStart;
          bestLength = field - runStart;
        }
        runStart = -1;
      }
    }
    for (int field = 0; field < 8; field++) {
      if (field == bestStart) {
        sb.append("::");
        field += bestLength - 1;
        continue;
      }
      if (field > 0 && field != bestStart + bestLength) {
        sb.append(':');
      }
      appendHexField(sb, ((addr[2 * field] & 0xFF) << 8) | (addr[2 * field + 1] & 0xFF));
    }
  }

  private static boolean isIpv4Mapped(byte[] addr) {
    for (int i = 0; i < 10; i++) {
      if (addr[i] != 0) {
        return false;
      }
    }
    return addr[10] == (byte) 0xFF && addr[11] == (byte) 0xFF;
  }

  private static void appendHexField(StringBuilder sb, int value) {
    boolean started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      int digit = (value >>> shift) & 0xF;
      if (digit != 0 || started || shift == 0) {
        sb.append(HEX[digit]);
        started = true;
      }
    }
  }
}
