package io.tapflow.sensor.capture;

/**
 * Pushes captured frames to a {@link PacketHandler} until it is stopped or runs out of frames.
 *
 * <p>Life cycle: open (implementation-specific), {@link #run} once on a capture thread, {@link
 * #stop} from any thread, then {@link #close}. {@link #stats} may be called from any thread at any
 * time, also after close.
 */
public interface PacketSource extends AutoCloseable {

  /** Returns the interface name of a live capture, or the file name of a replay. */
  String name();

  /** Returns the libpcap DLT/LINKTYPE number of the frames this source produces. */
  int linkType();

  /**
   * Delivers frames to {@code handler} on the calling thread until {@link #stop} is called, the
   * file ends, or the handler throws. Returns normally in the first two cases; rethrows the
   * handler's exception in the third.
   *
   * @throws CaptureException if the capture fails
   * @throws IllegalStateException if called a second time
   */
  void run(PacketHandler handler) throws CaptureException;

  /**
   * Makes {@link #run} return soon, from any thread; harmless when it is not running or has already
   * returned. Frames still buffered in the kernel are not delivered.
   */
  void stop();

  /** Returns the packet counters so far. */
  CaptureStats stats();

  /** Stops the source if it is running and releases it; idempotent. */
  @Override
  void close();
}
