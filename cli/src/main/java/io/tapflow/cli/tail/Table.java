package io.tapflow.cli.tail;

import java.util.ArrayList;
import java.util.List;

/**
 * Writes rows as aligned text columns, one line each, as they come: a column is as wide as its
 * widest value so far (up to its maximum, beyond which a value is cut and ends with "…"), so rows
 * stay aligned without holding them. Control characters are written as escapes ({@code \n}) so a
 * row stays one line. Widths count code points.
 */
public final class Table {
  /** Separates two columns. */
  static final String GAP = "  ";

  /**
   * One column.
   *
   * @param name the header
   * @param width the width to start with (at least the header's)
   * @param maxWidth values longer than this are cut; {@link Integer#MAX_VALUE} for never
   * @param right whether values are right-aligned (numbers)
   */
  public record Column(String name, int width, int maxWidth, boolean right) {
    /** A left-aligned column that never cuts its values. */
    public static Column of(String name, int width) {
      return new Column(name, width, Integer.MAX_VALUE, false);
    }

    /** A left-aligned column that cuts values longer than {@code maxWidth}. */
    public static Column cut(String name, int width, int maxWidth) {
      return new Column(name, width, maxWidth, false);
    }

    /** A right-aligned column that never cuts its values. */
    public static Column number(String name, int width) {
      return new Column(name, width, Integer.MAX_VALUE, true);
    }
  }

  private final List<Column> columns;
  private final int[] widths;

  public Table(List<Column> columns) {
    this.columns = List.copyOf(columns);
    this.widths = new int[columns.size()];
    for (int i = 0; i < widths.length; i++) {
      Column c = columns.get(i);
      widths[i] = Math.max(c.width(), c.name().length());
    }
  }

  /** The header line. */
  public String header() {
    List<String> names = new ArrayList<>();
    for (Column c : columns) {
      names.add(c.name());
    }
    return line(names);
  }

  /** The line of one row; widens columns for longer values. */
  public String row(List<String> cells) {
    if (cells.size() != columns.size()) {
      throw new IllegalArgumentException(
          cells.size() + " cells for " + columns.size() + " columns");
    }
    List<String> shown = new ArrayList<>(cells.size());
    for (int i = 0; i < cells.size(); i++) {
      String v = fit(escape(cells.get(i) == null ? "-" : cells.get(i)), columns.get(i).maxWidth());
      widths[i] = Math.max(widths[i], width(v));
      shown.add(v);
    }
    return line(shown);
  }

  private String line(List<String> values) {
    StringBuilder sb = new StringBuilder();
    int last = values.size() - 1;
    for (int i = 0; i <= last; i++) {
      String v = values.get(i);
      int pad = widths[i] - width(v);
      if (columns.get(i).right()) {
        sb.append(" ".repeat(Math.max(0, pad))).append(v);
      } else {
        sb.append(v);
        if (i < last) {
          sb.append(" ".repeat(Math.max(0, pad)));
        }
      }
      if (i < last) {
        sb.append(GAP);
      }
    }
    return sb.toString();
  }

  /** {@code value} cut to {@code max} code points, the last being "…" when cut. */
  static String fit(String value, int max) {
    if (width(value) <= max) {
      return value;
    }
    return value.substring(0, value.offsetByCodePoints(0, max - 1)) + "…";
  }

  /** {@code value} with control characters written as escapes. */
  static String escape(String value) {
    StringBuilder sb = null;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      String e =
          switch (c) {
            case '\n' -> "\\n";
            case '\r' -> "\\r";
            case '\t' -> "\\t";
            default -> c < 0x20 || c == 0x7F ? String.format("\\u%04x", (int) c) : null;
          };
      if (e != null && sb == null) {
        sb = new StringBuilder(value.substring(0, i));
      }
      if (sb != null) {
        sb.append(e != null ? e : String.valueOf(c));
      }
    }
    return sb == null ? value : sb.toString();
  }

  private static int width(String v) {
    return v.codePointCount(0, v.length());
  }
}
