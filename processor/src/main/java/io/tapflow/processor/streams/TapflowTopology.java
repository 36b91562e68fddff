package io.tapflow.processor.streams;

import io.tapflow.processor.metrics.ProcessorMetrics;
import io.tapflow.schemas.TapflowSerdes;
import io.tapflow.schemas.Topics;
import java.util.Map;
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

  public static Topology build(ProcessorConfig config, ProcessorMetrics metrics) {
    Topics topics = config.topics();
    StringSerializer keys = new StringSerializer();
    Topology t = new Topology();
    t.addSource(
        SOURCE,
        new StringDeserializer(),
        TapflowSerdes.packetRecord().deserializer(),
        topics.packets());
    t.addProcessor(PROCESSOR, () -> new ConnectionProcessor(config.analyzer(), metrics), SOURCE);
    t.addStateStore(
        ConnectionStore.builder(
            Stores.keyValueStoreBuilder(
                    Stores.persistentKeyValueStore(ConnectionProcessor.STORE),
                    Serdes.String(),
                    Serdes.ByteArray())
                .withCachingEnabled()
                .withLoggingEnabled(Map.of())),
        PROCESSOR);
    t.addSink(
        OutputForwarder.MESSAGES,
        topics.messages(),
        keys,
        TapflowSerdes.webSocketMessage().serializer(),
        PROCESSOR);
    t.addSink(
        OutputForwarder.CONNECTIONS,
        topics.connections(),
        keys,
        TapflowSerdes.connectionRecord().serializer(),
        PROCESSOR);
    t.addSink(
        OutputForwarder.CHAT,
        topics.chat(),
        keys,
        TapflowSerdes.chatEvent().serializer(),
        PROCESSOR);
    t.addSink(
        OutputForwarder.ANOMALIES,
        topics.anomalies(),
        keys,
        TapflowSerdes.anomaly().serializer(),
        PROCESSOR);
    return t;
  }
}
