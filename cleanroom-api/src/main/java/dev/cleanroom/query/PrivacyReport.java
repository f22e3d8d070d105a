package dev.cleanroom.query;

import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;

/**
 * What a result cost: the privacy spent, how it was split, and what each ledger has left.
 *
 * @param differentiallyPrivate whether the result carries noise (otherwise threshold mode)
 * @param epsilon the ε the query spent in total
 * @param delta the δ the query spent in total
 * @param split how the budget was split: one line per noisy part, e.g. {@code revenue: ε=0.5}
 * @param ledgers the ledgers charged, with what they have left
 * @param repeated whether this is the stored answer of an identical earlier query (no new charge)
 */
public record PrivacyReport(
    boolean differentiallyPrivate,
    BigDecimal epsilon,
    BigDecimal delta,
    List<String> split,
    List<LedgerStatus> ledgers,
    boolean repeated) {
  /** The report of a threshold-mode result. */
  public static final PrivacyReport THRESHOLD_ONLY =
      new PrivacyReport(false, BigDecimal.ZERO, BigDecimal.ZERO, List.of(), List.of(), false);

  /**
   * @param epsilon the ε the query spent in total
   * @param differentiallyPrivate whether the result carries noise (otherwise threshold mode)
   * @param delta the δ the query spent in total
   * @param split how the budget was split: one line per noisy part, e.g. {@code revenue: ε=0.5}
   * @param ledgers the ledgers charged, with what they have left
   * @param repeated whether this is the stored answer of an identical earlier query (no new charge)
   * @throws NullPointerException if an argument is null
   */
  public PrivacyReport {
    Objects.requireNonNull(epsilon, "epsilon");
    Objects.requireNonNull(delta, "delta");
    split = List.copyOf(split);
    ledgers = List.copyOf(ledgers);
  }

  @Override
  public String toString() {
    if (!differentiallyPrivate) {
      return "threshold mode (no noise, no budget)";
    }
    StringBuilder sb =
        new StringBuilder("spent ε=")
            .append(epsilon.toPlainString())
            .append(", δ=")
            .append(delta.toPlainString())
            .append(" split as ")
            .append(split);
    for (LedgerStatus l : ledgers) {
      sb.append(System.lineSeparator()).append("  ").append(l);
    }
    if (repeated) {
      sb.append(System.lineSeparator()).append("  (repeated query: same answer, nothing charged)");
    }
    return sb.toString();
  }
}
