package dev.cleanroom;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The ordered columns of a data source.
 *
 * @param columns the columns, in order; names are unique
 */
public record Schema(List<Column> columns) {
  /**
   * @param columns the columns, in order; names are unique
   * @throws NullPointerException if {@code columns} or one of its elements is null
   * @throws IllegalArgumentException if {@code columns} is empty or names a column twice
   */
  public Schema {
    columns = List.copyOf(columns);
    if (columns.isEmpty()) {
      throw new IllegalArgumentException("a schema needs at least one column");
    }
    Set<String> seen = new HashSet<>();
    for (Column c : columns) {
      if (!seen.add(c.name())) {
        throw new IllegalArgumentException("column [" + c.name() + "] is declared twice");
      }
    }
  }

  /**
   * A schema of the given columns.
   *
   * @param columns the columns, in order; names are unique
   * @return a schema of the given columns
   */
  public static Schema of(Column... columns) {
    return new Schema(List.of(columns));
  }

  /**
   * The column named {@code name}, if there is one.
   *
   * @param name the column's name
   * @return the column named {@code name}, if there is one
   */
  public Optional<Column> column(String name) {
    Objects.requireNonNull(name, "name");
    return columns.stream().filter(c -> c.name().equals(name)).findFirst();
  }

  /**
   * The position of the column named {@code name}, or -1 if there is none.
   *
   * @param name the column's name
   * @return the position of the column named {@code name}, or -1 if there is none
   */
  public int indexOf(String name) {
    Objects.requireNonNull(name, "name");
    for (int i = 0; i < columns.size(); i++) {
      if (columns.get(i).name().equals(name)) {
        return i;
      }
    }
    return -1;
  }

  /**
   * The names of the columns, in order.
   *
   * @return the names of the columns, in order
   */
  public List<String> names() {
    List<String> names = new ArrayList<>(columns.size());
    for (Column c : columns) {
      names.add(c.name());
    }
    return List.copyOf(names);
  }
}
