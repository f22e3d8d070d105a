package dev.cleanroom.query;

import dev.cleanroom.AggregateFunction;
import java.util.Objects;
import java.util.Optional;

/**
 * One aggregate of a query's output, created by {@link Dsl}: a function, the metric it reads (none
 * for counts), the output column's name and, for a {@link AggregateFunction#QUANTILE}, its fraction
 * p.
 *
 * @param function the aggregate function
 * @param column the metric column, or the empty string for {@link AggregateFunction#COUNT} and
 *     {@link AggregateFunction#COUNT_DISTINCT_USERS}
 * @param alias the name of the output column
 * @param fraction the fraction p of a {@link AggregateFunction#QUANTILE}, with 0 &lt; p &lt; 1 (0.5
 *     for the median); 0 for every other function
 */
public record Aggregate(AggregateFunction function, String column, String alias, double fraction) {
  /**
   * @param function the aggregate function
   * @param column the metric column, or the empty string for {@link AggregateFunction#COUNT} and
   *     {@link AggregateFunction#COUNT_DISTINCT_USERS}
   * @param alias the name of the output column
   * @param fraction the fraction p of a {@link AggregateFunction#QUANTILE}, with 0 &lt; p &lt; 1; 0
   *     for every other function
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the column does not fit the function, the alias is blank,
   *     or the fraction does not fit the function
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
    if (function == AggregateFunction.QUANTILE) {
      if (!(fraction > 0 && fraction < 1)) {
        throw new IllegalArgumentException(
            "a quantile's fraction p must be > 0 and < 1; provided value: " + fraction);
      }
    } else if (Double.compare(fraction, 0) != 0) {
      throw new IllegalArgumentException(
          function + " takes no fraction (only QUANTILE does); provided value: " + fraction);
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
   * An aggregate of a function other than {@link AggregateFunction#QUANTILE}: fraction 0.
   *
   * @param function the aggregate function
   * @param column the metric column, or the empty string for counts
   * @param alias the name of the output column
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException as the canonical constructor, and for a quantile (which needs
   *     its fraction)
   */
  public Aggregate(AggregateFunction function, String column, String alias) {
    this(function, column, alias, 0);
  }

  /**
   * The same aggregate with the output column named {@code alias}.
   *
   * @param alias the name of the output column
   * @return the same aggregate with the output column named {@code alias}
   */
  public Aggregate as(String alias) {
    return new Aggregate(function, column, alias, fraction);
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
