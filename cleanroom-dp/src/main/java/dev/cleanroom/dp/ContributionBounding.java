package dev.cleanroom.dp;

import dev.cleanroom.Bounds;
import java.util.Arrays;
import java.util.Objects;

/**
 * Helpers that bound what one person contributes to a query: clamping of values and totals, and the
 * choice of at most L0 partitions (output groups) per person.
 *
 * <p>These bounds are what make thresholds meaningful and what noise is calibrated to: after
 * bounding, one person changes a group's sum by at most {@link Bounds#maxAbs()} and appears in at
 * most L0 groups.
 */
public final class ContributionBounding {
  private ContributionBounding() {}

  /**
   * Clamps {@code value} into {@code bounds}. Infinities are clamped to the nearest bound; NaN is
   * returned unchanged, for the caller to drop (a NaN has no meaningful place in the interval, and
   * mapping it to a bound would let a malformed value move a sum).
   */
  public static double clamp(double value, Bounds bounds) {
    Objects.requireNonNull(bounds, "bounds");
    if (Double.isNaN(value)) {
      return value;
    }
    return Math.min(bounds.upper(), Math.max(bounds.lower(), value));
  }

  /**
   * Bounds a person's row count in one partition by {@code max}.
   *
   * @throws IllegalArgumentException if {@code count} is negative or {@code max} is not positive
   */
  public static long clampCount(long count, int max) {
    if (count < 0) {
      throw new IllegalArgumentException("count must not be negative; provided value: " + count);
    }
    if (max <= 0) {
      throw new IllegalArgumentException("max must be positive; provided value: " + max);
    }
    return Math.min(count, max);
  }

  /**
   * Chooses at most {@code max} of a person's partitions: the ones with the smallest ranks. When
   * the ranks come from a keyed hash with a secret, per-query key ({@link KeyedRank}), every subset
   * of size {@code max} is equally likely, so the choice is uniform at random per person and does
   * not depend on the data of anyone else.
   *
   * @param ranks one rank per partition
   * @param max the largest number of partitions to keep (L0)
   * @return the indices of the kept partitions, in increasing order
   * @throws IllegalArgumentException if {@code max} is not positive
   */
  public static int[] selectPartitions(long[] ranks, int max) {
    Objects.requireNonNull(ranks, "ranks");
    if (max <= 0) {
      throw new IllegalArgumentException("max must be positive; provided value: " + max);
    }
    int n = ranks.length;
    if (n <= max) {
      int[] all = new int[n];
      Arrays.setAll(all, i -> i);
      return all;
    }
    Integer[] order = new Integer[n];
    Arrays.setAll(order, i -> i);
    Arrays.sort(
        order,
        (a, b) -> {
          int c = Long.compare(ranks[a], ranks[b]);
          return c != 0 ? c : Integer.compare(a, b);
        });
    int[] kept = new int[max];
    for (int i = 0; i < max; i++) {
      kept[i] = order[i];
    }
    Arrays.sort(kept);
    return kept;
  }
}
