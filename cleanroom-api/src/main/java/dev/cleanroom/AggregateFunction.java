package dev.cleanroom;

/** The aggregate functions a query may compute per output row. */
public enum AggregateFunction {
  /**
   * The number of rows of the query's first dataset, each person contributing at most the policy's
   * maximum contributions per group.
   */
  COUNT(false),
  /** The number of distinct people (user ids) contributing to the row. */
  COUNT_DISTINCT_USERS(false),
  /** The sum over people of each person's clamped total of a metric. */
  SUM(true),
  /** The mean over people of each person's clamped total of a metric. */
  AVG(true),
  /**
   * The population variance over people of each person's clamped total of a metric (the same
   * per-person totals that {@link #SUM} adds and {@link #AVG} averages): Σ(x − x̄)²/n over the n
   * people with a value of the metric in the group.
   */
  VARIANCE(true),
  /** The population standard deviation: the square root of {@link #VARIANCE}. */
  STDDEV(true),
  /**
   * A quantile over people of each person's clamped total of a metric (the same per-person totals
   * that {@link #SUM} adds; for a metric with one value per person, that value), at the fraction p
   * that the {@link dev.cleanroom.query.Aggregate} carries. Exactly, the nearest-rank quantile: the
   * smallest per-person total v such that at least ⌈p·n⌉ of the n people with a value of the metric
   * in the group have a total of at most v (SQL's {@code PERCENTILE_DISC}), p read as its shortest
   * decimal.
   */
  QUANTILE(true);

  private final boolean needsMetric;

  AggregateFunction(boolean needsMetric) {
    this.needsMetric = needsMetric;
  }

  /**
   * Whether this function aggregates a metric column.
   *
   * @return whether this function aggregates a metric column
   */
  public boolean needsMetric() {
    return needsMetric;
  }
}
