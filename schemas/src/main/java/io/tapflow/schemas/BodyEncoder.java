package io.tapflow.schemas;

import java.util.Objects;

/**
 * Writes one record class as a header and its Avro binary body, byte for byte what Avro's writer
 * writes, without walking the schema ({@link AvroSerde} and {@link RegistryAvroSerde} use it).
 */
interface BodyEncoder<T> {
  /**
   * {@code header} (single-object encoding's, or the schema registry's), then the body.
   *
   * @throws NullPointerException when a field that is not a union with null is null, as Avro's
   *     writer does
   */
  byte[] encode(byte[] header, T value);

  /**
   * {@code value}, or the {@link NullPointerException} Avro's writer gives for a required field.
   */
  static <V> V required(V value, String record, String field) {
    return Objects.requireNonNull(value, () -> "null value for " + record + "." + field);
  }
}
