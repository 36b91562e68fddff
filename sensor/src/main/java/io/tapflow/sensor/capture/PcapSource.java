package io.tapflow.sensor.capture;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BooleanSupplier;
import org.pcap4j.core.BpfProgram.BpfCompileMode;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapHandle.TimestampPrecision;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.PcapNetworkInterface.PromiscuousMode;
import org.pcap4j.core.PcapStat;
import org.pcap4j.core.Pcaps;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pushes the frames libpcap captures live on an interface, or reads from a pcap or pcapng file, to
 * a {@link PacketHandler}; the only class in tapflow that uses pcap4j.
 *
 * <p>pcap4j opens the handle, sets the filter and reads the counters; frames are read by {@link
 * NextFrame}, a loop over libpcap's {@code pcap_next_ex} through a JNA direct mapping that makes no
 * Java object per frame but the frame's bytes. pcap4j's own loop ({@code pcap_loop} calling back
 * into Java through JNA) cost about 1 µs a frame, its packet parsing three times that. The link
 * type is read as libpcap's number, so types pcap4j has no name for (Linux cooked v2, 276) come
 * through. Timestamps are asked for in nanoseconds; libpcap falls back to microseconds where the
 * platform has none. {@link #stop()} breaks the loop ({@code pcap_breakloop}) from any thread and
 * wakes a blocked live capture at once.
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
  private final boolean handleNanos;
  private final ReplayPacer pacer;
  private final AtomicBoolean ran = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final BooleanSupplier isStopping = () -> this.stopping;

  /** Held by {@link #run} while it reads, taken by {@link #close} before the handle is freed. */
  private final ReentrantReadWriteLock reading = new ReentrantReadWriteLock();

  private volatile boolean stopping;
  private volatile Thread runner;
  private volatile long framesRead;
  private volatile long delivered;
  private volatile CaptureStats lastLiveStats = CaptureStats.ZERO;

  private PcapSource(
      PcapHandle handle, String name, boolean live, boolean nanoPrecision, ReplayPacer pacer) {
    this.handle = handle;
    this.name = name;
    this.live = live;
    this.linkType = handle.getDlt().value();
    this.nanoPrecision = nanoPrecision;
    // Asked for nanoseconds, libpcap writes them into tv_usec (scaling a microsecond file's up).
    this.handleNanos = handle.getTimestampPrecision() == TimestampPrecision.NANO;
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
    reading.readLock().lock();
    runner = Thread.currentThread();
    try {
      if (closed.get()) {
        throw new CaptureException(name + " was closed before it ran");
      }
      NextFrame next = new NextFrame(handle);
      while (!stopping) {
        int rc = next.read();
        if (rc == NextFrame.FRAME) {
          if (!deliver(handler, next)) {
            break;
          }
        } else if (rc == NextFrame.ERROR) {
          throw new CaptureException("capture on " + name + " failed: " + handle.getError());
        } else if (rc == NextFrame.END) {
          break; // the end of a file, or pcap_breakloop
        }
        // NextFrame.TIMEOUT: no frame within the live timeout; look at `stopping` again.
      }
    } catch (NotOpenException e) {
      throw new CaptureException(name + " was closed before it ran", e);
    } finally {
      runner = null;
      reading.readLock().unlock();
    }
  }

  /**
   * Hands the frame {@code next} holds to the handler, pacing a replay; returns whether to go on. A
   * handler's exception or error comes out of {@link #run}.
   */
  private boolean deliver(PacketHandler handler, NextFrame next) {
    framesRead++;
    long timestampNanos =
        next.seconds() * 1_000_000_000L + (handleNanos ? next.fraction() : next.fraction() * 1000);
    if (pacer != null && !pacer.awaitDue(timestampNanos, isStopping)) {
      return false;
    }
    byte[] data = next.bytes();
    handler.onPacket(linkType, timestampNanos, nanoPrecision, data, data.length, next.wireLength());
    delivered++;
    return true;
  }

  /**
   * Reads frames of one handle with libpcap's {@code pcap_next_ex}, called through a JNA direct
   * mapping with plain addresses: per frame one native call, four reads of the header and one copy
   * of the bytes, and no Java object but the frame's array. The handle's address is pcap4j's {@code
   * PcapHandle.handle} (a private field, read once; the pcap4j version is fixed by the build).
   *
   * <pre>
   * struct pcap_pkthdr (LP64):  | tv_sec 8 | tv_usec 8 | caplen 4 | len 4 |
   * </pre>
   */
  private static final class NextFrame {
    static final int FRAME = 1;
    static final int TIMEOUT = 0;
    static final int ERROR = -1;
    static final int END = -2;

    static {
      if (Native.LONG_SIZE != 8 || Native.POINTER_SIZE != 8) {
        throw new IllegalStateException("tapflow's capture needs a 64-bit (LP64) platform");
      }
      Native.register(
          NativeLibrary.getInstance(System.getProperty("org.pcap4j.core.pcapLibName", "pcap")));
    }

    /** {@code int pcap_next_ex(pcap_t *p, struct pcap_pkthdr **header, const u_char **data)}. */
    private static native int pcap_next_ex(long p, long header, long data);

    private final long pcap;
    private final Memory out = new Memory(16); // the two pointers pcap_next_ex writes
    private final long outAddress = Pointer.nativeValue(out);
    private final MovablePointer header = new MovablePointer();
    private final MovablePointer data = new MovablePointer();

    NextFrame(PcapHandle handle) throws NotOpenException {
      if (!handle.isOpen()) {
        throw new NotOpenException();
      }
      try {
        Field field = PcapHandle.class.getDeclaredField("handle");
        field.setAccessible(true);
        this.pcap = Pointer.nativeValue((Pointer) field.get(handle));
      } catch (ReflectiveOperationException | RuntimeException e) {
        throw new IllegalStateException("cannot reach pcap4j's libpcap handle: " + e, e);
      }
    }

    /** Reads the next frame: {@link #FRAME}, {@link #TIMEOUT}, {@link #ERROR} or {@link #END}. */
    int read() {
      int rc = pcap_next_ex(pcap, outAddress, outAddress + 8);
      if (rc == FRAME) {
        header.at(out.getLong(0));
        data.at(out.getLong(8));
      }
      return rc;
    }

    long seconds() {
      return header.getLong(0);
    }

    /** Microseconds, or nanoseconds when the handle was opened for them. */
    long fraction() {
      return header.getLong(8);
    }

    int wireLength() {
      return header.getInt(20);
    }

    /** A new array with the captured bytes of the frame. */
    byte[] bytes() {
      byte[] bytes = new byte[header.getInt(16)];
      data.read(0, bytes, 0, bytes.length);
      return bytes;
    }
  }

  /** A JNA pointer whose address can be moved, so reading a new frame makes no new object. */
  private static final class MovablePointer extends Pointer {
    MovablePointer() {
      super(0);
    }

    void at(long address) {
      this.peer = address;
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
    reading.writeLock().lock(); // a running loop has left libpcap
    try {
      handle.close();
    } finally {
      reading.writeLock().unlock();
    }
  }
}
