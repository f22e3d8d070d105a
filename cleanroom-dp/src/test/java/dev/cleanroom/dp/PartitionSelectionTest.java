package dev.cleanroom.dp;

import static dev.cleanroom.dp.MechanismTest.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/** Threshold derivation, keep rule and validation of {@link PartitionSelection}. */
class PartitionSelectionTest {
  private final RandomBits random = RandomBits.secure();

  /**
   * τ is the smallest threshold with P[a one-person group is kept] = q^(τ-1)/(1+q) <= δ/L0, for q =
   * exp(-ε/L0).
   */
  @Test
  void threshold_isSmallestWithSinglePersonReleaseAtMostDeltaOverL0() {
    String[] epsilons = {"0.01", "0.1", "0.5", "1", "2", "5"};
    String[] deltas = {"1e-12", "1e-9", "1e-5", "0.001", "0.1", "0.9"};
    int[] l0s = {1, 2, 7, 100};
    for (String e : epsilons) {
      for (String d : deltas) {
        for (int l0 : l0s) {
          PartitionSelection ps = PartitionSelection.of(new BigDecimal(e), new BigDecimal(d), l0);
          double t = l0 / Double.parseDouble(e);
          double q = Math.exp(-1 / t);
          double target = Double.parseDouble(d) / l0;
          long tau = ps.threshold();
          assertTrue(tau >= 1);
          double release = Math.pow(q, (double) (tau - 1)) / (1 + q);
          assertTrue(release <= target * (1 + 1e-9), ps + ": " + release + " > " + target);
          if (tau >= 2) {
            double lower = Math.pow(q, (double) (tau - 2)) / (1 + q);
            assertTrue(lower > target * (1 - 1e-6), ps + " is not the smallest threshold");
          }
          assertEquals(t, ps.scale(), t * 1e-12);
        }
      }
    }
  }

  @Test
  void threshold_knownValues() {
    // ε = 1, δ = 1e-5, L0 = 1: t = 1, τ - 1 = ⌈ln(1e5) - ln(1 + e^-1)⌉ = ⌈11.1997⌉ = 12.
    assertEquals(13, PartitionSelection.of(BigDecimal.ONE, new BigDecimal("1e-5"), 1).threshold());
    // For large t it approaches the continuous τ = 1 + b·ln(L0/(2δ)): it exceeds it by the rounding
    // up (< 1) plus t·(ln 2 - ln(1 + q)) ≈ 1/2 (the discrete tail is lighter).
    PartitionSelection ps =
        PartitionSelection.of(new BigDecimal("0.01"), new BigDecimal("1e-6"), 5);
    double continuous = 1 + 500 * Math.log(5 / 2e-6);
    double excess = ps.threshold() - continuous;
    assertTrue(excess >= 0 && excess <= 1.5, ps + " vs " + continuous);
    // δ below the double range: still finite and huge (no group is ever released in practice).
    PartitionSelection tiny = PartitionSelection.of(BigDecimal.ONE, new BigDecimal("1e-400"), 1);
    assertTrue(tiny.threshold() > 900, tiny.toString());
  }

  @Test
  void keep_requiresThresholdAndMinimumK() {
    PartitionSelection ps = PartitionSelection.of(BigDecimal.ONE, new BigDecimal("1e-5"), 1);
    long tau = ps.threshold();
    assertTrue(ps.keep(tau, 0));
    assertFalse(ps.keep(tau - 1, 0));
    assertFalse(ps.keep(tau, tau + 1));
    assertTrue(ps.keep(tau + 50, tau + 50));
    assertFalse(ps.keep(Long.MIN_VALUE, 0));
    assertTrue(ps.keep(Long.MAX_VALUE, Long.MAX_VALUE));
  }

  @Test
  void noisyCount_isCountPlusDiscreteLaplaceNoise() {
    PartitionSelection ps =
        PartitionSelection.of(BigDecimal.ONE, new BigDecimal("1e-5"), 3, random);
    assertEquals(Rational.of(3, 1), ps.countMechanism().unitScale());
    assertTrue(ps.countMechanism().integerValued());
    long far = 0;
    for (int i = 0; i < 1000; i++) {
      long c = ps.noisyCount(1000);
      // P[|K| > 100] = 2·e^(-101/3)/(1 + e^(-1/3)) < 3e-15 per draw.
      if (Math.abs(c - 1000) > 100) {
        far++;
      }
    }
    assertEquals(0, far);
    assertTrue(ps.noisyCount(Long.MAX_VALUE) > Long.MAX_VALUE - 1000, "wrapped around");
  }

  @Test
  void badParameters_areRejectedWithNameAndValue() {
    BigDecimal eps = BigDecimal.ONE;
    for (String d : new String[] {"0", "1", "-0.1", "1.5"}) {
      assertRejected("delta", d, () -> PartitionSelection.of(eps, new BigDecimal(d), 1));
    }
    assertRejected(
        "maxGroups (L0)",
        "0",
        () -> PartitionSelection.of(eps, BigDecimal.ONE.movePointLeft(6), 0));
    assertRejected(
        "maxGroups (L0)",
        "-2",
        () -> PartitionSelection.of(eps, BigDecimal.ONE.movePointLeft(6), -2));
    PartitionSelection ps = PartitionSelection.of(eps, new BigDecimal("1e-6"), 1);
    assertRejected("minimumK", "-1", () -> ps.keep(10, -1));
    assertRejected("distinctPersons", "-1", () -> ps.noisyCount(-1));
    assertThrows(NullPointerException.class, () -> PartitionSelection.of(null, BigDecimal.ONE, 1));
  }

  @Test
  void accessorsAndToString() {
    PartitionSelection ps = PartitionSelection.of(new BigDecimal("0.5"), new BigDecimal("1e-7"), 4);
    assertEquals(new BigDecimal("0.5"), ps.epsilon());
    assertEquals(new BigDecimal("1e-7"), ps.delta());
    assertEquals(4, ps.maxGroups());
    assertTrue(ps.toString().contains("threshold=" + ps.threshold()), ps.toString());
  }
}
