package dev.cleanroom.query;

import java.util.List;
import java.util.Objects;

/**
 * A released output row: group values, then aggregate values, in the order of {@link
 * Result#columns()}. Group values are {@link String}, {@link Long} or {@link Double}; counts are
 * {@link Long}; sums and means are {@link Double}.
 *
 * @param columns the result's columns
 * @param values the row's values, one per column
 */
public record ResultRow(List<ResultColumn> columns, List<Object> values) {
  /**
   * @throws NullPointerException if an argument or value is null
   * @throws IllegalArgumentException if there is not one value per column
   */
  public ResultRow {
    columns = List.copyOf(columns);
    values = List.copyOf(values);
    if (columns.size() != values.size()) {
      throw new IllegalArgumentException(
          "a row needs one value per column: " + columns.size() + " != " + values.size());
    }
  }

  /** The value of column {@code index}. */
  public Object get(int index) {
    return values.get(index);
  }

  /**
   * The value of the column named {@code name}.
   *
   * @throws IllegalArgumentException if there is no such column
   */
  public Object get(String name) {
    Objects.requireNonNull(name, "name");
    for (int i = 0; i < columns.size(); i++) {
      if (columns.get(i).name().equals(name)) {
        return values.get(i);
      }
    }
    throw new IllegalArgumentException(
        "column ["
            + name
            + "] not found; columns are: "
            + columns.stream().map(ResultColumn::name).toList());
  }

  /** The text value of the column named {@code name}. */
  public String getString(String name) {
    return String.valueOf(get(name));
  }

  /**
   * The whole-number value of the column named {@code name}.
   *
   * @throws ClassCastException if the column does not hold whole numbers
   */
  public long getLong(String name) {
    return (Long) get(name);
  }

  /**
   * The numeric value of the column named {@code name}.
   *
   * @throws ClassCastException if the column does not hold numbers
   */
  public double getDouble(String name) {
    return ((Number) get(name)).doubleValue();
  }

  @Override
  public String toString() {
    return values.toString();
  }
}
