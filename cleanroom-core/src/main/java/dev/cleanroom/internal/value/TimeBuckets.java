package dev.cleanroom.internal.value;

import dev.cleanroom.ColumnType;
import dev.cleanroom.InvalidQueryException;
import dev.cleanroom.query.TimeBucket;
import java.time.Duration;
import java.time.LocalDate;

/**
 * The one computation of a time bucket on held values ({@link TypedValues}): from a DATE's days
 * since 1970-01-01 or a TIMESTAMP's microseconds, the days of the bucket's first day. Every path
 * that computes buckets in the engine calls this; SQL statements compute the same with {@link
 * dev.cleanroom.jdbc.SqlDialect#timeBucket}.
 */
public final class TimeBuckets {
  private TimeBuckets() {}

  /**
   * The first day of {@code bucket} that holds {@code held}.
   *
   * @param bucket the bucket
   * @param base the type of the held value: DATE or TIMESTAMP
   * @param held days since 1970-01-01 (DATE) or microseconds since 1970-01-01T00:00:00Z (TIMESTAMP)
   * @return the bucket's first day, in days since 1970-01-01
   */
  public static long of(TimeBucket bucket, ColumnType base, long held) {
    long day =
        base == ColumnType.TIMESTAMP ? Math.floorDiv(held, TypedValues.MICROS_PER_DAY) : held;
    return switch (bucket) {
      case DAY -> day;
      // 1970-01-01 was a Thursday: (day + 3) mod 7 is 0 on Mondays.
      case WEEK -> day - Math.floorMod(day + 3, 7);
      case MONTH -> LocalDate.ofEpochDay(day).withDayOfMonth(1).toEpochDay();
    };
  }

  /**
   * The first day of the first bucket that starts on or after {@code day}.
   *
   * @param bucket the bucket
   * @param day days since 1970-01-01
   * @return {@code day} if a bucket starts on it, else the start of the next bucket
   */
  public static long startOnOrAfter(TimeBucket bucket, long day) {
    long start = of(bucket, ColumnType.DATE, day);
    if (start == day) {
      return day;
    }
    return switch (bucket) {
      case DAY -> day;
      case WEEK -> start + 7;
      case MONTH -> LocalDate.ofEpochDay(start).plusMonths(1).toEpochDay();
    };
  }

  /**
   * The offset of a comparison between two columns of {@code type}, as a held whole number: days
   * for DATE, microseconds for TIMESTAMP.
   *
   * @param type DATE or TIMESTAMP
   * @param offset the offset
   * @return the held offset
   * @throws InvalidQueryException if a DATE column's offset is not whole days
   */
  public static long heldOffset(ColumnType type, Duration offset) {
    if (type == ColumnType.DATE) {
      if (offset.getNano() != 0 || offset.getSeconds() % 86_400 != 0) {
        throw new InvalidQueryException("an offset added to a DATE column must be whole days");
      }
      return offset.getSeconds() / 86_400;
    }
    return offset.getSeconds() * 1_000_000L + offset.getNano() / 1000;
  }
}
