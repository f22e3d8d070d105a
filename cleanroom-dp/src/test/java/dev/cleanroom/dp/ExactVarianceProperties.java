package dev.cleanroom.dp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * {@link ExactVariance} releases the double nearest to the exact population variance (and to its
 * exact square root) of whole numbers of units, against an independent {@link BigDecimal} reference
 * at 150 significant digits; and {@link UnitSum#addSquare} adds squares exactly.
 */
class ExactVarianceProperties {
  private static final MathContext MC = new MathContext(150);

  @Provide
  Arbitrary<List<BigInteger>> units() {
    Arbitrary<BigInteger> small = Arbitraries.longs().between(-1000, 1000).map(BigInteger::valueOf);
    Arbitrary<BigInteger> large =
        Arbitraries.bigIntegers()
            .between(BigInteger.ONE.shiftLeft(82).negate(), BigInteger.ONE.shiftLeft(82));
    return Arbitraries.oneOf(small, large).list().ofMinSize(1).ofMaxSize(40);
  }

  @Provide
  Arbitrary<Integer> exponents() {
    return Arbitraries.integers().between(-200, 200);
  }

  @Property(tries = 300)
  void variance_andStddev_areTheExactValuesRoundedOnce(
      @ForAll("units") List<BigInteger> xs, @ForAll("exponents") int k) {
    double scale = Math.scalb(1.0, k);
    BigInteger sum = BigInteger.ZERO;
    BigInteger squares = BigInteger.ZERO;
    for (BigInteger x : xs) {
      sum = sum.add(x);
      squares = squares.add(x.multiply(x));
    }
    BigDecimal n = BigDecimal.valueOf(xs.size());
    BigDecimal mean = new BigDecimal(sum).divide(n, MC);
    BigDecimal dev = BigDecimal.ZERO;
    for (BigInteger x : xs) {
      BigDecimal d = new BigDecimal(x).subtract(mean);
      dev = dev.add(d.multiply(d));
    }
    BigDecimal q = new BigDecimal(scale);
    BigDecimal variance = dev.divide(n, MC).divide(q.multiply(q), MC);
    assertEquals(
        variance.doubleValue(),
        ExactVariance.variance(xs.size(), sum, squares, scale),
        xs::toString);
    assertEquals(
        variance.sqrt(MC).doubleValue(),
        ExactVariance.stddev(xs.size(), sum, squares, scale),
        xs::toString);
  }

  @Property(tries = 300)
  void addSquare_isExact(@ForAll List<Long> xs) {
    UnitSum s = new UnitSum();
    BigInteger expected = BigInteger.ZERO;
    for (long x : xs) {
      s.addSquare(x);
      expected = expected.add(BigInteger.valueOf(x).pow(2));
    }
    assertEquals(expected, s.units());
  }

  @Example
  void addSquare_ofTheLongExtremes_isExact() {
    UnitSum s = new UnitSum();
    s.addSquare(Long.MIN_VALUE);
    s.addSquare(Long.MAX_VALUE);
    s.addSquare(BigInteger.ONE.shiftLeft(81).negate());
    assertEquals(
        BigInteger.ONE
            .shiftLeft(126)
            .add(BigInteger.valueOf(Long.MAX_VALUE).pow(2))
            .add(BigInteger.ONE.shiftLeft(162)),
        s.units());
  }

  @Example
  void knownValues() {
    // Values 1, 2, 3, 4 in units of 1/2: variance 1.25 / 4, standard deviation sqrt(1.25) / 2.
    BigInteger sum = BigInteger.valueOf(10);
    BigInteger squares = BigInteger.valueOf(30);
    assertEquals(0.3125, ExactVariance.variance(4, sum, squares, 2));
    assertEquals(Math.sqrt(1.25) / 2, ExactVariance.stddev(4, sum, squares, 2));
    assertEquals(0.0, ExactVariance.variance(3, BigInteger.valueOf(6), BigInteger.valueOf(12), 1));
  }

  @Example
  void inconsistentSums_orBadArguments_areRejected() {
    assertThrows(
        IllegalArgumentException.class,
        () -> ExactVariance.variance(2, BigInteger.TEN, BigInteger.ONE, 1));
    assertThrows(
        IllegalArgumentException.class,
        () -> ExactVariance.variance(0, BigInteger.ZERO, BigInteger.ZERO, 1));
    assertThrows(
        IllegalArgumentException.class,
        () -> ExactVariance.stddev(1, BigInteger.ZERO, BigInteger.ZERO, 3));
  }
}
