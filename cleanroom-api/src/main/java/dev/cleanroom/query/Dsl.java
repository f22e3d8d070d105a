package dev.cleanroom.query;

import dev.cleanroom.AggregateFunction;
import java.math.BigDecimal;
import java.util.Objects;

/**
 * Static factories for conditions and aggregates, meant to be imported statically:
 *
 * <pre>{@code
 * import static dev.cleanroom.query.Dsl.*;
 *
 * room.as("advertiser")
 *     .from("publisher.impressions").join("advertiser.conversions").onUserId()
 *     .where(col("country").eq("DE"))
 *     .groupBy("campaign_id")
 *     .select(countDistinctUsers().as("converters"), sum("purchase_value").as("revenue"))
 *     .run();
 * }</pre>
 */
public final class Dsl {
  private Dsl() {}

  /**
   * A column of the query's datasets, to build a condition on.
   *
   * @param name the column's name, plain or qualified
   * @return a column of the query's datasets, to build a condition on
   */
  public static ColumnRef col(String name) {
    return new ColumnRef(name);
  }

  /**
   * The day of a DATE or TIMESTAMP column (of a TIMESTAMP, its date in UTC), as a dimension to
   * group by or filter on: {@code day("seen_at")} is {@code "day(seen_at)"}. See {@link
   * TimeBucket}.
   *
   * @param column the column, plain or qualified
   * @return the bucketed dimension's name
   */
  public static String day(String column) {
    return TimeBucket.DAY.of(column);
  }

  /**
   * The ISO week (as its Monday) of a DATE or TIMESTAMP column, as a dimension to group by or
   * filter on: {@code groupBy(week("impressions.day"))}. See {@link TimeBucket}.
   *
   * @param column the column, plain or qualified
   * @return the bucketed dimension's name
   */
  public static String week(String column) {
    return TimeBucket.WEEK.of(column);
  }

  /**
   * The month (as its first day) of a DATE or TIMESTAMP column, as a dimension to group by or
   * filter on. See {@link TimeBucket}.
   *
   * @param column the column, plain or qualified
   * @return the bucketed dimension's name
   */
  public static String month(String column) {
    return TimeBucket.MONTH.of(column);
  }

  /**
   * A parameter of a query template, to compare a column with: {@code col("campaign").eq(param(
   * "campaign"))}. The template declares the parameter's type and bounds.
   *
   * @param name the parameter's name, as the template declares it
   * @return a placeholder for the parameter's value
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  public static Placeholder param(String name) {
    return new Placeholder(name);
  }

  /**
   * The number of rows, bounded per person and group; output column {@code count}.
   *
   * @return the number of rows, bounded per person and group; output column {@code count}
   */
  public static Aggregate count() {
    return new Aggregate(AggregateFunction.COUNT, "", "count");
  }

  /**
   * The number of distinct people; output column {@code distinct_users}.
   *
   * @return the number of distinct people; output column {@code distinct_users}
   */
  public static Aggregate countDistinctUsers() {
    return new Aggregate(AggregateFunction.COUNT_DISTINCT_USERS, "", "distinct_users");
  }

  /**
   * The sum of {@code metric}, clamped per person and group; output column {@code sum_<metric>}.
   *
   * @param metric the metric column's name
   * @return the sum of {@code metric}, clamped per person and group; output column {@code
   *     sum_<metric>}
   */
  public static Aggregate sum(String metric) {
    return new Aggregate(AggregateFunction.SUM, metric, alias("sum_", metric));
  }

  /**
   * The mean over people of each person's clamped total of {@code metric}; output column {@code
   * avg_<metric>}.
   *
   * @param metric the metric column's name
   * @return the mean over people of each person's clamped total of {@code metric}; output column
   *     {@code avg_<metric>}
   */
  public static Aggregate avg(String metric) {
    return new Aggregate(AggregateFunction.AVG, metric, alias("avg_", metric));
  }

  /**
   * The population variance over people of each person's clamped total of {@code metric} in the
   * group (the totals that {@link #avg(String)} averages); output column {@code var_<metric>}. In
   * threshold mode the exact variance of those totals; with differential privacy a noisy variance
   * within [0, (range/2)²] of the group bounds, with a confidence interval.
   *
   * @param metric the metric column's name
   * @return the population variance of the people's clamped totals of {@code metric}; output column
   *     {@code var_<metric>}
   */
  public static Aggregate variance(String metric) {
    return new Aggregate(AggregateFunction.VARIANCE, metric, alias("var_", metric));
  }

  /**
   * The population standard deviation over people of each person's clamped total of {@code metric}:
   * the square root of {@link #variance(String)}; output column {@code stddev_<metric>}.
   *
   * @param metric the metric column's name
   * @return the population standard deviation of the people's clamped totals of {@code metric};
   *     output column {@code stddev_<metric>}
   */
  public static Aggregate stddev(String metric) {
    return new Aggregate(AggregateFunction.STDDEV, metric, alias("stddev_", metric));
  }

  /**
   * The quantile at fraction {@code p} over people of each person's clamped total of {@code metric}
   * in the group (the totals that {@link #sum(String)} adds; for a metric with one value per
   * person, that value), e.g. {@code quantile("hba1c", 0.75).as("hba1c_p75")}; output column {@code
   * p<percent>_<metric>} ({@code p75_hba1c}, {@code p12_5_hba1c}). In threshold mode the exact
   * nearest-rank quantile: the smallest per-person total v such that at least ⌈p·n⌉ of the group's
   * n people have a total of at most v (p read as its shortest decimal: 0.2 is 1/5); NaN for a
   * group without such people. Computed by the engine, never by a database. With differential
   * privacy a noisy quantile within the metric's group bounds, read from a noisy histogram tree of
   * the people's totals, with a confidence interval; all quantiles of one metric in a query share
   * that tree and one share of the budget. The owner must allow {@link AggregateFunction#QUANTILE}
   * on the metric.
   *
   * @param metric the metric column's name
   * @param p the fraction, with 0 &lt; p &lt; 1 (0.5 for the median)
   * @return the quantile at {@code p} of the people's clamped totals of {@code metric}
   * @throws NullPointerException if {@code metric} is null
   * @throws IllegalArgumentException if {@code p} is not strictly between 0 and 1
   */
  public static Aggregate quantile(String metric, double p) {
    Objects.requireNonNull(metric, "metric");
    if (!(p > 0 && p < 1)) {
      throw new IllegalArgumentException(
          "a quantile's fraction p must be > 0 and < 1; provided value: " + p);
    }
    return new Aggregate(AggregateFunction.QUANTILE, metric, quantileAlias(metric, p), p);
  }

  /**
   * The median: {@link #quantile(String, double) quantile(metric, 0.5)}; output column {@code
   * median_<metric>}.
   *
   * @param metric the metric column's name
   * @return the median of the people's clamped totals of {@code metric}
   */
  public static Aggregate median(String metric) {
    Objects.requireNonNull(metric, "metric");
    return new Aggregate(AggregateFunction.QUANTILE, metric, alias("median_", metric), 0.5);
  }

  /**
   * A derived column: {@code numerator / denominator} of each released row, two counts or sums of
   * the same query, e.g. {@code ratio("conv_rate", "converters", "exposed")}. Costs no budget; in
   * differential-privacy mode it carries a 95% interval built from both aggregates' noise. Add it
   * with {@link FinalStage#derive}.
   *
   * @param alias the name of the output column
   * @param numerator the alias of the aggregate above the line
   * @param denominator the alias of the aggregate below the line
   * @return the ratio
   * @throws IllegalArgumentException if a name is not a valid column name
   */
  public static Derived.Ratio ratio(String alias, String numerator, String denominator) {
    return new Derived.Ratio(alias, numerator, denominator);
  }

  /**
   * A derived column: {@code ratio(group) / ratio(baseline) − 1} between two values of a grouped
   * dimension, e.g. {@code lift("lift", "conv_rate", "arm", "exposed", "holdout")}; its value sits
   * on the rows of {@code group} (see {@link Derived.Lift}). Costs no budget; in
   * differential-privacy mode it carries a 95% interval. Add it with {@link FinalStage#derive}.
   *
   * @param alias the name of the output column
   * @param ratio the alias of a {@link #ratio} of the same query
   * @param dimension the grouped dimension, as written in {@code groupBy}
   * @param group the value whose ratio is compared
   * @param baseline the value it is compared with
   * @return the lift
   * @throws IllegalArgumentException if a name or value is invalid or the two values are equal
   */
  public static Derived.Lift lift(
      String alias, String ratio, String dimension, Object group, Object baseline) {
    return new Derived.Lift(alias, ratio, dimension, group, baseline);
  }

  /**
   * The default alias of a quantile: {@code p} and the percentage (its decimal point as {@code _}),
   * then the metric's unqualified name.
   */
  static String quantileAlias(String metric, double p) {
    String percent =
        new BigDecimal(Double.toString(p))
            .movePointRight(2)
            .stripTrailingZeros()
            .toPlainString()
            .replace('.', '_');
    return alias("p" + percent + "_", metric);
  }

  /** The default alias: the prefix and the metric's unqualified name, cut to 128 characters. */
  static String alias(String prefix, String metric) {
    String alias = prefix + metric.substring(metric.lastIndexOf('.') + 1);
    return alias.length() <= 128 ? alias : alias.substring(0, 128);
  }
}
