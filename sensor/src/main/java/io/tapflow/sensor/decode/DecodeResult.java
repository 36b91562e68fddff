package io.tapflow.sensor.decode;

/**
 * Marks what {@link PacketDecoder#decode} returns: either a {@link TcpSegment} or the {@link
 * SkipReason} the frame produced none.
 *
 * <p>Skips are enum constants, so a frame that is not TCP costs no allocation.
 */
public sealed interface DecodeResult permits TcpSegment, SkipReason {}
