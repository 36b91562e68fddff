package io.tapflow.sensor.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tapflow.sensor.capture.CaptureConfig.ReplayPace;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class CaptureConfigTest {

  @Test
  void liveDefaultsAreSnaplen262144Buffer64MiBTimeout10MsNotPromiscuousNotImmediateNanoseconds() {
    CaptureConfig config = CaptureConfig.live("any");

    assertEquals(
        new CaptureConfig(
            "any",
            null,
            "",
            262_144,
            67_108_864,
            false,
            false,
            10,
            true,
            ReplayPace.AS_FAST_AS_POSSIBLE),
        config);
    assertTrue(config.isLive());
  }

  @Test
  void offlineDefaultsReplayAsFastAsPossible() {
    CaptureConfig config = CaptureConfig.offline(Path.of("in.pcapng"));

    assertEquals(
        new CaptureConfig(
            null,
            Path.of("in.pcapng"),
            "",
            262_144,
            67_108_864,
            false,
            false,
            10,
            true,
            ReplayPace.AS_FAST_AS_POSSIBLE),
        config);
    assertFalse(config.isLive());
  }

  @Test
  void everyWitherChangesOnlyItsOwnField() {
    CaptureConfig config =
        CaptureConfig.live("eth0")
            .withFilter("tcp port 80")
            .withSnaplen(1500)
            .withBufferSizeBytes(2 << 20)
            .withPromiscuous(true)
            .withImmediateMode(true)
            .withTimeoutMillis(25)
            .withNanoTimestamps(false)
            .withReplayPace(ReplayPace.CAPTURE_PACE);

    assertEquals(
        new CaptureConfig(
            "eth0",
            null,
            "tcp port 80",
            1500,
            2 << 20,
            true,
            true,
            25,
            false,
            ReplayPace.CAPTURE_PACE),
        config);
  }

  @Test
  void exactlyOneOfInterfaceAndFileMustBeGiven() {
    CaptureConfig live = CaptureConfig.live("lo");
    Path file = Path.of("x.pcap");

    assertThrows(
        IllegalArgumentException.class,
        () ->
            new CaptureConfig(
                "lo", file, "", 1, 1, false, false, 1, true, ReplayPace.CAPTURE_PACE));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new CaptureConfig(
                null, null, "", 1, 1, false, false, 1, true, ReplayPace.CAPTURE_PACE));
    assertThrows(IllegalArgumentException.class, () -> CaptureConfig.live(" "));
    assertThrows(NullPointerException.class, () -> live.withFilter(null));
  }

  @Test
  void sizesAndTimeoutMustBePositive() {
    CaptureConfig live = CaptureConfig.live("lo");

    assertThrows(IllegalArgumentException.class, () -> live.withSnaplen(0));
    assertThrows(IllegalArgumentException.class, () -> live.withBufferSizeBytes(-1));
    assertThrows(IllegalArgumentException.class, () -> live.withTimeoutMillis(0));
  }
}
