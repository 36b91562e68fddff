package io.tapflow.sensor.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tapflow.sensor.capture.CaptureConfig;
import io.tapflow.sensor.capture.PcapSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes {@link PacketDecoder} with any frame of any link type: it never throws, reads nothing past
 * the captured length, and every segment it returns lies inside the captured bytes with its header
 * fields in range.
 *
 * <p>Input: byte 0 picks the link type ({@link #LINK_TYPES}, the last one unsupported), bytes 1-2
 * (big-endian) are how many more bytes the frame had on the wire than were captured, byte 3 is how
 * many bytes at the end of the rest lie past the captured length, and the rest is the frame. Plain
 * {@code mvn test} replays the committed inputs in {@code PacketDecoderFuzzTestInputs/}; {@code
 * JAZZER_FUZZ=1} fuzzes (see README, "Fuzzing"). The seeds there are made by {@link
 * #committedSeedsAreFramesOfTheCommittedCaptures}: {@code -Dtapflow.fuzz.writeSeeds=true} rewrites
 * them.
 */
class PacketDecoderFuzzTest {

  /** Every link type the decoder knows, then one it does not. */
  static final int[] LINK_TYPES = {
    LinkTypes.ETHERNET,
    LinkTypes.LINUX_SLL,
    LinkTypes.LINUX_SLL2,
    LinkTypes.NULL,
    LinkTypes.LOOP,
    LinkTypes.RAW,
    LinkTypes.RAW_DLT_12,
    LinkTypes.RAW_DLT_14,
    LinkTypes.IPV4,
    LinkTypes.IPV6,
    147
  };

  /** Bytes of input before the frame. */
  static final int HEADER = 4;

  private final PacketDecoder decoder = new PacketDecoder();

  /** Builds the input that decodes {@code frame} as captured with the given lengths. */
  static byte[] input(int linkType, byte[] frame, int wireExtra) {
    int index = 0;
    while (LINK_TYPES[index] != linkType) {
      index++;
    }
    byte[] input = new byte[HEADER + frame.length];
    input[0] = (byte) index;
    input[1] = (byte) (wireExtra >>> 8);
    input[2] = (byte) wireExtra;
    System.arraycopy(frame, 0, input, HEADER, frame.length);
    return input;
  }

  private static final String METHOD = "anyFrameDecodesToASegmentInsideItOrNamesItsSkipReason";

  @FuzzTest(maxDuration = "30s")
  void anyFrameDecodesToASegmentInsideItOrNamesItsSkipReason(byte[] input) {
    if (input.length < HEADER) {
      return;
    }
    int linkType = LINK_TYPES[(input[0] & 0xff) % LINK_TYPES.length];
    int wireExtra = ((input[1] & 0xff) << 8) | (input[2] & 0xff);
    byte[] frame = Arrays.copyOfRange(input, HEADER, input.length);
    int beyond = Math.min(input[3] & 0xff, frame.length);
    int captured = frame.length - beyond;
    int wire = captured + wireExtra;

    DecodeResult result = decoder.decode(linkType, frame, captured, wire);

    // What lies past the captured length is never read: the exact-length frame decodes alike.
    DecodeResult exact = decoder.decode(linkType, Arrays.copyOf(frame, captured), captured, wire);
    if (result instanceof SkipReason reason) {
      assertSame(reason, exact);
      assertTrue(reason.code().matches("[a-z][a-z_]*"), reason.code());
      if (linkType == 147) {
        assertSame(SkipReason.UNSUPPORTED_LINK_TYPE, reason);
      }
      return;
    }
    TcpSegment segment = (TcpSegment) result;
    assertEquals(segment, exact);
    int addressLength = segment.ipVersion() == 4 ? 4 : 16;
    assertEquals(addressLength, segment.srcAddr().length);
    assertEquals(addressLength, segment.dstAddr().length);
    // At least an IP header without options and a TCP header without options come first.
    int minimumHeaders = (segment.ipVersion() == 4 ? 20 : 40) + 20;
    assertTrue(segment.payloadOffset() >= minimumHeaders, "payload at " + segment.payloadOffset());
    assertTrue(segment.payloadOffset() + segment.payloadLength() <= captured, "past the capture");
    assertTrue(segment.payloadLength() >= 0);
    // Only bytes the capture cut can be missing from the payload.
    long missing = (long) segment.payloadWireLength() - segment.payloadLength();
    assertTrue(missing >= 0 && missing <= wire - captured, "missing " + missing);
    assertTrue(segment.srcPort() >= 0 && segment.srcPort() <= 0xffff);
    assertTrue(segment.dstPort() >= 0 && segment.dstPort() <= 0xffff);
    assertTrue(segment.seq() >= 0 && segment.seq() < 1L << 32);
    assertTrue(segment.ack() >= 0 && segment.ack() < 1L << 32);
    assertTrue(segment.flags() >= 0 && segment.flags() <= 0xff);
    assertTrue(segment.window() >= 0 && segment.window() <= 0xffff);
    boolean tagged =
        linkType == LinkTypes.ETHERNET
            || linkType == LinkTypes.LINUX_SLL
            || linkType == LinkTypes.LINUX_SLL2;
    assertTrue(tagged || segment.vlanIds().length == 0, "VLAN tags on link type " + linkType);
    for (int vlan : segment.vlanIds()) {
      assertTrue(vlan >= 0 && vlan <= 0xfff, "VLAN id " + vlan);
    }
    // The key and the text form work for whatever addresses came.
    String key = ConnectionKey.of("fuzz", segment);
    assertEquals(
        key,
        ConnectionKey.of(
            "fuzz", segment.dstAddr(), segment.dstPort(), segment.srcAddr(), segment.srcPort()));
    assertTrue(segment.toString().contains(" > "));
    assertEquals(segment.payloadLength(), segment.payload().length);
    assertEquals(segment.payloadLength(), segment.payloadBuffer().remaining());
  }

  /** Payload bytes a seed keeps of a captured frame; the rest is cut as a short snaplen would. */
  private static final int SEED_PAYLOAD = 64;

  /**
   * The seeds: from every committed capture, its first SYN, first segment with payload (cut short,
   * as by a snaplen) and first FIN or RST; and a frame of every link type, tag and header shape the
   * decoder knows, made byte by byte.
   */
  @Test
  void committedSeedsAreFramesOfTheCommittedCaptures() throws Exception {
    Map<String, byte[]> seeds = new TreeMap<>();
    for (Path capture : captures()) {
      Map<String, byte[]> picked = new LinkedHashMap<>();
      try (PcapSource source = PcapSource.open(CaptureConfig.offline(capture))) {
        source.run(
            (linkType, ts, nano, data, caplen, wirelen) -> {
              if (!(decoder.decode(linkType, data, caplen, wirelen) instanceof TcpSegment t)) {
                return;
              }
              String kind =
                  t.hasFlags(0x02)
                      ? "syn"
                      : (t.flags() & 0x05) != 0 ? "end" : t.payloadLength() > 0 ? "data" : null;
              if (kind != null && !picked.containsKey(kind)) {
                int keep = Math.min(caplen, t.payloadOffset() + SEED_PAYLOAD);
                picked.put(kind, input(linkType, Arrays.copyOf(data, keep), wirelen - keep));
              }
            });
      }
      String name = capture.getFileName().toString().replaceFirst("\\.pcap(ng)?$", "");
      picked.forEach((kind, seed) -> seeds.put(name + "-" + kind, seed));
    }
    seeds.putAll(craftedFrames());
    check(seeds);
  }

  private static List<Path> captures() throws IOException {
    List<Path> files = new ArrayList<>();
    for (Path dir :
        List.of(
            Path.of("src", "test", "resources", "captures"),
            Path.of("..", "samples"),
            Path.of("..", "processor", "src", "test", "resources", "captures"),
            Path.of("..", "cli", "src", "test", "resources", "peer-captures"))) {
      try (Stream<Path> list = Files.list(dir)) {
        list.filter(p -> p.toString().matches(".*\\.pcap(ng)?$")).sorted().forEach(files::add);
      }
    }
    return files;
  }

  private static Map<String, byte[]> craftedFrames() {
    byte[] syn =
        Frames.tcp(40000, 80, 1, 0, 0x02, 1024, Frames.hex("020405b4 01030307"), Frames.NONE);
    byte[] data = Frames.tcp(40000, 80, 2, 1, 0x18, Frames.hex("474554202f20485454502f312e310d0a"));
    byte[] v4 = Frames.ipv4("10.0.0.1", "10.0.0.2", 6, data);
    byte[] v6 = Frames.ipv6("fe80::1", "2001:db8::2", 6, data);
    Map<String, byte[]> frames = new TreeMap<>();
    frames.put("ethernet-ipv4", input(LinkTypes.ETHERNET, Frames.ethernet(0x0800, v4), 0));
    frames.put(
        "ethernet-qinq-ipv6",
        input(LinkTypes.ETHERNET, Frames.ethernet(0x86DD, v6, 0x88A8, 0x0064, 0x8100, 0x00C8), 0));
    frames.put(
        "ethernet-ipv4-options-syn",
        input(
            LinkTypes.ETHERNET,
            Frames.ethernet(
                0x0800, Frames.ipv4("10.0.0.1", "10.0.0.2", 6, 0, Frames.hex("01010100"), syn)),
            0));
    frames.put(
        "ethernet-ipv4-fragment",
        input(
            LinkTypes.ETHERNET,
            Frames.ethernet(
                0x0800, Frames.ipv4("10.0.0.1", "10.0.0.2", 6, 0x2000, Frames.NONE, data)),
            0));
    frames.put(
        "ethernet-udp",
        input(
            LinkTypes.ETHERNET,
            Frames.ethernet(0x0800, Frames.ipv4("10.0.0.1", "10.0.0.2", 17, data)),
            0));
    frames.put("ethernet-arp", input(LinkTypes.ETHERNET, Frames.ethernet(0x0806, new byte[28]), 0));
    frames.put("sll-ipv4", input(LinkTypes.LINUX_SLL, Frames.sll(0x0800, v4), 0));
    frames.put("sll2-ipv6", input(LinkTypes.LINUX_SLL2, Frames.sll2(0x86DD, v6), 0));
    frames.put("null-le-ipv4", input(LinkTypes.NULL, Frames.loopback(2, true, v4), 0));
    frames.put("null-be-ipv6-darwin", input(LinkTypes.NULL, Frames.loopback(30, false, v6), 0));
    frames.put("loop-ipv6-freebsd", input(LinkTypes.LOOP, Frames.loopback(28, false, v6), 0));
    frames.put("raw-ipv4-truncated", input(LinkTypes.RAW, Arrays.copyOf(v4, 48), v4.length - 48));
    frames.put(
        "raw-ipv6-extension-headers",
        input(
            LinkTypes.RAW,
            Frames.ipv6(
                "2001:db8::1",
                "2001:db8::2",
                0,
                Frames.concat(
                    Frames.extensionHeader(43, 0),
                    Frames.extensionHeader(44, 1),
                    Frames.fragmentHeader(6, 0, false),
                    data)),
            0));
    frames.put(
        "ipv6-fragment",
        input(
            LinkTypes.IPV6,
            Frames.ipv6(
                "2001:db8::1",
                "2001:db8::2",
                44,
                Frames.concat(Frames.fragmentHeader(6, 8, true), data)),
            0));
    frames.put("ipv4-jumbo-length-zero", input(LinkTypes.IPV4, zeroTotalLength(v4), 0));
    frames.put("unsupported-link-type", input(147, v4, 0));
    return frames;
  }

  /** The packet with IPv4 total length 0, as segmentation offload leaves it. */
  private static byte[] zeroTotalLength(byte[] ipv4) {
    byte[] copy = ipv4.clone();
    copy[2] = 0;
    copy[3] = 0;
    return copy;
  }

  /**
   * Asserts the committed seeds are exactly {@code seeds}, or writes them with {@code
   * -Dtapflow.fuzz.writeSeeds=true}. Other files there (findings kept as regression inputs) are
   * left alone.
   */
  private static void check(Map<String, byte[]> seeds) throws IOException {
    Path dir =
        Path.of("src", "test", "resources", "io", "tapflow", "sensor", "decode")
            .resolve("PacketDecoderFuzzTestInputs")
            .resolve(METHOD);
    if (Boolean.getBoolean("tapflow.fuzz.writeSeeds")) {
      Files.createDirectories(dir);
      for (Path old : committed(dir).keySet().stream().map(dir::resolve).toList()) {
        Files.delete(old);
      }
      for (Map.Entry<String, byte[]> seed : seeds.entrySet()) {
        Files.write(dir.resolve("seed-" + seed.getKey()), seed.getValue());
      }
    }
    Map<String, String> expected = new TreeMap<>();
    seeds.forEach((name, bytes) -> expected.put("seed-" + name, HexFormat.of().formatHex(bytes)));
    assertEquals(expected, committed(dir), "seeds in " + dir);
  }

  private static Map<String, String> committed(Path dir) throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> list = Files.list(dir)) {
      for (Path p : list.toList()) {
        String name = p.getFileName().toString();
        if (name.startsWith("seed-")) {
          files.put(name, HexFormat.of().formatHex(Files.readAllBytes(p)));
        }
      }
    }
    return files;
  }
}
