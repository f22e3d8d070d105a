package dev.cleanroom.query;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A released output row: group values, then aggregate values, in the order of {@link
 * Result#columns()}. Group values are {@link String}, {@link Long}, {@link Double}, {@link
 * java.time.LocalDate} (DATE), {@link java.time.Instant} (TIMESTAMP) or {@link Boolean} (BOOLEAN);
 * counts are {@link Long}; sums and means are {@link Double}.
 *
 * <p>In a differentially private result, each aggregate cell also carries its noise and a 95%
 * confidence interval ({@link #noise(String)}).
 *
 * @param columns the result's columns
 * @param values the row's values, one per column
 * @param noise the noise of each column's cell; empty for exact cells
 */
public record ResultRow(
    List<ResultColumn> columns, List<Object> values, List<Optional<CellNoise>> noise) {
  /**
   * @param columns the result's columns
   * @param values the row's values, one per column
   * @param noise the noise of each column's cell; empty for exact cells
   * @throws NullPointerException if an argument or value is null
   * @throws IllegalArgumentException if there is not one value per column
   */
  public ResultRow {
    columns = List.copyOf(columns);
    values = List.copyOf(values);
    noise = List.copyOf(noise);
    if (columns.size() != values.size() || columns.size() != noise.size()) {
      throw new IllegalArgumentException(
          "a row needs one value and one noise entry per column: "
              + columns.size()
              + " columns, "
              + values.size()
              + " values, "
              + noise.size()
              + " noise entries");
    }
  }

  /**
   * A row of exact values (threshold mode).
   *
   * @param columns the result's columns
   * @param values the row's values, one per column
   */
  public ResultRow(List<ResultColumn> columns, List<Object> values) {
    this(columns, values, exact(values.size()));
  }

  private static List<Optional<CellNoise>> exact(int n) {
    List<Optional<CellNoise>> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(Optional.empty());
    }
    return out;
  }

  /**
   * The noise of the column named {@code name}: empty for exact cells.
   *
   * @param name the column's name
   * @return the noise of the column named {@code name}: empty for exact cells
   * @throws IllegalArgumentException if there is no such column
   */
  public Optional<CellNoise> noise(String name) {
    return noise.get(indexOf(name));
  }

  /**
   * The value of column {@code index}.
   *
   * @param index the column's position, from 0
   * @return the value of column {@code index}
   */
  public Object get(int index) {
    return values.get(index);
  }

  /**
   * The value of the column named {@code name}.
   *
   * @param name the column's name
   * @return the value of the column named {@code name}
   * @throws IllegalArgumentException if there is no such column
   */
  public Object get(String name) {
    return values.get(indexOf(name));
  }

  private int indexOf(String name) {
    Objects.requireNonNull(name, "name");
    for (int i = 0; i < columns.size(); i++) {
      if (columns.get(i).name().equals(name)) {
        return i;
      }
    }
    throw new IllegalArgumentException(
        "column ["
            + name
            + "] not found; columns are: "
            + columns.stream().map(ResultColumn::name).toList());
  }

  /**
   * The text value of the column named {@code name}.
   *
   * @param name the column's name
   * @return the text value of the column named {@code name}
   */
  public String getString(String name) {
    return String.valueOf(get(name));
  }

  /**
   * The whole-number value of the column named {@code name}.
   *
   * @param name the column's name
   * @return the whole-number value of the column named {@code name}
   * @throws ClassCastException if the column does not hold whole numbers
   */
  public long getLong(String name) {
    return (Long) get(name);
  }

  /**
   * The numeric value of the column named {@code name}.
   *
   * @param name the column's name
   * @return the numeric value of the column named {@code name}
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
