package dev.cleanroom.dp;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * The exact mean, population variance and standard deviation of n whole numbers of units, from
 * their count, their exact sum and their exact sum of squares, each released as the double nearest
 * to the exact value (ties to even): the threshold-mode mean and variance of a group, the same on
 * every execution path because their inputs are exact integers.
 *
 * <p>With S1 = Σx and S2 = Σx² (units) and a quantum q = 2^-k, the variance is (n·S2 − S1²)/n² ·
 * q², an exact rational (n·S2 − S1² = Σ_i&lt;j (x_i − x_j)² is a whole number at least 0), and the
 * standard deviation is its square root. Both are rounded once: the quotient (or root) is computed
 * to at least 64 significant bits with a sticky bit for any remainder, which makes the single
 * rounding to a double correct.
 */
public final class ExactVariance {
  private static final int BITS = 66;

  private ExactVariance() {}

  /**
   * The population variance of n values in units of 1/{@code scale}, nearest double.
   *
   * @param n the number of values, positive
   * @param sum Σx, exactly, in units
   * @param squares Σx², exactly, in units²
   * @param scale 2^k, the number of units per 1.0 (a {@link FineUnits#scale}, or 1/granularity)
   * @return the variance, at least 0
   * @throws IllegalArgumentException if {@code n} is not positive, {@code scale} is not a positive
   *     power of two, or the sums are inconsistent (n·S2 &lt; S1²)
   */
  public static double variance(long n, BigInteger sum, BigInteger squares, double scale) {
    BigInteger num = numerator(n, sum, squares);
    BigInteger den = BigInteger.valueOf(n).pow(2);
    int k = exponent(scale);
    if (num.signum() == 0) {
      return 0.0;
    }
    // num/den · 2^-2k: Q = ⌊num·2^t/den⌋ with at least BITS bits, plus a sticky bit.
    int t = Math.max(0, BITS + den.bitLength() - num.bitLength());
    BigInteger[] qr = num.shiftLeft(t).divideAndRemainder(den);
    BigInteger q = qr[0].shiftLeft(1);
    if (qr[1].signum() != 0) {
      q = q.setBit(0);
    }
    return times2(q, -2 * k - t - 1);
  }

  /**
   * The mean of n values in units of 1/{@code scale}: the double nearest to the exact quotient Σx/n
   * (not the rounded sum divided by n), so a mean of values near the largest double stays finite.
   *
   * @param n the number of values, positive
   * @param sum Σx, exactly, in units
   * @param scale 2^k, the number of units per 1.0
   * @return the mean
   * @throws IllegalArgumentException if {@code n} is not positive or {@code scale} is not a
   *     positive power of two
   */
  public static double mean(long n, BigInteger sum, double scale) {
    if (n <= 0) {
      throw new IllegalArgumentException("n must be positive; provided value: " + n);
    }
    int k = exponent(scale);
    if (sum.signum() == 0) {
      return 0.0;
    }
    BigInteger num = sum.abs();
    BigInteger den = BigInteger.valueOf(n);
    // |Σx|/n · 2^-k: Q = ⌊|Σx|·2^t/n⌋ with at least BITS bits, plus a sticky bit.
    int t = Math.max(0, BITS + den.bitLength() - num.bitLength());
    BigInteger[] qr = num.shiftLeft(t).divideAndRemainder(den);
    BigInteger q = qr[0].shiftLeft(1);
    if (qr[1].signum() != 0) {
      q = q.setBit(0);
    }
    double m = times2(q, -k - t - 1);
    return sum.signum() < 0 ? -m : m;
  }

  /**
   * The population standard deviation of n values in units of 1/{@code scale}: the double nearest
   * to the square root of the exact variance (not the root of the rounded variance).
   *
   * @throws IllegalArgumentException as {@link #variance}
   */
  public static double stddev(long n, BigInteger sum, BigInteger squares, double scale) {
    BigInteger num = numerator(n, sum, squares);
    BigInteger den = BigInteger.valueOf(n).pow(2);
    int k = exponent(scale);
    if (num.signum() == 0) {
      return 0.0;
    }
    // sqrt(num/den) · 2^-k = sqrt(X) · 2^(-k-t) with X = num·2^2t/den; ⌊sqrt(X)⌋ = ⌊sqrt(⌊X⌋)⌋,
    // and sqrt(X) is a whole number only if X is a whole square.
    int t = Math.max(0, (2 * BITS + den.bitLength() - num.bitLength()) / 2 + 1);
    BigInteger[] qr = num.shiftLeft(2 * t).divideAndRemainder(den);
    BigInteger r = qr[0].sqrt();
    boolean inexact = qr[1].signum() != 0 || !r.multiply(r).equals(qr[0]);
    BigInteger q = r.shiftLeft(1);
    if (inexact) {
      q = q.setBit(0);
    }
    return times2(q, -k - t - 1);
  }

  private static BigInteger numerator(long n, BigInteger sum, BigInteger squares) {
    if (n <= 0) {
      throw new IllegalArgumentException("n must be positive; provided value: " + n);
    }
    BigInteger num = BigInteger.valueOf(n).multiply(squares).subtract(sum.multiply(sum));
    if (num.signum() < 0) {
      // The sums themselves stay out of the message: they are data.
      throw new IllegalArgumentException("the sum of squares is smaller than the sum allows");
    }
    return num;
  }

  private static int exponent(double scale) {
    if (!(scale > 0 && scale < Double.POSITIVE_INFINITY)
        || scale != Math.scalb(1.0, Math.getExponent(scale))) {
      throw new IllegalArgumentException(
          "scale must be a positive finite power of two; provided value: " + scale);
    }
    return Math.getExponent(scale);
  }

  /** The double nearest to q·2^e, computed exactly and rounded once. */
  private static double times2(BigInteger q, int e) {
    BigDecimal v = new BigDecimal(q);
    BigDecimal p = new BigDecimal(BigInteger.ONE.shiftLeft(Math.abs(e)));
    v = e >= 0 ? v.multiply(p) : v.divide(p);
    return v.doubleValue();
  }
}
