package dev.cleanroom.spi;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * One ledger's part of a query's charge: the amount to add and the limit it may not exceed.
 *
 * @param ledger the ledger's name (no secrets, no data values)
 * @param epsilon the ε to charge, not negative
 * @param delta the δ to charge, not negative
 * @param epsilonLimit the ledger's total ε, not negative
 * @param deltaLimit the ledger's total δ, not negative
 */
public record LedgerCharge(
    String ledger,
    BigDecimal epsilon,
    BigDecimal delta,
    BigDecimal epsilonLimit,
    BigDecimal deltaLimit) {
  /**
   * @param ledger the ledger's name (no secrets, no data values)
   * @param epsilon the ε to charge, not negative
   * @param delta the δ to charge, not negative
   * @param epsilonLimit the ledger's total ε, not negative
   * @param deltaLimit the ledger's total δ, not negative
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if an amount is negative or the ledger name is blank
   */
  public LedgerCharge {
    Objects.requireNonNull(ledger, "ledger");
    if (ledger.isBlank()) {
      throw new IllegalArgumentException("ledger name must not be blank");
    }
    notNegative("epsilon", epsilon);
    notNegative("delta", delta);
    notNegative("epsilonLimit", epsilonLimit);
    notNegative("deltaLimit", deltaLimit);
  }

  private static void notNegative(String name, BigDecimal value) {
    Objects.requireNonNull(value, name);
    if (value.signum() < 0) {
      throw new IllegalArgumentException(name + " must not be negative; provided value: " + value);
    }
  }

  /**
   * What a ledger has spent.
   *
   * @param ledger the ledger's name
   * @param epsilon the ε spent
   * @param delta the δ spent
   */
  public record Spent(String ledger, BigDecimal epsilon, BigDecimal delta) {
    /**
     * @param ledger the ledger's name (no secrets, no data values)
     * @param epsilon the ε to charge, not negative
     * @param delta the δ to charge, not negative
     * @throws NullPointerException if an argument is null
     */
    public Spent {
      Objects.requireNonNull(ledger, "ledger");
      Objects.requireNonNull(epsilon, "epsilon");
      Objects.requireNonNull(delta, "delta");
    }
  }
}
