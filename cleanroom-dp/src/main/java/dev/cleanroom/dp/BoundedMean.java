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
    double mean = clamp(noisySum / Math.max(1, noisyCount), bounds.lower(), bounds.upper());
    double[] range = quotientRange(sumInterval, countInterval, bounds.lower(), bounds.upper());
    double low = range[0];
    double high = range[1];
    // The released mean lies within the corners unless a noisy value fell outside its own interval
    // (intervals are built around the noisy values, so this does not happen); keep it consistent.
    return new BoundedMean(mean, new ConfidenceInterval(Math.min(low, mean), Math.max(high, mean)));
  }

  /**
   * Where a quotient of a total in {@code total} over a count in {@code count} (raised to at least
   * 1) lies: the smallest and largest of the four corner quotients, rounded outwards and clamped to
   * [lower, upper]; all of [lower, upper] if no corner says anything (each is infinite over
   * infinite). Shared by the mean and the variance's parts.
   *
   * @return {low, high}
   */
  static double[] quotientRange(
      ConfidenceInterval total, ConfidenceInterval count, double lower, double upper) {
    double cLow = Math.max(1, count.lower());
    double cHigh = Math.max(1, count.upper());
    double[] corners = {
      total.lower() / cLow, total.lower() / cHigh, total.upper() / cLow, total.upper() / cHigh
    };
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
      return new double[] {lower, upper};
    }
    return new double[] {
      clamp(Math.nextDown(low), lower, upper), clamp(Math.nextUp(high), lower, upper)
    };
  }

  static double clamp(double x, double lower, double upper) {
    return Math.min(upper, Math.max(lower, x));
  }
}
