package dev.cleanroom.examples;

import dev.cleanroom.query.LedgerStatus;
import dev.cleanroom.query.Result;
import dev.cleanroom.spi.AuditTrail;
import java.io.PrintStream;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The budget each ledger has left, as the latest of a series of results reports it, and the audit
 * trail's verification and ε charged: what every example prints at its end.
 */
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

  /**
   * Prints the closing summary of an example: the budget left per ledger, then whether the audit
   * trail's chain verifies and, per owner, the ε charged on its datasets per analyst.
   *
   * @param trail the rooms' audit trail
   * @param owners the data owners whose charged ε is printed
   * @param results the results that charged ledgers, in the order they ran
   */
  static void printSummary(
      PrintStream out, AuditTrail trail, List<String> owners, Result... results) {
    print(out, results);
    AuditTrail.Verification v = trail.verify();
    out.printf(
        Locale.ROOT,
        "Audit trail: %s, %s%n",
        plural(v.records(), "record"),
        v.failure()
            .map(f -> "chain BROKEN at record " + f.index() + " (" + f.problem() + ")")
            .orElse("chain verified"));
    for (String owner : owners) {
      List<AuditTrail.Charged> charged = trail.epsilonCharged(owner);
      out.printf("  ε charged on %s's datasets:%s%n", owner, charged.isEmpty() ? " none" : "");
      for (AuditTrail.Charged c : charged) {
        out.printf(
            Locale.ROOT,
            "    %-30s by %-12s ε %s, δ %s in %s%n",
            c.dataset(),
            c.analyst(),
            c.epsilon().toPlainString(),
            c.delta().toPlainString(),
            plural(c.queries(), "query"));
      }
    }
  }

  /** "1 record", "2 records"; "1 query", "2 queries". */
  static String plural(long n, String noun) {
    String nouns = noun.endsWith("y") ? noun.substring(0, noun.length() - 1) + "ies" : noun + "s";
    return n + " " + (n == 1 ? noun : nouns);
  }
}
