package dev.cleanroom.budget;

import dev.cleanroom.spi.BudgetStore;
import dev.cleanroom.spi.LedgerCharge;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;

/**
 * Run by {@link JournalLockTest} in a second JVM: opens the journal named by its argument, charges
 * ε 0.5 to ledger {@code probe} and exits with 0, or prints the refusal and exits with 3.
 */
public final class JournalLockProbe {
  /** Exit code when opening the journal threw {@link IllegalStateException}. */
  static final int REFUSED = 3;

  private JournalLockProbe() {}

  /** Takes the journal's path. */
  public static void main(String[] args) {
    try (BudgetStore store = BudgetStores.journal(Path.of(args[0]))) {
      BigDecimal half = new BigDecimal("0.5");
      store.charge(
          List.of(
              new LedgerCharge("probe", half, BigDecimal.ZERO, BigDecimal.ONE, BigDecimal.ZERO)));
      System.out.println("charged");
    } catch (IllegalStateException e) {
      System.out.println(e.getMessage());
      System.exit(REFUSED);
    }
  }
}
