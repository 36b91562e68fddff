package io.tapflow.cli.deploy;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Finds the files under deploy/ and runs the external tools that check them. */
final class Deploy {
  /** deploy/, seen from the cli module where Maven runs its tests. */
  static final Path DIR = Path.of("..", "deploy").toAbsolutePath().normalize();

  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static final ObjectMapper JSON = new ObjectMapper();

  private Deploy() {}

  /** What a finished command printed (stdout and stderr together) and its exit code. */
  record Run(int exitCode, String output) {}

  /**
   * Runs {@code command} in {@code dir} and waits for it; fails the test (never skips it) when the
   * tool is not installed, naming the Debian package that brings it.
   */
  static Run run(Path dir, Duration timeout, String debianPackage, String... command)
      throws IOException, InterruptedException {
    return run(dir, timeout, debianPackage, Path.of("/dev/null"), command);
  }

  /** Like {@link #run(Path, Duration, String, String...)}, reading standard input from a file. */
  static Run run(Path dir, Duration timeout, String debianPackage, Path input, String... command)
      throws IOException, InterruptedException {
    Path out = Files.createTempFile("tapflow-tool-", ".out");
    try {
      Process p;
      try {
        p =
            new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(input.toFile()))
                .start();
      } catch (IOException e) {
        return fail(
            command[0]
                + " is not installed: apt-get install "
                + debianPackage
                + " (.ci/run installs it)",
            e);
      }
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        fail(String.join(" ", command) + " did not finish within " + timeout);
      }
      return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
    }
  }

  /** The files directly in {@code dir} whose names end with one of {@code suffixes}, sorted. */
  static List<Path> files(Path dir, String... suffixes) throws IOException {
    List<Path> found = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.filter(Files::isRegularFile)
          .filter(p -> Stream.of(suffixes).anyMatch(x -> p.getFileName().toString().endsWith(x)))
          .sorted()
          .forEach(found::add);
    }
    if (found.isEmpty()) {
      fail("no " + String.join("/", suffixes) + " files in " + dir);
    }
    return found;
  }

  /** Every document of a YAML file (documents separated by {@code ---}). */
  static List<JsonNode> yamlDocuments(Path file) throws IOException {
    List<JsonNode> docs = new ArrayList<>();
    try (var parser = YAML.getFactory().createParser(file.toFile())) {
      var it = YAML.readValues(parser, JsonNode.class);
      while (it.hasNext()) {
        JsonNode doc = it.next();
        if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
          docs.add(doc);
        }
      }
    }
    return docs;
  }
}
