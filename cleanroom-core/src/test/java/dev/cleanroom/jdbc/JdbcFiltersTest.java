package dev.cleanroom.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.Column;
import dev.cleanroom.ColumnType;
import dev.cleanroom.query.Condition;
import dev.cleanroom.query.Condition.Comparison;
import dev.cleanroom.query.Condition.In;
import dev.cleanroom.query.Condition.Op;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The SQL text and bound values of pushed-down filters, and what is not pushed down. */
class JdbcFiltersTest {
  private static final Map<String, JdbcColumn> COLUMNS =
      Map.ofEntries(
          column("l", ColumnType.LONG, Types.BIGINT, false),
          column("ln", ColumnType.LONG, Types.INTEGER, true),
          column("select", ColumnType.LONG, Types.SMALLINT, false),
          column("s", ColumnType.STRING, Types.VARCHAR, false),
          column("sn", ColumnType.STRING, Types.NVARCHAR, true),
          column("c", ColumnType.STRING, Types.CHAR, false),
          column("lob", ColumnType.STRING, Types.CLOB, false),
          column("d", ColumnType.DOUBLE, Types.DOUBLE, false),
          column("dn", ColumnType.DOUBLE, Types.DOUBLE, true),
          column("r", ColumnType.DOUBLE, Types.REAL, false),
          column("f", ColumnType.DOUBLE, Types.FLOAT, false),
          column("n", ColumnType.DOUBLE, Types.NUMERIC, false));

  private static Map.Entry<String, JdbcColumn> column(
      String name, ColumnType type, int jdbcType, boolean nullable) {
    return Map.entry(name, new JdbcColumn(new Column(name, type), jdbcType, nullable));
  }

  private static JdbcColumn lookup(String name) {
    JdbcColumn c = COLUMNS.get(name);
    if (c == null) {
      throw new IllegalArgumentException("column [" + name + "] not found");
    }
    return c;
  }

  private static JdbcFilters.Compiled compile(SqlDialect dialect, Condition... filter) {
    return JdbcFilters.compile(List.of(filter), dialect, JdbcFiltersTest::lookup);
  }

  private static JdbcFilters.Compiled compile(Condition... filter) {
    return compile(SqlDialect.H2, filter);
  }

  private static void assertPushed(
      String sql, List<Object> parameters, boolean complete, Condition... filter) {
    JdbcFilters.Compiled c = compile(filter);
    assertEquals(sql, c.sql());
    assertEquals(parameters, c.parameters());
    assertEquals(complete, c.complete(), "complete");
  }

  private static void assertNotPushed(Condition... filter) {
    assertPushed("", List.of(), false, filter);
  }

  private static Comparison cmp(String column, Op op, Object value) {
    return new Comparison(column, op, value);
  }

  @Test
  void emptyFilter_isComplete() {
    JdbcFilters.Compiled c = compile();
    assertTrue(c.isEmpty());
    assertTrue(c.complete());
  }

  @Test
  void longs_everyOperator_boundAsBigint() {
    for (Op op : Op.values()) {
      assertPushed(
          "\"l\" " + op.symbol() + " CAST(? AS BIGINT)", List.of(5L), true, cmp("l", op, 5L));
    }
  }

  @Test
  void not_isPushedIntoTheComparisons() {
    Condition l1 = cmp("l", Op.EQ, 1L);
    Condition l2 = cmp("l", Op.LT, 2L);
    assertPushed("\"l\" >= CAST(? AS BIGINT)", List.of(2L), true, l2.not());
    assertPushed("\"l\" = CAST(? AS BIGINT)", List.of(1L), true, l1.not().not());
    assertPushed(
        "(\"l\" <> CAST(? AS BIGINT) OR \"l\" >= CAST(? AS BIGINT))",
        List.of(1L, 2L),
        true,
        l1.and(l2).not());
    assertPushed(
        "(\"l\" <> CAST(? AS BIGINT) AND \"l\" >= CAST(? AS BIGINT))",
        List.of(1L, 2L),
        true,
        l1.or(l2).not());
    Op[][] negations = {
      {Op.EQ, Op.NE}, {Op.NE, Op.EQ}, {Op.LT, Op.GE}, {Op.LE, Op.GT}, {Op.GT, Op.LE}, {Op.GE, Op.LT}
    };
    for (Op[] n : negations) {
      assertPushed(
          "\"l\" " + n[1].symbol() + " CAST(? AS BIGINT)",
          List.of(3L),
          true,
          cmp("l", n[0], 3L).not());
    }
  }

  @Test
  void in_andNotIn() {
    assertPushed(
        "\"l\" IN (CAST(? AS BIGINT), CAST(? AS BIGINT))",
        List.of(1L, 2L),
        true,
        new In("l", List.of(1L, 2L)));
    assertPushed(
        "\"l\" NOT IN (CAST(? AS BIGINT), CAST(? AS BIGINT))",
        List.of(1L, 2L),
        true,
        new In("l", List.of(1L, 2L)).not());
    assertPushed("\"l\" = CAST(? AS BIGINT)", List.of(1L), true, new In("l", List.of(1L)));
    assertPushed("\"s\" IN (?, ?)", List.of("a", "b"), true, new In("s", List.of("a", "b")));
    assertPushed("\"d\" IN (?, ?)", List.of(1.0, 2.5), true, new In("d", List.of(1L, 2.5)));
    // A value that cannot be pushed makes IN true, and NOT IN only looser.
    assertNotPushed(new In("s", List.of("a", "")));
    assertPushed(
        "\"l\" <> CAST(? AS BIGINT)", List.of(1L), false, new In("l", List.of(1L, "x")).not());
    assertNotPushed(new In("s", List.of("a", "b")).not());
    assertNotPushed(new In("d", List.of(1.0)).not());
  }

  @Test
  void text_onlyEqualityWithANonEmptyValue() {
    assertPushed("\"s\" = ?", List.of("x"), true, cmp("s", Op.EQ, "x"));
    assertPushed("\"sn\" = ?", List.of("x"), true, cmp("sn", Op.EQ, "x"));
    for (Op op : List.of(Op.NE, Op.LT, Op.LE, Op.GT, Op.GE)) {
      assertNotPushed(cmp("s", op, "x"));
    }
    assertNotPushed(cmp("s", Op.EQ, "x").not());
    assertNotPushed(cmp("s", Op.EQ, ""));
    assertNotPushed(cmp("sn", Op.EQ, ""));
    assertNotPushed(cmp("c", Op.EQ, "x"));
    assertNotPushed(cmp("lob", Op.EQ, "x"));
  }

  @Test
  void doubles_positiveComparisonsOnDoublePrecisionOnly() {
    for (Op op : List.of(Op.EQ, Op.LT, Op.LE, Op.GT, Op.GE)) {
      assertPushed("\"d\" " + op.symbol() + " ?", List.of(1.5), true, cmp("d", op, 1.5));
      assertPushed("\"dn\" " + op.symbol() + " ?", List.of(1.5), true, cmp("dn", op, 1.5));
      assertNotPushed(cmp("d", op, 1.5).not());
    }
    assertNotPushed(cmp("d", Op.NE, 1.5));
    assertPushed("\"d\" < ?", List.of(3.0), true, cmp("d", Op.LT, 3L));
    assertNotPushed(cmp("r", Op.EQ, 1.5));
    assertNotPushed(cmp("f", Op.EQ, 1.5));
    assertNotPushed(cmp("n", Op.EQ, 1.5));
  }

  @Test
  void negativeZero_isBoundAsZero() {
    JdbcFilters.Compiled c = compile(cmp("d", Op.GE, -0.0));
    assertEquals(0L, Double.doubleToRawLongBits((Double) c.parameters().get(0)));
  }

  @Test
  void nullableLongs_andMismatchedValues_areNotPushed() {
    assertNotPushed(cmp("ln", Op.EQ, 1L));
    assertNotPushed(cmp("l", Op.EQ, "1"));
    assertNotPushed(cmp("l", Op.EQ, 1.0));
    assertNotPushed(cmp("s", Op.EQ, 1L));
  }

  @Test
  void junctions_dropOnlyWhatIsSafeToDrop() {
    Condition l1 = cmp("l", Op.EQ, 1L);
    Condition l2 = cmp("l", Op.EQ, 2L);
    Condition sLt = cmp("s", Op.LT, "x");
    // TRUE AND x is x.
    assertPushed("\"l\" = CAST(? AS BIGINT)", List.of(1L), false, l1.and(sLt));
    // TRUE OR x is TRUE, and the values of x are dropped with it.
    assertPushed("\"l\" = CAST(? AS BIGINT)", List.of(2L), false, l1.or(sLt).and(l2));
    assertPushed("\"l\" = CAST(? AS BIGINT)", List.of(2L), false, sLt.or(l1), l2);
    // Several conditions are a conjunction.
    assertPushed(
        "\"l\" = CAST(? AS BIGINT) AND (\"l\" = CAST(? AS BIGINT) OR \"s\" = ?)",
        List.of(1L, 2L, "a"),
        true,
        l1,
        l2.or(cmp("s", Op.EQ, "a")));
  }

  @Test
  void values_neverBecomeSqlText() {
    String hostile = "x'); DROP TABLE t; --";
    JdbcFilters.Compiled c = compile(cmp("s", Op.EQ, hostile), cmp("l", Op.GT, 42L));
    assertEquals("\"s\" = ? AND \"l\" > CAST(? AS BIGINT)", c.sql());
    assertEquals(List.of(hostile, 42L), c.parameters());
    assertFalse(c.sql().contains("DROP"));
    assertFalse(c.sql().contains("42"));
  }

  @Test
  void columns_areQuotedByTheDialect() {
    assertEquals("\"select\" = CAST(? AS BIGINT)", compile(cmp("select", Op.EQ, 1L)).sql());
    assertEquals(
        "`select` = CAST(? AS BIGINT)", compile(SqlDialect.SPARK, cmp("select", Op.EQ, 1L)).sql());
  }

  @Test
  void unknownColumns_areRejected_evenWhereNothingIsPushed() {
    Condition bad = cmp("nope", Op.EQ, 1L);
    assertThrows(IllegalArgumentException.class, () -> compile(bad));
    assertThrows(IllegalArgumentException.class, () -> compile(cmp("s", Op.LT, "x").or(bad)));
    assertThrows(IllegalArgumentException.class, () -> compile(new In("nope", List.of(1L)).not()));
  }

  @Test
  void tooManyValues_pushNothing() {
    List<Object> max = new ArrayList<>();
    for (long i = 0; i < JdbcFilters.MAX_PARAMETERS; i++) {
      max.add(i);
    }
    JdbcFilters.Compiled c = compile(new In("l", max));
    assertEquals(JdbcFilters.MAX_PARAMETERS, c.parameters().size());
    assertEquals(
        "\"l\" IN ("
            + String.join(", ", Collections.nCopies(max.size(), "CAST(? AS BIGINT)"))
            + ")",
        c.sql());
    List<Object> more = new ArrayList<>(max);
    more.add(-1L);
    assertNotPushed(new In("l", more));
  }
}
