package dev.cleanroom.query;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * One privacy-budget ledger as a query left it (or, in an explanation, would leave it), and how
 * many more queries like it the ledger can pay ({@link #queriesLeft()}).
 *
 * @param ledger the ledger's name: dataset, analyst and budget period
 * @param dataset the dataset whose owner set the budget
 * @param epsilonCharged the ε this query charged
 * @param deltaCharged the δ this query charged
 * @param epsilonRemaining the ε left after the charge
 * @param deltaRemaining the δ left after the charge
 */
public record LedgerStatus(
    String ledger,
    String dataset,
    BigDecimal epsilonCharged,
    BigDecimal deltaCharged,
    BigDecimal epsilonRemaining,
    BigDecimal deltaRemaining) {
  /**
   * @param ledger the ledger's name: dataset, analyst and budget period
   * @param dataset the dataset whose owner set the budget
   * @param epsilonCharged the ε this query charged
   * @param deltaCharged the δ this query charged
   * @param epsilonRemaining the ε left after the charge
   * @param deltaRemaining the δ left after the charge
   * @throws NullPointerException if an argument is null
   */
  public LedgerStatus {
    Objects.requireNonNull(ledger, "ledger");
    Objects.requireNonNull(dataset, "dataset");
    Objects.requireNonNull(epsilonCharged, "epsilonCharged");
    Objects.requireNonNull(deltaCharged, "deltaCharged");
    Objects.requireNonNull(epsilonRemaining, "epsilonRemaining");
    Objects.requireNonNull(deltaRemaining, "deltaRemaining");
  }

  /**
   * How many more queries that each charge this ledger what this query charged it the remaining
   * budget can still pay: ⌊ε left / ε charged⌋, and no more than ⌊δ left / δ charged⌋ if δ was
   * charged. In a {@link Result} it counts the queries after this one; in an {@link Explanation},
   * the queries after this one would have run. Any query of the same shape (the same datasets,
   * aggregates and grouping, with the same ε and δ) charges the same. {@link Long#MAX_VALUE} if
   * this query charged nothing.
   *
   * @return how many more queries like this one the ledger can pay
   */
  public long queriesLeft() {
    if (epsilonCharged.signum() == 0 && deltaCharged.signum() == 0) {
      return Long.MAX_VALUE;
    }
    long left = Long.MAX_VALUE;
    if (epsilonCharged.signum() > 0) {
      left = Math.min(left, fit(epsilonRemaining, epsilonCharged));
    }
    if (deltaCharged.signum() > 0) {
      left = Math.min(left, fit(deltaRemaining, deltaCharged));
    }
    return left;
  }

  private static long fit(BigDecimal remaining, BigDecimal charge) {
    BigDecimal n = remaining.max(BigDecimal.ZERO).divideToIntegralValue(charge);
    return n.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) >= 0
        ? Long.MAX_VALUE
        : n.longValueExact();
  }

  @Override
  public String toString() {
    return ledger
        + ": charged ε="
        + epsilonCharged.toPlainString()
        + ", δ="
        + deltaCharged.toPlainString()
        + "; left ε="
        + epsilonRemaining.toPlainString()
        + ", δ="
        + deltaRemaining.toPlainString();
  }
}
