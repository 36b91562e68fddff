package io.tapflow.schemas;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Writes and reads one generated Avro record class in the schema registry (Confluent) wire format:
 * magic byte 0, the 4-byte big-endian schema id, the Avro binary body.
 *
 * <p>Values for topic {@code T} are written with the id the registry gives the class's schema under
 * subject {@code T-value} (Confluent's TopicNameStrategy). A value is read with the writer schema
 * its id names, resolved to the class's schema by Avro's schema resolution, so values written with
 * an older or newer compatible schema read as the current class.
 */
public final class RegistryAvroSerde<T extends SpecificRecordBase> {
  static {
    AvroSupport.allowGeneratedPackage();
  }

  private final Schema schema;
  private final SpecificData model;
  private final SchemaRegistryClient registry;
  private final SpecificDatumWriter<T> writer;
  private final Map<Integer, DatumReader<T>> readers = new ConcurrentHashMap<>();
  private final BodyEncoder<T> bodyEncoder;

  public RegistryAvroSerde(Schema schema, SchemaRegistryClient registry) {
    this(schema, registry, null);
  }

  /** A Serde that writes bodies with {@code bodyEncoder}, or Avro's writer when it is null. */
  RegistryAvroSerde(Schema schema, SchemaRegistryClient registry, BodyEncoder<T> bodyEncoder) {
    this.bodyEncoder = bodyEncoder;
    this.schema = schema;
    this.model = SpecificData.getForSchema(schema);
    this.registry = registry;
    this.writer = new SpecificDatumWriter<>(schema, model);
  }

  /** The subject the values of {@code topic} are registered under. */
  public static String subject(String topic) {
    return topic + "-value";
  }

  /**
   * Registers the class's schema for {@code topic} and returns its id; done before the first record
   * so that a registry that cannot be reached or refuses the schema stops a start.
   *
   * @throws SchemaRegistryException when it cannot be registered
   */
  public int register(String topic) {
    return registry.register(subject(topic), schema);
  }

  /**
   * Encodes {@code value} for {@code topic}.
   *
   * @throws SerializationException when the registry cannot give the schema an id
   */
  public byte[] encode(String topic, T value) {
    int id;
    try {
      id = register(topic);
    } catch (SchemaRegistryException e) {
      throw new SerializationException(
          "cannot write " + schema.getFullName() + " to " + topic + ": " + e.getMessage(), e);
    }
    if (bodyEncoder != null) {
      try {
        return bodyEncoder.encode(WireFormat.registryHeader(id), value);
      } catch (RuntimeException e) {
        throw new SerializationException("cannot encode " + schema.getFullName() + ": " + e, e);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    out.writeBytes(WireFormat.registryHeader(id));
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
    try {
      writer.write(value, encoder);
      encoder.flush();
    } catch (IOException | RuntimeException e) {
      throw new SerializationException("cannot encode " + schema.getFullName() + ": " + e, e);
    }
    return out.toByteArray();
  }

  /**
   * Decodes a value in the schema registry wire format.
   *
   * @throws SerializationException for bytes in another format, an id the registry does not give, a
   *     writer schema that does not resolve to the class's, or a body that does not decode
   */
  public T decode(byte[] bytes) {
    if (WireFormat.of(bytes) != WireFormat.SCHEMA_REGISTRY) {
      throw new SerializationException(
          "not a schema-registry-framed " + schema.getFullName() + " (no magic byte 0)");
    }
    int id = WireFormat.schemaId(bytes);
    DatumReader<T> reader = readers.get(id);
    if (reader == null) {
      Schema writerSchema;
      try {
        writerSchema = registry.schemaById(id);
      } catch (SchemaRegistryException e) {
        throw new SerializationException(
            "cannot read a "
                + schema.getFullName()
                + " with schema id "
                + id
                + ": "
                + e.getMessage(),
            e);
      }
      reader = new SpecificDatumReader<>(writerSchema, schema, model);
      readers.putIfAbsent(id, reader);
    }
    try {
      BinaryDecoder decoder =
          DecoderFactory.get()
              .binaryDecoder(
                  bytes,
                  WireFormat.REGISTRY_HEADER_LENGTH,
                  bytes.length - WireFormat.REGISTRY_HEADER_LENGTH,
                  null);
      T value = reader.read(null, decoder);
      if (!decoder.isEnd()) {
        throw new IOException("bytes left over after the record");
      }
      return value;
    } catch (IOException | RuntimeException e) {
      throw new SerializationException(
          "schema id " + id + " does not decode as " + schema.getFullName() + ": " + e, e);
    }
  }
}
