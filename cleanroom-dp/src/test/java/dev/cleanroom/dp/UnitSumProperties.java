package dev.cleanroom.dp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/** {@link UnitSum} against {@link BigInteger} arithmetic, and the exact rounding to units. */
class UnitSumProperties {

  static BigInteger reference(List<Long> units) {
    BigInteger sum = BigInteger.ZERO;
    for (long u : units) {
      sum = sum.add(BigInteger.valueOf(u));
    }
    return sum;
  }

  /** Widening and narrowing agree with BigInteger arithmetic at every step. */
  @Property(tries = 1000)
  void everyPrefix_equalsBigIntegerArithmetic(@ForAll("units") List<Long> units) {
    UnitSum s = new UnitSum();
    BigInteger expected = BigInteger.ZERO;
    for (long u : units) {
      s.add(u);
      expected = expected.add(BigInteger.valueOf(u));
      assertEquals(expected, s.units());
      boolean fits = expected.bitLength() < Long.SIZE;
      assertEquals(fits, s.fitsLong());
      if (fits) {
        assertEquals(expected.longValueExact(), s.longValue());
      } else {
        assertThrows(ArithmeticException.class, s::longValue);
      }
    }
  }

  /** Any order and any split into parts merged in any order give the same sum. */
  @Property(tries = 1000)
  void sum_doesNotDependOnOrderOrMerging(@ForAll("units") List<Long> units, @ForAll Random random) {
    List<Long> shuffled = new ArrayList<>(units);
    Collections.shuffle(shuffled, random);
    List<UnitSum> parts = new ArrayList<>();
    UnitSum current = new UnitSum();
    for (long u : shuffled) {
      current.add(u);
      if (random.nextInt(3) == 0) {
        parts.add(current);
        current = new UnitSum();
      }
    }
    parts.add(current);
    while (parts.size() > 1) {
      UnitSum into = parts.remove(random.nextInt(parts.size()));
      UnitSum from = parts.remove(random.nextInt(parts.size()));
      into.addAll(from);
      parts.add(into);
    }
    assertEquals(reference(units), parts.get(0).units());
  }

  /** unitsOf is value / granularity rounded half to even, or refused beyond the long range. */
  @Property(tries = 2000)
  void unitsOf_isExactRoundingHalfEven(
      @ForAll("values") double mantissa,
      @ForAll @IntRange(min = -3, max = 66) int unitsExponent,
      @ForAll @IntRange(min = FixedPoint.MIN_EXPONENT, max = FixedPoint.MAX_EXPONENT) int k) {
    double value = Math.scalb(mantissa, k + unitsExponent); // about 2^unitsExponent units
    Assume.that(Double.isFinite(value));
    double g = Math.scalb(1.0, k);
    BigInteger expected =
        new BigDecimal(value)
            .divide(new BigDecimal(g))
            .setScale(0, RoundingMode.HALF_EVEN)
            .toBigIntegerExact();
    if (expected.abs().compareTo(BigInteger.ONE.shiftLeft(63)) >= 0) {
      assertThrows(ArithmeticException.class, () -> UnitSum.unitsOf(value, g));
    } else {
      assertEquals(expected.longValueExact(), UnitSum.unitsOf(value, g));
    }
  }

  /** Ties: odd multiples of half a granularity. */
  @Property(tries = 1000)
  void unitsOf_tiesGoToEven(
      @ForAll @LongRange(min = -(1L << 52) + 1, max = (1L << 52) - 1) long units,
      @ForAll @IntRange(min = -1000, max = 900) int k) {
    double g = Math.scalb(1.0, k);
    double value = Math.scalb(2.0 * units + 1, k - 1); // (units + 1/2)·g, exact
    long expected = (units & 1) == 0 ? units : units + 1;
    assertEquals(expected, UnitSum.unitsOf(value, g));
  }

  @Provide
  Arbitrary<List<Long>> units() {
    return Arbitraries.oneOf(
            Arbitraries.longs(),
            Arbitraries.of(Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE - 1, -1L, 1L, 0L),
            Arbitraries.longs().between(-1000, 1000))
        .list()
        .ofMaxSize(40);
  }

  /** Mostly of magnitude 1, with some of every magnitude and some exact halves. */
  @Provide
  Arbitrary<Double> values() {
    return Arbitraries.oneOf(
        Arbitraries.doubles().between(-2, 2),
        Arbitraries.longs().between(-64, 64).map(u -> u / 32.0 + 1 / 64.0),
        Arbitraries.longs().map(Double::longBitsToDouble));
  }
}
