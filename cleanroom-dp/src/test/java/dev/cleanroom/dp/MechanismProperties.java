package dev.cleanroom.dp;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.Bounds;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Scale;

/** Invariants of the mechanisms over generated parameters and values. */
class MechanismProperties {

  /** Every output of a real-valued mechanism is finite and an exact multiple of its granularity. */
  @Property(tries = 1000)
  void realOutputs_areExactMultiplesOfGranularity(
      @ForAll("values") double value,
      @ForAll("privacyParameters") BigDecimal epsilon,
      @ForAll @IntRange(min = 1, max = 100_000) int l0,
      @ForAll("perGroupBounds") double linf,
      @ForAll boolean gaussian,
      @ForAll long seed) {
    Assume.that(!Double.isNaN(value));
    NoiseMechanism m = realMechanism(gaussian, epsilon, l0, linf, seed);
    double g = m.granularity();
    Rational gr = Rational.of(g);
    assertTrue(gr.num().bitCount() == 1 && gr.den().bitCount() == 1, g + " is a power of two");
    for (int i = 0; i < 3; i++) {
      double out = m.addNoise(value);
      assertTrue(Double.isFinite(out), m + " gave " + out);
      assertTrue(
          out == 0 || lowestBitExponent(out) >= lowestBitExponent(g),
          m + ": " + out + " is not a multiple of " + g);
    }
  }

  @Property(tries = 200)
  void lowestBitExponent_agreesWithExactArithmetic(@ForAll("values") double x) {
    Assume.that(Double.isFinite(x) && x != 0);
    int e = lowestBitExponent(x);
    BigDecimal units = new BigDecimal(x).divide(new BigDecimal(Math.scalb(1.0, e)));
    assertTrue(units.stripTrailingZeros().scale() <= 0, x + " is not a multiple of 2^" + e);
    assertTrue(units.toBigIntegerExact().testBit(0), x + " is a multiple of 2^" + (e + 1));
  }

  /**
   * The exponent of the lowest set bit of a non-zero finite double: x is an odd multiple of 2^e.
   */
  static int lowestBitExponent(double x) {
    long bits = Double.doubleToRawLongBits(Math.abs(x));
    int biased = (int) (bits >>> 52);
    long significand = bits & 0x000F_FFFF_FFFF_FFFFL;
    if (biased == 0) {
      return -1074 + Long.numberOfTrailingZeros(significand);
    }
    return biased - 1075 + Long.numberOfTrailingZeros(significand | (1L << 52));
  }

  /** The fixed-point addition equals exact rational arithmetic, rounded once and saturated. */
  @Property(tries = 1000)
  void fixedPointAddNoise_matchesExactReference(
      @ForAll("values") double value,
      @ForAll @IntRange(min = FixedPoint.MIN_EXPONENT, max = FixedPoint.MAX_EXPONENT) int k,
      @ForAll("noises") long noise) {
    Assume.that(!Double.isNaN(value));
    double v = Math.max(-Double.MAX_VALUE, Math.min(Double.MAX_VALUE, value));
    BigDecimal g = new BigDecimal(Math.scalb(1.0, k));
    BigDecimal units = new BigDecimal(v).divide(g).setScale(0, RoundingMode.HALF_EVEN);
    double expected = units.add(new BigDecimal(noise)).multiply(g).doubleValue();
    expected = Math.max(-Double.MAX_VALUE, Math.min(Double.MAX_VALUE, expected));
    double actual = FixedPoint.addNoise(value, k, noise);
    assertTrue(expected == actual, "expected " + expected + " but was " + actual);
  }

  /**
   * The release of an exact sum of units equals exact arithmetic rounded once, or is refused beyond
   * the double range; it never saturates.
   */
  @Property(tries = 1000)
  void fixedPointAddNoiseToUnits_matchesExactReference(
      @ForAll("wideUnits") BigInteger units,
      @ForAll @IntRange(min = FixedPoint.MIN_EXPONENT, max = FixedPoint.MAX_EXPONENT) int k,
      @ForAll("noises") long noise) {
    BigDecimal exact =
        new BigDecimal(units.add(BigInteger.valueOf(noise)))
            .multiply(new BigDecimal(Math.scalb(1.0, k)));
    BigDecimal overflow =
        new BigDecimal(Double.MAX_VALUE).add(new BigDecimal(Math.ulp(Double.MAX_VALUE) / 2));
    if (exact.abs().compareTo(overflow) >= 0) {
      assertThrows(ArithmeticException.class, () -> FixedPoint.addNoise(units, k, noise));
    } else {
      double expected = exact.doubleValue() + 0.0;
      double actual = FixedPoint.addNoise(units, k, noise);
      assertTrue(
          Double.compare(expected, actual) == 0, "expected " + expected + " but was " + actual);
    }
  }

  /**
   * Whenever the noise is within the half-width in units, the interval around the released value
   * contains the true sum of units exactly, also when the release was rounded to a double.
   */
  @Property(tries = 1000)
  void confidenceInterval_containsTheTruth_whenTheNoiseIsWithinTheHalfWidth(
      @ForAll("wideUnits") BigInteger units,
      @ForAll("privacyParameters") BigDecimal epsilon,
      @ForAll("perGroupBounds") double linf,
      @ForAll @DoubleRange(min = 0.5, max = 0.999) @Scale(3) double level,
      @ForAll @DoubleRange(min = -1, max = 1) double position,
      @ForAll boolean atTheEdge,
      @ForAll boolean gaussian) {
    IntegerNoise m = (IntegerNoise) realMechanism(gaussian, epsilon, 1, linf, 0);
    int k = m.granularityExponent();
    double g = m.granularity();
    // The half-width includes one unit for the rounding of a true value to the granularity.
    double noiseUnits = Math.scalb(m.halfWidth(level), -k) - 1;
    long noise = (long) ((atTheEdge ? Math.signum(position) : position) * noiseUnits);
    // Keep the truth below 2^990, inside the double range.
    int excess = units.bitLength() + k - 990;
    BigInteger u = excess > 0 ? units.shiftRight(excess) : units;
    BigDecimal truth = new BigDecimal(u).multiply(new BigDecimal(g));
    double released = FixedPoint.addNoise(u, k, noise);
    ConfidenceInterval ci = m.confidenceInterval(released, level);
    assertTrue(new BigDecimal(ci.lower()).compareTo(truth) <= 0, ci + " above " + truth);
    assertTrue(new BigDecimal(ci.upper()).compareTo(truth) >= 0, ci + " below " + truth);
  }

  /** The Laplace parameter is never below the exact one, and above it by at most 2^-50. */
  @Property(tries = 1000)
  void laplaceScale_isNeverBelowTheTrueScale(
      @ForAll("privacyParameters") BigDecimal epsilon,
      @ForAll @IntRange(min = 1, max = 100_000) int l0,
      @ForAll("perGroupBounds") double linf,
      @ForAll boolean integers) {
    Sensitivity s = Sensitivity.of(l0, linf);
    LaplaceMechanism m;
    try {
      m =
          integers
              ? LaplaceMechanism.forIntegers(epsilon, s, RandomBits.seededForTestingOnly(0))
              : LaplaceMechanism.forReals(epsilon, s, RandomBits.seededForTestingOnly(0));
    } catch (IllegalArgumentException e) {
      Assume.that(false); // scale beyond 2^52 units: rejected by design
      return;
    }
    Rational eps = Rational.of(epsilon);
    Rational linfR = Rational.of(linf);
    Rational trueUnits;
    if (integers) {
      trueUnits = linfR.multiply(l0).divide(eps);
    } else {
      Rational g = Rational.powerOfTwo(m.granularityExponent());
      trueUnits = linfR.add(g).multiply(l0).divide(eps.multiply(g));
      // g is the smallest power of two >= (L1/ε)/2^40 (unless raised to the double minimum).
      Rational target = linfR.multiply(l0).divide(eps).scaleByPowerOfTwo(-40);
      assertTrue(g.compareTo(target) >= 0);
      assertTrue(
          g.scaleByPowerOfTwo(-1).compareTo(target) < 0
              || m.granularityExponent() == FixedPoint.MIN_EXPONENT);
    }
    assertTrue(m.unitScale().compareTo(trueUnits) >= 0, "scale rounded down");
    // Rounded up by at most 2^-50 relative, or 2^-62 absolute for tiny scales (denominator cap).
    Rational slack = Rational.ONE.add(Rational.powerOfTwo(-50));
    Rational limit = trueUnits.multiply(slack).add(Rational.powerOfTwo(-62));
    assertTrue(m.unitScale().compareTo(limit) <= 0, "scale rounded up too far");
  }

  /** σ² in units is never below the exact one, and above it by at most 2^-55 relative. */
  @Property(tries = 1000)
  void gaussianVariance_isNeverBelowTheTrueVariance(
      @ForAll("privacyParameters") BigDecimal rho,
      @ForAll @IntRange(min = 1, max = 100_000) int l0,
      @ForAll("perGroupBounds") double linf,
      @ForAll boolean integers) {
    Sensitivity s = Sensitivity.of(l0, linf);
    GaussianMechanism m;
    try {
      m =
          integers
              ? GaussianMechanism.forIntegers(rho, s, RandomBits.seededForTestingOnly(0))
              : GaussianMechanism.forReals(rho, s, RandomBits.seededForTestingOnly(0));
    } catch (IllegalArgumentException e) {
      Assume.that(false);
      return;
    }
    Rational perGroup = Rational.of(linf);
    if (!integers) {
      Rational g = Rational.powerOfTwo(m.granularityExponent());
      perGroup = perGroup.add(g).divide(g);
    }
    Rational trueVariance =
        perGroup.multiply(perGroup).multiply(l0).divide(Rational.of(rho).multiply(2));
    assertTrue(m.unitVariance().compareTo(trueVariance) >= 0, "variance rounded down");
    Rational slack = Rational.ONE.add(Rational.powerOfTwo(-55));
    Rational limit = trueVariance.multiply(slack).add(Rational.powerOfTwo(-62));
    assertTrue(m.unitVariance().compareTo(limit) <= 0, "variance rounded up too far");
  }

  /** Integer noise saturates at the long range and never wraps around. */
  @Property(tries = 2000)
  void integerNoise_neverWrapsAround(@ForAll long value, @ForAll boolean gaussian) {
    Sensitivity s = Sensitivity.of(1, 1);
    NoiseMechanism m =
        gaussian
            ? GaussianMechanism.forIntegers(BigDecimal.ONE, s, RandomBits.secure())
            : LaplaceMechanism.forIntegers(BigDecimal.ONE, s, RandomBits.secure());
    long out = m.addNoise(value);
    // Noise of scale 1 exceeds 10^6 with probability below exp(-10^6).
    BigInteger diff = BigInteger.valueOf(out).subtract(BigInteger.valueOf(value));
    assertTrue(diff.abs().compareTo(BigInteger.valueOf(1_000_000)) <= 0, value + " -> " + out);
  }

  /** The interval is the released value ± the half-width, which grows with the level. */
  @Property(tries = 500)
  void confidenceInterval_isCenteredAndMonotone(
      @ForAll @DoubleRange(min = -1e12, max = 1e12) double released,
      @ForAll @DoubleRange(min = 0.01, max = 0.999) @Scale(4) double level,
      @ForAll("privacyParameters") BigDecimal epsilon,
      @ForAll boolean gaussian) {
    NoiseMechanism m = realMechanism(gaussian, epsilon, 3, 2.5, 0);
    ConfidenceInterval ci = m.confidenceInterval(released, level);
    double h = m.halfWidth(level);
    assertTrue(ci.contains(released));
    assertTrue(
        new BigDecimal(ci.lower()).compareTo(new BigDecimal(released).subtract(new BigDecimal(h)))
            <= 0);
    assertTrue(
        new BigDecimal(ci.upper()).compareTo(new BigDecimal(released).add(new BigDecimal(h))) >= 0);
    assertTrue(m.halfWidth(Math.min(0.9999, level + 0.0005)) >= h);
    assertTrue(h > 0 && h % m.granularity() == 0);
  }

  /**
   * Whenever the true sum and count lie in their intervals, the mean's interval contains the true
   * mean; the mean lies in its interval, which lies in the bounds.
   */
  @Property(tries = 2000)
  void boundedMean_intervalContainsTheTrueMean(
      @ForAll @DoubleRange(min = -100, max = 100) double a,
      @ForAll @DoubleRange(min = -100, max = 100) double b,
      @ForAll @IntRange(min = 1, max = 10_000) int trueCount,
      @ForAll @DoubleRange(min = 0, max = 1) double meanPosition,
      @ForAll @DoubleRange(min = 0, max = 1e4) double sumSlack,
      @ForAll @DoubleRange(min = 0, max = 100) double countSlack,
      @ForAll @DoubleRange(min = -1, max = 1) double sumNoise,
      @ForAll @DoubleRange(min = -1, max = 1) double countNoise) {
    Bounds bounds = Bounds.of(Math.min(a, b), Math.max(a, b));
    double trueMean = bounds.lower() + meanPosition * (bounds.upper() - bounds.lower());
    double trueSum = trueMean * trueCount;
    ConfidenceInterval sumCi = new ConfidenceInterval(trueSum - sumSlack, trueSum + sumSlack);
    ConfidenceInterval countCi =
        new ConfidenceInterval(trueCount - countSlack, trueCount + countSlack);
    // Noisy values within their intervals' half-widths of the truth.
    double noisySum = trueSum + sumNoise * sumSlack;
    double noisyCount = trueCount + countNoise * countSlack;
    BoundedMean m = BoundedMean.of(noisySum, sumCi, noisyCount, countCi, bounds);
    assertTrue(m.interval().contains(m.mean()));
    assertTrue(bounds.lower() <= m.interval().lower() && m.interval().upper() <= bounds.upper());
    // trueSum / trueCount may differ from trueMean by rounding; compare with the quotient.
    assertTrue(
        m.interval()
            .contains(Math.min(bounds.upper(), Math.max(bounds.lower(), trueSum / trueCount))));
  }

  private static NoiseMechanism realMechanism(
      boolean gaussian, BigDecimal epsilon, int l0, double linf, long seed) {
    Sensitivity s = Sensitivity.of(l0, linf);
    RandomBits r = RandomBits.seededForTestingOnly(seed);
    try {
      return gaussian
          ? GaussianMechanism.forReals(epsilon, s, r)
          : LaplaceMechanism.forReals(epsilon, s, r);
    } catch (IllegalArgumentException e) {
      Assume.that(false); // noise scale beyond the supported range: rejected by design
      throw e;
    }
  }

  @Provide
  Arbitrary<Double> values() {
    return Arbitraries.oneOf(
        Arbitraries.doubles().between(-1e6, 1e6).ofScale(6),
        Arbitraries.doubles().between(-Double.MAX_VALUE, Double.MAX_VALUE).ofScale(0),
        Arbitraries.of(
            0.0,
            -0.0,
            Double.MIN_VALUE,
            -Double.MIN_VALUE,
            Double.MAX_VALUE,
            -Double.MAX_VALUE,
            Double.POSITIVE_INFINITY,
            Double.NEGATIVE_INFINITY,
            0x1p62,
            -0x1p62,
            1e30,
            0.1,
            2.5));
  }

  @Provide
  Arbitrary<BigDecimal> privacyParameters() {
    return Arbitraries.oneOf(
        Arbitraries.of("1", "0.1", "0.5", "2", "1e-3", "10", "0.3333333333333333333333333")
            .map(BigDecimal::new),
        // Exact binary expansions: long decimals that exercise the rounding of the scale.
        Arbitraries.doubles().between(1e-3, 100).ofScale(12).map(BigDecimal::new));
  }

  @Provide
  Arbitrary<Double> perGroupBounds() {
    return Arbitraries.oneOf(
        Arbitraries.doubles().between(1e-9, 1e9).ofScale(12),
        Arbitraries.of(1.0, 0.1, 100.0, 1e-300, 1e300, Double.MIN_NORMAL));
  }

  /** Sums of units of every size up to 2^1200, of either sign. */
  @Provide
  Arbitrary<BigInteger> wideUnits() {
    return Arbitraries.integers()
        .between(0, 1200)
        .flatMap(
            bits ->
                Arbitraries.bigIntegers()
                    .between(
                        BigInteger.ONE.shiftLeft(bits).negate(), BigInteger.ONE.shiftLeft(bits)));
  }

  @Provide
  Arbitrary<Long> noises() {
    return Arbitraries.oneOf(
        Arbitraries.longs().between(-1_000_000, 1_000_000),
        Arbitraries.longs(),
        Arbitraries.of(Long.MAX_VALUE, Long.MIN_VALUE, 0L));
  }
}
