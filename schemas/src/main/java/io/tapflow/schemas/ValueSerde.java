package io.tapflow.schemas;

import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The Serde of one record class on tapflow's topics: writes single-object encoding, or the schema
 * registry wire format when a registry is configured, and reads either, by the value's first bytes
 * ({@link WireFormat}), so a topic that is being moved from one format to the other reads whole.
 *
 * <p>A registry-framed value read without a registry is an error naming the missing setting (a
 * {@link SerializationException}, which the processor sends to its dead-letter topic).
 */
public final class ValueSerde<T extends SpecificRecordBase> implements Serde<T> {
  private final AvroSerde<T> singleObject;
  private final RegistryAvroSerde<T> registry;
  private final String recordName;

  /**
   * @param singleObject single-object encoding of the class
   * @param registry the registry wire format of the class, or null when no registry is configured
   */
  ValueSerde(AvroSerde<T> singleObject, RegistryAvroSerde<T> registry, String recordName) {
    this.singleObject = singleObject;
    this.registry = registry;
    this.recordName = recordName;
  }

  /**
   * Prepares writing to {@code topic}: with a registry, registers the class's schema under the
   * topic's subject now and returns its id; without one, returns -1.
   *
   * @throws SchemaRegistryException when the registry cannot be reached or refuses the schema
   */
  public int prepareTopic(String topic) {
    return registry == null ? -1 : registry.register(topic);
  }

  /** Encodes {@code value} for {@code topic} in the configured format. */
  public byte[] encode(String topic, T value) {
    return registry == null ? singleObject.encode(value) : registry.encode(topic, value);
  }

  /** Decodes a value in either format; throws {@link SerializationException} when it cannot. */
  public T decode(byte[] bytes) {
    return switch (WireFormat.of(bytes)) {
      case SINGLE_OBJECT -> singleObject.decode(bytes);
      case SCHEMA_REGISTRY -> {
        if (registry == null) {
          throw new SerializationException(
              "a "
                  + recordName
                  + " in the schema registry wire format (schema id "
                  + WireFormat.schemaId(bytes)
                  + ") but no schema registry is configured (--schema-registry-url)");
        }
        yield registry.decode(bytes);
      }
      case UNKNOWN ->
          throw new SerializationException(
              "not a "
                  + recordName
                  + ": neither single-object encoding (C3 01) nor the schema registry wire format"
                  + " (00), first bytes "
                  + java.util.HexFormat.ofDelimiter(" ")
                      .formatHex(bytes, 0, Math.min(bytes.length, 2)));
    };
  }

  @Override
  public Serializer<T> serializer() {
    return (topic, value) -> value == null ? null : encode(topic, value);
  }

  @Override
  public Deserializer<T> deserializer() {
    return (topic, bytes) -> bytes == null ? null : decode(bytes);
  }
}
