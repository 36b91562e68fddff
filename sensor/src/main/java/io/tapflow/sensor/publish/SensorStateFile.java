package io.tapflow.sensor.publish;

import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Keeps a sensor's record numbering in a file (its run id and the next sequence numbers), so that a
 * restarted sensor continues its predecessor's numbering.
 *
 * <p>The file is a few lines of text, replaced whole on every write: the new content goes to {@code
 * FILE.tmp}, is forced to the disk, and is renamed over {@code FILE} (an atomic rename), so a
 * reader finds either the previous content or the new one, never a mix. While a sensor has the file
 * open it holds an exclusive lock on {@code FILE.lock}: a second sensor given the same file refuses
 * to start instead of reusing the first one's numbers.
 *
 * <pre>
 * # tapflow sensor state: written by the sensor, do not edit
 * version=1
 * sensor=edge-1
 * topic=tapflow.packets
 * run=0f1e...
 * clean=false
 * sensorSeq=81234
 * partitionSeq=40117 41117
 * </pre>
 *
 * Values are percent-encoded (URL form encoding); {@code partitionSeq} lists the next number of
 * each partition, partition 0 first.
 */
public final class SensorStateFile implements AutoCloseable {
  private static final int VERSION = 1;

  private final Path file;
  private final Path temp;
  private final FileChannel lockChannel;
  private final FileLock lock;

  /**
   * A sensor's numbering at one moment.
   *
   * @param sensorId the sensor the numbers belong to
   * @param topic the packets topic they number records of
   * @param runId the run id on the records
   * @param clean whether the sensor that wrote this had stopped cleanly (its producer closed, so no
   *     number beyond these was ever given out); false while it runs
   * @param nextSensorSeq the {@code sensorSeq} the next record gets
   * @param nextPartitionSeqs the {@code partitionSeq} the next record of each partition gets,
   *     partition 0 first; a partition beyond the array starts at 0
   */
  public record Numbering(
      String sensorId,
      String topic,
      String runId,
      boolean clean,
      long nextSensorSeq,
      long[] nextPartitionSeqs) {
    /** Checks that the numbers are not negative. */
    public Numbering {
      Objects.requireNonNull(sensorId, "sensorId");
      Objects.requireNonNull(topic, "topic");
      Objects.requireNonNull(runId, "runId");
      nextPartitionSeqs = nextPartitionSeqs.clone();
      if (nextSensorSeq < 0 || Arrays.stream(nextPartitionSeqs).anyMatch(n -> n < 0)) {
        throw new IllegalArgumentException("sequence numbers cannot be negative");
      }
    }

    @Override
    public long[] nextPartitionSeqs() {
      return nextPartitionSeqs.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Numbering n
          && sensorId.equals(n.sensorId)
          && topic.equals(n.topic)
          && runId.equals(n.runId)
          && clean == n.clean
          && nextSensorSeq == n.nextSensorSeq
          && Arrays.equals(nextPartitionSeqs, n.nextPartitionSeqs);
    }

    @Override
    public int hashCode() {
      return Objects.hash(sensorId, topic, runId, clean, nextSensorSeq)
          + 31 * Arrays.hashCode(nextPartitionSeqs);
    }

    @Override
    public String toString() {
      return "Numbering[sensorId="
          + sensorId
          + ", topic="
          + topic
          + ", runId="
          + runId
          + ", clean="
          + clean
          + ", nextSensorSeq="
          + nextSensorSeq
          + ", nextPartitionSeqs="
          + Arrays.toString(nextPartitionSeqs)
          + "]";
    }
  }

  private SensorStateFile(Path file, FileChannel lockChannel, FileLock lock) {
    this.file = file;
    this.temp = file.resolveSibling(file.getFileName() + ".tmp");
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /**
   * Takes {@code file} for this process: locks {@code FILE.lock} (created if missing) in the same
   * directory, which must exist.
   *
   * @throws IOException when the directory is missing or not writable, or another process (another
   *     sensor) holds the lock
   */
  public static SensorStateFile open(Path file) throws IOException {
    Path lockFile = file.resolveSibling(file.getFileName() + ".lock");
    FileChannel channel =
        FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // held by this JVM already
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    if (lock == null) {
      channel.close();
      throw new IOException(
          "another sensor uses the state file "
              + file
              + " (it holds the lock on "
              + lockFile
              + ")");
    }
    return new SensorStateFile(file, channel, lock);
  }

  /** The file's path. */
  public Path path() {
    return file;
  }

  /**
   * The numbering the file holds, or null when there is no file.
   *
   * @throws IOException when it cannot be read or is not a state file of this version; the message
   *     says why
   */
  public Numbering read() throws IOException {
    return read(file);
  }

  /**
   * The numbering {@code file} holds, or null when there is none; needs no lock (a write replaces
   * the file whole), so another process may read the file of a running sensor.
   *
   * @throws IOException when it cannot be read or is not a state file of this version; the message
   *     says why
   */
  public static Numbering read(Path file) throws IOException {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return null;
    }
    Map<String, String> values = new HashMap<>();
    for (String line : text.split("\n", -1)) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int eq = line.indexOf('=');
      if (eq <= 0) {
        throw new IOException("not a state file line: " + line);
      }
      if (values.put(line.substring(0, eq), line.substring(eq + 1)) != null) {
        throw new IOException("a key twice: " + line.substring(0, eq));
      }
    }
    if (!String.valueOf(VERSION).equals(values.get("version"))) {
      throw new IOException("not a version " + VERSION + " state file");
    }
    try {
      String partitions = required(values, "partitionSeq");
      long[] next =
          partitions.isEmpty()
              ? new long[0]
              : Arrays.stream(partitions.split(" ")).mapToLong(Long::parseLong).toArray();
      String clean = required(values, "clean");
      if (!clean.equals("true") && !clean.equals("false")) {
        throw new IOException("clean must be true or false: " + clean);
      }
      return new Numbering(
          decode(required(values, "sensor")),
          decode(required(values, "topic")),
          decode(required(values, "run")),
          clean.equals("true"),
          Long.parseLong(required(values, "sensorSeq")),
          next);
    } catch (IllegalArgumentException e) { // NumberFormatException, negative numbers, bad escapes
      throw new IOException("a malformed value: " + e.getMessage(), e);
    }
  }

  /**
   * Replaces the file's content with {@code n}: written to {@code FILE.tmp}, forced to the disk,
   * then renamed over the file.
   */
  public void write(Numbering n) throws IOException {
    StringBuilder sb = new StringBuilder(256);
    sb.append("# tapflow sensor state: written by the sensor, do not edit\n");
    sb.append("version=").append(VERSION).append('\n');
    sb.append("sensor=").append(encode(n.sensorId())).append('\n');
    sb.append("topic=").append(encode(n.topic())).append('\n');
    sb.append("run=").append(encode(n.runId())).append('\n');
    sb.append("clean=").append(n.clean()).append('\n');
    sb.append("sensorSeq=").append(n.nextSensorSeq()).append('\n');
    sb.append("partitionSeq=");
    long[] next = n.nextPartitionSeqs;
    for (int i = 0; i < next.length; i++) {
      sb.append(i == 0 ? "" : " ").append(next[i]);
    }
    sb.append('\n');
    ByteBuffer bytes = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8));
    try (FileChannel out =
        FileChannel.open(
            temp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      while (bytes.hasRemaining()) {
        out.write(bytes);
      }
      out.force(true);
    }
    try {
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("the file system of " + file + " cannot rename atomically", e);
    }
  }

  /** Releases the lock; the file stays. */
  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      lockChannel.close();
    }
  }

  private static String required(Map<String, String> values, String key) throws IOException {
    String v = values.get(key);
    if (v == null) {
      throw new IOException("no " + key);
    }
    return v;
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }
}
