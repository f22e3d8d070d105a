package dev.cleanroom.dp;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * Power-of-two granularities and exact noise addition in units of a granularity.
 *
 * <p>A released real value is {@code (round(x / g) + noise) · g} for a power of two {@code g =
 * 2^k}. The sum in units is computed exactly (in {@code long} when it fits, else in {@link
 * BigDecimal}) and only then rounded once to the nearest double. That last rounding is a function
 * of the exact private output alone (post-processing), so it costs no privacy; and since {@code g}
 * is a power of two, the nearest double to a multiple of {@code g} is again a multiple of {@code
 * g}: either it is exact, or the doubles near it are spaced wider than {@code g}, hence multiples
 * of it. Nothing wraps around: results of {@link #addNoise(double, int, long)} beyond the double
 * range saturate at ±{@link Double#MAX_VALUE}, itself a multiple of every allowed {@code g}, while
 * the release of an exact sum of units, {@link #addNoise(BigInteger, int, long)}, throws {@link
 * ArithmeticException} rather than release a wrong number.
 */
final class FixedPoint {
  /** The granularity is the smallest power of two at least the noise scale divided by this. */
  static final int GRANULARITY_BITS = 40;

  /** The smallest allowed granularity exponent: {@code 2^-1074} is the smallest positive double. */
  static final int MIN_EXPONENT = -1074;

  /** The largest allowed granularity exponent: {@link Double#MAX_VALUE} is a multiple of 2^971. */
  static final int MAX_EXPONENT = 971;

  private static final double TWO_POW_62 = 0x1p62;
  private static final long TWO_POW_53 = 1L << 53;

  private FixedPoint() {}

  /**
   * The exponent k of the smallest power of two {@code g = 2^k >= scale / 2^40}, as Google's
   * SecureNoiseMath does, raised to {@link #MIN_EXPONENT} if smaller.
   *
   * @throws IllegalArgumentException if k would exceed {@link #MAX_EXPONENT}
   */
  static int granularityExponent(Rational scale) {
    int k = Math.max(MIN_EXPONENT, scale.scaleByPowerOfTwo(-GRANULARITY_BITS).ceilLog2());
    return checkExponent(k);
  }

  static int checkExponent(int k) {
    if (k > MAX_EXPONENT) {
      throw new IllegalArgumentException(
          "noise scale is too large for double values: the granularity would be 2^" + k);
    }
    return Math.max(MIN_EXPONENT, k);
  }

  /** {@code 2^k} as a double, for k in [{@link #MIN_EXPONENT}, {@link #MAX_EXPONENT}]. */
  static double powerOfTwo(int k) {
    return Math.scalb(1.0, k);
  }

  /**
   * Rounds {@code value} to the nearest multiple of {@code 2^k} (ties to even), adds {@code noise}
   * multiples of {@code 2^k} exactly, and rounds the exact result to the nearest double, saturating
   * at ±{@link Double#MAX_VALUE}. Infinite inputs are first saturated to ±{@link Double#MAX_VALUE}.
   *
   * @throws IllegalArgumentException if {@code value} is NaN
   */
  static double addNoise(double value, int k, long noise) {
    if (Double.isNaN(value)) {
      throw new IllegalArgumentException("value must not be NaN");
    }
    double v = Math.max(-Double.MAX_VALUE, Math.min(Double.MAX_VALUE, value));
    double scaled = Math.scalb(v, -k); // exact, unless it overflows or underflows below 1/2
    if (Math.abs(scaled) < TWO_POW_62) {
      long units = (long) Math.rint(scaled);
      long sum = units + noise;
      // Overflow iff both operands have the same sign and the sum's sign differs.
      if (((units ^ sum) & (noise ^ sum)) >= 0) {
        return saturate(Math.scalb((double) sum, k));
      }
      return exactSum(new BigDecimal(units).multiply(new BigDecimal(powerOfTwo(k))), k, noise);
    }
    // |v| >= 2^(62+k), so the spacing of doubles near v is at least 2^(k+10): v is a multiple of
    // 2^k.
    if (Math.abs(noise) <= TWO_POW_53) {
      // noise·2^k is then an exact double (unless it overflows), and IEEE addition rounds the exact
      // sum of two doubles once, to nearest: the same result as the exact path, much faster.
      double scaledNoise = Math.scalb((double) noise, k);
      if (Double.isFinite(scaledNoise)) {
        return saturate(v + scaledNoise);
      }
    }
    return exactSum(new BigDecimal(v), k, noise);
  }

  /**
   * {@code (units + noise) · 2^k}, computed exactly and rounded once to the nearest double (ties to
   * even); an exact multiple of {@code 2^k} (see the class comment).
   *
   * @throws ArithmeticException if the rounded result is infinite, that is if the exact result is
   *     at least {@link Double#MAX_VALUE} plus half its ulp in magnitude
   */
  static double addNoise(BigInteger units, int k, long noise) {
    if (units.bitLength() < Long.SIZE) {
      long u = units.longValue();
      long sum = u + noise;
      if (((u ^ sum) & (noise ^ sum)) >= 0) {
        return toDouble(sum, k);
      }
    }
    return toDouble(units.add(BigInteger.valueOf(noise)), k);
  }

  /**
   * {@code units · 2^k} rounded once to the nearest double (ties to even), for k at least {@link
   * #MIN_EXPONENT}.
   *
   * @throws ArithmeticException if the rounded result is infinite
   */
  static double toDouble(long units, int k) {
    // Exact if |units| < 2^53 (then units · 2^k is a multiple of 2^-1074 below 2^(53 + k): a normal
    // or subnormal double); otherwise the cast rounds once and the scaled result, at least
    // 2^(53 + k) >= 2^-1021, is normal, so scaling it by a power of two is exact.
    return finite(Math.scalb((double) units, k));
  }

  /**
   * {@code units · 2^k} rounded once to the nearest double (ties to even), for k at least {@link
   * #MIN_EXPONENT}.
   *
   * @throws ArithmeticException if the rounded result is infinite
   */
  static double toDouble(BigInteger units, int k) {
    BigInteger abs = units.abs();
    int length = abs.bitLength();
    if (length < Long.SIZE) {
      return toDouble(units.longValue(), k);
    }
    // Keep the top 62 bits and fold every discarded bit into the lowest one (a sticky bit): the
    // cast to 53 bits then rounds as the exact value would, since the rounding position lies
    // above the sticky bit. The result is at least 2^(63 + k) >= 2^-1011, normal, so scaling it
    // is exact unless it overflows.
    int shift = length - 62;
    long top = abs.shiftRight(shift).longValue();
    if (abs.getLowestSetBit() < shift) {
      top |= 1;
    }
    double magnitude = finite(Math.scalb((double) top, shift + k));
    return units.signum() < 0 ? -magnitude : magnitude;
  }

  private static double finite(double x) {
    if (Double.isInfinite(x)) {
      throw new ArithmeticException(
          "the exact result is beyond the double range (its magnitude rounds above "
              + Double.MAX_VALUE
              + "); it cannot be released as a double");
    }
    return x;
  }

  private static double exactSum(BigDecimal base, int k, long noise) {
    BigDecimal exact = base.add(new BigDecimal(noise).multiply(new BigDecimal(powerOfTwo(k))));
    return saturate(exact.doubleValue()); // BigDecimal.doubleValue rounds to nearest
  }

  private static double saturate(double x) {
    return Math.max(-Double.MAX_VALUE, Math.min(Double.MAX_VALUE, x));
  }

  /** {@code a + b} for {@code b >= 0}, rounded up to the next double when inexact. */
  static double addRoundingUp(double a, double b) {
    double s = a + b;
    return roundingError(a, b, s) > 0 ? Math.nextUp(s) : s;
  }

  /** {@code a - b} for {@code b >= 0}, rounded down to the next double when inexact. */
  static double subtractRoundingDown(double a, double b) {
    double s = a - b;
    return roundingError(a, -b, s) < 0 ? Math.nextDown(s) : s;
  }

  /** The exact {@code (a + b) - s} for {@code s = a + b} (Knuth's TwoSum); 0 if s is infinite. */
  private static double roundingError(double a, double b, double s) {
    if (Double.isInfinite(s)) {
      return 0;
    }
    double bb = s - a;
    return (a - (s - bb)) + (b - bb);
  }
}
