package dev.cleanroom.dp;

import java.math.BigInteger;
import java.util.Objects;

/**
 * Bounds of a total of units, each within 128 bits, for {@link UnitTotals#addClampedTo}: a
 * threshold-mode sum's group bounds in units of its {@link FineUnits} quantum. Immutable.
 */
public final class UnitBounds {
  final BigInteger lower;
  final BigInteger upper;
  final long lowerHigh;
  final long lowerLow;
  final long upperHigh;
  final long upperLow;

  /**
   * Bounds [lower, upper] of units.
   *
   * @throws IllegalArgumentException if {@code lower > upper} or either needs more than 128 bits
   */
  public UnitBounds(BigInteger lower, BigInteger upper) {
    Objects.requireNonNull(lower, "lower");
    Objects.requireNonNull(upper, "upper");
    if (lower.compareTo(upper) > 0) {
      throw new IllegalArgumentException("lower bound must not exceed upper bound");
    }
    if (lower.bitLength() >= 128 || upper.bitLength() >= 128) {
      throw new IllegalArgumentException("bounds of units must fit 128 bits");
    }
    this.lower = lower;
    this.upper = upper;
    this.lowerHigh = Int128.high(lower);
    this.lowerLow = Int128.low(lower);
    this.upperHigh = Int128.high(upper);
    this.upperLow = Int128.low(upper);
  }

  /** The lower bound. */
  public BigInteger lower() {
    return lower;
  }

  /** The upper bound. */
  public BigInteger upper() {
    return upper;
  }
}
