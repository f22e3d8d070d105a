package dev.cleanroom.dp;

/**
 * Tails of the discrete noise distributions, for confidence intervals. All results err on the side
 * of wider intervals: a relative safety margin absorbs floating-point error.
 */
final class NoiseTails {
  /** Relative slack that covers floating-point error in the tail computations. */
  private static final double SLACK = 1e-9;

  private static final double SQRT_PI = Math.sqrt(Math.PI);

  private NoiseTails() {}

  /**
   * @throws IllegalArgumentException if {@code level} is not in (0, 1)
   */
  static double checkLevel(double level) {
    if (!(level > 0 && level < 1)) {
      throw new IllegalArgumentException(
          "confidence level must be in (0, 1); provided value: " + level);
    }
    return level;
  }

  /**
   * The smallest integer m >= 0 with P[|K| > m] <= 1 - level for the discrete Laplace K with
   * parameter t (P[k] ∝ exp(-|k|/t)). With q = exp(-1/t), P[K = k] = (1-q)/(1+q)·q^|k|, so P[|K| >
   * m] = 2·q^(m+1)/(1+q), which is at most α iff m + 1 >= t·(ln 2 - ln α - ln(1+q)).
   */
  static long discreteLaplaceHalfWidth(double t, double level) {
    double alpha = 1 - checkLevel(level);
    double q = Math.exp(-1 / t);
    double c = t * (Math.log(2) - Math.log(alpha) - Math.log1p(q));
    return Math.max(0, (long) Math.ceil(c * (1 + SLACK)) - 1);
  }

  /**
   * The smallest integer m >= 0 with erfc(m/(σ√2)) <= 1 - level, an upper bound on P[|K| > m] for
   * the discrete Gaussian K with parameter σ (P[k] ∝ exp(-k²/(2σ²))).
   *
   * <p>Why it is an upper bound: with f(x) = exp(-x²/(2σ²)), f is decreasing on [k-1, k] for k >=
   * 1, so Σ_{k>m} f(k) <= ∫_m^∞ f = σ√(2π)·P[N(0,σ²) > m]; and the normalizer Σ_k f(k) = σ√(2π)·Σ_j
   * exp(-2π²σ²j²) >= σ√(2π) by Poisson summation. Hence P[K > m] <= P[N(0,σ²) > m], and by symmetry
   * P[|K| > m] <= erfc(m/(σ√2)). The bound is tight for σ of a few units or more.
   */
  static long discreteGaussianHalfWidth(double sigma, double level) {
    double alpha = 1 - checkLevel(level);
    double s = sigma * Math.sqrt(2);
    // erfc(x) <= exp(-x²), so x = sqrt(ln(1/α)) + slack always suffices.
    long hi = (long) Math.ceil(s * Math.sqrt(Math.log(1 / alpha)) * (1 + SLACK)) + 2;
    while (!(erfc(hi / s) * (1 + SLACK) <= alpha)) {
      hi = 2 * hi + 1;
    }
    long lo = -1; // erfc(lo / s) is > alpha for lo = -1 by convention
    while (hi - lo > 1) {
      long mid = lo + (hi - lo) / 2;
      if (erfc(mid / s) * (1 + SLACK) <= alpha) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
    return hi;
  }

  /**
   * The complementary error function for x >= 0, with relative error below 1e-11: for x < 2.5 as 1
   * - erf(x) from the positive series erf(x) = 2/√π·exp(-x²)·Σ 2^n x^(2n+1)/(1·3···(2n+1)); beyond,
   * from the continued fraction erfc(x) = exp(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x +
   * ...)))).
   */
  static double erfc(double x) {
    if (x < 0) {
      throw new IllegalArgumentException("x must not be negative; provided value: " + x);
    }
    if (x < 2.5) {
      double term = x;
      double sum = x;
      double twoX2 = 2 * x * x;
      for (int n = 1; n < 200 && term > 1e-18 * sum; n++) {
        term *= twoX2 / (2 * n + 1);
        sum += term;
      }
      return 1 - 2 / SQRT_PI * Math.exp(-x * x) * sum;
    }
    double f = x;
    for (int k = 120; k >= 1; k--) {
      f = x + (k / 2.0) / f;
    }
    return Math.exp(-x * x) / (SQRT_PI * f);
  }
}
