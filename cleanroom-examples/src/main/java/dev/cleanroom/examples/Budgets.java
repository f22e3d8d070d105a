package dev.cleanroom.examples;

import dev.cleanroom.query.LedgerStatus;
import dev.cleanroom.query.Result;
import java.io.PrintStream;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/** The budget each ledger has left, as the latest of a series of results reports it. */
final class Budgets {
  private Budgets() {}

  /**
   * The latest status of every ledger charged by {@code results}, which must be in the order they
   * ran: a later charge of the same ledger replaces an earlier one.
   */
  static Collection<LedgerStatus> latest(Result... results) {
    Map<String, LedgerStatus> latest = new LinkedHashMap<>();
    for (Result r : results) {
      for (LedgerStatus l : r.privacy().ledgers()) {
        latest.put(l.ledger(), l);
      }
    }
    return latest.values();
  }

  /** Prints the budget left per ledger; threshold-mode queries charge no ledger. */
  static void print(PrintStream out, Result... results) {
    Collection<LedgerStatus> ledgers = latest(results);
    out.println("Budget left per ledger:");
    if (ledgers.isEmpty()) {
      out.println("  (no ledger was charged: threshold mode spends no budget)");
    }
    for (LedgerStatus l : ledgers) {
      out.printf(
          "  %-50s ε left %s, δ left %s%n",
          l.ledger(), l.epsilonRemaining().toPlainString(), l.deltaRemaining().toPlainString());
    }
  }
}
