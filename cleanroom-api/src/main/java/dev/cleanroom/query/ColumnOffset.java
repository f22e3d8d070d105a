package dev.cleanroom.query;

import java.time.Duration;
import java.util.Objects;

/**
 * Another column of the query plus a fixed offset, as the right side of a comparison between two
 * DATE or two TIMESTAMP columns: {@code col("conversions.day").le(col("impressions.day").plus(
 * Duration.ofDays(7)))}. Built with {@link ColumnRef#plus(Duration)}, {@link
 * ColumnRef#minus(Duration)}, or implicitly by the comparisons that take a {@link ColumnRef}.
 *
 * <p>For a DATE column the offset is whole days; for a TIMESTAMP column, whole microseconds. When
 * the two columns belong to different datasets, the comparison is a condition across datasets: it
 * is tested on each person's combinations of rows, one per dataset (see the README, "Time, dates
 * and booleans").
 *
 * @param column the other column, plain or qualified
 * @param offset the fixed offset added to it, of magnitude at most 3,660,000 days
 */
public record ColumnOffset(String column, Duration offset) {
  /** The largest magnitude of an offset: more than the span of the years 1 to 9999. */
  public static final Duration MAX_OFFSET = Duration.ofDays(3_660_000);

  /**
   * @param column the other column
   * @param offset the offset
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code column} is blank or a time bucket, or {@code offset}
   *     is finer than microseconds or larger than {@link #MAX_OFFSET}
   */
  public ColumnOffset {
    Literals.checkColumn(column);
    Objects.requireNonNull(offset, "offset");
    if (TimeBucket.parse(column).isPresent()) {
      throw new IllegalArgumentException(
          "a column compared with another column must be a column, not a time bucket");
    }
    if (offset.getNano() % 1000 != 0) {
      throw new IllegalArgumentException("an offset must not be finer than microseconds");
    }
    if (offset.abs().compareTo(MAX_OFFSET) > 0) {
      throw new IllegalArgumentException(
          "an offset must be at most " + MAX_OFFSET.toDays() + " days");
    }
  }

  /**
   * This column with {@code more} added to its offset.
   *
   * @param more the offset to add
   * @return the column with the sum of both offsets
   */
  public ColumnOffset plus(Duration more) {
    return new ColumnOffset(column, offset.plus(more));
  }

  /** Shows the column and the offset (in days when whole days), which are not data values. */
  @Override
  public String toString() {
    if (offset.isZero()) {
      return column;
    }
    Duration abs = offset.abs();
    String sign = offset.isNegative() ? " - " : " + ";
    String amount =
        abs.getNano() == 0 && abs.getSeconds() % 86_400 == 0
            ? abs.toDays() + (abs.toDays() == 1 ? " day" : " days")
            : abs.toString();
    return column + sign + amount;
  }
}
