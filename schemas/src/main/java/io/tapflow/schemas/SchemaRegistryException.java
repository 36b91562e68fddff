package io.tapflow.schemas;

/**
 * A schema registry request that failed: the registry could not be reached, or it answered with an
 * error (an incompatible schema, an unknown id, refused credentials).
 */
public final class SchemaRegistryException extends RuntimeException {
  private final int httpStatus;
  private final int errorCode;

  /**
   * @param message what was asked and what went wrong
   * @param httpStatus the HTTP status of the answer, 0 when there was none
   * @param errorCode the registry's {@code error_code}, 0 when there was none
   * @param cause the I/O failure, or null
   */
  public SchemaRegistryException(String message, int httpStatus, int errorCode, Throwable cause) {
    super(message, cause);
    this.httpStatus = httpStatus;
    this.errorCode = errorCode;
  }

  /** The HTTP status of the registry's answer; 0 when it could not be reached. */
  public int httpStatus() {
    return httpStatus;
  }

  /** The registry's {@code error_code} (40403: schema not found, 409: incompatible), or 0. */
  public int errorCode() {
    return errorCode;
  }
}
