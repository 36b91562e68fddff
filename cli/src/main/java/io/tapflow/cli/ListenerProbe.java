package io.tapflow.cli;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.utils.Utils;

/**
 * Refuses, before the Kafka clients start, to point a plaintext client at a listener that speaks
 * TLS.
 *
 * <p>A plaintext Kafka client reads the TLS alert such a listener answers with as the size of a
 * response ({@code 15 03 03 00}: 336 MiB), allocates it and retries until its API timeout: an
 * OutOfMemoryError in a small heap, a minute of silence in a large one. So with a plaintext
 * protocol each bootstrap server first gets a Kafka ApiVersions request (harmless to a Kafka
 * listener and answered before any authentication), and the first bytes of the answer tell TLS from
 * Kafka. With SSL or SASL_SSL nothing is probed: plaintext bytes at a healthy TLS listener would be
 * logged by the broker as a failed authentication at every start, and a TLS client at a plaintext
 * listener is merely disconnected until its API timeout, which {@link FailureMessage} explains.
 */
public final class ListenerProbe {
  /** What answered at an address. */
  public enum Answer {
    /** A TLS record (an alert or a handshake). */
    TLS,
    /** A Kafka response to the probe's request. */
    KAFKA,
    /** Nothing conclusive: refused, closed, silent, or something else. */
    UNKNOWN
  }

  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final int CORRELATION_ID = 0x7466; // "tf"

  private ListenerProbe() {}

  /**
   * Throws a {@link CommandFailure} when {@code settings} use a plaintext security protocol
   * (PLAINTEXT, the default, or SASL_PLAINTEXT) and a server of {@code bootstrapServers} answers
   * with TLS. Servers that give no conclusive answer are left to the Kafka clients to report.
   */
  public static void check(String bootstrapServers, Map<String, String> settings) {
    String protocol =
        settings.getOrDefault("security.protocol", "PLAINTEXT").trim().toUpperCase(Locale.ROOT);
    if (!protocol.equals("PLAINTEXT") && !protocol.equals("SASL_PLAINTEXT")) {
      return;
    }
    for (String server : bootstrapServers.split(",")) {
      String s = server.trim();
      String host = Utils.getHost(s);
      Integer port = Utils.getPort(s);
      if (host == null || port == null) {
        continue; // the clients report a malformed address
      }
      if (probe(host, port, TIMEOUT) == Answer.TLS) {
        throw new CommandFailure(
            "Kafka at "
                + s
                + " speaks TLS, but security.protocol is "
                + protocol
                + ": set security.protocol=SSL or SASL_SSL (and ssl.truststore.*) with"
                + " --client-config or -X");
      }
    }
  }

  /**
   * A Kafka ApiVersions v0 request, written in one piece: a TLS listener that fails the handshake
   * on the first bytes and closes with the rest of a piecemeal request unread resets the
   * connection, and a reset can discard its alert before the probe reads it.
   */
  private static byte[] apiVersionsRequest() {
    byte[] clientId = "tapflow-probe".getBytes(StandardCharsets.US_ASCII);
    ByteBuffer b = ByteBuffer.allocate(4 + 2 + 2 + 4 + 2 + clientId.length);
    // Request header v1 (api_key, api_version, correlation_id, client_id); ApiVersions v0 has no
    // body.
    b.putInt(b.capacity() - 4);
    b.putShort((short) 18);
    b.putShort((short) 0);
    b.putInt(CORRELATION_ID);
    b.putShort((short) clientId.length);
    b.put(clientId);
    return b.array();
  }

  /** Sends a Kafka ApiVersions request to {@code host:port} and classifies the first answer. */
  public static Answer probe(String host, int port, Duration timeout) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
      socket.setSoTimeout((int) timeout.toMillis());
      socket.getOutputStream().write(apiVersionsRequest());
      DataInputStream in = new DataInputStream(socket.getInputStream());
      byte first = in.readByte();
      byte second = in.readByte();
      // A TLS record: content type alert (21) or handshake (22), then major version 3.
      if ((first == 0x15 || first == 0x16) && second == 0x03) {
        return Answer.TLS;
      }
      // A Kafka response: a 4-byte size, then the request's correlation id.
      int size = ((first & 0xff) << 24) | ((second & 0xff) << 16) | in.readUnsignedShort();
      return size >= 4 && size < (1 << 20) && in.readInt() == CORRELATION_ID
          ? Answer.KAFKA
          : Answer.UNKNOWN;
    } catch (IOException e) {
      return Answer.UNKNOWN; // refused, closed without a word, or silent
    }
  }
}
