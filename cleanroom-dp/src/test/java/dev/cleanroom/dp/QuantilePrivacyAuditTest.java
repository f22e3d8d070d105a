package dev.cleanroom.dp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Empirical privacy audit (see {@link PrivacyAudit}) of the quantile tree, built as the engine
 * builds it: every node count with discrete Laplace noise for ε = 1 calibrated to {@link
 * QuantileTree#sensitivity} with L0 = 1. Neighbouring inputs: 60 people with values spread over [0,
 * 10], and the same plus one person at 7.3. Two statistics:
 *
 * <ul>
 *   <li>the sum of the noisy counts of the three nodes on the extra person's path (one per level),
 *       which the person moves by 3, the whole of their L1 contribution: the most revealing
 *       statistic of the tree, and the one that shows a calibration that forgets the height;
 *   <li>the released median (post-processing of the tree), as the engine reads it.
 * </ul>
 *
 * <p>N = 200,000 outcomes per input (the median reads only the about 48 counts its walk visits,
 * each drawn on first reading). <b>False-failure rate</b>: each audit spends 2e-10 over its 4·(2T +
 * 2) confidence bounds (T thresholds), so each test fails falsely with probability at most 2e-10,
 * all three together with at most 6e-10. A control audit of a tree calibrated for one level only
 * (L1 = 1) must be flagged: that shows the audit can fail.
 */
class QuantilePrivacyAuditTest {
  private static final int N = 200_000;
  private static final double PER_AUDIT = 2e-10;
  private static final double EPSILON = 1;
  private static final double LOWER = 0;
  private static final double UPPER = 10;
  private static final double EXTRA = 7.3;

  private static final LaplaceMechanism TREE =
      LaplaceMechanism.forIntegers(BigDecimal.ONE, QuantileTree.sensitivity(1));

  /** Miscalibrated on purpose: for one count per person instead of one per level. */
  private static final LaplaceMechanism ONE_LEVEL =
      LaplaceMechanism.forIntegers(BigDecimal.ONE, Sensitivity.of(1, 1));

  private static long[] leaves(boolean withExtra) {
    double[] v = new double[withExtra ? 61 : 60];
    for (int i = 0; i < 60; i++) {
      v[i] = (i * 37 % 101) / 10.0;
    }
    if (withExtra) {
      v[60] = EXTRA;
    }
    return QuantileTree.leafCounts(v, v.length, LOWER, UPPER);
  }

  @Test
  void pathSum_passesAudit() {
    PrivacyAudit.Result r = pathSumAudit(TREE);
    report("quantile tree: counts on one person's path, correct", r);
    assertTrue(r.epsilonLowerBound() <= EPSILON, r.describe());
  }

  @Test
  void pathSum_ofATreeCalibratedForOneLevel_isFlagged() {
    PrivacyAudit.Result r = pathSumAudit(ONE_LEVEL);
    report("quantile tree: counts on one person's path, one level only", r);
    assertTrue(r.epsilonLowerBound() > EPSILON, r.describe());
  }

  @Test
  void median_passesAudit() {
    long[] a = leaves(false);
    long[] b = leaves(true);
    double width = (UPPER - LOWER) / QuantileTree.LEAVES;
    PrivacyAudit audit = new PrivacyAudit(PrivacyAudit.grid(3, 7, 64 * width));
    PrivacyAudit.Outcomes first = new PrivacyAudit.Outcomes(N);
    PrivacyAudit.Outcomes second = new PrivacyAudit.Outcomes(N);
    for (int i = 0; i < N; i++) {
      double qa = QuantileTree.noisy(a, LOWER, UPPER, TREE).quantile(0.5);
      double qb = QuantileTree.noisy(b, LOWER, UPPER, TREE).quantile(0.5);
      first.set(i, qa, qa);
      second.set(i, qb, qb);
    }
    PrivacyAudit.Result r = audit.run(first, second, 0, PER_AUDIT / audit.bounds());
    report("quantile tree: released median, correct", r);
    assertTrue(r.epsilonLowerBound() <= EPSILON, r.describe());
  }

  private static PrivacyAudit.Result pathSumAudit(LaplaceMechanism m) {
    long[] a = leaves(false);
    long[] b = leaves(true);
    int leaf = QuantileTree.leaf(EXTRA, LOWER, UPPER);
    int[] path = {leaf / 256, leaf / 16, leaf};
    long exactA = 0;
    long exactB = 0;
    QuantileTree ta = QuantileTree.noisy(a, LOWER, UPPER, zero());
    QuantileTree tb = QuantileTree.noisy(b, LOWER, UPPER, zero());
    for (int l = 0; l < QuantileTree.HEIGHT; l++) {
      exactA += ta.count(l, path[l]);
      exactB += tb.count(l, path[l]);
    }
    assertEquals(3, exactB - exactA, "the extra person must move the path by one per level");
    double scale = m.scale() * Math.sqrt(3);
    PrivacyAudit audit =
        new PrivacyAudit(PrivacyAudit.grid(exactA - 4 * scale, exactB + 4 * scale, 0.5));
    PrivacyAudit.Outcomes first = new PrivacyAudit.Outcomes(N);
    PrivacyAudit.Outcomes second = new PrivacyAudit.Outcomes(N);
    for (int i = 0; i < N; i++) {
      QuantileTree na = QuantileTree.noisy(a, LOWER, UPPER, m);
      QuantileTree nb = QuantileTree.noisy(b, LOWER, UPPER, m);
      double sa = 0;
      double sb = 0;
      for (int l = 0; l < QuantileTree.HEIGHT; l++) {
        sa += na.count(l, path[l]);
        sb += nb.count(l, path[l]);
      }
      first.set(i, sa, sa);
      second.set(i, sb, sb);
    }
    return audit.run(first, second, 0, PER_AUDIT / audit.bounds());
  }

  /** A mechanism whose noise is almost always 0, to read exact counts through the tree. */
  private static LaplaceMechanism zero() {
    return LaplaceMechanism.forIntegers(new BigDecimal(1_000_000), Sensitivity.of(1, 1));
  }

  private static void report(String name, PrivacyAudit.Result r) {
    System.out.printf(
        Locale.ROOT, "AUDIT %-58s claimed ε=%.4f δ=0: estimated %s%n", name, EPSILON, r.describe());
  }
}
