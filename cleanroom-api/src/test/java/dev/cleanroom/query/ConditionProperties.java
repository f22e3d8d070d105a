package dev.cleanroom.query;

import static dev.cleanroom.query.Dsl.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;

class ConditionProperties {
  private static final String PREFIX = "LIT\u00a7";

  @Provide
  Arbitrary<String> literals() {
    return Arbitraries.strings().ofMaxLength(30).map(s -> PREFIX + s);
  }

  /** Longs whose decimal text cannot show up by accident (e.g. as a count of IN values). */
  @Provide
  Arbitrary<Long> bigLongs() {
    return Arbitraries.oneOf(
        Arbitraries.longs().between(1_000_000_000L, Long.MAX_VALUE),
        Arbitraries.longs().between(Long.MIN_VALUE, -1_000_000_000L));
  }

  @Provide
  Arbitrary<Double> bigDoubles() {
    return Arbitraries.oneOf(
        Arbitraries.doubles().between(1e9, 1e300), Arbitraries.doubles().between(-1e300, -1e9));
  }

  @Provide
  Arbitrary<Double> anyDouble() {
    return Arbitraries.doubles().withStandardSpecialValues();
  }

  private static List<Condition> stringConditions(String a, String b) {
    ColumnRef c = col("country");
    return List.of(
        c.eq(a), c.ne(a), c.lt(a), c.le(a), c.gt(a), c.ge(a), c.between(a, b), c.in(a, b));
  }

  @Property
  void toString_neverContainsStringLiterals(
      @ForAll("literals") String a, @ForAll("literals") String b) {
    for (Condition c : stringConditions(a, b)) {
      Condition combined = c.and(col("device").eq(b)).or(c.not());
      for (Condition shown : List.of(c, combined, c.not())) {
        String s = shown.toString();
        assertFalse(s.contains(PREFIX), s);
        assertFalse(s.contains(a), s);
      }
    }
  }

  @Property
  void toString_neverContainsLongLiterals(@ForAll("bigLongs") long a, @ForAll("bigLongs") long b) {
    ColumnRef c = col("campaign");
    List<Condition> conditions =
        List.of(c.eq(a), c.ne(a), c.lt(a), c.le(a), c.gt(a), c.ge(a), c.between(a, b), c.in(a, b));
    for (Condition cond : conditions) {
      String s = cond.or(cond.not()).toString();
      assertFalse(s.contains(Long.toString(a)), s);
      assertFalse(s.contains(Long.toString(b)), s);
      assertFalse(s.contains(Long.toString(Math.abs(a / 1000))), s);
    }
  }

  @Property
  void toString_neverContainsDoubleLiterals(
      @ForAll("bigDoubles") double a, @ForAll("bigDoubles") double b) {
    ColumnRef c = col("revenue");
    for (Condition cond : List.of(c.eq(a), c.lt(a), c.le(a), c.gt(a), c.ge(a), c.between(a, b))) {
      String s = cond.toString();
      assertFalse(s.contains(Double.toString(a)), s);
      assertFalse(s.contains(Double.toString(b)), s);
    }
  }

  @Property
  void doubleLiteral_isAcceptedIffFinite(@ForAll("anyDouble") double value) {
    if (Double.isFinite(value)) {
      Condition.Comparison c = (Condition.Comparison) col("x").eq(value);
      assertEquals(value, c.value());
    } else {
      assertThrows(IllegalArgumentException.class, () -> col("x").eq(value));
    }
  }

  @Property
  void columns_listsEveryColumnOnce_perComparison(
      @ForAll @Size(min = 2, max = 8)
          List<@AlphaChars @StringLength(min = 1, max = 5) String> names) {
    Condition c = col(names.get(0)).eq(1L);
    for (String n : names.subList(1, names.size())) {
      c = c.and(col(n).in("v"));
    }
    assertEquals(names, c.columns());
    assertEquals(names, c.not().columns());
  }
}
