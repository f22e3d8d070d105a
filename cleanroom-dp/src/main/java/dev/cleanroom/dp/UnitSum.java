package dev.cleanroom.dp;

import java.math.BigInteger;
import java.util.Objects;

/**
 * An exact sum of whole numbers of units of a noise mechanism's granularity: the fixed-point
 * accumulator of a noisy sum. It starts in a {@code long} and widens to a {@link BigInteger} when
 * the sum leaves the {@code long} range (and narrows back when it returns), so it never saturates
 * and never wraps around: at a granularity of 2^-40, ten million people contributing 1.0 each sum
 * to about 1.1·10^19 units, beyond {@link Long#MAX_VALUE}, and still come out exact.
 *
 * <p>Release the sum with {@link NoiseMechanism#addNoiseToUnits(BigInteger)}; convert each person's
 * clamped total to units with {@link #unitsOf(double, double)}.
 *
 * <p>Instances are mutable and not thread-safe; use one per thread and merge them with {@link
 * #addAll(UnitSum)}. {@link #toString()} does not show the sum, which is data before noise.
 */
public final class UnitSum {
  private static final long SIGNIFICAND_MASK = 0x000F_FFFF_FFFF_FFFFL;
  private static final double TWO_POW_63 = 0x1p63;

  /** The sum while {@link #wide} is null. */
  private long narrow;

  /** The sum when it does not fit in a {@code long}; null otherwise. */
  private BigInteger wide;

  /** An empty sum, 0 units. */
  public UnitSum() {}

  /**
   * {@code value / granularity} rounded to the nearest whole number of units, ties to even, exactly
   * (dividing by a power of two is exact, and a quotient too small to be exact is far below one
   * half, so it rounds to 0 either way). This is the rounding of {@link
   * NoiseMechanism#addNoise(double)}.
   *
   * @param value a person's clamped total, finite
   * @param granularity the mechanism's {@link NoiseMechanism#granularity()}: a positive finite
   *     power of two
   * @throws IllegalArgumentException if {@code value} is not finite, or {@code granularity} is not
   *     a positive finite power of two
   * @throws ArithmeticException if the rounded quotient is 2^63 or more in magnitude, which cannot
   *     be a {@code long}: the privacy parameter is then too large for the bounds of the value (a
   *     fine granularity), and the caller must refuse the query rather than saturate
   */
  public static long unitsOf(double value, double granularity) {
    if (!isPowerOfTwo(granularity)) {
      throw new IllegalArgumentException(
          "granularity must be a positive finite power of two; provided value: " + granularity);
    }
    if (!Double.isFinite(value)) {
      throw new IllegalArgumentException("value must be finite; provided value: " + value);
    }
    double scaled = value / granularity;
    if (!(Math.abs(scaled) < TWO_POW_63)) {
      // The value itself stays out of the message: it is data before noise.
      throw new ArithmeticException(
          "the value is 2^63 or more units of the granularity "
              + granularity
              + ", beyond the long range: the privacy parameter is too large for the value's"
              + " bounds");
    }
    return (long) Math.rint(scaled);
  }

  private static boolean isPowerOfTwo(double g) {
    if (!(g > 0 && g < Double.POSITIVE_INFINITY)) {
      return false;
    }
    long bits = Double.doubleToRawLongBits(g);
    return g >= Double.MIN_NORMAL ? (bits & SIGNIFICAND_MASK) == 0 : Long.bitCount(bits) == 1;
  }

  /** Adds {@code units} exactly. */
  public void add(long units) {
    if (wide == null) {
      long sum = narrow + units;
      // Overflow iff both operands have the sign opposite to the result.
      if (((narrow ^ sum) & (units ^ sum)) >= 0) {
        narrow = sum;
        return;
      }
      wide = BigInteger.valueOf(narrow).add(BigInteger.valueOf(units));
      return;
    }
    set(wide.add(BigInteger.valueOf(units)));
  }

  /**
   * Adds the sum of {@code other} to this one exactly; {@code other} is unchanged (unless it is
   * this accumulator, whose sum then doubles).
   *
   * @throws NullPointerException if {@code other} is null
   */
  public void addAll(UnitSum other) {
    Objects.requireNonNull(other, "other");
    if (other.wide == null) {
      add(other.narrow);
    } else {
      set(units().add(other.wide));
    }
  }

  /** The exact sum, in units. */
  public BigInteger units() {
    return wide == null ? BigInteger.valueOf(narrow) : wide;
  }

  /** Whether the sum fits in a {@code long}, so that {@link #longValue()} returns it. */
  public boolean fitsLong() {
    return wide == null;
  }

  /**
   * The sum, in units.
   *
   * @throws ArithmeticException if it does not fit in a {@code long} (see {@link #fitsLong()})
   */
  public long longValue() {
    if (wide != null) {
      throw new ArithmeticException("the sum of units does not fit in a long; use units()");
    }
    return narrow;
  }

  /** Shows the class name only: the sum is data before noise. */
  @Override
  public String toString() {
    return "UnitSum[not shown]";
  }

  private void set(BigInteger sum) {
    if (sum.bitLength() < Long.SIZE) {
      narrow = sum.longValue();
      wide = null;
    } else {
      wide = sum;
    }
  }
}
