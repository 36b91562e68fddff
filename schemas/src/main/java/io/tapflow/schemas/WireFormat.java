package io.tapflow.schemas;

import java.security.NoSuchAlgorithmException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;

/**
 * The two ways a tapflow value may be framed, told apart by the first bytes.
 *
 * <pre>
 *  single-object encoding (Avro specification, "Single object encoding"):
 *  +------+------+--------------------------------+--------------------+
 *  | 0xC3 | 0x01 | CRC-64-AVRO fingerprint (8 LE) | Avro binary body   |
 *  +------+------+--------------------------------+--------------------+
 *
 *  schema registry (Confluent) wire format:
 *  +------+---------------------------+-------------------------------+
 *  | 0x00 | schema id (4, big-endian) | Avro binary body              |
 *  +------+---------------------------+-------------------------------+
 * </pre>
 */
public enum WireFormat {
  /** {@code C3 01}, the writer schema's 8-byte fingerprint, the body. */
  SINGLE_OBJECT,
  /** Magic byte {@code 00}, the registry's 4-byte schema id, the body. */
  SCHEMA_REGISTRY,
  /** Neither. */
  UNKNOWN;

  /** The magic byte of the schema registry wire format. */
  public static final byte REGISTRY_MAGIC = 0;

  /** Bytes before the body in the schema registry wire format. */
  public static final int REGISTRY_HEADER_LENGTH = 5;

  /** The format {@code value} is framed in, from its first bytes. */
  public static WireFormat of(byte[] value) {
    if (value.length >= REGISTRY_HEADER_LENGTH && value[0] == REGISTRY_MAGIC) {
      return SCHEMA_REGISTRY;
    }
    if (value.length >= 10 && value[0] == (byte) 0xC3 && value[1] == (byte) 0x01) {
      return SINGLE_OBJECT;
    }
    return UNKNOWN;
  }

  /**
   * The bytes before a {@link #SINGLE_OBJECT} body of {@code schema}: {@code C3 01}, fingerprint.
   */
  public static byte[] singleObjectHeader(Schema schema) {
    byte[] fingerprint;
    try {
      fingerprint = SchemaNormalization.parsingFingerprint("CRC-64-AVRO", schema);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Avro always knows CRC-64-AVRO", e);
    }
    byte[] h = new byte[2 + fingerprint.length];
    h[0] = (byte) 0xC3;
    h[1] = (byte) 0x01;
    System.arraycopy(fingerprint, 0, h, 2, fingerprint.length);
    return h;
  }

  /** The bytes before a {@link #SCHEMA_REGISTRY} body: the magic byte, the big-endian id. */
  public static byte[] registryHeader(int schemaId) {
    return new byte[] {
      REGISTRY_MAGIC,
      (byte) (schemaId >>> 24),
      (byte) (schemaId >>> 16),
      (byte) (schemaId >>> 8),
      (byte) schemaId
    };
  }

  /** The schema id of a {@link #SCHEMA_REGISTRY} value. */
  public static int schemaId(byte[] value) {
    return ((value[1] & 0xFF) << 24)
        | ((value[2] & 0xFF) << 16)
        | ((value[3] & 0xFF) << 8)
        | (value[4] & 0xFF);
  }
}
