package dev.cleanroom.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.testing.NullPointerTester;
import dev.cleanroom.source.MalformedRows.Row;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The report of skipped rows: validation, order and immutability. */
class MalformedRowsTest {
  private static List<Row> rows(int n) {
    List<Row> rows = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      rows.add(new Row(i, "age", "not a whole number"));
    }
    return rows;
  }

  private static void assertIllegal(String message, Runnable call) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
    assertEquals(message, e.getMessage());
  }

  @Test
  void none_isEmpty() {
    assertEquals(0, MalformedRows.NONE.skippedRows());
    assertEquals(List.of(), MalformedRows.NONE.rows());
    assertFalse(MalformedRows.NONE.truncated());
  }

  @Test
  void rows_areCopied_andImmutable() {
    List<Row> list = rows(2);
    MalformedRows report = new MalformedRows(5, list, false);
    list.clear();
    assertEquals(2, report.rows().size());
    assertThrows(UnsupportedOperationException.class, () -> report.rows().clear());
  }

  @Test
  void rows_areOrderedByPosition_thenColumn_thenReason() {
    Row a = new Row(2, "age", "not a whole number");
    Row b = new Row(2, "age", "x");
    Row c = new Row(2, "score", "a");
    Row d = new Row(10, "", "expected 3 fields, found 2");
    assertTrue(a.compareTo(b) < 0);
    assertTrue(b.compareTo(c) < 0);
    assertTrue(c.compareTo(d) < 0);
    assertEquals(0, a.compareTo(new Row(2, "age", "not a whole number")));
    assertEquals(List.of(a, b, c, d), new MalformedRows(4, List.of(a, b, c, d), false).rows());
  }

  @Test
  void invalidReports_areRejected() {
    assertIllegal(
        "skippedRows must be >= the number of rows (0); provided value: -1",
        () -> new MalformedRows(-1, List.of(), false));
    assertIllegal(
        "skippedRows must be >= the number of rows (2); provided value: 1",
        () -> new MalformedRows(1, rows(2), false));
    assertIllegal(
        "rows must hold at most 100 rows; provided: 101",
        () -> new MalformedRows(200, rows(101), true));
    Row one = new Row(1, "age", "r");
    Row two = new Row(2, "age", "r");
    assertIllegal(
        "rows must be distinct and in natural order; row 1 is not",
        () -> new MalformedRows(2, List.of(two, one), false));
    assertIllegal(
        "rows must be distinct and in natural order; row 1 is not",
        () -> new MalformedRows(2, List.of(one, one), false));
    assertIllegal(
        "truncated must be false while fewer than 100 rows are listed",
        () -> new MalformedRows(200, rows(99), true));
    assertTrue(new MalformedRows(200, rows(100), true).truncated());
  }

  @Test
  void invalidRows_areRejected() {
    assertIllegal("position must be >= 1; provided value: 0", () -> new Row(0, "a", "r"));
    assertIllegal("reason must not be blank", () -> new Row(1, "a", " "));
    assertEquals("", new Row(1, "", "r").column());
  }

  @Test
  void nullArguments_areRejected() {
    NullPointerTester tester = new NullPointerTester();
    tester.setDefault(List.class, List.of());
    tester.testAllPublicConstructors(MalformedRows.class);
    tester.testAllPublicConstructors(Row.class);
  }
}
