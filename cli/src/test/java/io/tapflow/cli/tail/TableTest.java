package io.tapflow.cli.tail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class TableTest {
  private final Table table =
      new Table(
          List.of(
              Table.Column.of("ID", 2),
              Table.Column.number("N", 3),
              Table.Column.cut("NICK", 4, 6),
              Table.Column.cut("TEXT", 0, 10)));

  @Test
  void columnsAreAlignedAndTheLastIsNotPadded() {
    assertEquals("ID    N  NICK  TEXT", table.header());
    assertEquals("C1    7  ayse  hi", table.row(List.of("C1", "7", "ayse", "hi")));
    assertEquals("C2  123  -     -", table.row(Arrays.asList("C2", "123", null, null)));
  }

  @Test
  void longValuesAreCutWithAnEllipsisCountingCodePoints() {
    assertEquals(
        "C1    1  abcde…  Günaydın …", table.row(List.of("C1", "1", "abcdefgh", "Günaydın Çay")));
    assertEquals("C1    1  😀😀😀😀😀…  x", table.row(List.of("C1", "1", "😀😀😀😀😀😀😀", "x")));
    assertEquals("abcdefghi…", Table.fit("abcdefghijk", 10));
    assertEquals("abcdefghij", Table.fit("abcdefghij", 10));
  }

  @Test
  void aColumnWidensForALongerValueAndStaysWide() {
    assertEquals("C1234    1  ayse  x", table.row(List.of("C1234", "1", "ayse", "x")));
    assertEquals("C1       1  ayse  x", table.row(List.of("C1", "1", "ayse", "x")));
    assertEquals("ID       N  NICK  TEXT", table.header());
  }

  @Test
  void controlCharactersAreEscapedSoARowStaysOneLine() {
    assertEquals("a\\nb\\tc\\rd\\u0000\\u007f", Table.escape("a\nb\tc\rd\u0000\u007f"));
    assertEquals("plain", Table.escape("plain"));
    assertEquals("C1    1  ayse  1\\n2", table.row(List.of("C1", "1", "ayse", "1\n2")));
  }

  @Test
  void aRowNeedsOneCellPerColumn() {
    assertThrows(IllegalArgumentException.class, () -> table.row(List.of("C1")));
  }
}
