package dev.cleanroom.dp;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Arrays;
import java.util.Objects;

/**
 * Quantiles of the people's values of one group, exact or from a noisy hierarchical histogram (a
 * quantile tree, as Google's differential-privacy library builds one).
 *
 * <p><b>The tree.</b> The owner's bounds [lower, upper] of a person's value are cut into {@link
 * #LEAVES} = {@link #BRANCHING}^{@link #HEIGHT} = 16³ = 4096 leaves of equal width, with edges e_j
 * = lower + j·(upper − lower)/4096 (rounded, non-decreasing, e_0 = lower, e_4096 = upper); a value
 * v falls in the leaf j with e_j ≤ v &lt; e_(j+1) (the last leaf also holds upper). Level ℓ = 1, 2,
 * 3 has 16^ℓ nodes, each the union of 16 children, the last level the leaves; each node counts the
 * people whose value falls in it. A person adds 1 to one node per level: with at most L0 groups per
 * person, one person changes at most L0·{@link #HEIGHT} node counts, each by 1 ({@link
 * #sensitivity}: L1 = 3·L0, L2 = √(3·L0)). Every node count gets independent integer noise of that
 * sensitivity ({@link #noisy}); all quantiles read from the noisy tree are post-processing, so any
 * number of them costs the budget of the tree once.
 *
 * <p><b>The estimate</b> ({@link #quantile}) walks down from the root: at each node the noisy
 * counts of its children, raised to at least 0, are added up to their total T, and the walk goes to
 * the child in which the running sum first reaches p·T (renormalizing p within that child); within
 * the final leaf it interpolates linearly; a node whose children all count 0 answers its midpoint.
 * The estimate lies in [lower, upper] and grows with p.
 *
 * <p><b>The interval</b> ({@link #interval}) covers the exact nearest-rank quantile q of the
 * people's values (the value of rank r = ⌈p·n⌉ among the n values in increasing order) with
 * probability at least the given level. Let P(j) be the number of people in leaves below j; [0, j)
 * is the disjoint union of k(j) ≤ 15·3 nodes (k(j) the sum of j's base-16 digits), so its noisy
 * count P̂(j) is P(j) plus a sum of k(j) independent noises, and the noisy n̂ (the sum of the 16
 * level-1 counts) is n plus a sum of 16. For each of these 4096 sums (the 4095 proper prefixes and
 * n̂) a Chernoff bound gives s_k with P[|sum of k noises| > s_k] ≤ β = (1 − level)/4096 (discrete
 * Laplace: its exact moment generating function, minimized numerically; any λ gives a valid bound;
 * discrete Gaussian: its sub-Gaussian bound exp(λ²σ²/2), Canonne, Kamath and Steinke 2020); by the
 * union bound all of them hold together with probability at least the level. When they do, p·(n̂ −
 * s_16) ≤ r and r &lt; p·(n̂ + s_16) + 1, so
 *
 * <ul>
 *   <li>every j with P̂(j) + s_k(j) &lt; p·(n̂ − s_16) has P(j) &lt; r, q is not below leaf j, q ≥
 *       e_j: the lower end is e_j for the largest such j (e_0 = lower otherwise);
 *   <li>every j with P̂(j) − s_k(j) ≥ p·(n̂ + s_16) + 1 has P(j) ≥ r, q lies in a leaf below j, q
 *       &lt; e_j: the upper end is e_j for the smallest such j (upper otherwise).
 * </ul>
 *
 * The interval is then widened to hold the estimate. It is conservative: its true coverage is far
 * above the level, and it is wide unless n is large against the noise.
 */
public final class QuantileTree {
  /** The number of children of each inner node. */
  public static final int BRANCHING = 16;

  /** The number of levels below the root: the leaves are on level {@value}. */
  public static final int HEIGHT = 3;

  /** The number of leaves: {@link #BRANCHING}^{@link #HEIGHT}. */
  public static final int LEAVES = 4096;

  /** The number of noisy node counts of one tree: 16 + 256 + 4096. */
  public static final int NODES = 16 + 256 + 4096;

  /** Per level ℓ = 1..HEIGHT (index ℓ − 1), the exact node counts; never released. */
  private final long[][] exact;

  /** Per level, the noisy node counts, each drawn when first read ({@link #count}). */
  private final long[][] levels;

  private final boolean[][] drawn;
  private final NoiseMechanism noise;
  private final double lower;
  private final double upper;

  private QuantileTree(long[][] exact, NoiseMechanism noise, double lower, double upper) {
    this.exact = exact;
    this.noise = noise;
    this.levels = new long[HEIGHT][];
    this.drawn = new boolean[HEIGHT][];
    for (int l = 0; l < HEIGHT; l++) {
      levels[l] = new long[exact[l].length];
      drawn[l] = new boolean[exact[l].length];
    }
    this.lower = lower;
    this.upper = upper;
  }

  /**
   * The noisy count of node {@code i} of level index {@code l}: its exact count plus noise drawn
   * once, on first reading. Drawing a node's noise when it is first read gives the same joint
   * distribution of everything read as drawing all of them up front.
   */
  long count(int l, int i) {
    if (!drawn[l][i]) {
      levels[l][i] = noise.addNoise(exact[l][i]);
      drawn[l][i] = true;
    }
    return levels[l][i];
  }

  /**
   * The sensitivity of the node counts of the trees of a query whose people contribute to at most
   * {@code maxGroups} groups: L0 = {@code maxGroups}·{@link #HEIGHT} counts, each changed by 1.
   *
   * @param maxGroups L0 of the query; positive
   * @return the sensitivity of the node counts
   * @throws IllegalArgumentException if {@code maxGroups} is not positive or too large
   */
  public static Sensitivity sensitivity(int maxGroups) {
    if (maxGroups <= 0 || maxGroups > Integer.MAX_VALUE / HEIGHT) {
      throw new IllegalArgumentException(
          "maxGroups must be positive and at most "
              + Integer.MAX_VALUE / HEIGHT
              + "; provided value: "
              + maxGroups);
    }
    return Sensitivity.of(maxGroups * HEIGHT, 1);
  }

  /**
   * Checks bounds of a person's value for a tree: finite, lower &lt; upper, upper − lower finite.
   *
   * @param lower the lower bound
   * @param upper the upper bound
   * @return whether a tree can be built over [lower, upper]
   */
  public static boolean validBounds(double lower, double upper) {
    return lower < upper && Double.isFinite(upper - lower);
  }

  /**
   * The edge e_j of the leaves over [lower, upper]: lower + j·(upper − lower)/{@link #LEAVES},
   * rounded to a double and capped at upper; e_0 = lower and e_LEAVES = upper.
   *
   * @param j the edge's index, 0 ≤ j ≤ {@link #LEAVES}
   * @param lower the lower bound
   * @param upper the upper bound
   * @return the edge
   */
  public static double edge(int j, double lower, double upper) {
    if (j <= 0) {
      return lower;
    }
    if (j >= LEAVES) {
      return upper;
    }
    return Math.min(upper, lower + (upper - lower) * j / LEAVES);
  }

  /**
   * The leaf of {@code value} over [lower, upper]: the j with e_j ≤ value &lt; e_(j+1), 0 below
   * lower and the last leaf from its lower edge up (upper included).
   *
   * @param value the value, not NaN
   * @param lower the lower bound
   * @param upper the upper bound; {@link #validBounds} must hold
   * @return the leaf, 0 ≤ leaf &lt; {@link #LEAVES}
   */
  public static int leaf(double value, double lower, double upper) {
    double f = (value - lower) / (upper - lower) * LEAVES;
    int j = f >= LEAVES ? LEAVES - 1 : f <= 0 ? 0 : (int) f;
    // The guess from the quotient may be off by one near an edge: settle it on the edges
    // themselves.
    while (j > 0 && value < edge(j, lower, upper)) {
      j--;
    }
    while (j < LEAVES - 1 && value >= edge(j + 1, lower, upper)) {
      j++;
    }
    return j;
  }

  /**
   * The exact nearest-rank quantile of {@code n} values: the value of rank ⌈p·n⌉ (at least 1, see
   * {@link #rank}) in increasing order, the smallest v with #{values ≤ v} ≥ p·n; NaN without
   * values.
   *
   * @param values the values; sorted in place, only the first {@code n} are read
   * @param n the number of values
   * @param p the fraction, 0 &lt; p &lt; 1
   * @return the quantile, or NaN when n = 0
   */
  public static double exact(double[] values, int n, double p) {
    if (n == 0) {
      return Double.NaN;
    }
    Arrays.sort(values, 0, n);
    return values[rank(n, p) - 1];
  }

  /**
   * The nearest rank ⌈p·n⌉ (at least 1), computed exactly with p read as the shortest decimal that
   * rounds to it ({@link Double#toString}): 0.2 is 1/5, so ⌈0.2·5⌉ = 1 (the binary double just
   * above 0.2 would give 2).
   *
   * @param n the number of values, positive
   * @param p the fraction, 0 &lt; p &lt; 1
   * @return the rank, 1 ≤ rank ≤ n
   */
  public static int rank(long n, double p) {
    BigDecimal r =
        BigDecimal.valueOf(p).multiply(BigDecimal.valueOf(n)).setScale(0, RoundingMode.CEILING);
    return (int) Math.max(1, Math.min(n, r.longValueExact()));
  }

  /**
   * The exact counts of the leaves of {@code n} values over [lower, upper].
   *
   * @param values the values, not NaN
   * @param n the number of values read
   * @param lower the lower bound
   * @param upper the upper bound; {@link #validBounds} must hold
   * @return the count of each leaf
   */
  public static long[] leafCounts(double[] values, int n, double lower, double upper) {
    long[] counts = new long[LEAVES];
    for (int i = 0; i < n; i++) {
      counts[leaf(values[i], lower, upper)]++;
    }
    return counts;
  }

  /**
   * The tree of the leaf counts {@code leafCounts} with fresh noise of {@code noise} added to every
   * node count (each of the {@link #NODES} counts gets its noise when first read: the estimate
   * reads few, the interval all). Not thread-safe.
   *
   * @param leafCounts the exact count of each of the {@link #LEAVES} leaves
   * @param lower the lower bound of the values
   * @param upper the upper bound; {@link #validBounds} must hold
   * @param noise an integer-valued mechanism calibrated to {@link #sensitivity}
   * @return the noisy tree
   * @throws IllegalArgumentException if the counts are not {@link #LEAVES}, the bounds are not
   *     valid, or the mechanism is not integer-valued
   */
  public static QuantileTree noisy(
      long[] leafCounts, double lower, double upper, NoiseMechanism noise) {
    Objects.requireNonNull(noise, "noise");
    if (leafCounts.length != LEAVES) {
      throw new IllegalArgumentException(
          "a tree has " + LEAVES + " leaves; provided: " + leafCounts.length);
    }
    if (!validBounds(lower, upper)) {
      throw new IllegalArgumentException("bounds must be finite with lower < upper");
    }
    if (!noise.integerValued()) {
      throw new IllegalArgumentException("a quantile tree's noise must be for integers");
    }
    long[][] exact = new long[HEIGHT][];
    exact[HEIGHT - 1] = leafCounts.clone();
    for (int l = HEIGHT - 2; l >= 0; l--) {
      long[] below = exact[l + 1];
      long[] here = new long[below.length / BRANCHING];
      for (int i = 0; i < below.length; i++) {
        here[i / BRANCHING] += below[i];
      }
      exact[l] = here;
    }
    return new QuantileTree(exact, noise, lower, upper);
  }

  /**
   * The noisy quantile at {@code p}: the walk down the tree described in the class comment.
   *
   * @param p the fraction, 0 &lt; p &lt; 1
   * @return the estimate, within [lower, upper]
   */
  public double quantile(double p) {
    int node = 0; // the current node, on the level above level index l
    double rank = p;
    for (int l = 0; l < HEIGHT; l++) {
      int first = node * BRANCHING;
      double total = 0;
      for (int c = 0; c < BRANCHING; c++) {
        total += Math.max(0, count(l, first + c));
      }
      if (total <= 0) {
        // No people seen below this node: its midpoint.
        int from = first * leavesBelow(l);
        int to = (first + BRANCHING) * leavesBelow(l);
        return clamp(edge(from, lower, upper) / 2 + edge(to, lower, upper) / 2, lower, upper);
      }
      double target = rank * total;
      double before = 0;
      int chosen = -1;
      double chosenBefore = 0;
      for (int c = 0; c < BRANCHING; c++) {
        double count = Math.max(0, count(l, first + c));
        if (count > 0) {
          chosen = c;
          chosenBefore = before;
          if (before + count >= target) {
            break;
          }
        }
        before += count;
      }
      double count = Math.max(0, count(l, first + chosen));
      rank = Math.min(1, Math.max(0, (target - chosenBefore) / count));
      node = first + chosen;
    }
    double from = edge(node, lower, upper);
    double to = edge(node + 1, lower, upper);
    return clamp(from + rank * (to - from), lower, upper);
  }

  /**
   * The interval described in the class comment for the quantile at {@code p}, widened to hold
   * {@code estimate}.
   *
   * @param p the fraction, 0 &lt; p &lt; 1
   * @param estimate the released estimate ({@link #quantile})
   * @param bands the noise bands of the tree's mechanism at the interval's level
   * @return the interval
   */
  public ConfidenceInterval interval(double p, double estimate, Bands bands) {
    double nHat = 0;
    for (int i = 0; i < BRANCHING; i++) {
      nHat += count(0, i);
    }
    double low = p * (nHat - bands.sum(BRANCHING));
    double high = p * (nHat + bands.sum(BRANCHING)) + 1;
    int lowerEdge = 0;
    int upperEdge = LEAVES;
    // Prefix counts by levels: within-block running sums of the noisy counts.
    double[][] within = new double[HEIGHT][];
    for (int l = 0; l < HEIGHT; l++) {
      double[] w = new double[levels[l].length];
      double run = 0;
      for (int i = 0; i < w.length; i++) {
        if (i % BRANCHING == 0) {
          run = 0;
        }
        w[i] = run; // the noisy count of the siblings before node i
        run += count(l, i);
      }
      within[l] = w;
    }
    for (int j = 1; j < LEAVES; j++) {
      double prefix = 0;
      int k = 0;
      for (int l = 0; l < HEIGHT; l++) {
        int idx = j / leavesBelow(l);
        prefix += within[l][idx];
        k += idx % BRANCHING;
      }
      double s = bands.sum(k);
      if (prefix + s < low) {
        lowerEdge = j;
      }
      if (upperEdge == LEAVES && prefix - s >= high) {
        upperEdge = j;
      }
    }
    double lo = Math.min(edge(lowerEdge, lower, upper), estimate);
    double hi = Math.max(edge(upperEdge, lower, upper), estimate);
    return new ConfidenceInterval(lo, Math.max(lo, hi));
  }

  /** The number of leaves below one node of level index {@code l} (0 for level 1). */
  private static int leavesBelow(int l) {
    int w = 1;
    for (int i = l + 1; i < HEIGHT; i++) {
      w *= BRANCHING;
    }
    return w;
  }

  private static double clamp(double v, double lo, double hi) {
    return Math.max(lo, Math.min(hi, v));
  }

  /**
   * The noise bands of a tree's mechanism: for k = 1..{@link #BRANCHING}·{@link #HEIGHT}, s_k such
   * that a sum of k independent noises of the mechanism exceeds s_k in absolute value with
   * probability at most (1 − level)/{@link #LEAVES}. Computed once per mechanism and level.
   */
  public static final class Bands {
    private final long[] sums;

    private Bands(long[] sums) {
      this.sums = sums;
    }

    /**
     * The bands of {@code noise} for intervals at {@code level}.
     *
     * @param noise the tree's mechanism, integer-valued
     * @param level the intervals' confidence level, in (0, 1)
     * @return the bands
     * @throws IllegalArgumentException if the level is not in (0, 1) or the mechanism is not for
     *     integers
     */
    public static Bands of(NoiseMechanism noise, double level) {
      NoiseTails.checkLevel(level);
      if (!noise.integerValued()) {
        throw new IllegalArgumentException("a quantile tree's noise must be for integers");
      }
      double beta = (1 - level) / LEAVES;
      int max = BRANCHING * HEIGHT;
      long[] sums = new long[max + 1];
      for (int k = 1; k <= max; k++) {
        sums[k] =
            noise instanceof LaplaceMechanism l
                ? laplaceSum(l.unitScale().doubleValue(), k, beta)
                : gaussianSum(((GaussianMechanism) noise).unitVariance().doubleValue(), k, beta);
      }
      return new Bands(sums);
    }

    /** s_k; 0 for k = 0. */
    double sum(int k) {
      return sums[k];
    }

    /**
     * The smallest whole s with 2·exp(−s²/(2kσ²)) ≤ β: a discrete Gaussian of variance parameter σ²
     * has E[exp(λZ)] ≤ exp(λ²σ²/2), so a sum of k has P[|S| ≥ s] ≤ 2·exp(−s²/(2kσ²)).
     */
    static long gaussianSum(double sigma2, int k, double beta) {
      double s = Math.sqrt(2 * k * sigma2 * Math.log(2 / beta));
      return (long) Math.ceil(s * (1 + 1e-9)) + 1;
    }

    /**
     * The smallest whole s with 2·min_λ exp(k·ψ(λ) − λs) ≤ β, ψ the log of the discrete Laplace's
     * moment generating function: with q = exp(−1/t), E[exp(λZ)] = (1 − q)²/((1 − q·e^λ)(1 −
     * q·e^−λ)) for |λ| &lt; 1/t. Any λ gives a valid bound (Chernoff), so the numerical minimum
     * only has to be near the true one.
     */
    static long laplaceSum(double t, int k, double beta) {
      double target = Math.log(beta / 2) - 1e-9;
      long lo = 0;
      long hi = 1;
      while (logTail(t, k, hi) > target) {
        if (hi > 1L << 60) {
          throw new IllegalStateException("no noise band for a Laplace parameter of " + t);
        }
        hi *= 2;
      }
      while (lo < hi) {
        long mid = lo + (hi - lo) / 2;
        if (logTail(t, k, mid) <= target) {
          hi = mid;
        } else {
          lo = mid + 1;
        }
      }
      return lo;
    }

    /** min over λ in (0, 1/t) of k·ψ(λ) − λs, by golden-section search (the function is convex). */
    private static double logTail(double t, int k, double s) {
      double a = 0;
      double b = 1 / t;
      double phi = (Math.sqrt(5) - 1) / 2;
      double x1 = b - phi * (b - a);
      double x2 = a + phi * (b - a);
      double f1 = chernoff(t, k, s, x1);
      double f2 = chernoff(t, k, s, x2);
      for (int i = 0; i < 200; i++) {
        if (f1 < f2) {
          b = x2;
          x2 = x1;
          f2 = f1;
          x1 = b - phi * (b - a);
          f1 = chernoff(t, k, s, x1);
        } else {
          a = x1;
          x1 = x2;
          f1 = f2;
          x2 = a + phi * (b - a);
          f2 = chernoff(t, k, s, x2);
        }
      }
      return Math.min(f1, f2);
    }

    private static double chernoff(double t, int k, double s, double lambda) {
      // q·e^±λ as one exponential each: no overflow however small t is.
      double psi =
          2 * Math.log1p(-Math.exp(-1 / t))
              - Math.log1p(-Math.exp(lambda - 1 / t))
              - Math.log1p(-Math.exp(-lambda - 1 / t));
      if (Double.isNaN(psi)) {
        return Double.POSITIVE_INFINITY;
      }
      return k * psi - lambda * s;
    }
  }
}
