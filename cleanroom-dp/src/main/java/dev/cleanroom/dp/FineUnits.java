package dev.cleanroom.dp;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * The exact arithmetic of a threshold-mode (noise-free) sum, the same on every execution path, a
 * database's included. A sum's values are added as whole numbers of units of a fine power-of-two
 * quantum q that depends only on the sum's bounds: with E the binary exponent of the largest
 * magnitude among the row bounds and the group bounds ({@link Math#getExponent}; 0 when all are
 * zero), q = 2^(E−{@value #BITS}) (at least 2^−1022). A row's clamped value v becomes ⌊v·2^k⌋
 * units, k = −log2 q, where v·2^k is the double-precision product (exact: scaling by a power of
 * two, a database's included), and the floor is the same in Java and every SQL engine. Every value
 * whose magnitude is at least 2^(E−28), about 2^−27 of the largest bound, is a whole number of
 * units (its last significant bit is at least q), so it is held exactly; a smaller one is rounded
 * down to a multiple of q. The units of a person's rows are added exactly, the person's total
 * clamped to the group bounds in units (the lower bound rounded up, the upper down, to whole
 * units), the clamped totals added exactly per group, and the group's total converted to the
 * nearest double once ({@link #value}). A row's units are below 2^82 in magnitude and a group's
 * bounds in units too, so ten million people still add up far inside 128 bits (and a {@link
 * UnitSum} widens beyond that anyway).
 */
public final class FineUnits {
  /** The number of bits of units below the largest bound's exponent. */
  public static final int BITS = 80;

  private FineUnits() {}

  /**
   * The scale 2^k = 1/q of a sum whose row and group bounds are {@code bounds}: a row's units are
   * ⌊v·scale⌋.
   *
   * @throws IllegalArgumentException if a bound is not finite
   */
  public static double scale(double... bounds) {
    double max = 0;
    for (double b : bounds) {
      if (!Double.isFinite(b)) {
        throw new IllegalArgumentException("bounds must be finite");
      }
      max = Math.max(max, Math.abs(b));
    }
    int e = max == 0 ? 0 : Math.max(Math.getExponent(max), -1022 + BITS);
    return Math.scalb(1.0, BITS - e);
  }

  /** The units of a row's clamped value {@code v}: ⌊v·scale⌋, exactly. */
  public static BigInteger floorUnits(double v, double scale) {
    return new BigDecimal(Math.floor(v * scale)).toBigIntegerExact();
  }

  /** ⌈v·scale⌉, exactly: a lower bound in units. */
  public static BigInteger ceilUnits(double v, double scale) {
    return new BigDecimal(Math.ceil(v * scale)).toBigIntegerExact();
  }

  /** The double nearest to {@code units}·q (ties to even): a sum released once. */
  public static double value(BigInteger units, double scale) {
    if (units.signum() == 0) {
      return 0.0;
    }
    return new BigDecimal(units).multiply(new BigDecimal(1.0 / scale)).doubleValue();
  }
}
