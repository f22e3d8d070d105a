package dev.cleanroom.query;

import java.util.Locale;
import java.util.Optional;

/**
 * A calendar bucket of a DATE or TIMESTAMP column: a derived dimension, grouped by and filtered on
 * by its name, {@code week(day)}, {@code month(impressions.day)} or {@code day(seen_at)}. Its value
 * is a DATE, the first day of the bucket:
 *
 * <ul>
 *   <li>{@link #DAY}: the day itself; of a TIMESTAMP, its date in UTC;
 *   <li>{@link #WEEK}: the Monday of the ISO week (weeks start on Monday);
 *   <li>{@link #MONTH}: the first day of the month.
 * </ul>
 *
 * <p>An owner allows a bucket like any dimension: allowing the column allows each of its buckets
 * (each is a function of the column, so it reveals no more); allowing {@code day(seen_at)} of a
 * TIMESTAMP also allows its weeks and months; allowing only {@code week(day)} allows the weeks and
 * nothing finer or other.
 *
 * <pre>{@code
 * room.as("analyst").from("shop.visits")
 *     .where(col(TimeBucket.MONTH.of("day")).ge(LocalDate.of(2024, 1, 1)))
 *     .groupBy(TimeBucket.WEEK.of("day"))          // "week(day)"
 *     .select(countDistinctUsers().as("people"))
 *     .run();
 * }</pre>
 */
public enum TimeBucket {
  /** The day; of a TIMESTAMP, its date in UTC. */
  DAY,
  /** The ISO week, as its Monday. */
  WEEK,
  /** The month, as its first day. */
  MONTH;

  /**
   * The bucket's name in queries and policies: {@code day}, {@code week} or {@code month}.
   *
   * @return the lower-case name
   */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The name of this bucket of {@code column}, to group by, filter on or allow: {@code
   * WEEK.of("impressions.day")} is {@code "week(impressions.day)"}.
   *
   * @param column the DATE or TIMESTAMP column, plain or qualified
   * @return the bucketed dimension's name
   * @throws NullPointerException if {@code column} is null
   * @throws IllegalArgumentException if {@code column} is blank or already a bucket
   */
  public String of(String column) {
    Literals.checkColumn(column);
    if (parse(column).isPresent()) {
      throw new IllegalArgumentException("a time bucket of a time bucket is not a column");
    }
    return label() + "(" + column + ")";
  }

  /**
   * A bucketed dimension's name, taken apart.
   *
   * @param bucket the bucket
   * @param column the underlying column, as written (plain or qualified)
   */
  public record Named(TimeBucket bucket, String column) {
    /**
     * @param bucket the bucket
     * @param column the underlying column
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code column} is blank
     */
    public Named {
      java.util.Objects.requireNonNull(bucket, "bucket");
      Literals.checkColumn(column);
    }

    @Override
    public String toString() {
      return bucket.label() + "(" + column + ")";
    }
  }

  /**
   * The name of a grouped column in a result's rows: the last part of a plain column's name ({@code
   * day} for {@code impressions.day}), the bucket and that part for a bucket ({@code week_day} for
   * {@code week(impressions.day)}). A query grouping two columns of one output name qualifies them
   * with their dataset (see {@code Result.columns()}).
   *
   * @param groupColumn a column or bucket the query groups by
   * @return its output name
   * @throws NullPointerException if {@code groupColumn} is null
   */
  public static String outputName(String groupColumn) {
    Optional<Named> bucket = parse(groupColumn);
    String column = bucket.map(Named::column).orElse(groupColumn);
    String last = column.substring(column.lastIndexOf('.') + 1);
    return bucket.map(b -> b.bucket().label() + "_" + last).orElse(last);
  }

  /**
   * Reads {@code name} as a bucketed dimension: {@code day(x)}, {@code week(x)} or {@code
   * month(x)}, lower-case, without spaces.
   *
   * @param name a dimension's name
   * @return the bucket and column, or empty for a plain column name
   * @throws NullPointerException if {@code name} is null
   */
  public static Optional<Named> parse(String name) {
    java.util.Objects.requireNonNull(name, "name");
    int open = name.indexOf('(');
    if (open <= 0 || !name.endsWith(")") || open + 2 >= name.length()) {
      return Optional.empty();
    }
    String inner = name.substring(open + 1, name.length() - 1);
    if (inner.isBlank() || inner.indexOf('(') >= 0 || inner.indexOf(')') >= 0) {
      return Optional.empty();
    }
    String fn = name.substring(0, open);
    for (TimeBucket b : values()) {
      if (b.label().equals(fn)) {
        return Optional.of(new Named(b, inner));
      }
    }
    return Optional.empty();
  }
}
