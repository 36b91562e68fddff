package io.tapflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.metrics.Gauge;
import org.apache.kafka.common.metrics.Measurable;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.metrics.stats.CumulativeCount;
import org.apache.kafka.common.metrics.stats.Value;
import org.junit.jupiter.api.Test;

class KafkaMetricsBridgeTest {
  private static final Map<String, String> TAGS = Map.of("client-id", "p1");

  @Test
  void kafkaMetricsBecomeSnakeCaseGaugesAndTotalsBecomeCountersInSeconds() throws Exception {
    try (Metrics kafka = new Metrics()) {
      Sensor sends = kafka.sensor("sends");
      sends.add(
          kafka.metricName("record-send-total", "producer-metrics", "Records sent.", TAGS),
          new CumulativeCount());
      sends.add(kafka.metricName("batch-size", "producer-metrics", "", TAGS), new Value());
      sends.record(3);
      sends.record(5);
      kafka.addMetric(
          kafka.metricName("io-wait-time-ns-total", "producer-metrics", "Waiting.", TAGS),
          (Measurable) (config, now) -> 2.5e9);
      kafka.addMetric(
          kafka.metricName("version", "app-info", "Version.", TAGS),
          (Gauge<String>) (config, now) -> "4.4.0");
      PrometheusRegistry registry = new PrometheusRegistry();
      KafkaMetricsBridge bridge = KafkaMetricsBridge.register(registry);
      bridge.add("producer", kafka::metrics);
      bridge.add("the same producer again", kafka::metrics);
      List<String> lines = text(registry).lines().toList();

      assertTrue(
          lines.contains("# TYPE kafka_producer_record_send_total counter"), lines.toString());
      assertTrue(
          lines.contains(
              "# HELP kafka_producer_record_send_total Records sent (Kafka metric"
                  + " producer-metrics/record-send-total)."));
      assertTrue(lines.contains("kafka_producer_record_send_total{client_id=\"p1\"} 2.0"));
      assertTrue(lines.contains("# TYPE kafka_producer_batch_size gauge"));
      assertTrue(lines.contains("kafka_producer_batch_size{client_id=\"p1\"} 5.0"));
      assertTrue(lines.contains("kafka_producer_io_wait_time_seconds_total{client_id=\"p1\"} 2.5"));
      assertTrue(
          lines.contains(
              "# HELP kafka_producer_io_wait_time_seconds_total Waiting (Kafka metric"
                  + " producer-metrics/io-wait-time-ns-total, converted to seconds)."));
      assertFalse(lines.stream().anyMatch(l -> l.contains("version")), "no numeric value");
      assertEquals(
          1, lines.stream().filter(l -> l.startsWith("kafka_producer_batch_size{")).count());

      bridge.remove("producer");
      bridge.remove("the same producer again");
      assertFalse(text(registry).contains("kafka_"));
    }
  }

  private static String text(PrometheusRegistry registry) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create().write(out, registry.scrape());
    return out.toString(StandardCharsets.UTF_8);
  }
}
