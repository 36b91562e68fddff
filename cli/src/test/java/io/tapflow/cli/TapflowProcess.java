package io.tapflow.cli;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the {@code tapflow} command in a child JVM, as {@code bin/tapflow} does, with its standard
 * output and standard error (where slf4j-simple writes the log) captured in files.
 */
public final class TapflowProcess implements AutoCloseable {
  private final String name;
  private final Process process;
  private final Path stdout;
  private final Path stderr;

  private TapflowProcess(String name, Process process, Path stdout, Path stderr) {
    this.name = name;
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /**
   * Starts {@code tapflow ARGS}.
   *
   * @param dir where the output files go ({@code NAME.out}, {@code NAME.err})
   * @param prefix a command the JVM runs under (for example setpriv), or empty
   * @param classpath the child's class path
   * @param logLevel slf4j-simple's level (info shows the Kafka clients' configuration)
   */
  public static TapflowProcess start(
      Path dir,
      String name,
      List<String> prefix,
      String classpath,
      String logLevel,
      List<String> args)
      throws IOException {
    List<String> command = new ArrayList<>(prefix);
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(
        List.of(
            "-Xmx512m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.tapflow.schemas",
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=" + logLevel,
            "-Dorg.slf4j.simpleLogger.logFile=System.err",
            "-cp",
            classpath,
            "io.tapflow.cli.Main"));
    command.addAll(args);
    Path out = dir.resolve(name + ".out");
    Path err = dir.resolve(name + ".err");
    Process p =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .start();
    return new TapflowProcess(name, p, out, err);
  }

  /** The class path of this test JVM (surefire's, not its booter jar's). */
  public static String testClasspath() {
    return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
  }

  /** Waits for the command to end and returns its exit code; fails the test if it does not. */
  public int waitFor(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      fail("tapflow " + name + " did not end within " + timeout + "; stderr:\n" + stderr());
    }
    return process.exitValue();
  }

  /**
   * Waits until standard error contains {@code text}; fails the test if the command ends first or
   * the time runs out.
   */
  public void awaitStderr(String text, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!stderr().contains(text)) {
      if (!process.isAlive()) {
        fail("tapflow " + name + " ended (" + process.exitValue() + "); stderr:\n" + stderr());
      }
      if (System.nanoTime() > deadline) {
        fail("tapflow " + name + " did not print \"" + text + "\" within " + timeout);
      }
      Thread.sleep(200);
    }
  }

  /**
   * Kills the command with SIGKILL ({@link Process#destroyForcibly()} on Linux: no shutdown hook,
   * no clean-up) and returns its exit code once it has ended: 137 (128 + 9) when SIGKILL ended it.
   */
  public int kill(Duration timeout) throws InterruptedException {
    process.destroyForcibly();
    return waitFor(timeout);
  }

  public long pid() {
    return process.pid();
  }

  public String name() {
    return name;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public String stdout() {
    return read(stdout);
  }

  public String stderr() {
    return read(stderr);
  }

  /** Standard output and standard error together. */
  public String output() {
    return stdout() + stderr();
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Stops the command with SIGTERM and waits for it to end; fails the test if it does not end
   * within {@code timeout}.
   */
  public void stop(Duration timeout) throws InterruptedException {
    process.destroy();
    waitFor(timeout);
  }

  /** Stops the command (SIGTERM, then SIGKILL after 30 s) if it still runs. */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
