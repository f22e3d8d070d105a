package dev.cleanroom;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * A data owner's differential-privacy requirement for one dataset: every query touching it must be
 * differentially private, may spend at most {@code maxEpsilonPerQuery}, and each analyst may spend
 * at most {@code total} per {@code period}.
 *
 * @param total the budget per analyst and period: pure ε or (ε, δ)
 * @param maxEpsilonPerQuery the largest ε one query may spend, at most the total ε
 * @param period how often the budget starts afresh
 */
public record DifferentialPrivacyRule(
    PrivacyBudget total, BigDecimal maxEpsilonPerQuery, BudgetPeriod period) {
  /**
   * @param total the budget per analyst and period: pure ε or (ε, δ)
   * @param maxEpsilonPerQuery the largest ε one query may spend, at most the total ε
   * @param period how often the budget starts afresh
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code total} is zCDP, or the per-query cap is not positive
   *     or exceeds the total ε
   */
  public DifferentialPrivacyRule {
    Objects.requireNonNull(total, "total");
    Objects.requireNonNull(maxEpsilonPerQuery, "maxEpsilonPerQuery");
    Objects.requireNonNull(period, "period");
    if (total instanceof PrivacyBudget.Zcdp) {
      throw new IllegalArgumentException(
          "a total budget is pure ε or (ε, δ); convert zCDP with toApproxDp(delta) first");
    }
    if (maxEpsilonPerQuery.signum() <= 0) {
      throw new IllegalArgumentException(
          "maxEpsilonPerQuery must be positive; provided value: " + maxEpsilonPerQuery);
    }
    if (maxEpsilonPerQuery.compareTo(total.epsilon()) > 0) {
      throw new IllegalArgumentException(
          "maxEpsilonPerQuery must not exceed the total ε; provided values: "
              + maxEpsilonPerQuery.toPlainString()
              + " > "
              + total.epsilon().toPlainString());
    }
  }
}
