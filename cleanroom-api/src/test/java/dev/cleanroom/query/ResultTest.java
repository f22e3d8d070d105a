package dev.cleanroom.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.ColumnType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResultTest {
  private static final List<ResultColumn> COLUMNS =
      List.of(
          new ResultColumn("country", ColumnType.STRING, false),
          new ResultColumn("users", ColumnType.LONG, true),
          new ResultColumn("avg_revenue", ColumnType.DOUBLE, true));

  private static ResultRow row(String country, long users, double revenue) {
    return new ResultRow(COLUMNS, List.of(country, users, revenue));
  }

  private static Result result() {
    return new Result("q1", COLUMNS, List.of(row("DE", 120L, 3.5), row("FRANCE", 7L, 12.25)));
  }

  @Test
  void get_unknownColumn_isRejectedListingColumns() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> row("DE", 1, 1).get("revenue"));
    assertTrue(e.getMessage().contains("[revenue]"), e.getMessage());
    for (ResultColumn c : COLUMNS) {
      assertTrue(e.getMessage().contains(c.name()), e.getMessage());
    }
  }

  @Test
  void row_valueCountMismatch_isRejected() {
    assertThrows(IllegalArgumentException.class, () -> new ResultRow(COLUMNS, List.of("DE", 1L)));
  }

  @Test
  void row_nullValue_isRejected() {
    List<Object> values = new ArrayList<>();
    values.add("DE");
    values.add(null);
    values.add(1.0);
    assertThrows(NullPointerException.class, () -> new ResultRow(COLUMNS, values));
  }

  @Test
  void row_typedGetters() {
    ResultRow r = row("DE", 120L, 3.5);
    assertEquals("DE", r.get("country"));
    assertEquals("DE", r.get(0));
    assertEquals("DE", r.getString("country"));
    assertEquals("120", r.getString("users"));
    assertEquals(120L, r.getLong("users"));
    assertEquals(120.0, r.getDouble("users"));
    assertEquals(3.5, r.getDouble("avg_revenue"));
    assertThrows(ClassCastException.class, () -> r.getLong("avg_revenue"));
    assertThrows(ClassCastException.class, () -> r.getDouble("country"));
  }

  @Test
  void row_values_areCopied() {
    List<Object> values = new ArrayList<>(List.of("DE", 1L, 2.0));
    ResultRow r = new ResultRow(COLUMNS, values);
    values.set(0, "FR");
    assertEquals("DE", r.get("country"));
    assertThrows(UnsupportedOperationException.class, () -> r.values().set(0, "FR"));
  }

  @Test
  void result_lists_areCopied() {
    List<ResultRow> rows = new ArrayList<>(List.of(row("DE", 1, 1)));
    Result result = new Result("q", COLUMNS, rows);
    rows.add(row("FR", 2, 2));
    assertEquals(1, result.size());
    assertThrows(UnsupportedOperationException.class, () -> result.rows().clear());
    assertThrows(UnsupportedOperationException.class, () -> result.columns().clear());
  }

  @Test
  void toTable_alignsColumns() {
    String table = result().toTable();
    List<String> lines = table.lines().toList();
    assertEquals(4, lines.size(), table);
    int width = lines.get(0).length();
    for (String line : lines) {
      assertEquals(width, line.length(), () -> "misaligned line [" + line + "] in\n" + table);
    }
    assertTrue(lines.get(0).startsWith("country"), table);
    assertTrue(lines.get(0).contains("users"), table);
    assertTrue(lines.get(0).contains("avg_revenue"), table);
    assertTrue(lines.get(1).matches("[- ]+"), table);
  }

  @Test
  void toTable_leftAlignsTextAndRightAlignsNumbers() {
    List<String> lines = result().toTable().lines().toList();
    assertEquals("country  users  avg_revenue", lines.get(0));
    assertEquals("DE         120         3.50", lines.get(2));
    assertEquals("FRANCE       7        12.25", lines.get(3));
  }

  @Test
  void toTable_ofEmptyResult_hasHeaderOnly() {
    String table = new Result("q", COLUMNS, List.of()).toTable();
    List<String> lines = table.lines().toList();
    assertEquals(2, lines.size(), table);
    assertTrue(lines.get(0).contains("country"), table);
  }

  @Test
  void toTable_groupsThousands() {
    Result r = new Result("q", COLUMNS, List.of(row("DE", 1_234_567L, 1_234.5)));
    String table = r.toTable();
    assertTrue(table.contains("1,234,567"), table);
    assertTrue(table.contains("1,234.50"), table);
  }

  @Test
  void toString_namesQueryAndRowCount() {
    String s = result().toString();
    assertTrue(s.contains("q1"), s);
    assertTrue(s.contains("2 rows"), s);
  }
}
