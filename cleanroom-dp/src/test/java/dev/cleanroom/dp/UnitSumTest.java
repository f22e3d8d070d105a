package dev.cleanroom.dp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/** {@link UnitSum}: exact sums of units that widen instead of saturating, and their rounding. */
class UnitSumTest {
  private static final BigInteger MAX = BigInteger.valueOf(Long.MAX_VALUE);
  private static final BigInteger MIN = BigInteger.valueOf(Long.MIN_VALUE);

  @Test
  void empty_isZero() {
    UnitSum s = new UnitSum();
    assertTrue(s.fitsLong());
    assertEquals(0, s.longValue());
    assertEquals(BigInteger.ZERO, s.units());
  }

  @Test
  void overflow_widensExactly_andNarrowsBack() {
    UnitSum s = new UnitSum();
    s.add(Long.MAX_VALUE);
    s.add(Long.MAX_VALUE);
    assertFalse(s.fitsLong());
    assertEquals(MAX.shiftLeft(1), s.units());
    ArithmeticException e = assertThrows(ArithmeticException.class, s::longValue);
    assertTrue(e.getMessage().contains("does not fit in a long"), e.getMessage());
    s.add(Long.MIN_VALUE);
    s.add(Long.MIN_VALUE);
    assertTrue(s.fitsLong());
    assertEquals(-2, s.longValue());

    UnitSum n = new UnitSum();
    n.add(Long.MIN_VALUE);
    assertTrue(n.fitsLong());
    n.add(-1);
    assertFalse(n.fitsLong());
    assertEquals(MIN.subtract(BigInteger.ONE), n.units());
  }

  @Test
  void addAll_mergesExactly_includingItself() {
    UnitSum a = new UnitSum();
    a.add(Long.MAX_VALUE);
    UnitSum b = new UnitSum();
    b.add(Long.MAX_VALUE);
    b.add(5);
    a.addAll(b);
    assertEquals(MAX.shiftLeft(1).add(BigInteger.valueOf(5)), a.units());
    assertEquals(MAX.add(BigInteger.valueOf(5)), b.units(), "the other sum is unchanged");
    a.addAll(a);
    assertEquals(MAX.shiftLeft(2).add(BigInteger.valueOf(10)), a.units());
    UnitSum c = new UnitSum();
    c.add(-3);
    c.addAll(b);
    assertEquals(MAX.add(BigInteger.TWO), c.units());
    assertThrows(NullPointerException.class, () -> c.addAll(null));
  }

  /** The defect this class fixes: 10,000,000 people contributing 1.0 at granularity 2^-40. */
  @Test
  void tenMillionPeopleAtFineGranularity_doNotSaturate() {
    double g = 0x1p-40;
    long perPerson = UnitSum.unitsOf(1.0, g);
    assertEquals(1L << 40, perPerson);
    UnitSum s = new UnitSum();
    for (int i = 0; i < 10_000_000; i++) {
      s.add(perPerson);
    }
    assertFalse(s.fitsLong(), "about 1.1e19 units, beyond 2^63");
    assertEquals(BigInteger.valueOf(10_000_000).shiftLeft(40), s.units());
  }

  @Test
  void unitsOf_roundsToNearest_tiesToEven_exactly() {
    double g = 0x1p-3;
    assertEquals(2, UnitSum.unitsOf(2.5 * g, g));
    assertEquals(4, UnitSum.unitsOf(3.5 * g, g));
    assertEquals(-2, UnitSum.unitsOf(-2.5 * g, g));
    assertEquals(3, UnitSum.unitsOf(2.5000001 * g, g));
    assertEquals(0, UnitSum.unitsOf(-0.0, g));
    assertEquals(0, UnitSum.unitsOf(Double.MIN_VALUE, 1.0));
    // Large quotients stay exact: near 2^52, x + 0.5 would round before any floor.
    assertEquals(1L << 51, UnitSum.unitsOf(0x1p51 + 0.5, 1.0));
    assertEquals((1L << 51) + 2, UnitSum.unitsOf(0x1p51 + 1.5, 1.0));
    assertEquals((1L << 52) + 1, UnitSum.unitsOf(0x1p52 + 1, 1.0));
    assertEquals((1L << 53) + 2, UnitSum.unitsOf(0x1p53 + 2, 1.0));
    assertEquals(
        (1L << 62) + 1024, UnitSum.unitsOf(Math.scalb((double) ((1L << 52) + 1), 10), 1.0));
    assertEquals(Long.MAX_VALUE - 1023, UnitSum.unitsOf(0x1p22 - 0x1p-41 * 1024, 0x1p-41));
    // Subnormal and coarse granularities.
    assertEquals(3, UnitSum.unitsOf(3 * Double.MIN_VALUE, Double.MIN_VALUE));
    assertEquals((1L << 53) - 1, UnitSum.unitsOf(Double.MAX_VALUE, 0x1p971));
  }

  @Test
  void unitsOf_beyondTheLongRange_throwsWithoutTheValue() {
    double g = 0x1p-40;
    ArithmeticException e =
        assertThrows(ArithmeticException.class, () -> UnitSum.unitsOf(0x1p23, g)); // 2^63 units
    assertFalse(e.getMessage().contains("8388608"), "the value must not appear: " + e.getMessage());
    assertTrue(e.getMessage().contains("2^63"), e.getMessage());
    assertThrows(ArithmeticException.class, () -> UnitSum.unitsOf(-0x1p23, g));
    assertThrows(ArithmeticException.class, () -> UnitSum.unitsOf(Double.MAX_VALUE, g));
    assertThrows(
        ArithmeticException.class, () -> UnitSum.unitsOf(Double.MAX_VALUE, Double.MIN_VALUE));
  }

  @Test
  void unitsOf_rejectsBadArguments_withTheirValues() {
    for (double g :
        new double[] {0, -1, 3, 0.1, Double.NaN, Double.POSITIVE_INFINITY, 3 * Double.MIN_VALUE}) {
      MechanismTest.assertRejected(
          "granularity must be a positive finite power of two",
          String.valueOf(g),
          () -> UnitSum.unitsOf(1.0, g));
    }
    for (double v : new double[] {Double.NaN, Double.NEGATIVE_INFINITY}) {
      MechanismTest.assertRejected(
          "value must be finite", String.valueOf(v), () -> UnitSum.unitsOf(v, 1.0));
    }
  }

  @Test
  void toString_hidesTheSum() {
    UnitSum s = new UnitSum();
    s.add(12345);
    assertEquals("UnitSum[not shown]", s.toString());
  }
}
