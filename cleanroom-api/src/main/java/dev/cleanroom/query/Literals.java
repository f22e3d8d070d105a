package dev.cleanroom.query;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

/** Normalization of the literal values of conditions. */
final class Literals {
  private Literals() {}

  /** Checks a column name of a condition: not null, not blank. */
  static void checkColumn(String column) {
    if (column == null) {
      throw new NullPointerException("column must not be null");
    }
    if (column.isBlank()) {
      throw new IllegalArgumentException("column name must not be blank");
    }
  }

  /**
   * Returns a condition's operand: a template {@link Placeholder} or a {@link ColumnOffset} as it
   * is, anything else as by {@link #check(Object)}.
   */
  static Object checkOperand(Object value) {
    return value instanceof Placeholder || value instanceof ColumnOffset ? value : check(value);
  }

  /** The first day a DATE or TIMESTAMP may hold. */
  static final LocalDate FIRST_DAY = LocalDate.of(1, 1, 1);

  /** The last day a DATE or TIMESTAMP may hold. */
  static final LocalDate LAST_DAY = LocalDate.of(9999, 12, 31);

  private static final Instant FIRST_INSTANT = FIRST_DAY.atStartOfDay(ZoneOffset.UTC).toInstant();
  private static final Instant END_INSTANT =
      LAST_DAY.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();

  /**
   * Returns {@code value} as a String, Long, Double, LocalDate, Instant or Boolean; rejects
   * anything else, and days and instants outside the years 1 to 9999 or finer than microseconds.
   */
  static Object check(Object value) {
    if (value == null) {
      throw new NullPointerException("a condition value must not be null");
    }
    if (value instanceof String || value instanceof Long || value instanceof Boolean) {
      return value;
    }
    if (value instanceof LocalDate d) {
      if (d.isBefore(FIRST_DAY) || d.isAfter(LAST_DAY)) {
        throw new IllegalArgumentException("a date must be in the years 1 to 9999");
      }
      return d;
    }
    if (value instanceof Instant t) {
      if (t.isBefore(FIRST_INSTANT) || !t.isBefore(END_INSTANT)) {
        throw new IllegalArgumentException("a timestamp must be in the years 1 to 9999 (UTC)");
      }
      if (t.getNano() % 1000 != 0) {
        throw new IllegalArgumentException("a timestamp must not be finer than microseconds");
      }
      return t;
    }
    if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return ((Number) value).longValue();
    }
    if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      if (!Double.isFinite(d)) {
        throw new IllegalArgumentException("a condition value must be a finite number");
      }
      return d;
    }
    throw new IllegalArgumentException(
        "a condition value must be a String, a whole number, a finite floating-point number, a"
            + " LocalDate, an Instant or a Boolean;"
            + " provided type: "
            + value.getClass().getSimpleName());
  }
}
