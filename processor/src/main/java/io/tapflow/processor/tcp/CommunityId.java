package io.tapflow.processor.tcp;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;

/**
 * Computes the Community ID v1 flow hash of a TCP connection, the identifier Zeek, Suricata and
 * Arkime log, so a connection can be looked up across tools (corelight/community-id-spec).
 *
 * <p>SHA-1 over: seed (2 bytes), the lower endpoint's address, the higher endpoint's address,
 * protocol (1 byte, 6), a zero pad byte, the lower endpoint's port, the higher's (2 bytes each, all
 * in network order), where "lower" orders by address and then port; the result is {@code "1:"} and
 * the digest in base64.
 */
public final class CommunityId {
  private static final int TCP = 6;

  private CommunityId() {}

  public static String tcp(byte[] addrA, int portA, byte[] addrB, int portB, int seed) {
    int cmp = Arrays.compareUnsigned(addrA, addrB);
    boolean aFirst = cmp < 0 || (cmp == 0 && portA <= portB);
    byte[] lowAddr = aFirst ? addrA : addrB;
    byte[] highAddr = aFirst ? addrB : addrA;
    int lowPort = aFirst ? portA : portB;
    int highPort = aFirst ? portB : portA;
    ByteBuffer b = ByteBuffer.allocate(2 + lowAddr.length + highAddr.length + 2 + 4);
    b.putShort((short) seed)
        .put(lowAddr)
        .put(highAddr)
        .put((byte) TCP)
        .put((byte) 0)
        .putShort((short) lowPort)
        .putShort((short) highPort);
    try {
      byte[] digest = MessageDigest.getInstance("SHA-1").digest(b.array());
      return "1:" + Base64.getEncoder().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
