package io.tapflow.sensor.capture;

/**
 * Reports that a packet source could not be opened or failed while capturing, with libpcap's
 * message.
 */
public final class CaptureException extends Exception {

  private static final long serialVersionUID = 1L;

  /** Creates an exception with a message and the underlying cause. */
  public CaptureException(String message, Throwable cause) {
    super(message, cause);
  }

  /** Creates an exception with a message. */
  public CaptureException(String message) {
    super(message);
  }
}
