package dev.cleanroom.query;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * One privacy-budget ledger as a query left it (or, in an explanation, would leave it).
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
