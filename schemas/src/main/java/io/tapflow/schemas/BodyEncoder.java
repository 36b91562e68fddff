package io.tapflow.schemas;

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
}
