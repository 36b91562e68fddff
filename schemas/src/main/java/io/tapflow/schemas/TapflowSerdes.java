package io.tapflow.schemas;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/** Provides the Serdes of every tapflow topic's keys and values. */
public final class TapflowSerdes {
  private TapflowSerdes() {}

  /** Connection keys are UTF-8 strings (see {@code ConnectionKey} in the sensor). */
  public static Serde<String> key() {
    return Serdes.String();
  }

  public static AvroSerde<PacketRecord> packetRecord() {
    return new AvroSerde<>(PacketRecord.getClassSchema());
  }

  public static AvroSerde<WebSocketMessage> webSocketMessage() {
    return new AvroSerde<>(WebSocketMessage.getClassSchema());
  }

  public static AvroSerde<ConnectionRecord> connectionRecord() {
    return new AvroSerde<>(ConnectionRecord.getClassSchema());
  }

  public static AvroSerde<Anomaly> anomaly() {
    return new AvroSerde<>(Anomaly.getClassSchema());
  }

  public static AvroSerde<ChatEvent> chatEvent() {
    return new AvroSerde<>(ChatEvent.getClassSchema());
  }
}
