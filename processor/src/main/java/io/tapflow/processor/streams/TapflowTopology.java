package io.tapflow.processor.streams;

import io.tapflow.processor.metrics.ProcessorMetrics;
import io.tapflow.processor.output.OutputForwarder;
import io.tapflow.schemas.Topics;
import io.tapflow.schemas.ValueSerdes;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * Builds the processor's topology: packets topic → connection processor (with its state store) →
 * messages, connections, chat and anomalies topics. {@code main} and the tests both call {@link
 * #build}.
 */
public final class TapflowTopology {
  static final String SOURCE = "packets-source";
  static final String PROCESSOR = "connection-processor";

  private TapflowTopology() {}

  /** The topology with value Serdes for {@code config}'s schema registry setting. */
  public static Topology build(ProcessorConfig config, ProcessorMetrics metrics) {
    return build(config, metrics, ValueSerdes.of(Optional.ofNullable(config.schemaRegistry())));
  }

  /**
   * The topology with {@code values}: packets are read in either wire format, outputs written in
   * the one {@code values} writes.
   */
  public static Topology build(
      ProcessorConfig config, ProcessorMetrics metrics, ValueSerdes values) {
    Topics topics = config.topics();
    StringSerializer keys = new StringSerializer();
    Topology t = new Topology();
    t.addSource(
        SOURCE, new StringDeserializer(), values.packetRecord().deserializer(), topics.packets());
    InputReplay replay =
        new KafkaInputReplay(ProcessorApp.properties(config), values.packetRecord().deserializer());
    long checkpointNanos = config.checkpointIntervalMs() * 1_000_000L;
    t.addProcessor(
        PROCESSOR,
        () -> new ConnectionProcessor(config.analyzer(), metrics, replay, checkpointNanos),
        SOURCE);
    t.addStateStore(
        ConnectionStore.builder(
            Stores.keyValueStoreBuilder(
                    Stores.persistentKeyValueStore(ConnectionProcessor.STORE),
                    Serdes.String(),
                    Serdes.ByteArray())
                .withCachingDisabled()
                .withLoggingEnabled(Map.of()),
            config.liveView()),
        PROCESSOR);
    t.addSink(
        OutputForwarder.MESSAGES,
        topics.messages(),
        keys,
        values.webSocketMessage().serializer(),
        PROCESSOR);
    t.addSink(
        OutputForwarder.CONNECTIONS,
        topics.connections(),
        keys,
        values.connectionRecord().serializer(),
        PROCESSOR);
    t.addSink(
        OutputForwarder.CHAT, topics.chat(), keys, values.chatEvent().serializer(), PROCESSOR);
    t.addSink(
        OutputForwarder.ANOMALIES,
        topics.anomalies(),
        keys,
        values.anomaly().serializer(),
        PROCESSOR);
    return t;
  }
}
