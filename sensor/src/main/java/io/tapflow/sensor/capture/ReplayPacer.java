package io.tapflow.sensor.capture;

import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Waits until each replayed frame is due, so that a capture file replays at the pace it was
 * recorded.
 *
 * <p>The first frame is due at once; every later frame is due when as much time has passed since
 * the first as its timestamp is past the first frame's. Due times are measured from the start, not
 * from the previous frame, so waiting errors do not add up. A frame stamped earlier than one before
 * it is due at once.
 */
final class ReplayPacer {

  /** Parks the calling thread for up to the given number of nanoseconds. */
  @FunctionalInterface
  interface Parker {
    void parkNanos(long nanos);
  }

  private final LongSupplier clock;
  private final Parker parker;
  private boolean started;
  private long firstTimestampNanos;
  private long startClockNanos;

  /** Creates a pacer on {@link System#nanoTime()} that parks with {@link LockSupport}. */
  ReplayPacer() {
    this(System::nanoTime, LockSupport::parkNanos);
  }

  /** Creates a pacer on the given monotonic clock and parker; for tests. */
  ReplayPacer(LongSupplier clock, Parker parker) {
    this.clock = clock;
    this.parker = parker;
  }

  /**
   * Waits until the frame stamped {@code timestampNanos} is due or {@code stopped} turns true.
   *
   * @return true when the frame is due, false when stopped first
   */
  boolean awaitDue(long timestampNanos, BooleanSupplier stopped) {
    if (!started) {
      started = true;
      firstTimestampNanos = timestampNanos;
      startClockNanos = clock.getAsLong();
      return !stopped.getAsBoolean();
    }
    long dueClockNanos = startClockNanos + (timestampNanos - firstTimestampNanos);
    while (!stopped.getAsBoolean()) {
      long wait = dueClockNanos - clock.getAsLong();
      if (wait <= 0) {
        return true;
      }
      parker.parkNanos(wait);
    }
    return false;
  }
}
