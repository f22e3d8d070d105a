package dev.cleanroom.dp;

/**
 * Rigorous finite-sample bounds for the statistical tests: Chernoff bounds in Kullback–Leibler form
 * for binomial proportions, and Bernstein's inequality for bounded means.
 */
final class Stats {
  private Stats() {}

  /** KL(a || b) between Bernoulli(a) and Bernoulli(b), in nats. */
  static double kl(double a, double b) {
    double r = 0;
    if (a > 0) {
      r += b <= 0 ? Double.POSITIVE_INFINITY : a * Math.log(a / b);
    }
    if (a < 1) {
      r += b >= 1 ? Double.POSITIVE_INFINITY : (1 - a) * Math.log((1 - a) / (1 - b));
    }
    return r;
  }

  /**
   * An upper confidence bound on p from k successes in n trials: the largest q >= k/n with n·KL(k/n
   * || q) <= ln(1/α). By the Chernoff bound P[p̂ <= k/n] <= exp(-n·KL(k/n || p)) for k/n <= p, so
   * the bound is below the true p with probability at most α. Rounded up (bisection keeps the upper
   * end of the bracket).
   */
  static double upper(long k, long n, double alpha) {
    double ph = (double) k / n;
    double target = Math.log(1 / alpha) / n;
    double lo = ph;
    double hi = 1;
    if (kl(ph, hi) <= target) {
      return 1;
    }
    for (int i = 0; i < 200; i++) {
      double mid = (lo + hi) / 2;
      if (kl(ph, mid) <= target) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return hi;
  }

  /** A lower confidence bound on p at level 1 - α, as {@link #upper} mirrored; rounded down. */
  static double lower(long k, long n, double alpha) {
    return 1 - upper(n - k, n, alpha);
  }

  /**
   * The largest x <= p with n·KL(x || p) >= ln(1/failure), as a proportion: by the Chernoff bound,
   * an empirical proportion of n draws of Bernoulli(p) falls at or below it with probability at
   * most {@code failure}. Rounded down.
   */
  static double chernoffLow(double p, long n, double failure) {
    double target = Math.log(1 / failure) / n;
    if (kl(0, p) <= target) {
      return 0;
    }
    double lo = 0;
    double hi = p;
    for (int i = 0; i < 200; i++) {
      double mid = (lo + hi) / 2;
      if (kl(mid, p) <= target) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
    return lo;
  }

  /** As {@link #chernoffLow} for the upper tail; rounded up. */
  static double chernoffHigh(double p, long n, double failure) {
    return 1 - chernoffLow(1 - p, n, failure);
  }

  /**
   * Bernstein's inequality: for n i.i.d. variables with |X - μ| <= range and variance at most
   * {@code variance}, P[|mean - μ| >= a] <= 2·exp(-n·a²/(2·(variance + range·a/3))). Returns the a
   * that makes this {@code failure}.
   */
  static double bernstein(long n, double variance, double range, double failure) {
    double l = Math.log(2 / failure);
    double b = 2 * l * range / 3;
    return (b + Math.sqrt(b * b + 8.0 * n * l * variance)) / (2.0 * n);
  }
}
