package dev.cleanroom.dp;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * Pure ε-differential privacy by discrete Laplace noise, sampled exactly (see {@link
 * ExactSamplers}) from {@link RandomBits#secure()} unless told otherwise.
 *
 * <p><b>Integer values</b> (counts): noise K with P[K = k] ∝ exp(-|k|/t), t = L1/ε, L1 = L0·L∞.
 * Neighbouring inputs differ by at most L1 in total over all groups, so each output's likelihood
 * changes by a factor of at most exp(L1/t) = exp(ε).
 *
 * <p><b>Real values</b> (sums): as Google's SecureNoiseMath, the value is rounded to the nearest
 * multiple of a power of two g, the smallest with g >= (L1/ε)/2^40, and integer noise in units of g
 * is added: the output is exactly a multiple of g, and its low bits carry no information beyond the
 * noisy value (unlike textbook {@code -b·ln(u)} noise on doubles). Rounding moves each group's
 * value by at most g/2, so a person changes each rounded value by at most L∞ + g, and the rounded
 * values' L1 sensitivity is L0·(L∞ + g); the noise parameter in units of g is therefore t = L0·(L∞
 * + g)/(ε·g). (Google uses L1 + g, which is the same for L0 = 1 and too small by (L0 - 1)·g
 * otherwise.) See {@link FixedPoint} for the exact, saturating arithmetic.
 *
 * <p>In both cases t is kept as an exact rational, rounded up (never down) to at most 56
 * significant bits, and must not exceed 2^52.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class LaplaceMechanism extends IntegerNoise {
  /** The name of the noise distribution. */
  public static final String NAME = "discrete Laplace";

  private static final Rational MAX_UNIT_SCALE = Rational.powerOfTwo(52);

  private final BigDecimal epsilon;
  private final Rational unitScale;
  private final RandomBits random;

  private LaplaceMechanism(
      BigDecimal epsilon,
      Sensitivity sensitivity,
      boolean integerValued,
      int exponent,
      Rational unitScale,
      RandomBits random) {
    super(sensitivity, integerValued, exponent);
    this.epsilon = epsilon;
    this.unitScale = unitScale.roundUp(56, 62);
    this.random = random;
    Checks.scaleAtMost(this.unitScale, MAX_UNIT_SCALE, "the Laplace parameter", "2^52");
  }

  /**
   * A mechanism for integer values with secure randomness.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code epsilon} is not positive, or the noise scale in
   *     units exceeds 2^52
   */
  public static LaplaceMechanism forIntegers(BigDecimal epsilon, Sensitivity sensitivity) {
    return forIntegers(epsilon, sensitivity, RandomBits.secure());
  }

  /**
   * A mechanism for integer values drawing from {@code random}.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code epsilon} is not positive, or the noise scale in
   *     units exceeds 2^52
   */
  public static LaplaceMechanism forIntegers(
      BigDecimal epsilon, Sensitivity sensitivity, RandomBits random) {
    Rational eps = Checks.positive("epsilon", epsilon);
    Objects.requireNonNull(sensitivity, "sensitivity");
    Objects.requireNonNull(random, "random");
    Rational l1 = Rational.of(sensitivity.maxPerGroup()).multiply(sensitivity.maxGroups());
    return new LaplaceMechanism(epsilon, sensitivity, true, 0, l1.divide(eps), random);
  }

  /**
   * A mechanism for real values with secure randomness.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code epsilon} is not positive, or the noise scale in
   *     units exceeds 2^52
   */
  public static LaplaceMechanism forReals(BigDecimal epsilon, Sensitivity sensitivity) {
    return forReals(epsilon, sensitivity, RandomBits.secure());
  }

  /**
   * A mechanism for real values drawing from {@code random}.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code epsilon} is not positive, or the noise scale in
   *     units exceeds 2^52
   */
  public static LaplaceMechanism forReals(
      BigDecimal epsilon, Sensitivity sensitivity, RandomBits random) {
    Rational eps = Checks.positive("epsilon", epsilon);
    Objects.requireNonNull(sensitivity, "sensitivity");
    Objects.requireNonNull(random, "random");
    Rational linf = Rational.of(sensitivity.maxPerGroup());
    int k = FixedPoint.granularityExponent(linf.multiply(sensitivity.maxGroups()).divide(eps));
    Rational g = Rational.powerOfTwo(k);
    Rational t = linf.add(g).multiply(sensitivity.maxGroups()).divide(eps.multiply(g));
    return new LaplaceMechanism(epsilon, sensitivity, false, k, t, random);
  }

  @Override
  public String name() {
    return NAME;
  }

  /** ε, as given. */
  public BigDecimal epsilon() {
    return epsilon;
  }

  @Override
  long sample() {
    return ExactSamplers.discreteLaplace(random, unitScale.num(), unitScale.den());
  }

  /** The Laplace parameter in units of the granularity, exactly as sampled. */
  Rational unitScale() {
    return unitScale;
  }

  /** The Laplace scale b in value units: t·g (rounded to the nearest double). */
  @Override
  public double scale() {
    return Math.scalb(unitScale.doubleValue(), granularityExponent());
  }

  /**
   * {@inheritDoc}
   *
   * <p>Computed from the discrete distribution itself: with q = exp(-1/t), P[|K| > m] =
   * 2·q^(m+1)/(1+q), and m is the smallest integer number of units with this at most {@code 1 -
   * level}, times the granularity. For real values the half-width is m + 1 units: the extra unit
   * covers the rounding of the true value to the granularity (at most half a unit).
   */
  @Override
  public double halfWidth(double level) {
    long units = NoiseTails.discreteLaplaceHalfWidth(unitScale.doubleValue(), level);
    return halfWidthOf(units);
  }

  @Override
  public String toString() {
    return NAME
        + "[ε="
        + epsilon.toPlainString()
        + ", "
        + sensitivity()
        + ", "
        + (integerValued() ? "integers" : "reals, granularity 2^" + granularityExponent())
        + ", scale="
        + scale()
        + "]";
  }
}
