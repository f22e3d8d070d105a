package dev.cleanroom.dp;

import java.math.BigDecimal;
import java.util.Objects;

/** Argument checks shared by the mechanisms. */
final class Checks {
  private Checks() {}

  /**
   * The exact value of a positive privacy parameter.
   *
   * @throws NullPointerException if {@code value} is null
   * @throws IllegalArgumentException if {@code value} is not positive
   */
  static Rational positive(String name, BigDecimal value) {
    Objects.requireNonNull(value, name);
    if (value.signum() <= 0) {
      throw new IllegalArgumentException(
          name + " must be positive; provided value: " + value.toPlainString());
    }
    return Rational.of(value);
  }

  /**
   * @throws IllegalArgumentException if {@code unitScale} exceeds {@code max}
   */
  static void scaleAtMost(Rational value, Rational max, String what, String maxText) {
    if (value.compareTo(max) > 0) {
      throw new IllegalArgumentException(
          "noise scale is too large: "
              + what
              + " is about "
              + value.doubleValue()
              + " units of the granularity, above the supported "
              + maxText
              + "; use a larger privacy parameter or smaller contribution bounds");
    }
  }
}
