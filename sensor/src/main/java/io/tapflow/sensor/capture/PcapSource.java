package io.tapflow.sensor.capture;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.pcap4j.core.BpfProgram.BpfCompileMode;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapHandle.TimestampPrecision;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.PcapNetworkInterface.PromiscuousMode;
import org.pcap4j.core.PcapStat;
import org.pcap4j.core.Pcaps;
import org.pcap4j.core.RawPacketListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pushes the frames libpcap captures live on an interface, or reads from a pcap or pcapng file, to
 * a {@link PacketHandler}; the only class in tapflow that uses pcap4j.
 *
 * <p>It uses pcap4j's raw-packet loop ({@code pcap_loop}) and none of pcap4j's packet parsing,
 * which costs about three times the CPU. The link type is read as libpcap's number, so types pcap4j
 * has no name for (Linux cooked v2, 276) come through. Timestamps are asked for in nanoseconds;
 * libpcap falls back to microseconds where the platform has none. {@link #stop()} breaks the loop
 * ({@code pcap_breakloop}) from any thread and wakes a blocked live capture at once.
 *
 * <p>A file is read as fast as the handler takes frames, or at its own pace ({@link
 * CaptureConfig.ReplayPace#CAPTURE_PACE}). libpcap 1.10 reads pcapng as well as pcap; whether a
 * file's timestamps are really nanosecond is read from its headers ({@link
 * FileTimestampPrecision}).
 */
public final class PcapSource implements PacketSource {

  private static final Logger log = LoggerFactory.getLogger(PcapSource.class);

  private final PcapHandle handle;
  private final String name;
  private final boolean live;
  private final int linkType;
  private final boolean nanoPrecision;
  private final ReplayPacer pacer;
  private final AtomicBoolean ran = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final BooleanSupplier isStopping = () -> this.stopping;

  private volatile boolean stopping;
  private volatile Thread runner;
  private volatile long framesRead;
  private volatile long delivered;
  private volatile CaptureStats lastLiveStats = CaptureStats.ZERO;

  /** Set on the capture thread when the handler throws; rethrown by {@link #run}. */
  private Throwable handlerFailure;

  private PcapSource(
      PcapHandle handle, String name, boolean live, boolean nanoPrecision, ReplayPacer pacer) {
    this.handle = handle;
    this.name = name;
    this.live = live;
    this.linkType = handle.getDlt().value();
    this.nanoPrecision = nanoPrecision;
    this.pacer = pacer;
  }

  /**
   * Opens a live capture or a capture file as {@code config} says, with its BPF filter set.
   *
   * @throws CaptureException if libpcap cannot open the interface or file (for live capture: no
   *     such device, or no permission: capture needs root or CAP_NET_RAW) or cannot compile the
   *     filter
   */
  public static PcapSource open(CaptureConfig config) throws CaptureException {
    PcapSource source = config.isLive() ? openLive(config) : openOffline(config);
    if (!config.filter().isEmpty()) {
      try {
        source.handle.setFilter(config.filter(), BpfCompileMode.OPTIMIZE);
      } catch (PcapNativeException | NotOpenException e) {
        source.close();
        throw new CaptureException(
            "bad capture filter \"" + config.filter() + "\": " + e.getMessage(), e);
      }
    }
    log.info(
        "opened {} {}: link type {}, {} timestamps, filter \"{}\"",
        source.live ? "interface" : "file",
        source.name,
        source.linkType,
        source.nanoPrecision ? "nanosecond" : "microsecond",
        config.filter());
    return source;
  }

  private static PcapSource openLive(CaptureConfig config) throws CaptureException {
    PcapHandle handle;
    try {
      handle =
          new PcapHandle.Builder(config.interfaceName())
              .snaplen(config.snaplen())
              .promiscuousMode(
                  config.promiscuous()
                      ? PromiscuousMode.PROMISCUOUS
                      : PromiscuousMode.NONPROMISCUOUS)
              .timeoutMillis(config.timeoutMillis())
              .bufferSize(config.bufferSizeBytes())
              .immediateMode(config.immediateMode())
              .timestampPrecision(precision(config))
              .build();
    } catch (PcapNativeException e) {
      throw new CaptureException(
          "cannot capture on " + config.interfaceName() + ": " + e.getMessage(), e);
    }
    // pcap4j falls back to microseconds (and logs it) where nanoseconds are not supported.
    boolean nano = handle.getTimestampPrecision() == TimestampPrecision.NANO;
    return new PcapSource(handle, config.interfaceName(), true, nano, null);
  }

  private static PcapSource openOffline(CaptureConfig config) throws CaptureException {
    Path file = config.file();
    boolean fileIsNano;
    try {
      fileIsNano = FileTimestampPrecision.isNanosecond(file);
    } catch (IOException e) {
      throw new CaptureException("cannot read " + file + ": " + e, e);
    }
    PcapHandle handle;
    try {
      handle = Pcaps.openOffline(file.toString(), precision(config));
    } catch (PcapNativeException e) {
      throw new CaptureException("cannot read " + file + ": " + e.getMessage(), e);
    }
    boolean nano = fileIsNano && handle.getTimestampPrecision() == TimestampPrecision.NANO;
    ReplayPacer pacer =
        config.replayPace() == CaptureConfig.ReplayPace.CAPTURE_PACE ? new ReplayPacer() : null;
    return new PcapSource(handle, String.valueOf(file.getFileName()), false, nano, pacer);
  }

  private static TimestampPrecision precision(CaptureConfig config) {
    return config.nanoTimestamps() ? TimestampPrecision.NANO : TimestampPrecision.MICRO;
  }

  @Override
  public String name() {
    return name;
  }

  /** Returns libpcap's link-layer type number ({@code pcap_datalink}) of this capture. */
  @Override
  public int linkType() {
    return linkType;
  }

  /** Returns whether the timestamps this source delivers have nanosecond resolution. */
  public boolean nanoPrecision() {
    return nanoPrecision;
  }

  /** Returns whether this captures live rather than reading a file. */
  public boolean isLive() {
    return live;
  }

  @Override
  public void run(PacketHandler handler) throws CaptureException {
    Objects.requireNonNull(handler, "handler");
    if (!ran.compareAndSet(false, true)) {
      throw new IllegalStateException("a PcapSource runs only once: " + name);
    }
    runner = Thread.currentThread();
    try {
      if (!stopping) {
        handle.loop(-1, (RawPacketListener) data -> onRawPacket(handler, data));
      }
    } catch (InterruptedException e) {
      // pcap4j reports pcap_breakloop() as InterruptedException; this thread was not interrupted.
      // stop() or a failing handler broke the loop: that is the normal way out.
    } catch (PcapNativeException e) {
      throw new CaptureException("capture on " + name + " failed: " + e.getMessage(), e);
    } catch (NotOpenException e) {
      throw new CaptureException(name + " was closed before it ran", e);
    } finally {
      runner = null;
    }
    if (handlerFailure instanceof RuntimeException e) {
      throw e;
    }
    if (handlerFailure instanceof Error e) {
      throw e;
    }
  }

  /** Called by pcap_loop on the capture thread for every frame. */
  private void onRawPacket(PacketHandler handler, byte[] data) {
    if (stopping || handlerFailure != null) {
      breakLoop();
      return;
    }
    framesRead++;
    // pcap4j keeps the current frame's header in per-handle, per-thread state: read it here.
    Timestamp timestamp = handle.getTimestamp();
    long timestampNanos =
        Math.floorDiv(timestamp.getTime(), 1000L) * 1_000_000_000L + timestamp.getNanos();
    int wireLength = handle.getOriginalLength();
    if (pacer != null && !pacer.awaitDue(timestampNanos, isStopping)) {
      breakLoop();
      return;
    }
    try {
      handler.onPacket(linkType, timestampNanos, nanoPrecision, data, data.length, wireLength);
      delivered++;
    } catch (RuntimeException | Error e) {
      // pcap4j would log and swallow it; keep it for run() to rethrow instead.
      handlerFailure = e;
      breakLoop();
    }
  }

  @Override
  public void stop() {
    stopping = true;
    breakLoop();
    Thread capturing = runner;
    if (capturing != null) {
      LockSupport.unpark(capturing); // ends a replay pacer's wait
    }
  }

  private void breakLoop() {
    try {
      handle.breakLoop();
    } catch (NotOpenException e) {
      // Closed (or closing): no loop is running.
    }
  }

  /**
   * Returns libpcap's counters for a live capture (the last ones read once closed), or the frames
   * read for a file.
   */
  @Override
  public CaptureStats stats() {
    if (!live) {
      return new CaptureStats(framesRead, 0, 0, delivered);
    }
    try {
      PcapStat stat = handle.getStats();
      CaptureStats stats =
          new CaptureStats(
              stat.getNumPacketsReceived(),
              stat.getNumPacketsDropped(),
              stat.getNumPacketsDroppedByIf(),
              delivered);
      lastLiveStats = stats;
      return stats;
    } catch (PcapNativeException | NotOpenException e) {
      CaptureStats last = lastLiveStats;
      return new CaptureStats(
          last.received(), last.droppedByKernel(), last.droppedByInterface(), delivered);
    }
  }

  /**
   * Stops the capture and closes the libpcap handle, waiting for a running {@link #run} to leave
   * it; must not be called from the handler.
   *
   * @throws IllegalStateException if called from the handler, on the capture thread
   */
  @Override
  public void close() {
    if (Thread.currentThread() == runner) {
      throw new IllegalStateException("close() from the handler would deadlock: call stop()");
    }
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    stop();
    if (live) {
      stats(); // keep the final counters readable after close
    }
    handle.close();
  }
}
