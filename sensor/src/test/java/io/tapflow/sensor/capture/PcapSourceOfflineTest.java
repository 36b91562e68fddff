package io.tapflow.sensor.capture;

import static io.tapflow.sensor.capture.CapturedFrame.epoch;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tapflow.schemas.TcpFlags;
import io.tapflow.sensor.capture.CaptureConfig.ReplayPace;
import io.tapflow.sensor.decode.ConnectionKey;
import io.tapflow.sensor.decode.TcpSegment;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class PcapSourceOfflineTest {

  private static final long HOUR_NANOS = 3_600_000_000_000L;

  @TempDir Path dir;

  /** Collects every frame a source delivers. */
  static final class Collector implements PacketHandler {
    final List<CapturedFrame> frames = new ArrayList<>();

    @Override
    public void onPacket(
        int linkType,
        long timestampNanos,
        boolean nanoPrecision,
        byte[] data,
        int capturedLength,
        int wireLength) {
      frames.add(
          new CapturedFrame(
              linkType, timestampNanos, nanoPrecision, data, capturedLength, wireLength));
    }

    List<String> epochs() {
      return frames.stream().map(f -> epoch(f.timestampNanos())).toList();
    }

    List<Integer> payloadLengths() {
      return frames.stream().map(f -> f.segment().payloadLength()).toList();
    }
  }

  private static Path capture(String name) {
    return Path.of("src/test/resources/captures", name);
  }

  private static Collector readAll(CaptureConfig config) throws CaptureException {
    Collector collector = new Collector();
    try (PcapSource source = PcapSource.open(config)) {
      source.run(collector);
    }
    return collector;
  }

  private static byte[] ethernetSyn() {
    // Frame 1 of zeek-oversized-close-frame.pcapng: 10.0.0.1:40081 -> 10.0.0.2:80, SYN.
    return HexFormat.of()
        .parseHex(
            "020000000002020000000001080045000028123440004006149a0a0000010a000002"
                + "9c910050000003e8000000005002faf000260000");
  }

  @Test
  void linuxCookedV1CaptureFromSuricataGivesNineteenSegmentsWithTsharksTimestamps()
      throws CaptureException {
    Collector collector;
    try (PcapSource source =
        PcapSource.open(CaptureConfig.offline(capture("suricata-websocket-ping-input.pcap")))) {
      assertEquals(113, source.linkType());
      assertEquals("suricata-websocket-ping-input.pcap", source.name());
      assertFalse(source.nanoPrecision());
      assertFalse(source.isLive());
      collector = new Collector();
      source.run(collector);
      assertEquals(new CaptureStats(19, 0, 0, 19), source.stats());
    }

    assertEquals(19, collector.frames.size());
    assertEquals(
        List.of(
            "1394016340.965052000",
            "1394016340.965062000",
            "1394016340.965070000",
            "1394016340.965436000",
            "1394016340.965450000",
            "1394016340.966289000",
            "1394016340.966305000",
            "1394016340.966355000",
            "1394016340.967277000",
            "1394016340.967336000",
            "1394016340.969038000",
            "1394016340.969062000",
            "1394016342.836348000",
            "1394016342.836358000",
            "1394016342.836366000",
            "1394016342.836527000",
            "1394016342.840045000",
            "1394016342.845781000",
            "1394016342.845811000"),
        collector.epochs());
    assertEquals(
        List.of(0, 0, 0, 241, 0, 129, 0, 2, 7, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0),
        collector.payloadLengths());
    CapturedFrame first = collector.frames.get(0);
    assertEquals(113, first.linkType());
    assertFalse(first.nanoPrecision());
    assertEquals(76, first.capturedLength());
    assertEquals(76, first.wireLength());
    TcpSegment syn = first.segment();
    assertEquals("127.0.0.1:55371", ConnectionKey.endpoint(syn.srcAddr(), syn.srcPort()));
    assertEquals("127.0.0.1:10301", ConnectionKey.endpoint(syn.dstAddr(), syn.dstPort()));
    assertEquals(TcpFlags.SYN, syn.flags());
    assertEquals(1326362267L, syn.seq());
    assertEquals(
        List.of("t|127.0.0.1:10301|127.0.0.1:55371", "t|127.0.0.1:10301|127.0.0.1:55392"),
        collector.frames.stream().map(f -> ConnectionKey.of("t", f.segment())).distinct().toList());
  }

  @Test
  void pcapngCaptureFromZeekIsReadWithTsharksMicrosecondTimestamps() throws CaptureException {
    Collector collector =
        readAll(CaptureConfig.offline(capture("zeek-oversized-close-frame.pcapng")));

    assertEquals(
        List.of(
            "0.000000000",
            "0.000001000",
            "0.000002000",
            "0.000003000",
            "0.000004000",
            "0.000005000",
            "0.000006000",
            "0.000007000"),
        collector.epochs());
    assertEquals(List.of(0, 0, 0, 154, 129, 268, 0, 0), collector.payloadLengths());
    assertTrue(collector.frames.stream().allMatch(f -> f.linkType() == 1 && !f.nanoPrecision()));
    assertArrayEquals(ethernetSyn(), collector.frames.get(0).data());
    TcpSegment close = collector.frames.get(5).segment();
    assertEquals("10.0.0.2:80", ConnectionKey.endpoint(close.srcAddr(), close.srcPort()));
    assertEquals("10.0.0.1:40081", ConnectionKey.endpoint(close.dstAddr(), close.dstPort()));
    // A server close frame: FIN + opcode 8, 8-byte extended length 258, status code 1000.
    assertEquals(
        "887f000000000000010203e8", HexFormat.of().formatHex(Arrays.copyOf(close.payload(), 12)));
  }

  @Test
  void linuxCookedV2CaptureComesThroughAsLinkType276() throws CaptureException {
    Collector collector;
    try (PcapSource source =
        PcapSource.open(CaptureConfig.offline(capture("tapflow-sll2-lo.pcap")))) {
      assertEquals(276, source.linkType());
      collector = new Collector();
      source.run(collector);
    }

    assertEquals(
        List.of(
            "1795569116.226279000",
            "1795569116.226303000",
            "1795569116.226320000",
            "1795569116.226404000",
            "1795569116.226409000",
            "1795569116.226641000",
            "1795569116.226701000",
            "1795569116.226731000",
            "1795569116.226963000",
            "1795569116.226988000"),
        collector.epochs());
    assertEquals(List.of(0, 0, 0, 18, 0, 18, 0, 0, 0, 0), collector.payloadLengths());
    TcpSegment syn = collector.frames.get(0).segment();
    assertEquals("127.0.0.1:47232", ConnectionKey.endpoint(syn.srcAddr(), syn.srcPort()));
    assertEquals("127.0.0.1:47231", ConnectionKey.endpoint(syn.dstAddr(), syn.dstPort()));
    assertEquals(TcpFlags.SYN, syn.flags());
    assertEquals(2016004306L, syn.seq());
    assertEquals(
        "ping from tapflow\n", new String(collector.frames.get(3).segment().payload(), US_ASCII));
    assertEquals(
        "pong from tapflow\n", new String(collector.frames.get(5).segment().payload(), US_ASCII));
    assertEquals(
        List.of("t|127.0.0.1:47231|127.0.0.1:47232"),
        collector.frames.stream().map(f -> ConnectionKey.of("t", f.segment())).distinct().toList());
  }

  @Test
  void nanosecondPcapKeepsEveryNanosecondDigit() throws Exception {
    Path nano =
        new PcapFileWriter(1, true)
            .add(1_700_000_000_123_456_789L, ethernetSyn())
            .writeTo(dir.resolve("nano.pcap"));

    CapturedFrame frame = readAll(CaptureConfig.offline(nano)).frames.get(0);

    assertEquals("1700000000.123456789", epoch(frame.timestampNanos()));
    assertTrue(frame.nanoPrecision());
  }

  @Test
  void nanosecondPcapngIsReadThroughLibpcapWithNanoseconds() throws Exception {
    Path nano =
        new PcapngFileWriter(ByteOrder.LITTLE_ENDIAN)
            .interfaceBlock(1, 9)
            .packet(0, 1_700_000_000_123_456_789L, ethernetSyn())
            .writeTo(dir.resolve("nano.pcapng"));

    CapturedFrame frame = readAll(CaptureConfig.offline(nano)).frames.get(0);

    assertEquals("1700000000.123456789", epoch(frame.timestampNanos()));
    assertTrue(frame.nanoPrecision());
    assertArrayEquals(ethernetSyn(), frame.data());
  }

  @Test
  void askingForMicrosecondsCutsANanosecondFileToMicroseconds() throws Exception {
    Path nano =
        new PcapFileWriter(1, true)
            .add(1_700_000_000_123_456_789L, ethernetSyn())
            .writeTo(dir.resolve("nano.pcap"));

    CapturedFrame frame =
        readAll(CaptureConfig.offline(nano).withNanoTimestamps(false)).frames.get(0);

    assertEquals("1700000000.123456000", epoch(frame.timestampNanos()));
    assertFalse(frame.nanoPrecision());
  }

  @Test
  void aFrameCutBySnaplenKeepsItsWireLength() throws Exception {
    byte[] syn = ethernetSyn();
    byte[] frame = Arrays.copyOf(syn, 154);
    frame[14 + 3] = (byte) 140; // IP total length 140: 100 bytes of payload
    Path cut = new PcapFileWriter(1, false).add(0, frame, 84, 154).writeTo(dir.resolve("cut.pcap"));

    CapturedFrame read = readAll(CaptureConfig.offline(cut)).frames.get(0);

    assertEquals(84, read.capturedLength());
    assertEquals(84, read.data().length);
    assertEquals(154, read.wireLength());
    TcpSegment segment = read.segment();
    assertEquals(30, segment.payloadLength());
    assertEquals(100, segment.payloadWireLength());
  }

  @Test
  void aBpfFilterAppliesToFilesToo() throws CaptureException {
    Collector collector =
        readAll(
            CaptureConfig.offline(capture("suricata-websocket-ping-input.pcap"))
                .withFilter("tcp port 55392"));

    assertEquals(7, collector.frames.size());
    assertEquals("1394016342.836348000", collector.epochs().get(0));
  }

  @Test
  void replayAtCapturePaceWaitsAsLongAsTheTimestampsSay() throws Exception {
    Path file =
        new PcapFileWriter(1, false)
            .add(1_000_000_000L, ethernetSyn())
            .add(1_150_000_000L, ethernetSyn())
            .add(1_300_000_000L, ethernetSyn())
            .writeTo(dir.resolve("paced.pcap"));
    List<Long> arrivals = new ArrayList<>();

    try (PcapSource source =
        PcapSource.open(CaptureConfig.offline(file).withReplayPace(ReplayPace.CAPTURE_PACE))) {
      source.run((linkType, ts, nano, data, captured, wire) -> arrivals.add(System.nanoTime()));
    }

    assertEquals(3, arrivals.size());
    assertTrue(arrivals.get(1) - arrivals.get(0) >= 150_000_000L, "" + arrivals);
    assertTrue(arrivals.get(2) - arrivals.get(0) >= 300_000_000L, "" + arrivals);
  }

  @Test
  @Timeout(20)
  void replayAsFastAsPossibleDoesNotWaitForTimestamps() throws Exception {
    Path file =
        new PcapFileWriter(1, false)
            .add(0, ethernetSyn())
            .add(HOUR_NANOS, ethernetSyn())
            .writeTo(dir.resolve("hour.pcap"));

    assertEquals(2, readAll(CaptureConfig.offline(file)).frames.size());
  }

  @Test
  void stopEndsAPacedWaitAtOnce() throws Exception {
    Path file =
        new PcapFileWriter(1, false)
            .add(0, ethernetSyn())
            .add(HOUR_NANOS, ethernetSyn())
            .writeTo(dir.resolve("hour.pcap"));
    CountDownLatch firstDelivered = new CountDownLatch(1);
    ExecutorService executor = Executors.newSingleThreadExecutor();
    try (PcapSource source =
        PcapSource.open(CaptureConfig.offline(file).withReplayPace(ReplayPace.CAPTURE_PACE))) {
      Future<?> run =
          executor.submit(
              () -> {
                source.run(
                    (linkType, ts, nano, data, captured, wire) -> firstDelivered.countDown());
                return null;
              });
      assertTrue(firstDelivered.await(10, TimeUnit.SECONDS));
      Thread.sleep(100); // let the pacer start waiting for the second frame, an hour away

      source.stop();

      run.get(5, TimeUnit.SECONDS);
      assertEquals(new CaptureStats(2, 0, 0, 1), source.stats());
    } finally {
      executor.shutdownNow();
    }
  }

  @Test
  void stopFromTheHandlerEndsTheRunAfterThatFrame() throws CaptureException {
    List<Long> seen = new ArrayList<>();
    try (PcapSource source =
        PcapSource.open(CaptureConfig.offline(capture("suricata-websocket-ping-input.pcap")))) {
      source.run(
          (linkType, ts, nano, data, captured, wire) -> {
            seen.add(ts);
            if (seen.size() == 3) {
              source.stop();
            }
          });

      assertEquals(3, seen.size());
      assertEquals(new CaptureStats(3, 0, 0, 3), source.stats());
    }
  }

  @Test
  void anExceptionFromTheHandlerComesOutOfRun() throws CaptureException {
    IllegalStateException boom = new IllegalStateException("boom");
    int[] calls = {0};
    try (PcapSource source =
        PcapSource.open(CaptureConfig.offline(capture("suricata-websocket-ping-input.pcap")))) {
      IllegalStateException thrown =
          assertThrows(
              IllegalStateException.class,
              () ->
                  source.run(
                      (linkType, ts, nano, data, captured, wire) -> {
                        if (++calls[0] == 2) {
                          throw boom;
                        }
                      }));

      assertSame(boom, thrown);
      assertEquals(2, calls[0]);
      assertEquals(new CaptureStats(2, 0, 0, 1), source.stats());
    }
  }

  @Test
  void stopBeforeRunMakesRunReturnWithoutDelivering() throws CaptureException {
    try (PcapSource source =
        PcapSource.open(CaptureConfig.offline(capture("suricata-websocket-ping-input.pcap")))) {
      source.stop();
      source.run((linkType, ts, nano, data, captured, wire) -> {});

      assertEquals(CaptureStats.ZERO, source.stats());
    }
  }

  @Test
  void aSourceRunsOnlyOnce() throws CaptureException {
    try (PcapSource source =
        PcapSource.open(CaptureConfig.offline(capture("zeek-oversized-close-frame.pcapng")))) {
      source.run((linkType, ts, nano, data, captured, wire) -> {});

      assertThrows(
          IllegalStateException.class,
          () -> source.run((linkType, ts, nano, data, captured, wire) -> {}));
    }
  }

  @Test
  void closeIsIdempotentAndStatsOutliveIt() throws CaptureException {
    PcapSource source =
        PcapSource.open(CaptureConfig.offline(capture("zeek-oversized-close-frame.pcapng")));
    source.run((linkType, ts, nano, data, captured, wire) -> {});

    source.close();
    source.close();

    assertEquals(new CaptureStats(8, 0, 0, 8), source.stats());
  }

  @Test
  void aMissingFileIsACaptureException() {
    CaptureException e =
        assertThrows(
            CaptureException.class,
            () -> PcapSource.open(CaptureConfig.offline(dir.resolve("missing.pcap"))));

    assertTrue(e.getMessage().contains("missing.pcap"), e.getMessage());
  }

  @Test
  void aFileThatIsNotACaptureIsACaptureException() throws IOException {
    Path text = Files.writeString(dir.resolve("notes.txt"), "not a capture, just text\n");

    assertThrows(CaptureException.class, () -> PcapSource.open(CaptureConfig.offline(text)));
  }

  @Test
  void aFilterThatDoesNotCompileIsACaptureException() {
    CaptureConfig config =
        CaptureConfig.offline(capture("zeek-oversized-close-frame.pcapng"))
            .withFilter("tcp port nonsense");

    CaptureException e = assertThrows(CaptureException.class, () -> PcapSource.open(config));

    assertTrue(
        e.getMessage().startsWith("bad capture filter \"tcp port nonsense\""), e.getMessage());
  }
}
