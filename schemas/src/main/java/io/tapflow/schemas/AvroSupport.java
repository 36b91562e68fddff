package io.tapflow.schemas;

/** Lets Avro 1.12.2 decode into tapflow's generated classes. */
public final class AvroSupport {
  /** The system property Avro 1.12.2 checks before it instantiates a generated class. */
  public static final String SERIALIZABLE_PACKAGES = "org.apache.avro.SERIALIZABLE_PACKAGES";

  private AvroSupport() {}

  /**
   * Adds this package to {@value #SERIALIZABLE_PACKAGES} unless it is already listed. Avro reads
   * the property when its SpecificData class initialises, so this must run before the first Avro
   * decode in the JVM; the launcher and the test runner also set it on the command line.
   */
  public static synchronized void allowGeneratedPackage() {
    String pkg = AvroSupport.class.getPackageName();
    String current = System.getProperty(SERIALIZABLE_PACKAGES);
    if (current == null || current.isBlank()) {
      System.setProperty(SERIALIZABLE_PACKAGES, pkg);
    } else if (!(',' + current + ',').contains(',' + pkg + ',')) {
      System.setProperty(SERIALIZABLE_PACKAGES, current + ',' + pkg);
    }
  }
}
