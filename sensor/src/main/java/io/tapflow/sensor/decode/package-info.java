/**
 * Link layer → IP → TCP header parsing of one captured frame, and the canonical connection key.
 *
 * <p>Plain Java: nothing here imports pcap4j, Kafka, Avro or Prometheus. {@link
 * io.tapflow.sensor.decode.PacketDecoder} turns a frame into a {@link
 * io.tapflow.sensor.decode.TcpSegment} or a {@link io.tapflow.sensor.decode.SkipReason} (a stable
 * snake_case code); {@link io.tapflow.sensor.decode.ConnectionKey} names the connection a segment
 * belongs to, the same for both directions.
 */
package io.tapflow.sensor.decode;
