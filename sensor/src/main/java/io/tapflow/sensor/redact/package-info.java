/**
 * Redaction of configured JSON members' values in the payloads the sensor publishes ({@code sensor
 * --redact-field}): each TCP direction followed from its SYN through its HTTP Upgrade head and its
 * WebSocket frames, text messages rewritten in place with the same length, and every payload the
 * sensor cannot place withheld with a {@link io.tapflow.sensor.redact.WithheldReason}.
 *
 * <p>Plain Java: nothing here imports pcap4j, Kafka, Avro or Prometheus. {@link
 * io.tapflow.sensor.redact.PayloadRedactor} is the entry point; the parsers below it are push-based
 * state machines fed byte by byte ({@code HttpHeadParser}, {@code FrameRedactor}, {@code
 * JsonRedactor}), so the same bytes split anywhere give the same output.
 */
package io.tapflow.sensor.redact;
