package dev.cleanroom;

/**
 * A closed interval of finite numbers, used to clamp metric values.
 *
 * @param lower the smallest value, finite
 * @param upper the largest value, finite and at least {@code lower}
 */
public record Bounds(double lower, double upper) {
  /**
   * @param lower the smallest value, finite
   * @param upper the largest value, finite and at least {@code lower}
   * @throws IllegalArgumentException if a bound is NaN or infinite, or {@code lower > upper}
   */
  public Bounds {
    if (!Double.isFinite(lower)) {
      throw new IllegalArgumentException("lower bound must be finite; provided value: " + lower);
    }
    if (!Double.isFinite(upper)) {
      throw new IllegalArgumentException("upper bound must be finite; provided value: " + upper);
    }
    if (lower > upper) {
      throw new IllegalArgumentException(
          "lower bound must not exceed upper bound; provided values: " + lower + " > " + upper);
    }
  }

  /**
   * The interval [lower, upper].
   *
   * @param lower the smallest value, finite
   * @param upper the largest value, finite and at least {@code lower}
   * @return the interval [lower, upper]
   */
  public static Bounds of(double lower, double upper) {
    return new Bounds(lower, upper);
  }

  /**
   * The largest absolute value in the interval.
   *
   * @return the largest absolute value in the interval
   */
  public double maxAbs() {
    return Math.max(Math.abs(lower), Math.abs(upper));
  }

  /**
   * Whether {@code other} lies inside this interval.
   *
   * @param other the bounds that must lie inside these
   * @return whether {@code other} lies inside this interval
   */
  public boolean contains(Bounds other) {
    return lower <= other.lower && other.upper <= upper;
  }
}
