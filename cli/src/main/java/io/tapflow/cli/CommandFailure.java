package io.tapflow.cli;

/** A failure whose message already says what went wrong and what to do, printed as it is. */
public final class CommandFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CommandFailure(String message) {
    super(message);
  }
}
