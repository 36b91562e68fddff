package io.tapflow.schemas;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
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
 *
 * <p>A Serde may be given a hand-written {@link BodyEncoder} and {@link BodyDecoder} for its class
 * ({@link ValueSerdes} does for the records written and read most): values are then written with
 * the encoder, and values whose fingerprint is the current schema's read with the decoder; values
 * of any other writer schema go through Avro's decoder as before.
 */
public final class AvroSerde<T extends SpecificRecordBase> implements Serde<T> {
  static {
    AvroSupport.allowGeneratedPackage();
  }

  private final BinaryMessageEncoder<T> encoder;
  private final BinaryMessageDecoder<T> decoder;
  private final String recordName;

  /** {@code C3 01} and the current schema's fingerprint: the first bytes of every value written. */
  private final byte[] header;

  private final BodyEncoder<T> bodyEncoder;
  private final BodyDecoder<T> bodyDecoder;

  /** Creates a Serde for the class whose schema is {@code schema}. */
  public AvroSerde(Schema schema) {
    this(schema, null);
  }

  /** Creates a Serde whose decoder also resolves writer schemas found in {@code store}. */
  public AvroSerde(Schema schema, SchemaStore store) {
    this(schema, store, null, null);
  }

  /**
   * Creates a Serde that writes with {@code bodyEncoder} and reads values of the current schema
   * with {@code bodyDecoder}, each Avro's own where null.
   */
  AvroSerde(Schema schema, BodyEncoder<T> bodyEncoder, BodyDecoder<T> bodyDecoder) {
    this(schema, null, bodyEncoder, bodyDecoder);
  }

  private AvroSerde(
      Schema schema, SchemaStore store, BodyEncoder<T> bodyEncoder, BodyDecoder<T> bodyDecoder) {
    SpecificData model = SpecificData.getForSchema(schema);
    // Without a copy of its thread's buffer: encode copies the bytes out once.
    this.encoder = new BinaryMessageEncoder<>(model, schema, false);
    this.decoder = new BinaryMessageDecoder<>(model, schema, store);
    this.recordName = schema.getFullName();
    this.header = WireFormat.singleObjectHeader(schema);
    this.bodyEncoder = bodyEncoder;
    this.bodyDecoder = bodyDecoder;
  }

  /** Teaches the decoder an older (or newer) writer schema of the same record. */
  public void addWriterSchema(Schema writerSchema) {
    decoder.addSchema(writerSchema);
  }

  /** Encodes one record. */
  public byte[] encode(T value) {
    if (bodyEncoder != null) {
      return bodyEncoder.encode(header, value);
    }
    try {
      // The encoder's own buffer (reused by its thread's next record): copied out once.
      ByteBuffer buf = encoder.encode(value);
      int from = buf.arrayOffset() + buf.position();
      return Arrays.copyOfRange(buf.array(), from, from + buf.remaining());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Decodes one record; throws {@link SerializationException} for bytes that are not one. */
  public T decode(byte[] bytes) {
    if (bodyDecoder != null
        && bytes.length >= header.length
        && Arrays.equals(bytes, 0, header.length, header, 0, header.length)) {
      return bodyDecoder.decode(bytes, header.length);
    }
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
