/**
 * The HTTP/1.1 Upgrade handshake that opens a WebSocket connection (RFC 9112 message heads, RFC
 * 6455 §4): a push-based head parser, the parsed head, and the handshake read from a request head
 * and its response head.
 *
 * <p>Plain Java: nothing here imports Kafka, Avro, pcap4j or Prometheus classes.
 */
package io.tapflow.processor.http;
