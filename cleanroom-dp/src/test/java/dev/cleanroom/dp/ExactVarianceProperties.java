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
 * exact square root) of whole numbers of units, against an independent exact reference (the exact
 * fraction compared with the midpoints between neighbouring doubles); and {@link UnitSum#addSquare}
 * adds squares exactly.
 */
class ExactVarianceProperties {
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
    // The exact variance as a fraction p/d, computed independently of n·S2 − S1²:
    // Σ_i (x_i − mean)² = Σ_i<j (x_i − x_j)² / n, and a value of u units is u·2^-k.
    BigInteger p = BigInteger.ZERO;
    for (int i = 0; i < xs.size(); i++) {
      for (int j = i + 1; j < xs.size(); j++) {
        p = p.add(xs.get(i).subtract(xs.get(j)).pow(2));
      }
    }
    BigInteger d = BigInteger.valueOf(xs.size()).pow(2);
    if (k >= 0) {
      d = d.shiftLeft(2 * k);
    } else {
      p = p.shiftLeft(-2 * k);
    }
    assertEquals(
        nearest(p, d, false), ExactVariance.variance(xs.size(), sum, squares, scale), xs::toString);
    assertEquals(
        nearest(p, d, true), ExactVariance.stddev(xs.size(), sum, squares, scale), xs::toString);
  }

  @Property(tries = 300)
  void mean_isTheExactQuotientRoundedOnce(
      @ForAll("units") List<BigInteger> xs, @ForAll("exponents") int k) {
    BigInteger sum = xs.stream().reduce(BigInteger.ZERO, BigInteger::add);
    BigInteger p = sum.abs();
    BigInteger d = BigInteger.valueOf(xs.size());
    if (k >= 0) {
      d = d.shiftLeft(k);
    } else {
      p = p.shiftLeft(-k);
    }
    double expected = nearest(p, d, false) * sum.signum();
    assertEquals(
        expected == 0 ? 0.0 : expected,
        ExactVariance.mean(xs.size(), sum, Math.scalb(1.0, k)),
        xs::toString);
  }

  @Example
  void theMeanOfValuesNearTheLargestDouble_isFinite() {
    // Three people at 1.5e308 in units of 2^-10: their sum as a double would be Infinity.
    BigInteger one = new BigDecimal(1.5e308).toBigIntegerExact().shiftLeft(10);
    BigInteger sum = one.multiply(BigInteger.valueOf(3));
    assertEquals(1.5e308, ExactVariance.mean(3, sum, Math.scalb(1.0, 10)));
    assertEquals(-1.5e308, ExactVariance.mean(3, sum.negate(), Math.scalb(1.0, 10)));
    assertThrows(
        IllegalArgumentException.class, () -> ExactVariance.mean(0, sum, Math.scalb(1.0, 10)));
  }

  /**
   * The double nearest to p/d (or to its square root), ties to even: a first guess from a 40-digit
   * quotient, moved to its neighbour while p/d lies beyond the midpoint between them (compared
   * exactly, without division). A reference rounded to a finite number of digits first would round
   * twice: an exact tie between two doubles, which these sums reach, came out as the wrong
   * neighbour that way.
   */
  private static double nearest(BigInteger p, BigInteger d, boolean root) {
    BigDecimal q = new BigDecimal(p).divide(new BigDecimal(d), new MathContext(40));
    double r = (root ? q.sqrt(new MathContext(40)) : q).doubleValue();
    while (beyond(p, d, root, r, Math.nextUp(r))) {
      r = Math.nextUp(r);
    }
    while (r > 0 && beyond(p, d, root, r, Math.nextDown(r))) {
      r = Math.nextDown(r);
    }
    return r;
  }

  /** Whether p/d (or its root) is nearer to {@code to} than to {@code from}, ties to even. */
  private static boolean beyond(BigInteger p, BigInteger d, boolean root, double from, double to) {
    BigDecimal m = new BigDecimal(from).add(new BigDecimal(to)).divide(BigDecimal.valueOf(2));
    int c = new BigDecimal(p).compareTo((root ? m.multiply(m) : m).multiply(new BigDecimal(d)));
    int side = to > from ? c : -c;
    return side > 0 || (side == 0 && (Double.doubleToRawLongBits(to) & 1) == 0);
  }

  @Example
  void anExactTieBetweenTwoDoubles_roundsToEven() {
    // Found by the property: this variance at 2^95 units per 1.0 lies exactly halfway between two
    // doubles; a reference rounded to 150 digits first chose the odd one.
    List<BigInteger> xs =
        List.of(0L, 0L, 0L, 0L, 0L, 0L, 1L, 35871198L).stream().map(BigInteger::valueOf).toList();
    BigInteger sum = BigInteger.valueOf(35871199L);
    BigInteger squares = BigInteger.valueOf(35871198L).pow(2).add(BigInteger.ONE);
    double v = ExactVariance.variance(8, sum, squares, Math.scalb(1.0, 95));
    assertEquals(8.968310764312055E-44, v);
    assertEquals(0, Double.doubleToRawLongBits(v) & 1, xs::toString);
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
