package io.tapflow.schemas;

import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * The value Serdes of every tapflow topic for one configuration: single-object encoding, or the
 * schema registry wire format through one shared {@link SchemaRegistryClient} (one cache of ids).
 *
 * <p>The records read and written most have hand-written coders, byte for byte Avro's encoding:
 * packets are read with {@link PacketRecordDecoder} when their fingerprint is the current schema's
 * (any other value goes through Avro's decoder), and WebSocket messages and chat events are written
 * with {@link WebSocketMessageEncoder} and {@link ChatEventEncoder}, in either format.
 */
public final class ValueSerdes {
  private final SchemaRegistryClient registry;

  private ValueSerdes(SchemaRegistryClient registry) {
    this.registry = registry;
  }

  /** Serdes that write single-object encoding (and read a registry-framed value as an error). */
  public static ValueSerdes singleObject() {
    return new ValueSerdes(null);
  }

  /** Serdes that write the schema registry wire format with ids from {@code registry}. */
  public static ValueSerdes withRegistry(SchemaRegistryClient registry) {
    return new ValueSerdes(registry);
  }

  /** Serdes for the registry {@code settings} describe, or single-object ones when empty. */
  public static ValueSerdes of(Optional<SchemaRegistrySettings> settings) {
    return settings.map(s -> withRegistry(SchemaRegistryClient.create(s))).orElse(singleObject());
  }

  /** The registry client, when one is configured. */
  public Optional<SchemaRegistryClient> registry() {
    return Optional.ofNullable(registry);
  }

  public ValueSerde<PacketRecord> packetRecord() {
    return serde(PacketRecord.getClassSchema(), null, new PacketRecordDecoder());
  }

  public ValueSerde<WebSocketMessage> webSocketMessage() {
    return serde(WebSocketMessage.getClassSchema(), new WebSocketMessageEncoder(), null);
  }

  public ValueSerde<ConnectionRecord> connectionRecord() {
    return serde(ConnectionRecord.getClassSchema(), null, null);
  }

  public ValueSerde<ChatEvent> chatEvent() {
    return serde(ChatEvent.getClassSchema(), new ChatEventEncoder(), null);
  }

  public ValueSerde<Anomaly> anomaly() {
    return serde(Anomaly.getClassSchema(), null, null);
  }

  private <T extends SpecificRecordBase> ValueSerde<T> serde(
      Schema schema, BodyEncoder<T> encoder, BodyDecoder<T> decoder) {
    return new ValueSerde<>(
        new AvroSerde<>(schema, encoder, decoder),
        registry == null ? null : new RegistryAvroSerde<>(schema, registry, encoder),
        schema.getFullName());
  }
}
