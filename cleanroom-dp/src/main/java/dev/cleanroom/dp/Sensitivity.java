package dev.cleanroom.dp;

/**
 * How much one person can change a query's output after contribution bounding: they appear in at
 * most {@code maxGroups} (L0) output groups and change each group's value by at most {@code
 * maxPerGroup} (L∞). Noise is calibrated to the derived L1 = L0·L∞ (Laplace) and L2 = √L0·L∞
 * (Gaussian) sensitivities.
 *
 * @param maxGroups L0, the largest number of groups one person contributes to; positive
 * @param maxPerGroup L∞, the largest change one person makes to one group's value; positive and
 *     finite
 */
public record Sensitivity(int maxGroups, double maxPerGroup) {
  /**
   * @throws IllegalArgumentException if {@code maxGroups} is not positive, or {@code maxPerGroup}
   *     is not positive and finite
   */
  public Sensitivity {
    if (maxGroups <= 0) {
      throw new IllegalArgumentException(
          "maxGroups (L0) must be positive; provided value: " + maxGroups);
    }
    if (!(maxPerGroup > 0 && maxPerGroup < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException(
          "maxPerGroup (Linf) must be positive and finite; provided value: " + maxPerGroup);
    }
  }

  /**
   * The sensitivity of a person who contributes to at most {@code maxGroups} groups, changing each
   * by at most {@code maxPerGroup}.
   *
   * @throws IllegalArgumentException as the constructor
   */
  public static Sensitivity of(int maxGroups, double maxPerGroup) {
    return new Sensitivity(maxGroups, maxPerGroup);
  }

  /** L1 = L0·L∞, rounded to the nearest double (display only; mechanisms use exact arithmetic). */
  public double l1() {
    return maxGroups * maxPerGroup;
  }

  /** L2 = √L0·L∞, rounded to the nearest double (display only; mechanisms use exact arithmetic). */
  public double l2() {
    return Math.sqrt(maxGroups) * maxPerGroup;
  }
}
