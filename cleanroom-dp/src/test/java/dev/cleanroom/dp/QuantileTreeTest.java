package dev.cleanroom.dp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The quantile tree: leaves that hold exactly the values between their edges, the exact
 * nearest-rank quantile, noise bands at least as wide as one noise's exact tail, estimates near the
 * truth with little noise, and intervals that cover the exact quantile at least 95% of the time.
 */
class QuantileTreeTest {
  private static final double LOWER = 4;
  private static final double UPPER = 14;

  @Test
  void leaf_holdsTheValuesBetweenItsEdges() {
    SplittableRandom r = new SplittableRandom(7);
    for (int i = 0; i < 100_000; i++) {
      double v =
          i < 5000
              ? QuantileTree.edge(r.nextInt(QuantileTree.LEAVES + 1), LOWER, UPPER)
              : LOWER + r.nextDouble() * (UPPER - LOWER);
      int j = QuantileTree.leaf(v, LOWER, UPPER);
      assertTrue(QuantileTree.edge(j, LOWER, UPPER) <= v, () -> v + " below leaf " + j);
      assertTrue(
          v < QuantileTree.edge(j + 1, LOWER, UPPER)
              || (j == QuantileTree.LEAVES - 1 && v == UPPER),
          () -> v + " above leaf " + j);
    }
    assertEquals(0, QuantileTree.leaf(LOWER, LOWER, UPPER));
    assertEquals(QuantileTree.LEAVES - 1, QuantileTree.leaf(UPPER, LOWER, UPPER));
  }

  @Test
  void exact_isTheNearestRank() {
    double[] v = {5, 1, 4, 2, 3};
    assertEquals(3, QuantileTree.exact(v.clone(), 5, 0.5));
    // p is read as the shortest decimal of the double: 0.2 is 1/5, ⌈0.2·5⌉ = 1.
    assertEquals(1, QuantileTree.exact(v.clone(), 5, 0.2));
    assertEquals(2, QuantileTree.exact(v.clone(), 5, 0.2000001));
    assertEquals(5, QuantileTree.exact(v.clone(), 5, 0.99));
    assertEquals(1, QuantileTree.exact(v.clone(), 5, 1e-9));
    assertEquals(2, QuantileTree.exact(new double[] {1, 2, 3, 4}, 4, 0.5)); // ⌈2⌉ = 2
    assertTrue(Double.isNaN(QuantileTree.exact(new double[0], 0, 0.5)));
    assertEquals(1, QuantileTree.rank(10, 0.1));
    assertEquals(3, QuantileTree.rank(10, 0.3));
    assertEquals(4, QuantileTree.rank(10, 0.30000000000000004));
    assertEquals(1, QuantileTree.rank(1, 0.999));
  }

  @Test
  void sensitivity_isHeightPerGroup() {
    assertEquals(Sensitivity.of(3, 1), QuantileTree.sensitivity(1));
    assertEquals(Sensitivity.of(12, 1), QuantileTree.sensitivity(4));
    assertThrows(IllegalArgumentException.class, () -> QuantileTree.sensitivity(0));
  }

  /**
   * A band for one noise is never narrower than the exact two-sided tail of that one noise at the
   * same probability (the Chernoff bound is an upper bound on the tail), and bands grow with k.
   */
  @Test
  void bands_coverOneNoise_andGrowWithK() {
    for (NoiseMechanism m :
        new NoiseMechanism[] {
          LaplaceMechanism.forIntegers(new BigDecimal("0.5"), QuantileTree.sensitivity(1)),
          GaussianMechanism.forIntegers(new BigDecimal("0.1"), QuantileTree.sensitivity(2))
        }) {
      QuantileTree.Bands b = QuantileTree.Bands.of(m, 0.95);
      double beta = 0.05 / QuantileTree.LEAVES;
      assertTrue(b.sum(1) >= m.halfWidth(1 - beta), () -> m + ": " + b.sum(1));
      for (int k = 2; k <= 45; k++) {
        assertTrue(b.sum(k) >= b.sum(k - 1), m::toString);
      }
      // Not absurdly loose: within a few times the normal approximation of 45 noises.
      double sd = Math.sqrt(45) * m.scale() * (m instanceof LaplaceMechanism ? Math.sqrt(2) : 1);
      assertTrue(b.sum(45) < 8 * sd, () -> m + ": " + b.sum(45) + " vs sd " + sd);
    }
  }

  /** Noise far below one count (huge ε): bands of a count or two, computed without overflow. */
  @Test
  void bands_ofNegligibleNoise_areSmall() {
    for (String eps : new String[] {"100", "10000", "1000000"}) {
      QuantileTree.Bands b =
          QuantileTree.Bands.of(
              LaplaceMechanism.forIntegers(new BigDecimal(eps), QuantileTree.sensitivity(1)), 0.95);
      assertTrue(b.sum(45) <= 2, () -> eps + ": " + b.sum(45));
    }
  }

  @Test
  void tinyNoise_estimatesTheQuantileWithinALeaf() {
    LaplaceMechanism m =
        LaplaceMechanism.forIntegers(new BigDecimal(1000), QuantileTree.sensitivity(1));
    double[] values = values(3000, 11);
    double width = (UPPER - LOWER) / QuantileTree.LEAVES;
    QuantileTree t =
        QuantileTree.noisy(
            QuantileTree.leafCounts(values, values.length, LOWER, UPPER), LOWER, UPPER, m);
    QuantileTree.Bands bands = QuantileTree.Bands.of(m, 0.95);
    double previous = LOWER;
    for (double p : new double[] {0.01, 0.25, 0.5, 0.75, 0.99}) {
      double exact = QuantileTree.exact(values.clone(), values.length, p);
      double q = t.quantile(p);
      assertEquals(exact, q, 2 * width, () -> "p=" + p);
      assertTrue(q >= previous, "estimates grow with p");
      previous = q;
      ConfidenceInterval ci = t.interval(p, q, bands);
      assertTrue(ci.contains(exact) && ci.contains(q), ci::toString);
      // The values lie on a grid of 0.1: the interval may span to the neighbouring value.
      assertTrue(ci.width() <= 0.1 + 4 * width, ci::toString);
    }
  }

  @Test
  void noPeople_answersTheMidpoint_withTheWholeRange() {
    LaplaceMechanism m =
        LaplaceMechanism.forIntegers(new BigDecimal(1000), QuantileTree.sensitivity(1));
    QuantileTree t = QuantileTree.noisy(new long[QuantileTree.LEAVES], LOWER, UPPER, m);
    assertEquals(9, t.quantile(0.5));
    ConfidenceInterval ci = t.interval(0.5, 9, QuantileTree.Bands.of(m, 0.95));
    assertTrue(ci.lower() >= LOWER && ci.upper() <= UPPER);
  }

  /**
   * The intervals of 3 quantiles of one tree all cover the exact quantiles in at least 95% of
   * trees: all rely on one event of probability at least 0.95 (every band holds), so a tree counts
   * as a miss if any of its intervals misses, and misses over 300 independent trees are at most
   * Binomial(300, 0.05). The test fails if more than 40 miss: P[Bin(300, 0.05) ≥ 41] ≈ 2.5e-9
   * (computed below), below the stated false-failure rate of 1e-6. Data: 4000 values, a skewed
   * mixture with ties; noise for ε = 1, L0 = 1, Laplace and Gaussian (ρ = 0.05).
   */
  @Test
  void intervals_coverTheExactQuantiles_atLeast95PercentOfTheTime() {
    double[] values = values(4000, 3);
    double[] ps = {0.25, 0.5, 0.75};
    double[] exact = new double[ps.length];
    for (int i = 0; i < ps.length; i++) {
      exact[i] = QuantileTree.exact(values.clone(), values.length, ps[i]);
    }
    long[] leaves = QuantileTree.leafCounts(values, values.length, LOWER, UPPER);
    double tail = binomialUpperTail(300, 0.05, 41);
    assertTrue(tail <= 1e-6, "false-failure probability " + tail);
    for (NoiseMechanism m :
        new NoiseMechanism[] {
          LaplaceMechanism.forIntegers(BigDecimal.ONE, QuantileTree.sensitivity(1)),
          GaussianMechanism.forIntegers(new BigDecimal("0.05"), QuantileTree.sensitivity(1))
        }) {
      QuantileTree.Bands bands = QuantileTree.Bands.of(m, 0.95);
      int misses = 0;
      double widths = 0;
      for (int trial = 0; trial < 300; trial++) {
        QuantileTree t = QuantileTree.noisy(leaves, LOWER, UPPER, m);
        boolean miss = false;
        for (int i = 0; i < ps.length; i++) {
          double q = t.quantile(ps[i]);
          ConfidenceInterval ci = t.interval(ps[i], q, bands);
          assertTrue(ci.contains(q) && ci.lower() >= LOWER && ci.upper() <= UPPER);
          widths += ci.width();
          miss |= !ci.contains(exact[i]);
        }
        if (miss) {
          misses++;
        }
      }
      assertTrue(misses <= 40, m + ": " + misses + " of 300 trees miss");
      // And informative: on average far narrower than the bounds.
      assertTrue(widths / 900 < (UPPER - LOWER) / 4, m + ": mean width " + widths / 900);
    }
  }

  /** n values in [4, 14]: a skewed mixture, rounded to 0.1 (many ties). */
  private static double[] values(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      double x = r.nextInt(4) == 0 ? 8 + 3 * r.nextDouble() : 5 + Math.abs(r.nextGaussian());
      v[i] = Math.min(UPPER, Math.max(LOWER, Math.round(x * 10) / 10.0));
    }
    Arrays.sort(v);
    return v;
  }

  /** P[Binomial(n, p) >= k], summed in log space. */
  private static double binomialUpperTail(int n, double p, int k) {
    double sum = 0;
    for (int i = k; i <= n; i++) {
      double s = 0;
      for (int j = 1; j <= i; j++) {
        s += Math.log(n - i + j) - Math.log(j);
      }
      sum += Math.exp(s + i * Math.log(p) + (n - i) * Math.log1p(-p));
    }
    return sum;
  }
}
