package dev.cleanroom.dp;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * Private choice of which groups to release when group keys are not public, by Laplace thresholding
 * with (ε, δ)-differential privacy.
 *
 * <p>For each candidate group, the number n of distinct persons in it (after each person was
 * limited to L0 groups) gets discrete Laplace noise K with parameter t = L0/ε (P[K = k] ∝
 * exp(-|k|/t)), and the group is kept iff n + K >= τ (and n + K >= the owner's k).
 *
 * <p><b>Choice of τ.</b> With q = exp(-1/t), P[K >= j] = q^j/(1+q) for every integer j >= 0 (the
 * geometric tail of P[K = k] = (1-q)/(1+q)·q^|k|). A group whose only member is the added person (n
 * = 1, absent without them) is therefore kept with probability P[K >= τ - 1] = q^(τ-1)/(1+q). τ is
 * the smallest integer ≥ 1 with q^(τ-1)/(1+q) ≤ δ/L0, that is τ = 1 + max(0, ⌈t·(ln(L0/δ) -
 * ln(1+q))⌉) (computed with a small upward safety margin). For large t, ln(1+q) → ln 2 and this is
 * the familiar τ = 1 + b·ln(L0/(2δ)) with b = t; for small t the discrete tail is lighter and τ a
 * little larger than that formula.
 *
 * <p><b>Why this is (ε, δ)-DP.</b> Take neighbouring datasets that differ in one person, who is in
 * at most L0 groups. (1) In each group present in both datasets, n differs by 1, so the noisy count
 * (and hence the keep decision, and the noisy count of a kept group if it is released) is
 * (ε/L0)-DP; over at most L0 such groups, ε-DP. (2) A group that exists only with the person has n
 * = 1 and is never a candidate without them; it is kept with probability at most δ/L0, and over at
 * most L0 such groups the "bad" event that any is kept has probability at most δ. Outside that
 * event the outputs' likelihoods differ by at most exp(ε), which gives (ε, δ)-DP. Raising the
 * threshold to the owner's k only lowers the probability in (2).
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class PartitionSelection {
  private static final double SLACK = 1e-9;

  private final BigDecimal epsilon;
  private final BigDecimal delta;
  private final int maxGroups;
  private final LaplaceMechanism noise;
  private final long threshold;

  private PartitionSelection(
      BigDecimal epsilon, BigDecimal delta, int maxGroups, LaplaceMechanism noise) {
    this.epsilon = epsilon;
    this.delta = delta;
    this.maxGroups = maxGroups;
    this.noise = noise;
    this.threshold = threshold(noise.unitScale().doubleValue(), maxGroups, delta);
  }

  /**
   * Partition selection with secure randomness.
   *
   * @param epsilon ε, positive
   * @param delta δ, in (0, 1)
   * @param maxGroups L0, the largest number of groups one person contributes to; positive
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if a parameter is out of range
   */
  public static PartitionSelection of(BigDecimal epsilon, BigDecimal delta, int maxGroups) {
    return of(epsilon, delta, maxGroups, RandomBits.secure());
  }

  /**
   * Partition selection drawing from {@code random}.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if a parameter is out of range
   */
  public static PartitionSelection of(
      BigDecimal epsilon, BigDecimal delta, int maxGroups, RandomBits random) {
    Checks.positive("epsilon", epsilon);
    Objects.requireNonNull(delta, "delta");
    if (delta.signum() <= 0 || delta.compareTo(BigDecimal.ONE) >= 0) {
      throw new IllegalArgumentException(
          "delta must be in (0, 1); provided value: " + delta.toPlainString());
    }
    Sensitivity persons = Sensitivity.of(maxGroups, 1);
    return new PartitionSelection(
        epsilon, delta, maxGroups, LaplaceMechanism.forIntegers(epsilon, persons, random));
  }

  private static long threshold(double t, int maxGroups, BigDecimal delta) {
    double q = Math.exp(-1 / t);
    double c = t * (Math.log(maxGroups) - ln(delta) - Math.log1p(q));
    double j = Math.ceil(c + SLACK * (Math.abs(c) + 1));
    if (!(j < 0x1p62)) {
      return Long.MAX_VALUE; // δ so small that no group can be released
    }
    return 1 + Math.max(0, (long) j);
  }

  /** ln of a positive decimal, also far outside the double range. */
  private static double ln(BigDecimal x) {
    int exponent = x.precision() - x.scale() - 1; // x = m·10^exponent with 1 <= m < 10
    return Math.log(x.movePointLeft(exponent).doubleValue()) + exponent * Math.log(10);
  }

  /**
   * The number of distinct persons in a group plus fresh discrete Laplace noise with parameter
   * L0/ε, saturating at the {@code long} range.
   *
   * @throws IllegalArgumentException if {@code distinctPersons} is negative
   */
  public long noisyCount(long distinctPersons) {
    if (distinctPersons < 0) {
      throw new IllegalArgumentException(
          "distinctPersons must not be negative; provided value: " + distinctPersons);
    }
    return noise.addNoise(distinctPersons);
  }

  /** The threshold τ that a noisy count must reach; see the class documentation. */
  public long threshold() {
    return threshold;
  }

  /**
   * Whether a group with the given noisy count (from {@link #noisyCount(long)}) is released: iff
   * the noisy count is at least {@link #threshold()} and at least {@code minimumK}.
   *
   * @throws IllegalArgumentException if {@code minimumK} is negative
   */
  public boolean keep(long noisyCount, long minimumK) {
    if (minimumK < 0) {
      throw new IllegalArgumentException(
          "minimumK must not be negative; provided value: " + minimumK);
    }
    return noisyCount >= threshold && noisyCount >= minimumK;
  }

  /** The Laplace scale b = L0/ε of the noisy count (rounded to the nearest double). */
  public double scale() {
    return noise.scale();
  }

  /** The mechanism that adds the noise to person counts. */
  public LaplaceMechanism countMechanism() {
    return noise;
  }

  /** ε, as given. */
  public BigDecimal epsilon() {
    return epsilon;
  }

  /** δ, as given. */
  public BigDecimal delta() {
    return delta;
  }

  /** L0, as given. */
  public int maxGroups() {
    return maxGroups;
  }

  @Override
  public String toString() {
    return "PartitionSelection[ε="
        + epsilon.toPlainString()
        + ", δ="
        + delta.toPlainString()
        + ", L0="
        + maxGroups
        + ", threshold="
        + threshold
        + "]";
  }
}
