package io.tapflow.schemas;

import org.apache.kafka.common.errors.SerializationException;

/**
 * Reads the Avro binary body of one record class written with the class's current schema, without
 * walking the schema ({@link AvroSerde} uses it for values whose fingerprint is that schema's).
 */
interface BodyDecoder<T> {
  /**
   * Decodes the body that starts at {@code offset}; bytes after the record are ignored, as Avro's
   * single-object decoder ignores them.
   *
   * @throws SerializationException when the bytes are not one such body
   */
  T decode(byte[] bytes, int offset);
}
