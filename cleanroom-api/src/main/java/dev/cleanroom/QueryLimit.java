package dev.cleanroom;

import java.util.Objects;

/**
 * A cap on the number of queries one analyst may run on a dataset per budget period ({@link
 * Policy.Builder#maxQueries}).
 *
 * @param queries the most queries per period, at least 1
 * @param period the period after which the count starts afresh; {@link BudgetPeriod#NONE} for a
 *     lifetime cap
 */
public record QueryLimit(int queries, BudgetPeriod period) {
  /** The largest allowed cap. */
  public static final int MAX_QUERIES = 1_000_000_000;

  /**
   * @param queries the most queries per period, in [1, {@link #MAX_QUERIES}]
   * @param period the period after which the count starts afresh; {@link BudgetPeriod#NONE} for a
   *     lifetime cap
   * @throws NullPointerException if {@code period} is null
   * @throws IllegalArgumentException if {@code queries} is not in [1, {@link #MAX_QUERIES}]
   */
  public QueryLimit {
    Objects.requireNonNull(period, "period");
    if (queries < 1 || queries > MAX_QUERIES) {
      throw new IllegalArgumentException(
          "queries must be in [1, " + MAX_QUERIES + "]; provided value: " + queries);
    }
  }
}
