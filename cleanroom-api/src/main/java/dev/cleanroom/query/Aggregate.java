package dev.cleanroom.query;

import dev.cleanroom.AggregateFunction;
import java.util.Objects;
import java.util.Optional;

/**
 * One aggregate of a query's output, created by {@link Dsl}: a function, the metric it reads (none
 * for counts) and the output column's name.
 *
 * @param function the aggregate function
 * @param column the metric column, or the empty string for {@link AggregateFunction#COUNT} and
 *     {@link AggregateFunction#COUNT_DISTINCT_USERS}
 * @param alias the name of the output column
 */
public record Aggregate(AggregateFunction function, String column, String alias) {
  /**
   * @param function the aggregate function
   * @param column the metric column, or the empty string for {@link AggregateFunction#COUNT} and
   *     {@link AggregateFunction#COUNT_DISTINCT_USERS}
   * @param alias the name of the output column
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the column does not fit the function or the alias is blank
   */
  public Aggregate {
    Objects.requireNonNull(function, "function");
    Objects.requireNonNull(column, "column");
    Objects.requireNonNull(alias, "alias");
    if (!column.isEmpty() && column.isBlank()) {
      throw new IllegalArgumentException("metric column must not be blank");
    }
    if (function.needsMetric() == column.isEmpty()) {
      throw new IllegalArgumentException(
          function.needsMetric()
              ? function + " needs a metric column"
              : function + " takes no column; provided column: " + column);
    }
    if (!alias.matches("[A-Za-z_][A-Za-z0-9_]{0,127}")) {
      throw new IllegalArgumentException(
          "alias must start with a letter or underscore and contain only letters, digits and"
              + " underscores; provided value: '"
              + alias
              + "'");
    }
  }

  /**
   * The same aggregate with the output column named {@code alias}.
   *
   * @param alias the name of the output column
   * @return the same aggregate with the output column named {@code alias}
   */
  public Aggregate as(String alias) {
    return new Aggregate(function, column, alias);
  }

  /**
   * The metric column, if the function reads one.
   *
   * @return the metric column, if the function reads one
   */
  public Optional<String> metric() {
    return column.isEmpty() ? Optional.empty() : Optional.of(column);
  }
}
