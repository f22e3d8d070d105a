package dev.cleanroom.dp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.junit.jupiter.api.Test;

/**
 * The 128-bit arithmetic of threshold-mode sums ({@link FineUnits}, {@link UnitTotals#addFloor},
 * {@link UnitTotals#addClampedTo}, {@link UnitSum}) against {@link BigDecimal} and {@link
 * BigInteger} arithmetic.
 */
class FineUnitsProperties {
  @Provide
  Arbitrary<List<Double>> values() {
    return Arbitraries.frequencyOf(
            Tuple.of(5, Arbitraries.doubles().between(-0x1p62, 0x1p62)),
            Tuple.of(3, Arbitraries.doubles().between(-1000, 1000)),
            Tuple.of(
                2,
                Arbitraries.of(
                    0x1p62, -0x1p62, 1e-300, -1e-300, 0.0, -0.0, 0.1, -3e-20, 0x1p-40, 1.5)))
        .list()
        .ofMaxSize(60);
  }

  /** ⌊v·scale⌋ of each value, added in 128 bits, equals the exact sum of the exact floors. */
  @Property(tries = 500)
  void floorsAddExactly_andClampLikeBigIntegers(
      @ForAll("values") List<Double> values, @ForAll long a, @ForAll long b) {
    double scale = FineUnits.scale(-0x1p62, 0x1p62);
    assertEquals(0x1p18, scale);
    UnitTotals t = new UnitTotals(3);
    BigInteger exact = BigInteger.ZERO;
    for (double v : values) {
      t.addFloor(2, v * scale);
      exact =
          exact.add(
              new BigDecimal(v)
                  .multiply(new BigDecimal(scale))
                  .setScale(0, RoundingMode.FLOOR)
                  .toBigInteger());
    }
    BigInteger lower = BigInteger.valueOf(Math.min(a, b)).shiftLeft(17);
    BigInteger upper = BigInteger.valueOf(Math.max(a, b)).shiftLeft(17);
    UnitSum into = new UnitSum();
    into.add(Long.MAX_VALUE);
    t.addClampedTo(2, new UnitBounds(lower, upper), into);
    BigInteger clamped = exact.max(lower).min(upper);
    assertEquals(clamped.add(BigInteger.valueOf(Long.MAX_VALUE)), into.units());
    UnitSum whole = new UnitSum();
    t.addClampedTo(2, new UnitBounds(exact.subtract(BigInteger.ONE), exact), whole);
    assertEquals(exact, whole.units());
  }

  /** The release rounds the exact total once, to the nearest double. */
  @Property(tries = 500)
  void value_isTheNearestDouble(@ForAll long high, @ForAll long low) {
    BigInteger units = BigInteger.valueOf(high).shiftLeft(40).add(BigInteger.valueOf(low));
    double scale = FineUnits.scale(1000.0);
    BigDecimal exact = new BigDecimal(units).divide(new BigDecimal(scale));
    assertEquals(exact.doubleValue(), FineUnits.value(units, scale));
  }

  @Test
  void scale_followsTheLargestBound() {
    assertEquals(0x1p80, FineUnits.scale(0, 0));
    assertEquals(0x1p67, FineUnits.scale(0, 10000));
    assertEquals(0x1p67, FineUnits.scale(-10000, 500));
    assertEquals(Math.scalb(1.0, 1022), FineUnits.scale(Double.MIN_VALUE));
    assertEquals(Math.scalb(1.0, 80 - 1023), FineUnits.scale(Double.MAX_VALUE));
  }

  @Test
  void sums_beyond128Bits_widen() {
    UnitSum s = new UnitSum();
    for (int i = 0; i < 4; i++) {
      s.add128(Long.MAX_VALUE, -1L);
    }
    BigInteger max = BigInteger.ONE.shiftLeft(127).subtract(BigInteger.ONE);
    assertEquals(max.multiply(BigInteger.valueOf(4)), s.units());
    s.add128(Long.MIN_VALUE, 0);
    assertEquals(
        max.multiply(BigInteger.valueOf(4)).subtract(BigInteger.ONE.shiftLeft(127)), s.units());
  }
}
