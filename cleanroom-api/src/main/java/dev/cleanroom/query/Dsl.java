package dev.cleanroom.query;

import dev.cleanroom.AggregateFunction;

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

  /** A column of the query's datasets, to build a condition on. */
  public static ColumnRef col(String name) {
    return new ColumnRef(name);
  }

  /** The number of rows, bounded per person and group; output column {@code count}. */
  public static Aggregate count() {
    return new Aggregate(AggregateFunction.COUNT, "", "count");
  }

  /** The number of distinct people; output column {@code distinct_users}. */
  public static Aggregate countDistinctUsers() {
    return new Aggregate(AggregateFunction.COUNT_DISTINCT_USERS, "", "distinct_users");
  }

  /**
   * The sum of {@code metric}, clamped per person and group; output column {@code sum_<metric>}.
   */
  public static Aggregate sum(String metric) {
    return new Aggregate(AggregateFunction.SUM, metric, "sum_" + lastPart(metric));
  }

  /**
   * The mean over people of each person's clamped total of {@code metric}; output column {@code
   * avg_<metric>}.
   */
  public static Aggregate avg(String metric) {
    return new Aggregate(AggregateFunction.AVG, metric, "avg_" + lastPart(metric));
  }

  private static String lastPart(String name) {
    int dot = name.lastIndexOf('.');
    return dot < 0 ? name : name.substring(dot + 1);
  }
}
