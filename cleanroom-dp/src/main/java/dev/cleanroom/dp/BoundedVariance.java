package dev.cleanroom.dp;

import java.util.Objects;

/**
 * A population variance released from three noisy parts of one group, as Google's BoundedVariance
 * builds it: a noisy count n of the values, a noisy sum of the values centered on a midpoint c of
 * their bounds, Σ(x − c), and a noisy sum of the centered squares, Σ(x − c)²; the variance is mean
 * of squares minus square of mean, Σ(x − c)²/n − (Σ(x − c)/n)², which does not depend on c
 * (centering keeps the sensitivity of the sum of squares at (range/2)² instead of max|x|²). Every
 * step is post-processing of the noisy parts, so it costs no privacy beyond theirs:
 *
 * <ul>
 *   <li>the noisy count is raised to at least 1 (a released group has a member, and a count near or
 *       below zero makes the quotients meaningless);
 *   <li>the centered mean is clamped to [−R, R] and the mean of squares to [0, R²], where R bounds
 *       |x − c| for every value;
 *   <li>the variance is clamped to [0, {@code maxVariance}], ((upper − lower)/2)² for values within
 *       [lower, upper], the largest variance such values can have.
 * </ul>
 *
 * <p>The interval is interval arithmetic, like {@link BoundedMean}'s: if the true count, centered
 * sum and sum of squares lie in their intervals (count at least 1), the true centered mean lies
 * between the corner quotients of the sum interval over the count interval, the true mean of
 * squares between those of the squares interval, and the true variance = mean of squares − mean²
 * between (lowest mean of squares − highest mean²) and (highest mean of squares − lowest mean²),
 * clamped as above and widened by a few ulps of the terms (the subtraction may cancel). With the
 * three parts' intervals at levels a, b and c the interval has level at least a + b + c − 2 (union
 * bound): give each part level 1 − (1 − level)/3 for an interval at {@code level}.
 *
 * @param variance the released variance, in [0, maxVariance]
 * @param interval its confidence interval, containing {@code variance}
 */
public record BoundedVariance(double variance, ConfidenceInterval interval) {
  /**
   * @throws NullPointerException if {@code interval} is null
   * @throws IllegalArgumentException if {@code variance} is not in the interval
   */
  public BoundedVariance {
    Objects.requireNonNull(interval, "interval");
    if (!interval.contains(variance)) {
      throw new IllegalArgumentException(
          "variance must lie in its interval; provided values: " + variance + ", " + interval);
    }
  }

  /**
   * The variance of one group from its noisy parts and their confidence intervals.
   *
   * @param noisyCount the noisy number of values
   * @param countInterval the count's interval
   * @param noisySum the noisy Σ(x − c)
   * @param sumInterval its interval
   * @param noisySquares the noisy Σ(x − c)²
   * @param squaresInterval its interval
   * @param maxDeviation R: |x − c| ≤ R for every value x; positive and finite
   * @param maxVariance the largest variance the values can have; at least 0 and finite
   * @return the variance and its interval
   * @throws NullPointerException if an interval is null
   * @throws IllegalArgumentException if a number is NaN or a bound is not as stated
   */
  public static BoundedVariance of(
      double noisyCount,
      ConfidenceInterval countInterval,
      double noisySum,
      ConfidenceInterval sumInterval,
      double noisySquares,
      ConfidenceInterval squaresInterval,
      double maxDeviation,
      double maxVariance) {
    Objects.requireNonNull(countInterval, "countInterval");
    Objects.requireNonNull(sumInterval, "sumInterval");
    Objects.requireNonNull(squaresInterval, "squaresInterval");
    if (Double.isNaN(noisyCount) || Double.isNaN(noisySum) || Double.isNaN(noisySquares)) {
      throw new IllegalArgumentException("noisy values must not be NaN");
    }
    if (!(maxDeviation > 0 && maxDeviation < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException(
          "maxDeviation must be positive and finite; provided value: " + maxDeviation);
    }
    if (!(maxVariance >= 0 && maxVariance < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException(
          "maxVariance must be at least 0 and finite; provided value: " + maxVariance);
    }
    double r = maxDeviation;
    double r2 = Math.nextUp(r * r);
    double n = Math.max(1, noisyCount);
    double mean = BoundedMean.clamp(noisySum / n, -r, r);
    double meanSquares = BoundedMean.clamp(noisySquares / n, 0, r2);
    double variance = BoundedMean.clamp(meanSquares - mean * mean, 0, maxVariance);

    double[] m = BoundedMean.quotientRange(sumInterval, countInterval, -r, r);
    double[] sq = BoundedMean.quotientRange(squaresInterval, countInterval, 0, r2);
    double mean2Low = m[0] <= 0 && m[1] >= 0 ? 0 : Math.min(m[0] * m[0], m[1] * m[1]);
    double mean2High = Math.max(m[0] * m[0], m[1] * m[1]);
    // Each product and quotient is rounded once (half an ulp); the subtraction may cancel, so
    // widen by ulps of its terms rather than of its result.
    double slackLow = 4 * Math.ulp(Math.max(sq[0], mean2High));
    double slackHigh = 4 * Math.ulp(Math.max(sq[1], mean2Low));
    double low = BoundedMean.clamp(sq[0] - mean2High - slackLow, 0, maxVariance);
    double high = BoundedMean.clamp(sq[1] - mean2Low + slackHigh, 0, maxVariance);
    return new BoundedVariance(
        variance, new ConfidenceInterval(Math.min(low, variance), Math.max(high, variance)));
  }

  /**
   * The standard deviation: the square root of this variance and of its interval's ends (the root
   * is increasing, so the interval keeps its level), the ends rounded outwards.
   *
   * @return the standard deviation and its interval
   */
  public BoundedVariance sqrt() {
    double s = Math.sqrt(variance);
    double low = Math.max(0, Math.nextDown(Math.sqrt(interval.lower())));
    double high = Math.nextUp(Math.sqrt(interval.upper()));
    return new BoundedVariance(s, new ConfidenceInterval(Math.min(low, s), Math.max(high, s)));
  }
}
