package io.tapflow.schemas;

/**
 * Lets Avro 1.12.2 decode into tapflow's generated classes, and no more than tapflow's values can
 * hold.
 */
public final class AvroSupport {
  /** The system property Avro 1.12.2 checks before it instantiates a generated class. */
  public static final String SERIALIZABLE_PACKAGES = "org.apache.avro.SERIALIZABLE_PACKAGES";

  /** Avro's limit on one string's length in bytes (its {@code SystemLimitException}). */
  public static final String MAX_STRING_LENGTH = "org.apache.avro.limits.string.maxLength";

  /** Avro's limit on one bytes field's length. */
  public static final String MAX_BYTES_LENGTH = "org.apache.avro.limits.bytes.maxLength";

  /**
   * The longest string or bytes value tapflow reads unless told otherwise: far above what it writes
   * (a message keeps at most 1 MiB of content, a segment's payload is under 256 KiB), far below
   * Avro's own default (about 2 GiB), which a corrupt or hostile length would make Avro allocate
   * before it finds the value shorter.
   */
  public static final int DEFAULT_MAX_LENGTH = 64 * 1024 * 1024;

  private AvroSupport() {}

  /**
   * Adds this package to {@value #SERIALIZABLE_PACKAGES} unless it is already listed, and sets
   * Avro's length limits ({@link #DEFAULT_MAX_LENGTH}). Avro reads these properties when its
   * classes initialise, so this must run before the first Avro decode in the JVM (the serdes' and
   * {@code Main}'s static initialisers call it); the launcher and the test runner also set the
   * packages on the command line.
   */
  public static synchronized void allowGeneratedPackage() {
    limitLengths();
    String pkg = AvroSupport.class.getPackageName();
    String current = System.getProperty(SERIALIZABLE_PACKAGES);
    if (current == null || current.isBlank()) {
      System.setProperty(SERIALIZABLE_PACKAGES, pkg);
    } else if (!(',' + current + ',').contains(',' + pkg + ',')) {
      System.setProperty(SERIALIZABLE_PACKAGES, current + ',' + pkg);
    }
  }

  /**
   * Sets Avro's string and bytes length limits to {@link #DEFAULT_MAX_LENGTH} where the JVM's
   * command line did not set them. Avro reads them when its {@code SystemLimitException} class
   * initialises, so, like {@link #allowGeneratedPackage}, this runs before the first decode.
   */
  private static void limitLengths() {
    for (String p : new String[] {MAX_STRING_LENGTH, MAX_BYTES_LENGTH}) {
      if (System.getProperty(p) == null) {
        System.setProperty(p, Integer.toString(DEFAULT_MAX_LENGTH));
      }
    }
  }
}
