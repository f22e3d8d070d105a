package dev.cleanroom.query;

import static dev.cleanroom.query.Dsl.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConditionTest {
  @ParameterizedTest
  @ValueSource(doubles = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
  void doubleLiteral_nonFinite_isRejected(double value) {
    ColumnRef c = col("revenue");
    assertThrows(IllegalArgumentException.class, () -> c.eq(value));
    assertThrows(IllegalArgumentException.class, () -> c.lt(value));
    assertThrows(IllegalArgumentException.class, () -> c.le(value));
    assertThrows(IllegalArgumentException.class, () -> c.gt(value));
    assertThrows(IllegalArgumentException.class, () -> c.ge(value));
    assertThrows(IllegalArgumentException.class, () -> c.between(value, 1.0));
    assertThrows(IllegalArgumentException.class, () -> c.between(0.0, value));
  }

  @Test
  void floatLiteral_nan_isRejected() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new Condition.Comparison("x", Condition.Op.EQ, Float.NaN));
    assertThrows(
        IllegalArgumentException.class,
        () -> new Condition.In("x", List.of(1L, Double.POSITIVE_INFINITY)));
  }

  @Test
  void literal_unsupportedType_isRejected() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new Condition.Comparison("x", Condition.Op.EQ, new BigDecimal("12345.678")));
    assertFalse(e.getMessage().contains("12345"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class, () -> new Condition.Comparison("x", Condition.Op.EQ, 'c'));
  }

  @Test
  void literal_timeValues_areCheckedForRangeAndPrecision() {
    assertEquals(true, new Condition.Comparison("x", Condition.Op.EQ, true).value());
    assertThrows(
        IllegalArgumentException.class, () -> col("d").eq(java.time.LocalDate.of(10_000, 1, 1)));
    assertThrows(
        IllegalArgumentException.class, () -> col("d").eq(java.time.LocalDate.of(0, 12, 31)));
    assertThrows(
        IllegalArgumentException.class,
        () -> col("t").eq(java.time.Instant.parse("2024-01-01T00:00:00.000000001Z")));
    assertThrows(
        IllegalArgumentException.class,
        () -> col("t").eq(java.time.Instant.parse("+10000-01-01T00:00:00Z")));
    col("t").eq(java.time.Instant.parse("9999-12-31T23:59:59.999999Z"));
    col("d").eq(java.time.LocalDate.of(1, 1, 1));
  }

  @Test
  void literal_null_isRejected() {
    assertThrows(NullPointerException.class, () -> col("x").eq((String) null));
    assertThrows(NullPointerException.class, () -> col("x").in("a", null));
  }

  @Test
  void literal_smallIntegers_becomeLong() {
    Condition.Comparison c = new Condition.Comparison("x", Condition.Op.EQ, 7);
    assertEquals(7L, c.value());
    Condition.In in = new Condition.In("x", List.of((short) 1, (byte) 2));
    assertEquals(List.of(1L, 2L), in.values());
    assertEquals(1.5, new Condition.Comparison("x", Condition.Op.GT, 1.5f).value());
  }

  @Test
  void in_empty_isRejected() {
    assertThrows(IllegalArgumentException.class, () -> col("x").in(new String[0]));
    assertThrows(IllegalArgumentException.class, () -> col("x").in(new long[0]));
    assertThrows(IllegalArgumentException.class, () -> new Condition.In("x", List.of()));
  }

  @Test
  void in_values_areCopied() {
    List<Object> values = new ArrayList<>(List.of("a", "b"));
    Condition.In in = new Condition.In("x", values);
    values.add("c");
    assertEquals(List.of("a", "b"), in.values());
    assertThrows(UnsupportedOperationException.class, () -> in.values().add("d"));
  }

  @Test
  void andOr_fewerThanTwoOperands_areRejected() {
    Condition c = col("x").eq(1);
    assertThrows(IllegalArgumentException.class, () -> new Condition.And(List.of(c)));
    assertThrows(IllegalArgumentException.class, () -> new Condition.Or(List.of()));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "\t"})
  void columnRef_blankName_isRejected(String name) {
    assertThrows(IllegalArgumentException.class, () -> col(name));
  }

  @Test
  void columnRef_qualifiedName_isKept() {
    assertEquals("publisher.impressions.country", col("publisher.impressions.country").name());
  }

  @Test
  void operators_buildComparisons() {
    assertOp(Condition.Op.EQ, col("x").eq("v"));
    assertOp(Condition.Op.EQ, col("x").eq(1L));
    assertOp(Condition.Op.EQ, col("x").eq(1.0));
    assertOp(Condition.Op.NE, col("x").ne("v"));
    assertOp(Condition.Op.NE, col("x").ne(1L));
    assertOp(Condition.Op.LT, col("x").lt("v"));
    assertOp(Condition.Op.LT, col("x").lt(1L));
    assertOp(Condition.Op.LE, col("x").le(1.0));
    assertOp(Condition.Op.GT, col("x").gt(1L));
    assertOp(Condition.Op.GE, col("x").ge("v"));
  }

  private static void assertOp(Condition.Op op, Condition c) {
    Condition.Comparison cmp = assertInstanceOf(Condition.Comparison.class, c);
    assertEquals(op, cmp.op());
    assertEquals("x", cmp.column());
  }

  @Test
  void between_isGeAndLe() {
    Condition c = col("x").between(1L, 9L);
    Condition.And and = assertInstanceOf(Condition.And.class, c);
    assertEquals(
        List.of(
            new Condition.Comparison("x", Condition.Op.GE, 1L),
            new Condition.Comparison("x", Condition.Op.LE, 9L)),
        and.operands());
  }

  @Test
  void columns_collectsAllColumnsInOrder() {
    Condition c =
        col("a")
            .eq("x")
            .and(col("b").in(1L, 2L))
            .or(col("c").gt(3.0).not())
            .and(col("a").between("m", "n"));
    assertEquals(List.of("a", "b", "c", "a", "a"), c.columns());
    assertThrows(UnsupportedOperationException.class, () -> c.columns().add("z"));
  }

  @Test
  void toString_hidesLiterals() {
    Condition c =
        col("country")
            .eq("SECRET_DE")
            .and(col("campaign").in(987654321L, 123456789L))
            .or(col("revenue").between(31415.926, 27182.818).not())
            .and(col("device").in("SECRET_IOS"));
    String s = c.toString();
    for (String literal :
        List.of("SECRET", "987654321", "123456789", "31415", "27182", "926", "818")) {
      assertFalse(s.contains(literal), () -> literal + " leaked in " + s);
    }
    assertTrue(s.contains("country = ?"), s);
    assertTrue(s.contains("campaign IN (2 values)"), s);
    assertTrue(s.contains("NOT "), s);
    assertTrue(s.contains(" OR "), s);
  }

  @Test
  void op_symbols() {
    assertEquals("<>", Condition.Op.NE.symbol());
    assertEquals(">=", Condition.Op.GE.symbol());
  }

  @Test
  void in_takesValuesNotColumns() {
    ColumnOffset other = col("d").plus(java.time.Duration.ZERO);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new Condition.In("c", List.of(other)));
    assertTrue(e.getMessage().contains("not another column"), e.getMessage());
  }

  @Test
  void timeBucket_outputName_isTheResultColumn() {
    assertEquals("day", TimeBucket.outputName("impressions.day"));
    assertEquals("week_day", TimeBucket.outputName("week(impressions.day)"));
    assertEquals("month_seen_at", TimeBucket.outputName("month(seen_at)"));
    assertEquals("x(y", TimeBucket.outputName("x(y"));
  }
}
