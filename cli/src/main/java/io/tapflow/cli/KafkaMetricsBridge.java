package io.tapflow.cli;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.PrometheusNaming;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * Exposes Kafka's own metrics registries (a producer's, a Kafka Streams application's with its
 * clients) in a Prometheus registry, read at each scrape.
 *
 * <p>A Kafka metric {@code group}/{@code name} becomes {@code kafka_<group>_<name>} in snake case
 * (a trailing {@code -metrics} dropped from the group); one whose name ends in {@code -total}
 * (Kafka's cumulative sums and counts) becomes a counter, every other numeric one a gauge;
 * non-numeric ones (versions, states, descriptions) are left out. A name that states its unit as
 * {@code ms} or {@code ns} is converted to seconds; other values are as Kafka reports them (many
 * latencies in milliseconds, see Kafka's documentation). Labels are Kafka's tags in snake case:
 * client, thread, task, processor node, store, topic, partition and broker node ids, all bounded by
 * the configuration, none a client address.
 */
public final class KafkaMetricsBridge implements MultiCollector {
  private final Map<String, Supplier<Map<MetricName, ? extends Metric>>> sources =
      new ConcurrentHashMap<>();

  private KafkaMetricsBridge() {}

  /** Creates a bridge with no sources and registers it in {@code registry}. */
  public static KafkaMetricsBridge register(PrometheusRegistry registry) {
    KafkaMetricsBridge bridge = new KafkaMetricsBridge();
    registry.register(bridge);
    return bridge;
  }

  /** Adds (or replaces) the source named {@code name}, e.g. {@code KafkaStreams::metrics}. */
  public void add(String name, Supplier<Map<MetricName, ? extends Metric>> metrics) {
    sources.put(name, metrics);
  }

  /** Removes the source named {@code name}. */
  public void remove(String name) {
    sources.remove(name);
  }

  @Override
  public MetricSnapshots collect() {
    Map<String, Family> families = new TreeMap<>();
    for (Supplier<Map<MetricName, ? extends Metric>> source : sources.values()) {
      for (Map.Entry<MetricName, ? extends Metric> e : source.get().entrySet()) {
        if (!(e.getValue().metricValue() instanceof Number number)) {
          continue;
        }
        MetricName n = e.getKey();
        Name name = Name.of(n);
        double value = number.doubleValue() * name.scale();
        if (name.counter() && !(value >= 0)) {
          continue; // a counter is never negative or NaN
        }
        Family f =
            families.computeIfAbsent(
                name.prometheus(), k -> new Family(name.counter(), help(n, name)));
        if (f.counter == name.counter()) {
          f.add(labels(n.tags()), value);
        }
      }
    }
    List<MetricSnapshot> snapshots = new ArrayList<>();
    families.forEach(
        (name, f) -> {
          try {
            snapshots.add(f.snapshot(name));
          } catch (IllegalArgumentException invalid) {
            // A name Prometheus reserves (e.g. ending in _bucket): leave that metric out.
          }
        });
    return new MetricSnapshots(snapshots);
  }

  private static String help(MetricName n, Name name) {
    String description = n.description() == null ? "" : n.description().trim();
    if (description.endsWith(".")) {
      description = description.substring(0, description.length() - 1);
    }
    String source =
        "Kafka metric "
            + n.group()
            + "/"
            + n.name()
            + (name.scale() != 1 ? ", converted to seconds" : "");
    return description.isEmpty() ? source + "." : description + " (" + source + ").";
  }

  private static Labels labels(Map<String, String> tags) {
    Labels.Builder b = Labels.builder();
    new TreeMap<>(tags).forEach((k, v) -> b.label(PrometheusNaming.sanitizeLabelName(k), v));
    return b.build();
  }

  /** A Prometheus name for a Kafka metric, its type and the factor to its base unit. */
  private record Name(String prometheus, boolean counter, double scale) {
    static Name of(MetricName n) {
      String group =
          n.group().endsWith("-metrics")
              ? n.group().substring(0, n.group().length() - 8)
              : n.group();
      List<String> words = new ArrayList<>(List.of(n.name().split("-")));
      boolean counter = words.size() > 1 && words.get(words.size() - 1).equals("total");
      if (counter) {
        words.remove(words.size() - 1);
      }
      double scale = 1;
      if (words.remove("ms")) {
        scale = 1e-3;
      } else if (words.remove("ns")) {
        scale = 1e-9;
      }
      if (scale != 1) {
        words.add("seconds");
      }
      String base = "kafka_" + group + "_" + String.join("_", words);
      return new Name(PrometheusNaming.sanitizeMetricName(base.replace('-', '_')), counter, scale);
    }
  }

  /** The data points of one metric family, the first of any duplicate label set kept. */
  private static final class Family {
    final boolean counter;
    final String help;
    final Set<Labels> seen = new HashSet<>();
    final List<Labels> labels = new ArrayList<>();
    final List<Double> values = new ArrayList<>();

    Family(boolean counter, String help) {
      this.counter = counter;
      this.help = help;
    }

    void add(Labels l, double value) {
      if (seen.add(l)) {
        labels.add(l);
        values.add(value);
      }
    }

    MetricSnapshot snapshot(String name) {
      if (counter) {
        CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help);
        for (int i = 0; i < labels.size(); i++) {
          b.dataPoint(
              CounterDataPointSnapshot.builder()
                  .labels(labels.get(i))
                  .value(values.get(i))
                  .build());
        }
        return b.build();
      }
      GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help);
      for (int i = 0; i < labels.size(); i++) {
        b.dataPoint(
            GaugeDataPointSnapshot.builder().labels(labels.get(i)).value(values.get(i)).build());
      }
      return b.build();
    }
  }
}
