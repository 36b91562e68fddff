package io.tapflow.processor.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tapflow.processor.tcp.Segment;
import io.tapflow.processor.tcp.StreamListener;
import io.tapflow.processor.tcp.TcpConnection;
import io.tapflow.processor.tcp.TcpReassembler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Keeps the seed inputs of a Jazzer fuzz test, generated from the committed captures, in the folder
 * where Jazzer's regression mode finds them: {@code
 * src/test/resources/<package>/<Class>Inputs/<method>/}.
 *
 * <p>Seeds are named {@code seed-<name>}; anything else in the folder (a finding Jazzer saved, kept
 * as a regression input) is left alone. {@link #check} asserts the committed seeds are exactly the
 * ones the generator makes; run with {@code -Dtapflow.fuzz.writeSeeds=true} it writes them instead.
 */
public final class FuzzCorpus {

  /** The system property that makes {@link #check} write the seeds. */
  public static final String WRITE_PROPERTY = "tapflow.fuzz.writeSeeds";

  /** Every committed capture a seed is taken from, relative to a module directory. */
  public static final List<Path> CAPTURES = captures();

  private FuzzCorpus() {}

  private static List<Path> captures() {
    List<Path> files = new ArrayList<>();
    for (Path dir :
        List.of(
            Captures.SAMPLES,
            Path.of("src", "test", "resources", "captures"),
            Captures.PEER_CAPTURES)) {
      try (Stream<Path> list = Files.list(dir)) {
        list.filter(p -> p.toString().endsWith(".pcap") || p.toString().endsWith(".pcapng"))
            .sorted()
            .forEach(files::add);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return List.copyOf(files);
  }

  /** The folder of a fuzz test method's inputs. */
  public static Path inputs(Class<?> fuzzTest, String method) {
    return Path.of("src", "test", "resources")
        .resolve(fuzzTest.getPackageName().replace('.', '/'))
        .resolve(fuzzTest.getSimpleName() + "Inputs")
        .resolve(method);
  }

  /**
   * Asserts the folder holds exactly {@code seeds} as its {@code seed-*} files, or writes them when
   * {@value #WRITE_PROPERTY} is true.
   */
  public static void check(Class<?> fuzzTest, String method, Map<String, byte[]> seeds)
      throws IOException {
    Path dir = inputs(fuzzTest, method);
    Map<String, String> expected = new TreeMap<>();
    seeds.forEach((name, bytes) -> expected.put("seed-" + name, HexFormat.of().formatHex(bytes)));
    if (Boolean.getBoolean(WRITE_PROPERTY)) {
      Files.createDirectories(dir);
      for (Path old : committed(dir).keySet().stream().map(dir::resolve).toList()) {
        Files.delete(old);
      }
      for (Map.Entry<String, byte[]> seed : seeds.entrySet()) {
        Files.write(dir.resolve("seed-" + seed.getKey()), seed.getValue());
      }
    }
    assertEquals(expected, committed(dir), "seeds in " + dir + " (regenerate: see README)");
  }

  private static Map<String, String> committed(Path dir) throws IOException {
    Map<String, String> files = new TreeMap<>();
    if (!Files.isDirectory(dir)) {
      return files;
    }
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

  /** A seed name from a capture file name: its base name, lower case, safe characters only. */
  public static String name(Path capture) {
    String file = capture.getFileName().toString();
    return file.replaceFirst("\\.pcap(ng)?$", "").replaceAll("[^A-Za-z0-9_-]", "_");
  }

  /**
   * The two byte streams of a connection, reassembled from its segments: client's first, where the
   * client is as {@link TcpConnection} settles it.
   */
  public static byte[][] streams(List<Segment> segments) {
    ByteArrayOutputStream client = new ByteArrayOutputStream();
    ByteArrayOutputStream server = new ByteArrayOutputStream();
    TcpConnection connection =
        new TcpConnection(
            TcpReassembler.Limits.DEFAULT, 1_000_000L, collect(client), collect(server));
    for (Segment s : segments) {
      connection.onSegment(s);
    }
    return new byte[][] {client.toByteArray(), server.toByteArray()};
  }

  private static StreamListener collect(ByteArrayOutputStream bytes) {
    return new StreamListener() {
      @Override
      public void onData(byte[] buf, int off, int len, long timestampNanos) {
        bytes.write(buf, off, len);
      }

      @Override
      public void onGap(long length, long timestampNanos) {}

      @Override
      public void onEnd(long timestampNanos) {}

      @Override
      public void onAnomaly(String code, String detail, long timestampNanos) {}
    };
  }

  /** Every connection of every capture, by seed name (capture name, then an index if several). */
  public static Map<String, List<Segment>> connections() throws Exception {
    Map<String, List<Segment>> all = new TreeMap<>();
    for (Path capture : CAPTURES) {
      List<List<Segment>> connections = new ArrayList<>(Captures.read(capture).values());
      for (int i = 0; i < connections.size(); i++) {
        String suffix = connections.size() == 1 ? "" : "-" + i;
        all.put(name(capture) + suffix, connections.get(i));
      }
    }
    return all;
  }
}
