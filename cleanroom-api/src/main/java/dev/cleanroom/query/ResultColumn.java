package dev.cleanroom.query;

import dev.cleanroom.ColumnType;
import java.util.Objects;

/**
 * A column of a {@link Result}.
 *
 * @param name the column's name: a grouped dimension or an aggregate's alias
 * @param type {@link ColumnType#LONG} for counts, {@link ColumnType#DOUBLE} for sums and means, the
 *     dimension's type for group columns
 * @param aggregate whether the column holds an aggregate (otherwise a group value)
 */
public record ResultColumn(String name, ColumnType type, boolean aggregate) {
  /**
   * @param name the column's name: a grouped dimension or an aggregate's alias
   * @param type {@link ColumnType#LONG} for counts, {@link ColumnType#DOUBLE} for sums and means,
   *     the dimension's type for group columns
   * @param aggregate whether the column holds an aggregate (otherwise a group value)
   * @throws NullPointerException if an argument is null
   */
  public ResultColumn {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
  }
}
