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

  /**
   * The value bound to {@code key}, binding {@code value} to it first if it has none. A binding
   * never changes: of racing calls, in this process or in any other that shares the store, one
   * binds and every caller gets its value. A binding that returns has been made as durable as a
   * charge.
   *
   * <p>The engine binds each piece of data that tells its identity ({@link
   * DataSource#dataIdentity()}; the key is a hash of it) to the qualified name of the first dataset
   * registered over it. That name is the first part of the data's ledger names, and its owner is
   * the data's owner, whatever name, room, process or host registers the data later: a budget
   * belongs to the data, across restarts and renames.
   *
   * @param key what is bound: 1 to 1,000 characters, none of them NUL, no unpaired surrogate
   * @param value the value to bind if {@code key} has none, of the same form
   * @return the value bound to {@code key}: {@code value} if this call bound it
   * @throws IllegalArgumentException if {@code key} or {@code value} is not of that form
   */
  String bind(String key, String value);

  /** Releases files and other resources; the store cannot be used afterwards. */
  @Override
  void close();
}
