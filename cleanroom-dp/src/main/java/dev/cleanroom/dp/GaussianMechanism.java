package dev.cleanroom.dp;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * ρ-zero-concentrated differential privacy (zCDP) by discrete Gaussian noise, sampled exactly (see
 * {@link ExactSamplers}) from {@link RandomBits#secure()} unless told otherwise.
 *
 * <p>Adding independent discrete Gaussian noise N_Z(0, σ²) to integer values whose L2 sensitivity
 * is Δ satisfies (Δ²/(2σ²))-zCDP, the same bound as for continuous Gaussian noise (Canonne, Kamath
 * and Steinke 2020), so σ² = Δ²/(2ρ):
 *
 * <p><b>Integer values</b>: Δ = L2 = √L0·L∞, so σ² = L0·L∞²/(2ρ), an exact rational.
 *
 * <p><b>Real values</b>: rounded to a power-of-two granularity g, the smallest with g >= σ/2^40, as
 * {@link LaplaceMechanism} does; rounding moves a person's change to each group by at most g, so in
 * units of g the L2 sensitivity is √L0·(L∞ + g)/g and σ² in units is L0·((L∞ + g)/g)²/(2ρ), again
 * exact. The output is exactly a multiple of g.
 *
 * <p>σ² in units is rounded up (never down) to at most 62 significant bits and must not exceed
 * 2^104 (σ at most 2^52 units). Convert ρ to (ε, δ) with {@link
 * dev.cleanroom.PrivacyBudget.Zcdp#toApproxDp(double)}.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class GaussianMechanism extends IntegerNoise {
  /** The name of the noise distribution. */
  public static final String NAME = "discrete Gaussian";

  private static final Rational MAX_UNIT_VARIANCE = Rational.powerOfTwo(104);

  private final BigDecimal rho;
  private final Rational unitVariance;
  private final ExactSamplers.DiscreteGaussian sampler;
  private final RandomBits random;

  private GaussianMechanism(
      BigDecimal rho,
      Sensitivity sensitivity,
      boolean integerValued,
      int exponent,
      Rational unitVariance,
      RandomBits random) {
    super(sensitivity, integerValued, exponent);
    this.rho = rho;
    this.unitVariance = unitVariance.roundUp(62, 62);
    this.random = random;
    Checks.scaleAtMost(this.unitVariance, MAX_UNIT_VARIANCE, "σ²", "2^104 (σ = 2^52)");
    this.sampler =
        new ExactSamplers.DiscreteGaussian(this.unitVariance.num(), this.unitVariance.den());
  }

  /**
   * A mechanism for integer values with secure randomness.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code rho} is not positive, or σ in units exceeds 2^52
   */
  public static GaussianMechanism forIntegers(BigDecimal rho, Sensitivity sensitivity) {
    return forIntegers(rho, sensitivity, RandomBits.secure());
  }

  /**
   * A mechanism for integer values drawing from {@code random}.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code rho} is not positive, or σ in units exceeds 2^52
   */
  public static GaussianMechanism forIntegers(
      BigDecimal rho, Sensitivity sensitivity, RandomBits random) {
    Rational twoRho = Checks.positive("rho", rho).multiply(2);
    Objects.requireNonNull(sensitivity, "sensitivity");
    Objects.requireNonNull(random, "random");
    Rational linf = Rational.of(sensitivity.maxPerGroup());
    Rational variance = linf.multiply(linf).multiply(sensitivity.maxGroups()).divide(twoRho);
    return new GaussianMechanism(rho, sensitivity, true, 0, variance, random);
  }

  /**
   * A mechanism for real values with secure randomness.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code rho} is not positive, or σ in units exceeds 2^52
   */
  public static GaussianMechanism forReals(BigDecimal rho, Sensitivity sensitivity) {
    return forReals(rho, sensitivity, RandomBits.secure());
  }

  /**
   * A mechanism for real values drawing from {@code random}.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code rho} is not positive, or σ in units exceeds 2^52
   */
  public static GaussianMechanism forReals(
      BigDecimal rho, Sensitivity sensitivity, RandomBits random) {
    Rational twoRho = Checks.positive("rho", rho).multiply(2);
    Objects.requireNonNull(sensitivity, "sensitivity");
    Objects.requireNonNull(random, "random");
    Rational linf = Rational.of(sensitivity.maxPerGroup());
    Rational variance = linf.multiply(linf).multiply(sensitivity.maxGroups()).divide(twoRho);
    // Smallest k with 2^k >= σ/2^40, i.e. 2^(2k) >= σ²/2^80.
    int j = variance.scaleByPowerOfTwo(-2 * FixedPoint.GRANULARITY_BITS).ceilLog2();
    int k = FixedPoint.checkExponent(Math.floorDiv(j + 1, 2));
    Rational g = Rational.powerOfTwo(k);
    Rational unitsPerPerson = linf.add(g).divide(g);
    Rational unitVariance =
        unitsPerPerson.multiply(unitsPerPerson).multiply(sensitivity.maxGroups()).divide(twoRho);
    return new GaussianMechanism(rho, sensitivity, false, k, unitVariance, random);
  }

  @Override
  public String name() {
    return NAME;
  }

  /** ρ, as given. */
  public BigDecimal rho() {
    return rho;
  }

  @Override
  long sample() {
    return sampler.sample(random);
  }

  /** σ² in units of the granularity, exactly as sampled. */
  Rational unitVariance() {
    return unitVariance;
  }

  /** σ in value units (rounded to the nearest double). */
  @Override
  public double scale() {
    return Math.scalb(Math.sqrt(unitVariance.doubleValue()), granularityExponent());
  }

  /**
   * {@inheritDoc}
   *
   * <p>An upper bound from the continuous Gaussian tail: for the discrete Gaussian K with parameter
   * σ (in units) and integer m ≥ 0, P[|K| > m] ≤ P[|N(0, σ²)| > m] = erfc(m/(σ√2)) (the proof is in
   * {@link NoiseTails#discreteGaussianHalfWidth}). m is the smallest integer number of units with
   * erfc(m/(σ√2))·(1 + 10^-9) ≤ {@code 1 - level}, times the granularity; for real values m + 1
   * units, the extra unit covering the rounding of the true value to the granularity. For σ of a
   * few units or more this is at most a unit or two wider than the exact narrowest interval.
   */
  @Override
  public double halfWidth(double level) {
    double sigma = Math.sqrt(unitVariance.doubleValue());
    long units = NoiseTails.discreteGaussianHalfWidth(sigma, level);
    return halfWidthOf(units);
  }

  @Override
  public String toString() {
    return NAME
        + "[ρ="
        + rho.toPlainString()
        + ", "
        + sensitivity()
        + ", "
        + (integerValued() ? "integers" : "reals, granularity 2^" + granularityExponent())
        + ", σ="
        + scale()
        + "]";
  }
}
