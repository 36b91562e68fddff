package io.tapflow.sensor.capture;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Configures a {@link PcapSource}: where frames come from (an interface or a file) and how libpcap
 * captures them; immutable, with every default stated here.
 *
 * <p>Start from {@link #live(String)} or {@link #offline(Path)} and change fields with the {@code
 * with...} methods. Settings that only make sense live (buffer size, promiscuous and immediate
 * mode, timeout) are ignored for a file, and the replay pace is ignored live.
 *
 * @param interfaceName the interface to capture on ({@code any} for all), or null to read {@code
 *     file}
 * @param file the pcap or pcapng file to replay, or null to capture live
 * @param filter a BPF filter expression in tcpdump syntax; empty for none
 * @param snaplen the most bytes captured of each frame
 * @param bufferSizeBytes the kernel capture buffer size
 * @param promiscuous whether to put the interface into promiscuous mode
 * @param immediateMode whether to hand every packet over at once instead of in batches (costs CPU
 *     and, at high rates, packets)
 * @param timeoutMillis the longest a batch of packets waits in the kernel before delivery
 * @param nanoTimestamps whether to ask libpcap for nanosecond timestamps (it falls back to
 *     microseconds where the platform has none)
 * @param replayPace how fast a file is replayed
 */
public record CaptureConfig(
    String interfaceName,
    Path file,
    String filter,
    int snaplen,
    int bufferSizeBytes,
    boolean promiscuous,
    boolean immediateMode,
    int timeoutMillis,
    boolean nanoTimestamps,
    ReplayPace replayPace) {

  /** Default snaplen: 262144, libpcap's and tcpdump's maximum, so no frame is cut. */
  public static final int DEFAULT_SNAPLEN = 262_144;

  /** Default kernel buffer: 64 MiB, enough for bursts of 250k packets/s without loss. */
  public static final int DEFAULT_BUFFER_SIZE_BYTES = 64 * 1024 * 1024;

  /**
   * Default batch timeout: 10 ms, the most a quiet link delays a packet. At high rates the kernel's
   * blocks fill before it expires, so it costs at most 100 wake-ups a second on a quiet link; at
   * 100 ms it was most of the capture-to-topic latency (docs/BENCHMARKS.md, (5)). A block handed
   * over early holds fewer packets, so at moderate rates the kernel buffer rides out a shorter
   * stall of the sensor; where latency matters less, a longer timeout buys that back.
   */
  public static final int DEFAULT_TIMEOUT_MILLIS = 10;

  /** Default filter: none. */
  public static final String DEFAULT_FILTER = "";

  /** Default promiscuous mode: off, so the sensor sees only what the host sees. */
  public static final boolean DEFAULT_PROMISCUOUS = false;

  /** Default immediate mode: off, batching is what keeps up with high rates. */
  public static final boolean DEFAULT_IMMEDIATE_MODE = false;

  /** Default timestamp request: nanoseconds. */
  public static final boolean DEFAULT_NANO_TIMESTAMPS = true;

  /** Default replay pace: as fast as possible. */
  public static final ReplayPace DEFAULT_REPLAY_PACE = ReplayPace.AS_FAST_AS_POSSIBLE;

  /** How fast a capture file is replayed. */
  public enum ReplayPace {
    /** Deliver frames as fast as the handler takes them. */
    AS_FAST_AS_POSSIBLE,
    /** Wait between frames as long as their timestamps differ, as when they were captured. */
    CAPTURE_PACE
  }

  /** Checks that exactly one of interface and file is given and that the numbers are positive. */
  public CaptureConfig {
    if ((interfaceName == null) == (file == null)) {
      throw new IllegalArgumentException("give either an interface or a file, not both or neither");
    }
    if (interfaceName != null && interfaceName.isBlank()) {
      throw new IllegalArgumentException("interface name is blank");
    }
    Objects.requireNonNull(filter, "filter (empty for none)");
    Objects.requireNonNull(replayPace, "replayPace");
    requirePositive("snaplen", snaplen);
    requirePositive("bufferSizeBytes", bufferSizeBytes);
    requirePositive("timeoutMillis", timeoutMillis);
  }

  /** Returns the defaults for capturing live on {@code interfaceName} ({@code any} for all). */
  public static CaptureConfig live(String interfaceName) {
    return new CaptureConfig(
        Objects.requireNonNull(interfaceName, "interfaceName"),
        null,
        DEFAULT_FILTER,
        DEFAULT_SNAPLEN,
        DEFAULT_BUFFER_SIZE_BYTES,
        DEFAULT_PROMISCUOUS,
        DEFAULT_IMMEDIATE_MODE,
        DEFAULT_TIMEOUT_MILLIS,
        DEFAULT_NANO_TIMESTAMPS,
        DEFAULT_REPLAY_PACE);
  }

  /** Returns the defaults for replaying the pcap or pcapng {@code file}. */
  public static CaptureConfig offline(Path file) {
    return new CaptureConfig(
        null,
        Objects.requireNonNull(file, "file"),
        DEFAULT_FILTER,
        DEFAULT_SNAPLEN,
        DEFAULT_BUFFER_SIZE_BYTES,
        DEFAULT_PROMISCUOUS,
        DEFAULT_IMMEDIATE_MODE,
        DEFAULT_TIMEOUT_MILLIS,
        DEFAULT_NANO_TIMESTAMPS,
        DEFAULT_REPLAY_PACE);
  }

  /** Returns whether this captures from an interface rather than a file. */
  public boolean isLive() {
    return interfaceName != null;
  }

  /** Returns a copy with another BPF filter; empty for none. */
  public CaptureConfig withFilter(String filter) {
    return with(b -> b.filter = filter);
  }

  /** Returns a copy with another snaplen. */
  public CaptureConfig withSnaplen(int snaplen) {
    return with(b -> b.snaplen = snaplen);
  }

  /** Returns a copy with another kernel buffer size. */
  public CaptureConfig withBufferSizeBytes(int bufferSizeBytes) {
    return with(b -> b.bufferSizeBytes = bufferSizeBytes);
  }

  /** Returns a copy with promiscuous mode on or off. */
  public CaptureConfig withPromiscuous(boolean promiscuous) {
    return with(b -> b.promiscuous = promiscuous);
  }

  /** Returns a copy with immediate mode on or off. */
  public CaptureConfig withImmediateMode(boolean immediateMode) {
    return with(b -> b.immediateMode = immediateMode);
  }

  /** Returns a copy with another batch timeout. */
  public CaptureConfig withTimeoutMillis(int timeoutMillis) {
    return with(b -> b.timeoutMillis = timeoutMillis);
  }

  /** Returns a copy that asks for nanosecond timestamps or not. */
  public CaptureConfig withNanoTimestamps(boolean nanoTimestamps) {
    return with(b -> b.nanoTimestamps = nanoTimestamps);
  }

  /** Returns a copy with another replay pace. */
  public CaptureConfig withReplayPace(ReplayPace replayPace) {
    return with(b -> b.replayPace = replayPace);
  }

  private static void requirePositive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive: " + value);
    }
  }

  /** A copy with the changes {@code change} makes. */
  private CaptureConfig with(java.util.function.Consumer<Fields> change) {
    Fields f = new Fields(this);
    change.accept(f);
    return f.build();
  }

  /** The fields of a config, changeable, for the {@code with...} copies. */
  private static final class Fields {
    String interfaceName;
    Path file;
    String filter;
    int snaplen;
    int bufferSizeBytes;
    boolean promiscuous;
    boolean immediateMode;
    int timeoutMillis;
    boolean nanoTimestamps;
    ReplayPace replayPace;

    Fields(CaptureConfig c) {
      interfaceName = c.interfaceName;
      file = c.file;
      filter = c.filter;
      snaplen = c.snaplen;
      bufferSizeBytes = c.bufferSizeBytes;
      promiscuous = c.promiscuous;
      immediateMode = c.immediateMode;
      timeoutMillis = c.timeoutMillis;
      nanoTimestamps = c.nanoTimestamps;
      replayPace = c.replayPace;
    }

    CaptureConfig build() {
      return new CaptureConfig(
          interfaceName,
          file,
          filter,
          snaplen,
          bufferSizeBytes,
          promiscuous,
          immediateMode,
          timeoutMillis,
          nanoTimestamps,
          replayPace);
    }
  }
}
