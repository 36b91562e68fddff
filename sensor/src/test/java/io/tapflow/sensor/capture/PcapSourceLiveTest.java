package io.tapflow.sensor.capture;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tapflow.schemas.TcpFlags;
import io.tapflow.sensor.decode.ConnectionKey;
import io.tapflow.sensor.decode.TcpSegment;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Instant;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Captures live on loopback. Needs root or CAP_NET_RAW, as CI has: without it these tests fail,
 * they do not skip.
 *
 * <p>Each test listens on an ephemeral port of its own (never a fixed one another program might
 * use) and filters the capture on it.
 */
@Timeout(60)
class PcapSourceLiveTest {

  /** 1000 bytes holding every byte value, so any corruption shows. */
  private static final byte[] REQUEST = request();

  private static final byte[] RESPONSE = "HTTP/1.1 204 No Content\r\n\r\n".getBytes(US_ASCII);

  private final Queue<CapturedFrame> frames = new ConcurrentLinkedQueue<>();
  private ExecutorService executor;
  private ServerSocket server;

  private static byte[] request() {
    byte[] bytes = new byte[1000];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) (i * 7);
    }
    return bytes;
  }

  @BeforeEach
  void listen() throws IOException {
    executor = Executors.newSingleThreadExecutor();
    server = new ServerSocket();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
  }

  @AfterEach
  void closeAll() throws IOException {
    executor.shutdownNow();
    server.close();
  }

  private PacketHandler collector() {
    return (linkType, ts, nano, data, captured, wire) ->
        frames.add(new CapturedFrame(linkType, ts, nano, data, captured, wire));
  }

  private static long epochNanosNow() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  /** Sends REQUEST, answers RESPONSE, closes both ends; returns the client's local port. */
  private int converse() throws IOException {
    try (Socket client = new Socket()) {
      client.connect(server.getLocalSocketAddress());
      try (Socket accepted = server.accept()) {
        client.getOutputStream().write(REQUEST);
        assertArrayEquals(REQUEST, accepted.getInputStream().readNBytes(REQUEST.length));
        accepted.getOutputStream().write(RESPONSE);
        assertArrayEquals(RESPONSE, client.getInputStream().readNBytes(RESPONSE.length));
        accepted.shutdownOutput();
        client.shutdownOutput();
        assertEquals(-1, client.getInputStream().read());
        assertEquals(-1, accepted.getInputStream().read());
      }
      return client.getLocalPort();
    }
  }

  /** Waits until the capture holds a FIN from each side of the conversation. */
  private void awaitBothFins() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      long fins =
          frames.stream()
              .map(CapturedFrame::segment)
              .filter(s -> s.hasFlags(TcpFlags.FIN))
              .map(s -> s.srcPort())
              .distinct()
              .count();
      if (fins == 2) {
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no FIN from both sides within 10 s; captured " + frames.size());
  }

  /** Concatenates the payloads of the captured segments from {@code srcPort}, in capture order. */
  private byte[] payloadFrom(int srcPort) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    frames.stream()
        .map(CapturedFrame::segment)
        .filter(s -> s.srcPort() == srcPort)
        .forEach(s -> out.writeBytes(s.payload()));
    return out.toByteArray();
  }

  private void captureOneConversation(String interfaceName, int expectedLinkType) throws Exception {
    int port = server.getLocalPort();
    CaptureConfig config =
        CaptureConfig.live(interfaceName).withFilter("tcp port " + port + " and host 127.0.0.1");
    int clientPort;
    long before;
    long after;
    CaptureStats stats;
    try (PcapSource source = PcapSource.open(config)) {
      assertEquals(expectedLinkType, source.linkType());
      assertEquals(interfaceName, source.name());
      assertTrue(source.isLive());
      assertTrue(source.nanoPrecision());
      Future<?> run =
          executor.submit(
              () -> {
                source.run(collector());
                return null;
              });

      before = epochNanosNow();
      clientPort = converse();
      after = epochNanosNow();
      awaitBothFins();
      source.stop();
      run.get(5, TimeUnit.SECONDS);
      stats = source.stats();
    }

    assertArrayEquals(REQUEST, payloadFrom(clientPort));
    assertArrayEquals(RESPONSE, payloadFrom(port));
    String key =
        "t|127.0.0.1:" + Math.min(port, clientPort) + "|127.0.0.1:" + Math.max(port, clientPort);
    List<String> keys =
        frames.stream().map(f -> ConnectionKey.of("t", f.segment())).distinct().toList();
    assertEquals(List.of(key), keys);
    TcpSegment syn = frames.peek().segment();
    assertEquals(TcpFlags.SYN, syn.flags());
    assertEquals(clientPort, syn.srcPort());
    assertEquals(port, syn.dstPort());
    for (CapturedFrame frame : frames) {
      assertEquals(expectedLinkType, frame.linkType());
      assertTrue(frame.nanoPrecision());
      assertEquals(frame.wireLength(), frame.capturedLength());
      assertTrue(
          frame.timestampNanos() >= before - 1_000_000
              && frame.timestampNanos() <= after + 1_000_000,
          before + " <= " + frame.timestampNanos() + " <= " + after);
    }
    // Nanosecond timestamps: not every one is a whole number of microseconds.
    assertTrue(frames.stream().anyMatch(f -> f.timestampNanos() % 1000 != 0));
    assertEquals(frames.size(), stats.delivered());
    assertTrue(stats.received() >= stats.delivered(), stats.toString());
    assertEquals(0, stats.droppedByKernel(), stats.toString());
  }

  @Test
  void captureOnLoopbackSeesTheExactBytesSentBothWays() throws Exception {
    captureOneConversation("lo", 1);
  }

  @Test
  void captureOnAnyDeliversLinuxCookedFramesWithTheExactBytes() throws Exception {
    captureOneConversation("any", 113);
  }

  @Test
  void stopWakesALiveCaptureThatSeesNoTraffic() throws Exception {
    CaptureConfig config = CaptureConfig.live("lo").withFilter("tcp port " + server.getLocalPort());
    try (PcapSource source = PcapSource.open(config)) {
      Future<?> run =
          executor.submit(
              () -> {
                source.run(collector());
                return null;
              });
      Thread.sleep(300);

      long stopped = System.nanoTime();
      source.stop();
      run.get(5, TimeUnit.SECONDS);

      assertTrue(System.nanoTime() - stopped < TimeUnit.SECONDS.toNanos(2));
      assertEquals(0, source.stats().delivered());
    }
    assertEquals(0, frames.size());
  }

  @Test
  void anInterfaceThatDoesNotExistIsACaptureException() {
    CaptureException e =
        assertThrows(
            CaptureException.class, () -> PcapSource.open(CaptureConfig.live("tapflow-nosuch0")));

    assertTrue(e.getMessage().startsWith("cannot capture on tapflow-nosuch0: "), e.getMessage());
  }
}
