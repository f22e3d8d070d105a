package dev.cleanroom;

import java.util.Objects;

/**
 * A named, typed column of a {@link Schema}.
 *
 * @param name the column name: a letter or underscore, then letters, digits or underscores
 * @param type the column type
 */
public record Column(String name, ColumnType type) {
  /**
   * @param name the column name: a letter or underscore, then letters, digits or underscores
   * @param type the column type
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code name} is not a valid name
   */
  public Column {
    Names.check("column name", name);
    Objects.requireNonNull(type, "type");
  }

  /**
   * A {@link ColumnType#STRING} column.
   *
   * @param name the column name: a letter or underscore, then letters, digits or underscores
   * @return a {@link ColumnType#STRING} column
   */
  public static Column string(String name) {
    return new Column(name, ColumnType.STRING);
  }

  /**
   * A {@link ColumnType#LONG} column.
   *
   * @param name the column name: a letter or underscore, then letters, digits or underscores
   * @return a {@link ColumnType#LONG} column
   */
  public static Column int64(String name) {
    return new Column(name, ColumnType.LONG);
  }

  /**
   * A {@link ColumnType#DOUBLE} column.
   *
   * @param name the column name: a letter or underscore, then letters, digits or underscores
   * @return a {@link ColumnType#DOUBLE} column
   */
  public static Column float64(String name) {
    return new Column(name, ColumnType.DOUBLE);
  }

  /**
   * A {@link ColumnType#DATE} column.
   *
   * @param name the column name: a letter or underscore, then letters, digits or underscores
   * @return a {@link ColumnType#DATE} column
   */
  public static Column date(String name) {
    return new Column(name, ColumnType.DATE);
  }

  /**
   * A {@link ColumnType#TIMESTAMP} column.
   *
   * @param name the column name: a letter or underscore, then letters, digits or underscores
   * @return a {@link ColumnType#TIMESTAMP} column
   */
  public static Column timestamp(String name) {
    return new Column(name, ColumnType.TIMESTAMP);
  }

  /**
   * A {@link ColumnType#BOOLEAN} column.
   *
   * @param name the column name: a letter or underscore, then letters, digits or underscores
   * @return a {@link ColumnType#BOOLEAN} column
   */
  public static Column bool(String name) {
    return new Column(name, ColumnType.BOOLEAN);
  }
}
