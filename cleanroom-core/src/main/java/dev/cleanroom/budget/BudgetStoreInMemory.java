package dev.cleanroom.budget;

import dev.cleanroom.spi.BudgetStore;
import dev.cleanroom.spi.LedgerCharge;
import java.util.List;
import java.util.Objects;

/**
 * A {@link BudgetStore} that keeps its ledgers in memory only; everything is lost when the JVM
 * exits. Made by {@link BudgetStores#inMemory()}.
 *
 * <p>Thread-safe: one lock guards the ledgers, so a charge's check and its additions are one atomic
 * step and racing threads never overspend.
 */
final class BudgetStoreInMemory implements BudgetStore {
  private final Object lock = new Object();

  // Guarded by lock.
  private final BudgetLedgers ledgers = new BudgetLedgers();

  // Guarded by lock.
  private boolean closed;

  BudgetStoreInMemory() {}

  @Override
  public List<LedgerCharge.Spent> charge(List<LedgerCharge> charges) {
    synchronized (lock) {
      checkOpen();
      List<LedgerCharge> copy = BudgetLedgers.validate(charges);
      ledgers.check(copy);
      return ledgers.apply(copy);
    }
  }

  @Override
  public LedgerCharge.Spent spent(String ledger) {
    Objects.requireNonNull(ledger, "ledger");
    synchronized (lock) {
      checkOpen();
      return ledgers.spent(ledger);
    }
  }

  @Override
  public String bind(String key, String value) {
    BudgetLedgers.checkBinding("key", key);
    BudgetLedgers.checkBinding("value", value);
    synchronized (lock) {
      checkOpen();
      return ledgers.bind(key, value);
    }
  }

  /** Marks the store closed; idempotent. */
  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("budget store is closed");
    }
  }

  @Override
  public String toString() {
    return "BudgetStores.inMemory()";
  }
}
