package dev.cleanroom;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * One ledger of a room's budgets as it stands now: what an analyst has spent on a dataset in the
 * current period, the limit, and what is left. Privacy ledgers count ε and δ; query-count ledgers
 * count queries (in {@code spent}, {@code limit} and {@code left}; their δ fields are zero).
 *
 * <p>Ledger names read {@code <data>/<analyst>/<period>} for privacy budgets and {@code
 * <data>/<analyst>/queries/<period>} for query limits, where {@code <data>} is the qualified name
 * under which the data was first registered (a budget belongs to the data, not to the name) and
 * {@code <period>} is {@link BudgetPeriod#periodOf}: {@code lifetime}, {@code 2026-12-01}, {@code
 * 2026-W49} or {@code 2026-12}.
 *
 * @param ledger the ledger's name
 * @param dataset the qualified name of the dataset whose owner set the limit
 * @param owner the dataset's owner
 * @param analyst the analyst the ledger belongs to
 * @param kind privacy budget or query count
 * @param period how often the ledger starts afresh
 * @param periodName the current period's name, the ledger name's last part
 * @param spent ε spent, or queries run, in the current period
 * @param limit the owner's limit plus every top-up granted for the current period
 * @param granted the top-ups granted for the current period (included in {@code limit})
 * @param left {@code limit - spent}, never negative
 * @param deltaSpent δ spent (zero for query counts)
 * @param deltaLimit the δ limit with top-ups (zero for query counts)
 * @param deltaLeft {@code deltaLimit - deltaSpent}, never negative
 */
public record BudgetBalance(
    String ledger,
    String dataset,
    String owner,
    String analyst,
    Kind kind,
    BudgetPeriod period,
    String periodName,
    BigDecimal spent,
    BigDecimal limit,
    BigDecimal granted,
    BigDecimal left,
    BigDecimal deltaSpent,
    BigDecimal deltaLimit,
    BigDecimal deltaLeft) {
  /** What a ledger counts. */
  public enum Kind {
    /** Differential-privacy budget: ε and δ. */
    PRIVACY,
    /** Queries run against a {@link QueryLimit}. */
    QUERIES
  }

  /**
   * @param ledger the ledger's name
   * @param dataset the qualified name of the dataset whose owner set the limit
   * @param owner the dataset's owner
   * @param analyst the analyst the ledger belongs to
   * @param kind privacy budget or query count
   * @param period how often the ledger starts afresh
   * @param periodName the current period's name
   * @param spent ε spent, or queries run
   * @param limit the limit with top-ups
   * @param granted the top-ups granted for the current period
   * @param left what is left, never negative
   * @param deltaSpent δ spent
   * @param deltaLimit the δ limit with top-ups
   * @param deltaLeft δ left, never negative
   * @throws NullPointerException if an argument is null
   */
  public BudgetBalance {
    Objects.requireNonNull(ledger, "ledger");
    Objects.requireNonNull(dataset, "dataset");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(analyst, "analyst");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(period, "period");
    Objects.requireNonNull(periodName, "periodName");
    Objects.requireNonNull(spent, "spent");
    Objects.requireNonNull(limit, "limit");
    Objects.requireNonNull(granted, "granted");
    Objects.requireNonNull(left, "left");
    Objects.requireNonNull(deltaSpent, "deltaSpent");
    Objects.requireNonNull(deltaLimit, "deltaLimit");
    Objects.requireNonNull(deltaLeft, "deltaLeft");
  }

  @Override
  public String toString() {
    String unit = kind == Kind.PRIVACY ? "ε" : "queries";
    return ledger
        + ": spent "
        + spent.toPlainString()
        + " of "
        + limit.toPlainString()
        + " "
        + unit
        + ", left "
        + left.toPlainString()
        + (kind == Kind.PRIVACY
            ? "; δ spent " + deltaSpent.toPlainString() + " of " + deltaLimit.toPlainString()
            : "")
        + " ("
        + period
        + " "
        + periodName
        + ")";
  }
}
