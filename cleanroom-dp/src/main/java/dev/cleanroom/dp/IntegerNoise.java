package dev.cleanroom.dp;

import java.math.BigInteger;
import java.util.Objects;

/**
 * What the discrete noise mechanisms share: integer noise in units of a power-of-two granularity,
 * added with saturation to integers, or to real values rounded to the granularity (see {@link
 * FixedPoint}). Subclasses supply the distribution by {@link #sample()}.
 */
abstract sealed class IntegerNoise implements NoiseMechanism
    permits LaplaceMechanism, GaussianMechanism {
  private final Sensitivity sensitivity;
  private final boolean integerValued;
  private final int exponent;

  IntegerNoise(Sensitivity sensitivity, boolean integerValued, int exponent) {
    this.sensitivity = sensitivity;
    this.integerValued = integerValued;
    this.exponent = exponent;
  }

  /** One draw of the integer noise, in units of the granularity. */
  abstract long sample();

  @Override
  public final boolean integerValued() {
    return integerValued;
  }

  /** The sensitivity the noise is calibrated to. */
  public final Sensitivity sensitivity() {
    return sensitivity;
  }

  @Override
  public final long addNoise(long value) {
    if (!integerValued) {
      throw new IllegalStateException("this mechanism is for real values; use addNoise(double)");
    }
    long noise = sample();
    long sum = value + noise;
    if (((value ^ sum) & (noise ^ sum)) < 0) {
      return value > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
    }
    return sum;
  }

  @Override
  public final double addNoise(double value) {
    if (integerValued) {
      throw new IllegalStateException("this mechanism is for integer values; use addNoise(long)");
    }
    if (Double.isNaN(value)) {
      throw new IllegalArgumentException("value must not be NaN");
    }
    return FixedPoint.addNoise(value, exponent, sample());
  }

  @Override
  public final double addNoiseToUnits(BigInteger units) {
    Objects.requireNonNull(units, "units");
    if (integerValued) {
      throw new IllegalStateException("this mechanism is for integer values; use addNoise(long)");
    }
    return FixedPoint.addNoise(units, exponent, sample());
  }

  /** The exponent k of the granularity 2^k. */
  final int granularityExponent() {
    return exponent;
  }

  @Override
  public final double granularity() {
    return FixedPoint.powerOfTwo(exponent);
  }

  /** {@code units} noise units in value units; for real values one more unit for the rounding. */
  final double halfWidthOf(long units) {
    // For real values, one more unit covers the rounding of the true value to the granularity.
    return Units.toValue(integerValued ? units : units + 1, exponent);
  }
}
