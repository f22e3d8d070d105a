package dev.cleanroom.query;

import java.util.Objects;

/**
 * The noise in one released cell of a differentially private result.
 *
 * @param mechanism the noise distribution, e.g. {@code discrete Laplace}
 * @param scale the noise's scale in the cell's units: b for Laplace, σ for Gaussian
 * @param lower the lower end of the 95% confidence interval of the true value
 * @param upper the upper end of the 95% confidence interval of the true value
 */
public record CellNoise(String mechanism, double scale, double lower, double upper) {
  /** The confidence level of {@link #lower()} and {@link #upper()}. */
  public static final double CONFIDENCE = 0.95;

  /**
   * @param mechanism the noise distribution, e.g. {@code discrete Laplace}
   * @param scale the noise's scale in the cell's units: b for Laplace, σ for Gaussian
   * @param lower the lower end of the 95% confidence interval of the true value
   * @param upper the upper end of the 95% confidence interval of the true value
   * @throws NullPointerException if {@code mechanism} is null
   * @throws IllegalArgumentException if the scale is negative or the interval is reversed
   */
  public CellNoise {
    Objects.requireNonNull(mechanism, "mechanism");
    if (!(scale >= 0)) {
      throw new IllegalArgumentException("scale must not be negative; provided value: " + scale);
    }
    if (!(lower <= upper)) {
      throw new IllegalArgumentException("interval must not be reversed");
    }
  }
}
