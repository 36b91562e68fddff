/**
 * Application decoders: WebSocket text messages in, application events out. The first speaks the
 * workerman-chat JSON protocol.
 *
 * <p>Plain Java plus Jackson for JSON: nothing here imports Kafka, Avro, pcap4j or Prometheus
 * classes.
 */
package io.tapflow.processor.app;
