package io.tapflow.sensor.capture;

/**
 * Holds a packet source's counters at one moment: libpcap's {@code pcap_stats} and the frames the
 * source handed to its handler.
 *
 * <p>libpcap's counters are per capture handle, count from when it was opened and wrap at 2^32. On
 * Linux {@code received} and {@code droppedByKernel} count each packet twice on {@code lo}, which
 * sees both the outgoing and the incoming copy; the outgoing copy is then discarded, so only one
 * copy is delivered. For a file replay there is no libpcap count: {@code received} is the number of
 * frames read from the file and both drop counters are 0.
 *
 * @param received packets that passed the filter ({@code ps_recv})
 * @param droppedByKernel packets dropped for lack of buffer space ({@code ps_drop})
 * @param droppedByInterface packets dropped by the network interface or its driver ({@code
 *     ps_ifdrop})
 * @param delivered frames handed to the {@link PacketHandler}
 */
public record CaptureStats(
    long received, long droppedByKernel, long droppedByInterface, long delivered) {

  /** The counters of a source that has seen nothing. */
  public static final CaptureStats ZERO = new CaptureStats(0, 0, 0, 0);
}
