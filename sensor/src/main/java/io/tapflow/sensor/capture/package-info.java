/**
 * Frame capture: the {@link io.tapflow.sensor.capture.PacketSource} port and its libpcap
 * implementation.
 *
 * <p>{@link io.tapflow.sensor.capture.PcapSource} is the only class in tapflow that imports pcap4j;
 * it captures live (an interface or {@code any}) or replays pcap and pcapng files, and pushes each
 * frame to a {@link io.tapflow.sensor.capture.PacketHandler}. Everything else here is plain Java.
 */
package io.tapflow.sensor.capture;
