package io.tapflow.cli.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tapflow.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class GenerateCommandTest {
  @TempDir Path dir;

  private static String sha256(Path file) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }

  /** Runs {@code tapflow ARGS} in this JVM; returns its exit code, its output in {@code out}. */
  private static int tapflow(StringWriter out, String... args) {
    CommandLine cmd = Main.commandLine();
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(out, true));
    return cmd.execute(args);
  }

  // The digests are those of the captures the generator wrote as io.tapflow.bench.Generate,
  // before it moved here: the move kept its output byte for byte.

  @Test
  void aPlainCaptureIsTheSameBytesItAlwaysWas() throws Exception {
    Path file = dir.resolve("plain.pcap");
    int code =
        tapflow(
            new StringWriter(),
            "generate",
            file.toString(),
            "--connections",
            "50",
            "--exchanges",
            "10",
            "--seed",
            "7",
            "--port",
            "48555");
    assertEquals(0, code);
    assertEquals(484_915, Files.size(file));
    assertEquals("bdfd9a44ea677e0e734c1ae43812304306077f6fe59250a4ad257dee0bd4109f", sha256(file));
  }

  @Test
  void aCompressedCaptureIsTheSameBytesItAlwaysWas() throws Exception {
    Path file = dir.resolve("deflate.pcap");
    int code =
        tapflow(
            new StringWriter(),
            "generate",
            file.toString(),
            "--connections",
            "40",
            "--exchanges",
            "5",
            "--deflate",
            "--seed",
            "3",
            "--port",
            "48556",
            "--think-micros",
            "1000");
    assertEquals(0, code);
    assertEquals(150_676, Files.size(file));
    // DEFLATE output comes from the JDK's zlib (Debian 12's 1.2.13 here).
    assertEquals("90cedfc10679b80ce09e16e27fc5970d6565465d869eba93443c44798e0ba78a", sha256(file));
  }

  @Test
  void theDefaultsAreSeedOneAndPort47300AndItPrintsTheSummary() throws Exception {
    Path file = dir.resolve("sub").resolve("d.pcap");
    StringWriter out = new StringWriter();
    int code =
        tapflow(
            out,
            "generate",
            file.toString(),
            "--connections",
            "3",
            "--exchanges",
            "2",
            "--deflate");
    assertEquals(0, code);
    ChatTrafficGenerator.Spec spec = ChatTrafficGenerator.Spec.of(3, 2, true, 1);
    Path expected = dir.resolve("expected.pcap");
    ChatTrafficGenerator.Summary s;
    try (PcapWriter w = new PcapWriter(expected)) {
      s = ChatTrafficGenerator.generate(spec, w);
    }
    assertEquals(47_300, spec.serverPort());
    assertEquals(sha256(expected), sha256(file));
    assertEquals(
        "file="
            + file
            + " connections=3 exchanges=2 compression=deflate packets="
            + s.packets()
            + " frame_bytes="
            + s.frameBytes()
            + " file_bytes="
            + Files.size(file)
            + " ws_frames=24 text_messages=18 payload_bytes="
            + s.payloadBytes()
            + "\n",
        out.toString());
  }

  @Test
  void aNegativeCountIsRefusedWithExitCode2() {
    StringWriter out = new StringWriter();
    int code =
        tapflow(
            out,
            "generate",
            dir.resolve("x.pcap").toString(),
            "--connections",
            "-1",
            "--exchanges",
            "2");
    assertEquals(2, code);
    assertEquals(
        "tapflow generate: --connections, --exchanges and --think-micros must not be negative,"
            + " --port must be 1-65535\n",
        out.toString());
    assertEquals(false, Files.exists(dir.resolve("x.pcap")));
  }
}
