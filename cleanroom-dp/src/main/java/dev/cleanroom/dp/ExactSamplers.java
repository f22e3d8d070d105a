package dev.cleanroom.dp;

import java.math.BigInteger;

/**
 * Exact samplers after Canonne, Kamath and Steinke, "The Discrete Gaussian for Differential
 * Privacy" (NeurIPS 2020), Algorithms 1 to 3. Every parameter is an exact rational and the only
 * randomness is uniform integers from {@link RandomBits}, so the output distributions are exactly
 * the stated ones: no floating point is involved anywhere.
 *
 * <p>Each method works on {@code long} numerators and denominators while the products it needs fit,
 * and on {@link BigInteger} otherwise; the two paths sample the same distribution.
 */
final class ExactSamplers {
  private static final BigInteger LONG_LIMIT = BigInteger.ONE.shiftLeft(62);

  private ExactSamplers() {}

  /** Bernoulli({@code num / den}), for {@code 0 <= num <= den}, {@code den > 0}. */
  static boolean bernoulli(RandomBits random, long num, long den) {
    return random.uniform(den) < num;
  }

  /**
   * Bernoulli({@code num / den}), for {@code 0 <= num <= den}, {@code den > 0}: whether X < num for
   * X uniform in [0, den). Beyond 63 bits, X is drawn lazily by {@link #lazyAttempt}.
   */
  static boolean bernoulli(RandomBits random, BigInteger num, BigInteger den) {
    if (den.bitLength() < Long.SIZE) {
      return bernoulli(random, num.longValueExact(), den.longValueExact());
    }
    while (true) {
      int outcome = lazyAttempt(random, num, den);
      if (outcome >= 0) {
        return outcome == 1;
      }
    }
  }

  /**
   * One attempt of rejection sampling X uniform in [0, den) from X uniform in [0, 2^b), 2^(b-1) <
   * den <= 2^b, compared with {@code num <= den}: returns 1 if X < num, 0 if num <= X < den, and -1
   * if X >= den (reject and try again). The bits of X are drawn from the most significant down,
   * only until the outcome is decided (on average about two bits, however long den is); the outcome
   * is the same as if X had been drawn in full.
   */
  static int lazyAttempt(RandomBits random, BigInteger num, BigInteger den) {
    int b = den.subtract(BigInteger.ONE).bitLength();
    if (num.bitLength() > b) {
      return 1; // num = den = 2^b > X
    }
    // Comparisons of the prefix of X drawn so far with those of num and den: -1, 0 or 1. Above bit
    // b - 1, X is zero: it equals num there, and also den unless den = 2^b (then X < den).
    int vsNum = 0;
    int vsDen = den.bitLength() > b ? -1 : 0;
    for (int i = b - 1; i >= 0; i--) {
      boolean x = random.nextBoolean();
      if (vsNum == 0 && x != num.testBit(i)) {
        vsNum = x ? 1 : -1;
      }
      if (vsDen == 0 && x != den.testBit(i)) {
        vsDen = x ? 1 : -1;
      }
      if (vsDen > 0) {
        return -1; // X > den
      }
      if (vsNum < 0) {
        return 1; // X < num <= den
      }
      if (vsNum > 0 && vsDen < 0) {
        return 0; // num < X < den
      }
    }
    // All bits drawn and nothing decided: X == den (reject), or X == num < den.
    return vsDen == 0 ? -1 : 0;
  }

  /**
   * Bernoulli(exp(-γ)) for γ = {@code num / den >= 0} (CKS Algorithm 1). For γ in [0, 1]: draw A_k
   * ~ Bernoulli(γ/k) for k = 1, 2, ... until the first A_k = 0, and return 1 iff that k is odd;
   * then P[1] = Σ_k odd (γ^(k-1)/(k-1)! - γ^k/k!) = exp(-γ). For γ > 1: exp(-γ) = exp(-1)^⌊γ⌋ ·
   * exp(-(γ - ⌊γ⌋)), one independent draw per factor, stopping at the first 0.
   */
  static boolean bernoulliExpMinus(RandomBits random, long num, long den) {
    long whole = num / den;
    for (long i = 0; i < whole; i++) {
      if (!bernoulliExpMinusAtMostOne(random, 1, 1)) {
        return false;
      }
    }
    return bernoulliExpMinusAtMostOne(random, num % den, den);
  }

  /** Bernoulli(exp(-γ)) for γ = {@code num / den >= 0}, any size. */
  static boolean bernoulliExpMinus(RandomBits random, BigInteger num, BigInteger den) {
    BigInteger[] qr = num.divideAndRemainder(den);
    // Past 2^62 factors of exp(-1), the chance of all succeeding is below exp(-2^62); cap the loop.
    long whole = qr[0].compareTo(LONG_LIMIT) < 0 ? qr[0].longValueExact() : Long.MAX_VALUE;
    for (long i = 0; i < whole; i++) {
      if (!bernoulliExpMinusAtMostOne(random, 1, 1)) {
        return false;
      }
    }
    BigInteger rem = qr[1];
    if (den.compareTo(LONG_LIMIT) < 0) {
      return bernoulliExpMinusAtMostOne(random, rem.longValueExact(), den.longValueExact());
    }
    long k = 1;
    while (bernoulli(random, rem, den.multiply(BigInteger.valueOf(k)))) {
      k++;
    }
    return (k & 1) == 1;
  }

  /** Bernoulli(exp(-γ)) for γ = {@code num / den} in [0, 1], {@code den < 2^62}. */
  private static boolean bernoulliExpMinusAtMostOne(RandomBits random, long num, long den) {
    long k = 1;
    while (true) {
      boolean a;
      if (Math.multiplyHigh(den, k) == 0 && den * k > 0) {
        a = bernoulli(random, num, den * k);
      } else {
        a = bernoulli(random, BigInteger.valueOf(num), BigInteger.valueOf(den).multiply(bk(k)));
      }
      if (!a) {
        return (k & 1) == 1;
      }
      k++;
    }
  }

  private static BigInteger bk(long k) {
    return BigInteger.valueOf(k);
  }

  /**
   * Discrete Laplace with scale {@code t / s} (CKS Algorithm 2): P[x] ∝ exp(-|x|·s/t) on the
   * integers. Draws U uniform in [0, t) accepted with probability exp(-U/t) and V ~ Geometric(1 -
   * exp(-1)), so that X = U + t·V is geometric with parameter 1 - exp(-1/t); then Y = ⌊X/s⌋ is
   * geometric with parameter 1 - exp(-s/t), and a random sign, rejecting "-0", makes it two-sided.
   *
   * @throws ArithmeticException if the sample does not fit a long (for the scales the mechanisms
   *     allow, below 2^52, this has probability below exp(-2^10))
   */
  static long discreteLaplace(RandomBits random, long t, long s) {
    while (true) {
      long u = random.uniform(t);
      if (!bernoulliExpMinus(random, u, t)) {
        continue;
      }
      long v = 0;
      while (bernoulliExpMinusAtMostOne(random, 1, 1)) {
        v++;
      }
      long y;
      if (Math.multiplyHigh(t, v) == 0 && t * v >= 0 && t * v + u >= 0) {
        y = (u + t * v) / s;
      } else {
        y = bk(t).multiply(bk(v)).add(bk(u)).divide(bk(s)).longValueExact();
      }
      boolean negative = random.nextBoolean();
      if (negative && y == 0) {
        continue;
      }
      return negative ? -y : y;
    }
  }

  /**
   * Discrete Laplace with scale {@code t / s}, any size; see {@link #discreteLaplace(RandomBits,
   * long, long)}.
   */
  static long discreteLaplace(RandomBits random, BigInteger t, BigInteger s) {
    if (t.compareTo(LONG_LIMIT) < 0 && s.compareTo(LONG_LIMIT) < 0) {
      return discreteLaplace(random, t.longValueExact(), s.longValueExact());
    }
    while (true) {
      BigInteger u = random.uniform(t);
      if (!bernoulliExpMinus(random, u, t)) {
        continue;
      }
      long v = 0;
      while (bernoulliExpMinusAtMostOne(random, 1, 1)) {
        v++;
      }
      long y = t.multiply(bk(v)).add(u).divide(s).longValueExact();
      boolean negative = random.nextBoolean();
      if (negative && y == 0) {
        continue;
      }
      return negative ? -y : y;
    }
  }

  /**
   * Discrete Gaussian with variance parameter σ² = {@code num / den} (CKS Algorithm 3): P[x] ∝
   * exp(-x²/(2σ²)) on the integers. See {@link DiscreteGaussian}.
   */
  static long discreteGaussian(RandomBits random, BigInteger num, BigInteger den) {
    return new DiscreteGaussian(num, den).sample(random);
  }

  /**
   * A discrete Gaussian sampler with its derived constants computed once (CKS Algorithm 3). With t
   * = ⌊σ⌋ + 1, draws Y from the discrete Laplace with scale t and accepts it with probability
   * exp(-(|Y| - σ²/t)²/(2σ²)), which for σ² = n/d is exp(-(|Y|·d·t - n)²/(2·n·d·t²)), an exact
   * rational exponent. Immutable.
   */
  static final class DiscreteGaussian {
    private final BigInteger num;
    private final BigInteger t;
    private final BigInteger dt;
    private final BigInteger gammaDen;

    /** σ² = {@code num / den}, both positive. */
    DiscreteGaussian(BigInteger num, BigInteger den) {
      this.num = num;
      // ⌊σ⌋ = ⌊√⌊σ²⌋⌋.
      this.t = num.divide(den).sqrt().add(BigInteger.ONE);
      this.dt = den.multiply(t);
      this.gammaDen = num.multiply(dt).multiply(t).shiftLeft(1);
    }

    /**
     * One sample.
     *
     * @throws ArithmeticException if the sample does not fit a long (for the scales the mechanisms
     *     allow this has probability below exp(-2^10))
     */
    long sample(RandomBits random) {
      while (true) {
        long y = discreteLaplace(random, t, BigInteger.ONE);
        BigInteger diff = bk(Math.abs(y)).multiply(dt).subtract(num);
        if (bernoulliExpMinus(random, diff.multiply(diff), gammaDen)) {
          return y;
        }
      }
    }
  }
}
