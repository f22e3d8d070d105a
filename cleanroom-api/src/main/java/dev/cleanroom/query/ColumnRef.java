package dev.cleanroom.query;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A reference to a column in a condition, created by {@link Dsl#col(String)}. The name may be
 * qualified by its dataset ({@code impressions.country} or {@code publisher.impressions.country})
 * where it would otherwise be ambiguous.
 *
 * @param name the column name
 */
public record ColumnRef(String name) {
  /**
   * @param name the column name
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  public ColumnRef {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("column name must not be blank");
    }
  }

  /**
   * {@code column = value}.
   *
   * @param value the literal to compare with
   * @return the condition, to pass to {@code where}
   */
  public Condition eq(String value) {
    return cmp(Condition.Op.EQ, value);
  }

  /**
   * {@code column = value}.
   *
   * @param value the literal to compare with
   * @return the condition, to pass to {@code where}
   */
  public Condition eq(long value) {
    return cmp(Condition.Op.EQ, value);
  }

  /**
   * {@code column = value}.
   *
   * @param value the literal to compare with
   * @return the condition, to pass to {@code where}
   */
  public Condition eq(double value) {
    return cmp(Condition.Op.EQ, value);
  }

  /**
   * {@code column <> value}.
   *
   * @param value the literal to compare with
   * @return the condition, to pass to {@code where}
   */
  public Condition ne(String value) {
    return cmp(Condition.Op.NE, value);
  }

  /**
   * {@code column <> value}.
   *
   * @param value the literal to compare with
   * @return the condition, to pass to {@code where}
   */
  public Condition ne(long value) {
    return cmp(Condition.Op.NE, value);
  }

  /**
   * {@code column < value}.
   *
   * @param value the literal to compare with
   * @return the condition, to pass to {@code where}
   */
  public Condition lt(String value) {
    return cmp(Condition.Op.LT, value);
  }

  /**
   * {@code column < value}.
   *
   * @param value the literal to compare with
   * @return the condition, to pass to {@code where}
   */
  public Condition lt(long value) {
    return cmp(Condition.Op.LT, value);
  }

  /**
   * {@code column < value}.
   *
   * @param value the literal to compare with
   * @return the condition, to pass to {@code where}
   */
  public Condition lt(double value) {
    return cmp(Condition.Op.LT, value);
  }

  /**
   * {@code column <= value}.
   *
   * @param value the literal to compare with
   * @return the condition, to pass to {@code where}
   */
  public Condition le(String value) {
    return cmp(Condition.Op.LE, value);
  }

  /**
   * {@code column <= value}.
   *
   * @param value the literal to compare with
   * @return the condition, to pass to {@code where}
   */
  public Condition le(long value) {
    return cmp(Condition.Op.LE, value);
  }

  /**
   * {@code column <= value}.
   *
   * @param value the literal to compare with
   * @return the condition, to pass to {@code where}
   */
  public Condition le(double value) {
    return cmp(Condition.Op.LE, value);
  }

  /**
   * {@code column > value}.
   *
   * @param value the literal to compare with
   * @return the condition, to pass to {@code where}
   */
  public Condition gt(String value) {
    return cmp(Condition.Op.GT, value);
  }

  /**
   * {@code column > value}.
   *
   * @param value the literal to compare with
   * @return the condition, to pass to {@code where}
   */
  public Condition gt(long value) {
    return cmp(Condition.Op.GT, value);
  }

  /**
   * {@code column > value}.
   *
   * @param value the literal to compare with
   * @return the condition, to pass to {@code where}
   */
  public Condition gt(double value) {
    return cmp(Condition.Op.GT, value);
  }

  /**
   * {@code column >= value}.
   *
   * @param value the literal to compare with
   * @return the condition, to pass to {@code where}
   */
  public Condition ge(String value) {
    return cmp(Condition.Op.GE, value);
  }

  /**
   * {@code column >= value}.
   *
   * @param value the literal to compare with
   * @return the condition, to pass to {@code where}
   */
  public Condition ge(long value) {
    return cmp(Condition.Op.GE, value);
  }

  /**
   * {@code column >= value}.
   *
   * @param value the literal to compare with
   * @return the condition, to pass to {@code where}
   */
  public Condition ge(double value) {
    return cmp(Condition.Op.GE, value);
  }

  /**
   * {@code column = parameter}, for a query template.
   *
   * @param parameter the template parameter to compare with, from {@link Dsl#param(String)}
   * @return the condition, to pass to {@code where}
   */
  public Condition eq(Placeholder parameter) {
    return cmp(Condition.Op.EQ, parameter);
  }

  /**
   * {@code column <> parameter}, for a query template.
   *
   * @param parameter the template parameter to compare with, from {@link Dsl#param(String)}
   * @return the condition, to pass to {@code where}
   */
  public Condition ne(Placeholder parameter) {
    return cmp(Condition.Op.NE, parameter);
  }

  /**
   * {@code column < parameter}, for a query template.
   *
   * @param parameter the template parameter to compare with, from {@link Dsl#param(String)}
   * @return the condition, to pass to {@code where}
   */
  public Condition lt(Placeholder parameter) {
    return cmp(Condition.Op.LT, parameter);
  }

  /**
   * {@code column <= parameter}, for a query template.
   *
   * @param parameter the template parameter to compare with, from {@link Dsl#param(String)}
   * @return the condition, to pass to {@code where}
   */
  public Condition le(Placeholder parameter) {
    return cmp(Condition.Op.LE, parameter);
  }

  /**
   * {@code column > parameter}, for a query template.
   *
   * @param parameter the template parameter to compare with, from {@link Dsl#param(String)}
   * @return the condition, to pass to {@code where}
   */
  public Condition gt(Placeholder parameter) {
    return cmp(Condition.Op.GT, parameter);
  }

  /**
   * {@code column >= parameter}, for a query template.
   *
   * @param parameter the template parameter to compare with, from {@link Dsl#param(String)}
   * @return the condition, to pass to {@code where}
   */
  public Condition ge(Placeholder parameter) {
    return cmp(Condition.Op.GE, parameter);
  }

  /**
   * {@code low <= column <= high}.
   *
   * @param low the lower end, inclusive
   * @param high the upper end, inclusive
   * @return the condition, to pass to {@code where}
   */
  public Condition between(long low, long high) {
    return ge(low).and(le(high));
  }

  /**
   * {@code low <= column <= high}.
   *
   * @param low the lower end, inclusive
   * @param high the upper end, inclusive
   * @return the condition, to pass to {@code where}
   */
  public Condition between(double low, double high) {
    return ge(low).and(le(high));
  }

  /**
   * {@code low <= column <= high}, comparing text by its UTF-16 code units.
   *
   * @param low the lower end, inclusive
   * @param high the upper end, inclusive
   * @return the condition, to pass to {@code where}
   */
  public Condition between(String low, String high) {
    return ge(low).and(le(high));
  }

  /**
   * {@code column IN (values)}.
   *
   * @param values the literals to match, at least one
   * @return the condition, to pass to {@code where}
   */
  public Condition in(String... values) {
    return new Condition.In(name, List.of((Object[]) values));
  }

  /**
   * {@code column IN (values)}.
   *
   * @param values the literals to match, at least one
   * @return the condition, to pass to {@code where}
   */
  public Condition in(long... values) {
    List<Object> list = new ArrayList<>(values.length);
    for (long v : values) {
      list.add(v);
    }
    return new Condition.In(name, list);
  }

  /**
   * {@code column = value} on a DATE column.
   *
   * @param value the day to compare with
   * @return the condition, to pass to {@code where}
   * @throws NullPointerException if {@code value} is null
   * @throws IllegalArgumentException if {@code value} is outside the years 1 to 9999
   */
  public Condition eq(LocalDate value) {
    return cmp(Condition.Op.EQ, value);
  }

  /**
   * {@code column <> value} on a DATE column.
   *
   * @param value the day to compare with
   * @return the condition, to pass to {@code where}
   * @throws NullPointerException if {@code value} is null
   * @throws IllegalArgumentException if {@code value} is outside the years 1 to 9999
   */
  public Condition ne(LocalDate value) {
    return cmp(Condition.Op.NE, value);
  }

  /**
   * {@code column < value} on a DATE column.
   *
   * @param value the day to compare with
   * @return the condition, to pass to {@code where}
   * @throws NullPointerException if {@code value} is null
   * @throws IllegalArgumentException if {@code value} is outside the years 1 to 9999
   */
  public Condition lt(LocalDate value) {
    return cmp(Condition.Op.LT, value);
  }

  /**
   * {@code column <= value} on a DATE column.
   *
   * @param value the day to compare with
   * @return the condition, to pass to {@code where}
   * @throws NullPointerException if {@code value} is null
   * @throws IllegalArgumentException if {@code value} is outside the years 1 to 9999
   */
  public Condition le(LocalDate value) {
    return cmp(Condition.Op.LE, value);
  }

  /**
   * {@code column > value} on a DATE column.
   *
   * @param value the day to compare with
   * @return the condition, to pass to {@code where}
   * @throws NullPointerException if {@code value} is null
   * @throws IllegalArgumentException if {@code value} is outside the years 1 to 9999
   */
  public Condition gt(LocalDate value) {
    return cmp(Condition.Op.GT, value);
  }

  /**
   * {@code column >= value} on a DATE column.
   *
   * @param value the day to compare with
   * @return the condition, to pass to {@code where}
   * @throws NullPointerException if {@code value} is null
   * @throws IllegalArgumentException if {@code value} is outside the years 1 to 9999
   */
  public Condition ge(LocalDate value) {
    return cmp(Condition.Op.GE, value);
  }

  /**
   * {@code low <= column <= high} on a DATE column.
   *
   * @param low the lower end, inclusive
   * @param high the upper end, inclusive
   * @return the condition, to pass to {@code where}
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if an end is outside the years 1 to 9999
   */
  public Condition between(LocalDate low, LocalDate high) {
    return ge(low).and(le(high));
  }

  /**
   * {@code column = value} on a TIMESTAMP column.
   *
   * @param value the instant, at most microsecond precision, in the years 1 to 9999 (UTC) to
   *     compare with
   * @return the condition, to pass to {@code where}
   * @throws NullPointerException if {@code value} is null
   * @throws IllegalArgumentException if {@code value} is outside the years 1 to 9999
   */
  public Condition eq(Instant value) {
    return cmp(Condition.Op.EQ, value);
  }

  /**
   * {@code column <> value} on a TIMESTAMP column.
   *
   * @param value the instant, at most microsecond precision, in the years 1 to 9999 (UTC) to
   *     compare with
   * @return the condition, to pass to {@code where}
   * @throws NullPointerException if {@code value} is null
   * @throws IllegalArgumentException if {@code value} is outside the years 1 to 9999
   */
  public Condition ne(Instant value) {
    return cmp(Condition.Op.NE, value);
  }

  /**
   * {@code column < value} on a TIMESTAMP column.
   *
   * @param value the instant, at most microsecond precision, in the years 1 to 9999 (UTC) to
   *     compare with
   * @return the condition, to pass to {@code where}
   * @throws NullPointerException if {@code value} is null
   * @throws IllegalArgumentException if {@code value} is outside the years 1 to 9999
   */
  public Condition lt(Instant value) {
    return cmp(Condition.Op.LT, value);
  }

  /**
   * {@code column <= value} on a TIMESTAMP column.
   *
   * @param value the instant, at most microsecond precision, in the years 1 to 9999 (UTC) to
   *     compare with
   * @return the condition, to pass to {@code where}
   * @throws NullPointerException if {@code value} is null
   * @throws IllegalArgumentException if {@code value} is outside the years 1 to 9999
   */
  public Condition le(Instant value) {
    return cmp(Condition.Op.LE, value);
  }

  /**
   * {@code column > value} on a TIMESTAMP column.
   *
   * @param value the instant, at most microsecond precision, in the years 1 to 9999 (UTC) to
   *     compare with
   * @return the condition, to pass to {@code where}
   * @throws NullPointerException if {@code value} is null
   * @throws IllegalArgumentException if {@code value} is outside the years 1 to 9999
   */
  public Condition gt(Instant value) {
    return cmp(Condition.Op.GT, value);
  }

  /**
   * {@code column >= value} on a TIMESTAMP column.
   *
   * @param value the instant, at most microsecond precision, in the years 1 to 9999 (UTC) to
   *     compare with
   * @return the condition, to pass to {@code where}
   * @throws NullPointerException if {@code value} is null
   * @throws IllegalArgumentException if {@code value} is outside the years 1 to 9999
   */
  public Condition ge(Instant value) {
    return cmp(Condition.Op.GE, value);
  }

  /**
   * {@code low <= column <= high} on a TIMESTAMP column.
   *
   * @param low the lower end, inclusive
   * @param high the upper end, inclusive
   * @return the condition, to pass to {@code where}
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if an end is outside the years 1 to 9999
   */
  public Condition between(Instant low, Instant high) {
    return ge(low).and(le(high));
  }

  /**
   * {@code column = value} on a BOOLEAN column.
   *
   * @param value the truth value to compare with
   * @return the condition, to pass to {@code where}
   */
  public Condition eq(boolean value) {
    return cmp(Condition.Op.EQ, value);
  }

  /**
   * {@code column <> value} on a BOOLEAN column.
   *
   * @param value the truth value to compare with
   * @return the condition, to pass to {@code where}
   */
  public Condition ne(boolean value) {
    return cmp(Condition.Op.NE, value);
  }

  /**
   * This column plus a fixed offset, to compare another DATE or TIMESTAMP column with: {@code
   * col("conversions.day").le(col("impressions.day").plus(Duration.ofDays(7)))}.
   *
   * @param offset whole days for a DATE column, whole microseconds for a TIMESTAMP column
   * @return the column and offset
   * @throws NullPointerException if {@code offset} is null
   * @throws IllegalArgumentException if this column is a time bucket, or the offset is finer than
   *     microseconds or larger than {@link ColumnOffset#MAX_OFFSET}
   */
  public ColumnOffset plus(Duration offset) {
    return new ColumnOffset(name, offset);
  }

  /**
   * This column minus a fixed offset, to compare another DATE or TIMESTAMP column with.
   *
   * @param offset whole days for a DATE column, whole microseconds for a TIMESTAMP column
   * @return the column and offset
   * @throws NullPointerException if {@code offset} is null
   * @throws IllegalArgumentException as {@link #plus(Duration)}
   */
  public ColumnOffset minus(Duration offset) {
    return new ColumnOffset(name, offset.negated());
  }

  /**
   * {@code column = other}, two DATE or two TIMESTAMP columns.
   *
   * @param other the other column
   * @return the condition, to pass to {@code where}
   */
  public Condition eq(ColumnRef other) {
    return cmp(Condition.Op.EQ, other.plus(Duration.ZERO));
  }

  /**
   * {@code column <> other}, two DATE or two TIMESTAMP columns.
   *
   * @param other the other column
   * @return the condition, to pass to {@code where}
   */
  public Condition ne(ColumnRef other) {
    return cmp(Condition.Op.NE, other.plus(Duration.ZERO));
  }

  /**
   * {@code column < other}, two DATE or two TIMESTAMP columns.
   *
   * @param other the other column
   * @return the condition, to pass to {@code where}
   */
  public Condition lt(ColumnRef other) {
    return cmp(Condition.Op.LT, other.plus(Duration.ZERO));
  }

  /**
   * {@code column <= other}, two DATE or two TIMESTAMP columns.
   *
   * @param other the other column
   * @return the condition, to pass to {@code where}
   */
  public Condition le(ColumnRef other) {
    return cmp(Condition.Op.LE, other.plus(Duration.ZERO));
  }

  /**
   * {@code column > other}, two DATE or two TIMESTAMP columns.
   *
   * @param other the other column
   * @return the condition, to pass to {@code where}
   */
  public Condition gt(ColumnRef other) {
    return cmp(Condition.Op.GT, other.plus(Duration.ZERO));
  }

  /**
   * {@code column >= other}, two DATE or two TIMESTAMP columns.
   *
   * @param other the other column
   * @return the condition, to pass to {@code where}
   */
  public Condition ge(ColumnRef other) {
    return cmp(Condition.Op.GE, other.plus(Duration.ZERO));
  }

  /**
   * {@code column = other + offset}.
   *
   * @param other the other column and its offset
   * @return the condition, to pass to {@code where}
   */
  public Condition eq(ColumnOffset other) {
    return cmp(Condition.Op.EQ, other);
  }

  /**
   * {@code column <> other + offset}.
   *
   * @param other the other column and its offset
   * @return the condition, to pass to {@code where}
   */
  public Condition ne(ColumnOffset other) {
    return cmp(Condition.Op.NE, other);
  }

  /**
   * {@code column < other + offset}.
   *
   * @param other the other column and its offset
   * @return the condition, to pass to {@code where}
   */
  public Condition lt(ColumnOffset other) {
    return cmp(Condition.Op.LT, other);
  }

  /**
   * {@code column <= other + offset}.
   *
   * @param other the other column and its offset
   * @return the condition, to pass to {@code where}
   */
  public Condition le(ColumnOffset other) {
    return cmp(Condition.Op.LE, other);
  }

  /**
   * {@code column > other + offset}.
   *
   * @param other the other column and its offset
   * @return the condition, to pass to {@code where}
   */
  public Condition gt(ColumnOffset other) {
    return cmp(Condition.Op.GT, other);
  }

  /**
   * {@code column >= other + offset}.
   *
   * @param other the other column and its offset
   * @return the condition, to pass to {@code where}
   */
  public Condition ge(ColumnOffset other) {
    return cmp(Condition.Op.GE, other);
  }

  /**
   * {@code low <= column <= high}, against other columns with offsets.
   *
   * @param low the lower end, inclusive
   * @param high the upper end, inclusive
   * @return the condition, to pass to {@code where}
   */
  public Condition between(ColumnOffset low, ColumnOffset high) {
    return ge(low).and(le(high));
  }

  /**
   * {@code start <= column <= start + window}: this DATE or TIMESTAMP column lies within {@code
   * window} after {@code start}, both ends included. "A purchase within 7 days after an
   * impression": {@code col("conversions.day").within(col("impressions.day"), Duration.ofDays(7))}.
   *
   * @param start the column the window starts at
   * @param window the window's length, not negative
   * @return the condition, to pass to {@code where}
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code window} is negative, finer than microseconds or
   *     larger than {@link ColumnOffset#MAX_OFFSET}
   */
  public Condition within(ColumnRef start, Duration window) {
    if (window.isNegative()) {
      throw new IllegalArgumentException("window must be >= 0; provided value: " + window);
    }
    return between(start.plus(Duration.ZERO), start.plus(window));
  }

  private Condition cmp(Condition.Op op, Object value) {
    return new Condition.Comparison(name, op, value);
  }
}
