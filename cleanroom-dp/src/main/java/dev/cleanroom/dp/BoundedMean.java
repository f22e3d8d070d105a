package dev.cleanroom.dp;

import dev.cleanroom.Bounds;
import java.util.Objects;

/**
 * A mean released as noisy sum / noisy count, clamped to the value bounds, with a conservative
 * confidence interval.
 *
 * <p>The noisy count is raised to at least 1 before dividing (a released group has at least one
 * member, and dividing by a noisy count near or below zero would make the quotient meaningless);
 * the quotient is then clamped to the bounds, which the true mean satisfies. Both steps are
 * post-processing of the noisy sum and count, so the mean costs no privacy beyond theirs.
 *
 * <p>The interval is interval arithmetic: if the true sum lies in the sum interval and the true
 * count in the count interval, the true mean = sum/count (count >= 1) lies between the smallest and
 * the largest of the four corner quotients, with the count interval raised to at least 1; the
 * result is clamped to the bounds and rounded outwards. If the sum and count intervals have
 * confidence levels a and b, this one has level at least a + b - 1 (union bound).
 *
 * @param mean the released mean, within the bounds
 * @param interval the confidence interval, within the bounds, containing {@code mean}
 */
public record BoundedMean(double mean, ConfidenceInterval interval) {
  /**
   * @throws NullPointerException if {@code interval} is null
   * @throws IllegalArgumentException if {@code mean} is not in the interval
   */
  public BoundedMean {
    Objects.requireNonNull(interval, "interval");
    if (!interval.contains(mean)) {
      throw new IllegalArgumentException(
          "mean must lie in its interval; provided values: " + mean + ", " + interval);
    }
  }

  /**
   * The mean from a noisy sum and a noisy count of the same group, and their confidence intervals.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if a number is NaN
   */
  public static BoundedMean of(
      double noisySum,
      ConfidenceInterval sumInterval,
      double noisyCount,
      ConfidenceInterval countInterval,
      Bounds bounds) {
    Objects.requireNonNull(sumInterval, "sumInterval");
    Objects.requireNonNull(countInterval, "countInterval");
    Objects.requireNonNull(bounds, "bounds");
    if (Double.isNaN(noisySum)) {
      throw new IllegalArgumentException("noisySum must not be NaN");
    }
    if (Double.isNaN(noisyCount)) {
      throw new IllegalArgumentException("noisyCount must not be NaN");
    }
    double mean = clamp(noisySum / Math.max(1, noisyCount), bounds);
    double cLow = Math.max(1, countInterval.lower());
    double cHigh = Math.max(1, countInterval.upper());
    double sLow = sumInterval.lower();
    double sHigh = sumInterval.upper();
    double[] corners = {sLow / cLow, sLow / cHigh, sHigh / cLow, sHigh / cHigh};
    double low = Double.POSITIVE_INFINITY;
    double high = Double.NEGATIVE_INFINITY;
    for (double c : corners) {
      // Infinite / infinite is NaN; such a corner says nothing, and the bounds still apply.
      if (!Double.isNaN(c)) {
        low = Math.min(low, c);
        high = Math.max(high, c);
      }
    }
    if (low > high) {
      low = bounds.lower();
      high = bounds.upper();
    }
    low = clamp(Math.nextDown(low), bounds);
    high = clamp(Math.nextUp(high), bounds);
    // The released mean lies within the corners unless a noisy value fell outside its own interval
    // (intervals are built around the noisy values, so this does not happen); keep it consistent.
    return new BoundedMean(mean, new ConfidenceInterval(Math.min(low, mean), Math.max(high, mean)));
  }

  private static double clamp(double x, Bounds bounds) {
    return Math.min(bounds.upper(), Math.max(bounds.lower(), x));
  }
}
