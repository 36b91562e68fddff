package io.tapflow.sensor.capture;

/**
 * Receives each frame a {@link PacketSource} captures, one call per frame, on the capture thread.
 *
 * <p>The call should return quickly: while it runs, the kernel buffers further packets and drops
 * them when its buffer fills. A {@link RuntimeException} thrown here stops the source and comes out
 * of {@link PacketSource#run}.
 */
@FunctionalInterface
public interface PacketHandler {

  /**
   * Takes one frame.
   *
   * @param linkType the libpcap DLT/LINKTYPE number of the frame (1 Ethernet, 113 Linux cooked v1,
   *     276 Linux cooked v2, ...; see {@link io.tapflow.sensor.decode.LinkTypes})
   * @param timestampNanos capture time in nanoseconds since the Unix epoch (UTC)
   * @param nanoPrecision whether the capture clock had nanosecond resolution; when false the last
   *     three digits of {@code timestampNanos} are zero and carry no information
   * @param data the frame; the source does not reuse the array, so the handler may keep it
   * @param capturedLength bytes of {@code data} that were captured (pcap caplen)
   * @param wireLength length of the frame on the wire (pcap len); greater than {@code
   *     capturedLength} when the snaplen cut the frame
   */
  void onPacket(
      int linkType,
      long timestampNanos,
      boolean nanoPrecision,
      byte[] data,
      int capturedLength,
      int wireLength);
}
