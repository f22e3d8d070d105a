package dev.cleanroom.dp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.Locale;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/**
 * Distribution tests of the exact samplers, with secure randomness (so every run sees fresh
 * samples).
 *
 * <p><b>False-failure rate.</b> Each test method below fails on a correct sampler with probability
 * at most 1e-9; the bound is derived in the method's javadoc. Moment tests use Bernstein's
 * inequality on samples truncated at a radius M that no sample exceeds except with probability
 * 1e-10 (on that event the truncated and the raw samples coincide); frequency tests use two-sided
 * Chernoff bounds in KL form.
 */
class ExactSamplersTest {
  private static final BigInteger TWO_POW_70 = BigInteger.ONE.shiftLeft(70);
  private final RandomBits random = RandomBits.secure();

  // ---------------------------------------------------------------- Bernoulli

  /**
   * Bernoulli(exp(-γ)) frequencies for eight γ (long and BigInteger paths), 200,000 draws each.
   * Each γ fails with probability at most 2·6e-11 (both Chernoff tails), in total at most 16·6e-11
   * < 1e-9.
   */
  @Test
  void bernoulliExpMinus_frequencyMatchesExpMinusGamma() {
    long[][] longGammas = {{0, 1}, {1, 3}, {1, 1}, {5, 2}, {10, 1}, {7, 1_000_000_007L}};
    int n = 200_000;
    double f = 6e-11;
    for (long[] g : longGammas) {
      double p = Math.exp(-(double) g[0] / g[1]);
      checkFrequency(
          "exp(-" + g[0] + "/" + g[1] + ")",
          () -> ExactSamplers.bernoulliExpMinus(random, g[0], g[1]) ? 1 : 0,
          p,
          n,
          f);
    }
    // γ = (3·2^70 + 1)/2^70 and (2^70 - 1)/(2^71): exercise the BigInteger remainder path.
    BigInteger num1 = TWO_POW_70.multiply(BigInteger.valueOf(3)).add(BigInteger.ONE);
    checkFrequency(
        "exp(-(3 + 2^-70))",
        () -> ExactSamplers.bernoulliExpMinus(random, num1, TWO_POW_70) ? 1 : 0,
        Math.exp(-3),
        n,
        f);
    BigInteger num2 = TWO_POW_70.subtract(BigInteger.ONE);
    BigInteger den2 = TWO_POW_70.shiftLeft(1);
    checkFrequency(
        "exp(-(1/2 - 2^-71))",
        () -> ExactSamplers.bernoulliExpMinus(random, num2, den2) ? 1 : 0,
        Math.exp(-0.5),
        n,
        f);
  }

  /**
   * Bernoulli(p) for rational p, long and BigInteger paths (p = 1/3 and p = 2^70/(3·2^70 + 1)),
   * 200,000 draws each; false failure at most 4·2.5e-10 = 1e-9.
   */
  @Test
  void bernoulli_frequencyMatchesP() {
    int n = 200_000;
    checkFrequency(
        "Bernoulli(1/3)", () -> ExactSamplers.bernoulli(random, 1, 3) ? 1 : 0, 1.0 / 3, n, 2.5e-10);
    BigInteger den = TWO_POW_70.multiply(BigInteger.valueOf(3)).add(BigInteger.ONE);
    checkFrequency(
        "Bernoulli(2^70/(3·2^70+1))",
        () -> ExactSamplers.bernoulli(random, TWO_POW_70, den) ? 1 : 0,
        1.0 / 3,
        n,
        2.5e-10);
  }

  @Test
  void bernoulli_extremesAreExact() {
    for (int i = 0; i < 1000; i++) {
      assertFalse(ExactSamplers.bernoulli(random, 0, 7));
      assertTrue(ExactSamplers.bernoulli(random, 7, 7));
      assertTrue(ExactSamplers.bernoulliExpMinus(random, 0, 5));
      assertFalse(ExactSamplers.bernoulli(random, BigInteger.ZERO, TWO_POW_70));
      assertTrue(ExactSamplers.bernoulli(random, TWO_POW_70, TWO_POW_70));
    }
  }

  /**
   * The lazy comparison decides exactly as drawing X in full would: for every den up to 70, every
   * num <= den and every X in [0, 2^b), and for spot values of 70-bit dens.
   */
  @Test
  void lazyAttempt_decidesAsTheFullDraw() {
    for (int den = 1; den <= 70; den++) {
      int b = Integer.SIZE - Integer.numberOfLeadingZeros(den - 1);
      for (int num = 0; num <= den; num++) {
        for (long x = 0; x < (1L << b); x++) {
          int expected = x >= den ? -1 : (x < num ? 1 : 0);
          ReplayBits bits = new ReplayBits(BigInteger.valueOf(x), b);
          int actual =
              ExactSamplers.lazyAttempt(bits, BigInteger.valueOf(num), BigInteger.valueOf(den));
          assertEquals(expected, actual, "num=" + num + " den=" + den + " x=" + x);
        }
      }
    }
    BigInteger[] dens = {
      TWO_POW_70,
      TWO_POW_70.add(BigInteger.ONE),
      TWO_POW_70.multiply(BigInteger.valueOf(3)).shiftRight(1),
      TWO_POW_70.shiftLeft(1).subtract(BigInteger.ONE)
    };
    for (BigInteger den : dens) {
      int b = den.subtract(BigInteger.ONE).bitLength();
      BigInteger third = den.divide(BigInteger.valueOf(3));
      for (BigInteger num :
          new BigInteger[] {
            BigInteger.ZERO, BigInteger.ONE, third, den.subtract(BigInteger.ONE), den
          }) {
        java.util.List<BigInteger> xs = new java.util.ArrayList<>();
        for (BigInteger v :
            new BigInteger[] {
              BigInteger.ZERO, num, den, BigInteger.ONE.shiftLeft(b).subtract(BigInteger.ONE)
            }) {
          for (int d = -1; d <= 1; d++) {
            BigInteger x = v.add(BigInteger.valueOf(d));
            if (x.signum() >= 0 && x.bitLength() <= b) {
              xs.add(x);
            }
          }
        }
        for (int i = 0; i < 200; i++) {
          xs.add(random.uniform(BigInteger.ONE.shiftLeft(b)));
        }
        for (BigInteger x : xs) {
          int expected = x.compareTo(den) >= 0 ? -1 : (x.compareTo(num) < 0 ? 1 : 0);
          assertEquals(
              expected,
              ExactSamplers.lazyAttempt(new ReplayBits(x, b), num, den),
              "num=" + num + " den=" + den + " x=" + x);
        }
      }
    }
  }

  /** Hands out the bits of x from bit b - 1 down, and fails if asked for more. */
  private static final class ReplayBits implements RandomBits {
    private final BigInteger x;
    private int next;

    ReplayBits(BigInteger x, int b) {
      this.x = x;
      this.next = b - 1;
    }

    @Override
    public long nextLong() {
      throw new AssertionError("only single bits expected");
    }

    @Override
    public boolean nextBoolean() {
      assertTrue(next >= 0, "drew more bits than X has");
      return x.testBit(next--);
    }
  }

  // ---------------------------------------------------------------- discrete Laplace

  /**
   * Discrete Laplace with t = 10 (P[k] ∝ exp(-|k|/10)), 400,000 samples: mean, variance, symmetry
   * and P[0]. False failure at most 1e-10 (truncation) + 2e-10 (mean) + 2e-10 (variance) + 2e-10
   * (sign) + 2e-10 (P[0]) = 9e-10.
   */
  @Test
  void discreteLaplace_integerScale_matchesTheory() {
    checkDistribution(
        "discrete Laplace t=10",
        () -> ExactSamplers.discreteLaplace(random, 10, 1),
        laplacePmf(10, 2000),
        400_000);
  }

  /** As above for the rational scale t = 7/3 (long path); false failure at most 9e-10. */
  @Test
  void discreteLaplace_rationalScale_matchesTheory() {
    checkDistribution(
        "discrete Laplace t=7/3",
        () -> ExactSamplers.discreteLaplace(random, 7, 3),
        laplacePmf(7.0 / 3, 600),
        400_000);
  }

  /**
   * As above for t = (3·2^70 + 1)/2^70 (BigInteger path, t = 3 + 2^-70, indistinguishable from 3 in
   * double); false failure at most 9e-10.
   */
  @Test
  void discreteLaplace_bigIntegerScale_matchesTheory() {
    BigInteger t = TWO_POW_70.multiply(BigInteger.valueOf(3)).add(BigInteger.ONE);
    checkDistribution(
        "discrete Laplace t=3+2^-70",
        () -> ExactSamplers.discreteLaplace(random, t, TWO_POW_70),
        laplacePmf(3, 800),
        200_000);
  }

  // ---------------------------------------------------------------- discrete Gaussian

  /** Discrete Gaussian σ² = 50, 400,000 samples; false failure at most 9e-10 as above. */
  @Test
  void discreteGaussian_integerVariance_matchesTheory() {
    ExactSamplers.DiscreteGaussian g =
        new ExactSamplers.DiscreteGaussian(BigInteger.valueOf(50), BigInteger.ONE);
    checkDistribution(
        "discrete Gaussian σ²=50", () -> g.sample(random), gaussianPmf(50, 400), 400_000);
  }

  /** Discrete Gaussian σ² = 7/3 (small σ, where it differs from a rounded Gaussian); 9e-10. */
  @Test
  void discreteGaussian_rationalVariance_matchesTheory() {
    ExactSamplers.DiscreteGaussian g =
        new ExactSamplers.DiscreteGaussian(BigInteger.valueOf(7), BigInteger.valueOf(3));
    checkDistribution(
        "discrete Gaussian σ²=7/3", () -> g.sample(random), gaussianPmf(7.0 / 3, 200), 400_000);
  }

  /**
   * Discrete Gaussian σ² = (5·2^70 + 3)/2^70 (BigInteger acceptance path, σ² = 5 + 3·2^-70); false
   * failure at most 9e-10.
   */
  @Test
  void discreteGaussian_bigIntegerVariance_matchesTheory() {
    BigInteger num = TWO_POW_70.multiply(BigInteger.valueOf(5)).add(BigInteger.valueOf(3));
    ExactSamplers.DiscreteGaussian g = new ExactSamplers.DiscreteGaussian(num, TWO_POW_70);
    checkDistribution(
        "discrete Gaussian σ²=5+3·2^-70", () -> g.sample(random), gaussianPmf(5, 200), 200_000);
  }

  /**
   * Discrete Gaussian with σ = 2^40 (σ² = 2^80, as for real values at the default granularity),
   * 100,000 samples: mean and variance against σ² (for σ this large, the discrete Gaussian's
   * variance and fourth moment equal the continuous ones up to terms of order exp(-2π²σ²)).
   * Truncation at M = 9σ: by the sub-Gaussian tail P[|K| > M] <= 2·exp(-M²/(2σ²)) = 2·exp(-40.5),
   * so no sample exceeds it except with probability below 1e5·6e-18 < 1e-12. Bernstein with failure
   * 4e-10 for each of mean and variance: total false-failure rate below 8.1e-10.
   */
  @Test
  void discreteGaussian_hugeVariance_matchesTheory() {
    double sigma = 0x1p40;
    ExactSamplers.DiscreteGaussian g =
        new ExactSamplers.DiscreteGaussian(BigInteger.ONE.shiftLeft(80), BigInteger.ONE);
    int n = 100_000;
    long[] xs = draw("discrete Gaussian σ=2^40", () -> g.sample(random), n);
    double m = 9 * sigma;
    double sum = 0;
    double sumSq = 0;
    for (long x : xs) {
      assertTrue(Math.abs(x) <= m, "sample beyond 9σ");
      sum += x;
      sumSq += (double) x * x;
    }
    double v = sigma * sigma;
    double meanTol = Stats.bernstein(n, v, m, 4e-10);
    double varTol = Stats.bernstein(n, 3 * v * v, m * m, 4e-10);
    assertTrue(Math.abs(sum / n) <= meanTol, "mean " + sum / n + " beyond ±" + meanTol);
    assertTrue(
        Math.abs(sumSq / n - v) <= varTol, "variance " + sumSq / n + " vs " + v + " ± " + varTol);
  }

  // ---------------------------------------------------------------- helpers

  /** Draws n samples and prints the time per sample. */
  static long[] draw(String name, LongSupplier sampler, int n) {
    long warmUp = 0;
    for (int i = 0; i < 2000; i++) {
      warmUp += sampler.getAsLong();
    }
    long[] xs = new long[n];
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      xs[i] = sampler.getAsLong();
    }
    long elapsed = System.nanoTime() - start;
    System.out.printf(
        Locale.ROOT,
        "%-36s %8.0f ns/sample (%d samples, warm-up sum %d)%n",
        name,
        (double) elapsed / n,
        n,
        warmUp);
    return xs;
  }

  /**
   * Fails iff the frequency of ones is outside the two-sided Chernoff interval around p; false
   * failure at most 2·f.
   */
  private static void checkFrequency(String name, LongSupplier draw, double p, int n, double f) {
    long[] xs = draw(name, draw, n);
    long k = 0;
    for (long x : xs) {
      k += x;
    }
    double freq = (double) k / n;
    double lo = Stats.chernoffLow(p, n, f);
    double hi = Stats.chernoffHigh(p, n, f);
    assertTrue(lo <= freq && freq <= hi, name + ": " + freq + " outside [" + lo + ", " + hi + "]");
  }

  /**
   * Mean, variance, sign symmetry and P[0] of n samples against a pmf given on [-R, R] (index k +
   * R). Budget: truncation 1e-10, mean 2e-10, variance 2e-10, sign 2e-10, P[0] 2e-10.
   */
  private static void checkDistribution(String name, LongSupplier sampler, double[] pmf, int n) {
    int r = pmf.length / 2;
    double var = 0;
    double fourth = 0;
    for (int i = 0; i < pmf.length; i++) {
      double k = i - r;
      var += k * k * pmf[i];
      fourth += k * k * k * k * pmf[i];
    }
    // Truncation radius M: n·P[|K| > M] <= 1e-10.
    int m = r;
    double tail = 0;
    while (m > 0 && n * (tail + pmf[r + m] + pmf[r - m]) <= 1e-10) {
      tail += pmf[r + m] + pmf[r - m];
      m--;
    }
    assertTrue(m < r - 1, "pmf radius too small for the truncation");
    double truncatedVar = 0;
    for (int i = 0; i < pmf.length; i++) {
      double k = i - r;
      truncatedVar += Math.min(k * k, (double) m * m) * pmf[i];
    }

    long[] xs = draw(name, sampler, n);
    double sum = 0;
    double sumSq = 0;
    long positive = 0;
    long negative = 0;
    for (long x : xs) {
      assertTrue(Math.abs(x) <= m, name + ": sample beyond the truncation radius " + m);
      sum += x;
      sumSq += (double) x * x;
      if (x > 0) {
        positive++;
      } else if (x < 0) {
        negative++;
      }
    }
    double mean = sum / n;
    double meanTol = Stats.bernstein(n, var, m, 2e-10);
    assertTrue(Math.abs(mean) <= meanTol, name + ": mean " + mean + " beyond ±" + meanTol);

    double variance = sumSq / n;
    double varTol = Stats.bernstein(n, fourth, (double) m * m, 2e-10);
    assertTrue(
        Math.abs(variance - truncatedVar) <= varTol,
        name + ": E[K²] " + variance + " vs " + var + " ± " + varTol);

    // Given a non-zero sample, its sign is a fair coin: check P[+ | non-zero] = 1/2 two-sided.
    long nonZero = positive + negative;
    double fracPositive = (double) positive / nonZero;
    assertTrue(
        fracPositive >= Stats.chernoffLow(0.5, nonZero, 1e-10)
            && fracPositive <= Stats.chernoffHigh(0.5, nonZero, 1e-10),
        name + ": asymmetric, " + positive + " positive vs " + negative + " negative");

    double zero = (double) (n - nonZero) / n;
    double p0 = pmf[r];
    assertTrue(
        zero >= Stats.chernoffLow(p0, n, 1e-10) && zero <= Stats.chernoffHigh(p0, n, 1e-10),
        name + ": P[0] " + zero + " vs " + p0);
    System.out.printf(
        Locale.ROOT,
        "  %s: mean %.4f (±%.4f), E[K²] %.4f vs %.4f (±%.4f)%n",
        name,
        mean,
        meanTol,
        variance,
        var,
        varTol);
  }

  /** P[K = k] ∝ exp(-|k|/t) on [-r, r] (index k + r), normalized over the whole line. */
  static double[] laplacePmf(double t, int r) {
    double q = Math.exp(-1 / t);
    double c = (1 - q) / (1 + q);
    double[] pmf = new double[2 * r + 1];
    for (int k = -r; k <= r; k++) {
      pmf[k + r] = c * Math.pow(q, Math.abs(k));
    }
    return pmf;
  }

  /** P[K = k] ∝ exp(-k²/(2σ²)) on [-r, r], normalized by the sum over [-r, r]. */
  static double[] gaussianPmf(double sigma2, int r) {
    double[] pmf = new double[2 * r + 1];
    double z = 0;
    for (int k = -r; k <= r; k++) {
      pmf[k + r] = Math.exp(-(double) k * k / (2 * sigma2));
      z += pmf[k + r];
    }
    for (int i = 0; i < pmf.length; i++) {
      pmf[i] /= z;
    }
    assertEquals(0, pmf[0], 1e-300, "radius too small for the Gaussian pmf");
    return pmf;
  }
}
