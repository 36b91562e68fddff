package io.tapflow.cli.tail;

/** How the tail command writes records. */
public enum OutputFormat {
  /** One object of the JSON lines contract (README) per line. */
  JSON,
  /** Aligned columns per topic, a header first; times in UTC, long text cut with "…". */
  TABLE;

  /**
   * The format named {@code name} ({@code json} or {@code table}).
   *
   * @throws IllegalArgumentException when it is neither
   */
  public static OutputFormat of(String name) {
    return switch (name) {
      case "json" -> JSON;
      case "table" -> TABLE;
      default -> throw new IllegalArgumentException("unknown format '" + name + "' (json, table)");
    };
  }
}
