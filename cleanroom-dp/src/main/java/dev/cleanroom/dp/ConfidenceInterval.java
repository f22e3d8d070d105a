package dev.cleanroom.dp;

/**
 * A closed interval that contains the true (pre-noise) value with at least the stated probability.
 *
 * @param lower the lower end
 * @param upper the upper end, at least {@code lower}
 */
public record ConfidenceInterval(double lower, double upper) {
  /**
   * @throws IllegalArgumentException if an end is NaN or {@code lower > upper}
   */
  public ConfidenceInterval {
    if (Double.isNaN(lower) || Double.isNaN(upper)) {
      throw new IllegalArgumentException(
          "interval ends must not be NaN; provided values: " + lower + ", " + upper);
    }
    if (lower > upper) {
      throw new IllegalArgumentException(
          "lower end must not exceed upper end; provided values: " + lower + " > " + upper);
    }
  }

  /**
   * The interval {@code [center - halfWidth, center + halfWidth]}, rounded outwards by one ulp at
   * each end where floating-point subtraction or addition was inexact, so that it always contains
   * the exact interval.
   */
  static ConfidenceInterval around(double center, double halfWidth) {
    return new ConfidenceInterval(
        FixedPoint.subtractRoundingDown(center, halfWidth),
        FixedPoint.addRoundingUp(center, halfWidth));
  }

  /** Whether {@code value} lies in the interval. */
  public boolean contains(double value) {
    return lower <= value && value <= upper;
  }

  /** {@code upper - lower}. */
  public double width() {
    return upper - lower;
  }
}
