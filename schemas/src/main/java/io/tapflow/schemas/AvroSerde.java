package io.tapflow.schemas;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.apache.avro.Schema;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serializes one generated Avro record class with Avro single-object encoding.
 *
 * <p>Every value starts with the two marker bytes {@code C3 01} and the 8-byte little-endian
 * CRC-64-AVRO fingerprint of the writer's schema, followed by the Avro binary body. A consumer
 * finds the writer's schema from the fingerprint: the current schema of each record is known to the
 * generated class, older versions can be registered with {@link #addWriterSchema(Schema)}.
 */
public final class AvroSerde<T extends SpecificRecordBase> implements Serde<T> {
  static {
    AvroSupport.allowGeneratedPackage();
  }

  private final BinaryMessageEncoder<T> encoder;
  private final BinaryMessageDecoder<T> decoder;
  private final String recordName;

  /** Creates a Serde for the class whose schema is {@code schema}. */
  public AvroSerde(Schema schema) {
    this(schema, null);
  }

  /** Creates a Serde whose decoder also resolves writer schemas found in {@code store}. */
  public AvroSerde(Schema schema, SchemaStore store) {
    SpecificData model = SpecificData.getForSchema(schema);
    this.encoder = new BinaryMessageEncoder<>(model, schema);
    this.decoder = new BinaryMessageDecoder<>(model, schema, store);
    this.recordName = schema.getFullName();
  }

  /** Teaches the decoder an older (or newer) writer schema of the same record. */
  public void addWriterSchema(Schema writerSchema) {
    decoder.addSchema(writerSchema);
  }

  /** Encodes one record. */
  public byte[] encode(T value) {
    try {
      ByteBuffer buf = encoder.encode(value);
      byte[] out = new byte[buf.remaining()];
      buf.get(out);
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Decodes one record; throws {@link SerializationException} for bytes that are not one. */
  public T decode(byte[] bytes) {
    if (WireFormat.of(bytes) == WireFormat.SCHEMA_REGISTRY) {
      throw new SerializationException(
          "a "
              + recordName
              + " in the schema registry wire format (schema id "
              + WireFormat.schemaId(bytes)
              + "), not single-object encoded: read it with ValueSerdes and a registry");
    }
    try {
      return decoder.decode(bytes);
    } catch (IOException | RuntimeException e) {
      throw new SerializationException("not a single-object-encoded " + recordName + ": " + e, e);
    }
  }

  @Override
  public Serializer<T> serializer() {
    return (topic, value) -> value == null ? null : encode(value);
  }

  @Override
  public Deserializer<T> deserializer() {
    return (topic, bytes) -> bytes == null ? null : decode(bytes);
  }
}
