package dev.cleanroom.spi;

import java.util.List;

/**
 * Durable ledgers of spent privacy budget. The engine names one ledger per touched dataset, analyst
 * and budget period, and charges all ledgers of a query in one call.
 *
 * <p>Implementations must be safe under concurrent calls: N threads racing for the last budget
 * never overspend by even one charge. A charge that returns has been made durable (where the store
 * is durable), since the engine releases a result right after it.
 */
public interface BudgetStore extends AutoCloseable {
  /**
   * Charges every ledger of {@code charges}, or none: if any ledger would exceed its limit, nothing
   * is charged.
   *
   * @param charges at least one charge; each ledger at most once
   * @return what each ledger has spent after the charge, in the order of {@code charges}
   * @throws dev.cleanroom.BudgetExhaustedException naming the first ledger that has too little
   *     left; then no ledger was charged
   * @throws IllegalArgumentException if {@code charges} is empty or names a ledger twice
   */
  List<LedgerCharge.Spent> charge(List<LedgerCharge> charges);

  /**
   * What {@code ledger} has spent so far (zero for a ledger never charged).
   *
   * @param ledger the ledger's name
   * @return what {@code ledger} has spent so far (zero for a ledger never charged)
   */
  LedgerCharge.Spent spent(String ledger);

  /** Releases files and other resources; the store cannot be used afterwards. */
  @Override
  void close();
}
