package io.tapflow.sensor.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplayPacerTest {

  /** A clock that only moves when the pacer parks, by exactly as long as it asked. */
  private static final class FakeTime {
    long now = 5_000_000_000L;
    final List<Long> parks = new ArrayList<>();

    void park(long nanos) {
      parks.add(nanos);
      now += nanos;
    }
  }

  @Test
  void framesAreDueAsLongAfterTheFirstAsTheirTimestampsSay() {
    FakeTime time = new FakeTime();
    ReplayPacer pacer = new ReplayPacer(() -> time.now, time::park);

    assertTrue(pacer.awaitDue(1_000_000_000L, () -> false));
    assertTrue(pacer.awaitDue(1_150_000_000L, () -> false));
    time.now += 20_000_000L; // the handler took 20 ms
    assertTrue(pacer.awaitDue(1_300_000_000L, () -> false));

    assertEquals(List.of(150_000_000L, 130_000_000L), time.parks);
    assertEquals(5_300_000_000L, time.now);
  }

  @Test
  void framesAlreadyLateOrStampedBackwardsAreDueAtOnce() {
    FakeTime time = new FakeTime();
    ReplayPacer pacer = new ReplayPacer(() -> time.now, time::park);

    assertTrue(pacer.awaitDue(1_000_000_000L, () -> false));
    time.now += 500_000_000L;
    assertTrue(pacer.awaitDue(1_200_000_000L, () -> false));
    assertTrue(pacer.awaitDue(900_000_000L, () -> false));

    assertEquals(List.of(), time.parks);
  }

  @Test
  void anEarlyWakeUpWaitsForTheRest() {
    long[] now = {0};
    List<Long> parks = new ArrayList<>();
    ReplayPacer pacer =
        new ReplayPacer(
            () -> now[0],
            nanos -> {
              parks.add(nanos);
              now[0] += (nanos + 1) / 2; // spurious wake-up halfway
            });

    pacer.awaitDue(0, () -> false);
    pacer.awaitDue(100, () -> false);

    assertEquals(List.of(100L, 50L, 25L, 12L, 6L, 3L, 1L), parks);
  }

  @Test
  void stoppingEndsTheWaitAndTheFrameIsNotDue() {
    FakeTime time = new FakeTime();
    boolean[] stopped = {false};
    ReplayPacer pacer =
        new ReplayPacer(
            () -> time.now,
            nanos -> {
              time.park(1_000_000L);
              stopped[0] = true;
            });

    assertTrue(pacer.awaitDue(0, () -> stopped[0]));
    assertFalse(pacer.awaitDue(3_600_000_000_000L, () -> stopped[0]));

    assertEquals(List.of(1_000_000L), time.parks);
  }
}
