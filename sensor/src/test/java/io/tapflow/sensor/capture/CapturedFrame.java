package io.tapflow.sensor.capture;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.tapflow.sensor.decode.PacketDecoder;
import io.tapflow.sensor.decode.TcpSegment;

/** Records one call of a {@link PacketHandler}, as it came, for tests. */
record CapturedFrame(
    int linkType,
    long timestampNanos,
    boolean nanoPrecision,
    byte[] data,
    int capturedLength,
    int wireLength) {

  private static final PacketDecoder DECODER = new PacketDecoder();

  /** Decodes the frame, failing the test unless it holds a TCP segment. */
  TcpSegment segment() {
    return assertInstanceOf(
        TcpSegment.class, DECODER.decode(linkType, data, capturedLength, wireLength));
  }

  /** Formats a timestamp like tshark's frame.time_epoch: seconds, a dot, nine digits. */
  static String epoch(long nanos) {
    return Math.floorDiv(nanos, 1_000_000_000L)
        + "."
        + String.format("%09d", Math.floorMod(nanos, 1_000_000_000L));
  }
}
