package io.tapflow.cli.tail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TimeArgumentTest {
  private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");

  @Test
  void isoInstantsKeepTheirFractionAndZone() {
    assertEquals(
        Instant.parse("2026-11-25T01:13:15.311065Z"),
        TimeArgument.instant("2026-11-25T01:13:15.311065Z", NOW));
    assertEquals(
        Instant.parse("2026-11-25T01:13:15Z"), TimeArgument.instant("2026-11-25T01:13:15Z", NOW));
    assertEquals(
        Instant.parse("2026-11-25T01:13:15.5Z"),
        TimeArgument.instant("2026-11-25T03:13:15.5+02:00", NOW));
    assertEquals(
        Instant.parse("2026-11-25T01:13:15.000000001Z"),
        TimeArgument.instant(" 2026-11-25T01:13:15.000000001Z ", NOW));
  }

  @Test
  void relativeTimesCountBackFromNow() {
    assertEquals(Instant.parse("2026-11-25T11:45:00Z"), TimeArgument.instant("15m", NOW));
    assertEquals(Instant.parse("2026-11-25T10:00:00Z"), TimeArgument.instant("2h", NOW));
    assertEquals(Instant.parse("2026-11-24T12:00:00Z"), TimeArgument.instant("1d", NOW));
    assertEquals(Instant.parse("2026-11-25T10:30:00Z"), TimeArgument.instant("1h30m", NOW));
    assertEquals(Instant.parse("2026-11-25T11:58:30Z"), TimeArgument.instant("90s", NOW));
    assertEquals(Instant.parse("2026-11-25T11:59:59.750Z"), TimeArgument.instant("250ms", NOW));
    assertEquals(NOW, TimeArgument.instant("0s", NOW));
  }

  @Test
  void durationsAddTheirParts() {
    assertEquals(Duration.ZERO, TimeArgument.duration("0s"));
    assertEquals(Duration.ofMinutes(5), TimeArgument.duration("5m"));
    assertEquals(Duration.ofMillis(93_784_005), TimeArgument.duration("1d2h3m4s5ms"));
  }

  @Test
  void aTimeWithoutZoneOrUnitIsRefusedWithTheAcceptedForms() {
    for (String bad :
        new String[] {
          "yesterday", "2026-11-25T01:13:15", "2026-11-25", "15", "-5m", "5 m", "1w", ""
        }) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> TimeArgument.instant(bad, NOW), bad);
      assertEquals(
          "'"
              + bad
              + "' is not a time: give an ISO-8601 instant with its zone"
              + " (2026-11-25T01:13:15Z, 2026-11-25T03:13:15.5+02:00)"
              + " or a time ago (90s, 15m, 2h, 1d, 1h30m)",
          e.getMessage());
    }
  }

  @Test
  void aDurationWithoutUnitOrTooLongIsRefused() {
    assertEquals(
        "'5' is not a duration: give a number and a unit, ms s m h d (30s, 5m, 1h30m)",
        assertThrows(IllegalArgumentException.class, () -> TimeArgument.duration("5"))
            .getMessage());
    assertEquals(
        "'99999999999999999999d' is too long a duration",
        assertThrows(
                IllegalArgumentException.class,
                () -> TimeArgument.duration("99999999999999999999d"))
            .getMessage());
  }
}
