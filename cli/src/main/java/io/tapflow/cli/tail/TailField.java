package io.tapflow.cli.tail;

/** A record field the tail command filters on, with the option that names it. */
public enum TailField {
  CLIENT("--client"),
  SERVER("--server"),
  NICK("--nick"),
  ROOM("--room"),
  TEXT("--contains");

  private final String option;

  TailField(String option) {
    this.option = option;
  }

  /** The command-line option that filters on this field. */
  public String option() {
    return option;
  }
}
