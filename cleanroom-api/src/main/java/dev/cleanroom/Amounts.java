package dev.cleanroom;

import java.math.BigDecimal;
import java.util.Objects;

/** Validation and exact conversion of privacy parameters. */
final class Amounts {
  private Amounts() {}

  /** ε or ρ as an exact decimal, if finite and at least {@link PrivacyBudget#MIN_PARAMETER}. */
  static BigDecimal parameter(String name, double value) {
    if (!Double.isFinite(value) || value < PrivacyBudget.MIN_PARAMETER) {
      throw new IllegalArgumentException(
          name + " must be finite and >= 2^-50; provided value: " + value);
    }
    return BigDecimal.valueOf(value);
  }

  /** δ as an exact decimal, if in [0, 1). */
  static BigDecimal delta(double value) {
    if (!(value >= 0 && value < 1)) {
      throw new IllegalArgumentException("delta must be in [0, 1); provided value: " + value);
    }
    return BigDecimal.valueOf(value);
  }

  static void positive(String name, BigDecimal value) {
    Objects.requireNonNull(value, name);
    if (value.signum() <= 0) {
      throw new IllegalArgumentException(name + " must be positive; provided value: " + value);
    }
  }
}
