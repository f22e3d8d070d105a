package dev.cleanroom.dp;

import java.math.BigInteger;

/**
 * Adds calibrated, exactly sampled integer noise to released values. Instances are immutable and
 * thread-safe; each call to an {@code addNoise} method draws fresh noise.
 *
 * <p>A mechanism is made either for integer values ({@code addNoise(long)}, granularity 1) or for
 * real values ({@code addNoise(double)}, a power-of-two granularity). Its privacy guarantee holds
 * for the values of all groups of one query together, provided that one person changes at most L0
 * of them, each by at most L∞ (the mechanism's {@link Sensitivity}).
 */
public sealed interface NoiseMechanism permits IntegerNoise {
  /** The noise distribution, for display: {@code discrete Laplace} or {@code discrete Gaussian}. */
  String name();

  /** Whether this mechanism adds noise to integers ({@link #addNoise(long)}). */
  boolean integerValued();

  /**
   * Returns {@code value} plus fresh noise, saturating at the {@code long} range.
   *
   * @throws IllegalStateException if this mechanism is for real values
   */
  long addNoise(long value);

  /**
   * Returns {@code value}, rounded to the nearest multiple of {@link #granularity()}, plus fresh
   * noise; the result is an exact multiple of the granularity. Infinite inputs and results saturate
   * at ±{@link Double#MAX_VALUE}.
   *
   * @throws IllegalArgumentException if {@code value} is NaN (callers drop NaNs before aggregating)
   * @throws IllegalStateException if this mechanism is for integer values
   */
  double addNoise(double value);

  /**
   * Returns {@code (units + noise) · granularity()} for fresh noise in units, computed exactly and
   * rounded once to the nearest double (ties to even): the release of a fixed-point sum such as a
   * {@link UnitSum}, exact however large, and, like {@link #addNoise(double)}, an exact multiple of
   * the granularity. Results of 2^53 units or more may be rounded to the nearest double, by at most
   * half an ulp; {@link #confidenceInterval(double, double)} allows for that.
   *
   * <p>The privacy guarantee assumes that one person changes {@code units} by at most L∞ / g + 1/2
   * in each of at most L0 groups, as rounding each person's clamped total with {@link
   * UnitSum#unitsOf(double, double)} does.
   *
   * @param units the exact sum in units of {@link #granularity()}
   * @throws NullPointerException if {@code units} is null
   * @throws IllegalStateException if this mechanism is for integer values
   * @throws ArithmeticException if the result is beyond the double range (its magnitude rounds
   *     above {@link Double#MAX_VALUE}); nothing saturates
   */
  double addNoiseToUnits(BigInteger units);

  /** The noise scale in value units: b for Laplace, σ for Gaussian. */
  double scale();

  /** The power of two that every released value is a multiple of (1 for integer values). */
  double granularity();

  /**
   * The half-width m of the narrowest symmetric interval that contains the noise with probability
   * at least {@code level}, in value units; the expected error to show before running a query.
   *
   * @throws IllegalArgumentException if {@code level} is not in (0, 1)
   */
  double halfWidth(double level);

  /**
   * The interval {@code [released - m, released + m]} with m = {@link #halfWidth(double)}: it
   * contains the true value with probability at least {@code level}. A released value of 2^53 units
   * of the granularity or more may have been rounded to the nearest double after the noise was
   * added; m then grows by half an ulp of {@code released}, which covers that rounding. The ends
   * are rounded outwards.
   *
   * @throws IllegalArgumentException if {@code released} is NaN or {@code level} is not in (0, 1)
   */
  default ConfidenceInterval confidenceInterval(double released, double level) {
    if (Double.isNaN(released)) {
      throw new IllegalArgumentException("released value must not be NaN");
    }
    double m = halfWidth(level);
    if (Double.isFinite(released) && Math.abs(released) >= 0x1p53 * granularity()) {
      m = FixedPoint.addRoundingUp(m, Math.ulp(released) / 2);
    }
    return ConfidenceInterval.around(released, m);
  }
}
