package io.tapflow.processor.streams;

import io.tapflow.processor.metrics.ProcessorMetrics;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;

/**
 * Counts a packets-topic record that does not deserialize and lets processing go on; with the
 * dead-letter topic configured, Kafka Streams sends the record there with the exception in its
 * headers.
 */
public final class UndecodableRecordHandler extends LogAndContinueExceptionHandler {
  /** The Streams property that hands the handler the processor's metrics. */
  static final String METRICS_CONFIG = "tapflow.processor.metrics";

  private ProcessorMetrics metrics;

  @Override
  public void configure(Map<String, ?> configs) {
    super.configure(configs);
    Object m = configs.get(METRICS_CONFIG);
    metrics = m instanceof ProcessorMetrics pm ? pm : null;
  }

  @Override
  public Response handleError(
      ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
    if (metrics != null) {
      metrics.undecodableRecords.inc();
    }
    return super.handleError(context, record, exception);
  }
}
