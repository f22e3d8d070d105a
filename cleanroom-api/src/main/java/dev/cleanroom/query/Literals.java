package dev.cleanroom.query;

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
   * Returns a condition's operand: a template {@link Placeholder} as it is, anything else as by
   * {@link #check(Object)}.
   */
  static Object checkOperand(Object value) {
    return value instanceof Placeholder ? value : check(value);
  }

  /** Returns {@code value} as a String, Long or Double; rejects anything else. */
  static Object check(Object value) {
    if (value == null) {
      throw new NullPointerException("a condition value must not be null");
    }
    if (value instanceof String || value instanceof Long) {
      return value;
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
        "a condition value must be a String, a whole number or a finite floating-point number;"
            + " provided type: "
            + value.getClass().getSimpleName());
  }
}
