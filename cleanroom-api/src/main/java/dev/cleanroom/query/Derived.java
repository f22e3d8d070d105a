package dev.cleanroom.query;

import java.util.Objects;

/**
 * An output column computed from a query's released aggregates, after the release: a {@link Ratio}
 * of two aggregates of the same row, or the {@link Lift} of one group's ratio over another's.
 * Created by {@link Dsl#ratio} and {@link Dsl#lift}, added with {@link FinalStage#derive}.
 *
 * <p>A derived column is post-processing of released values: it costs no privacy budget and reads
 * no data. In threshold mode it is exact; in differential-privacy mode it carries a confidence
 * interval at {@link CellNoise#CONFIDENCE} built from the intervals of the values it is computed
 * from (see the README's section "Ratios, lift and utility control").
 */
public sealed interface Derived permits Derived.Ratio, Derived.Lift {
  /**
   * The name of the output column.
   *
   * @return the name of the output column
   */
  String alias();

  /**
   * {@code numerator / denominator} of each released row, e.g. a conversion rate (converters over
   * exposed people) or revenue per buyer (a sum over a count). Both name aggregates of the same
   * query that are counts or sums. The value is NaN where the denominator is 0.
   *
   * @param alias the name of the output column
   * @param numerator the alias of the aggregate above the line
   * @param denominator the alias of the aggregate below the line
   */
  record Ratio(String alias, String numerator, String denominator) implements Derived {
    /**
     * @param alias the name of the output column
     * @param numerator the alias of the aggregate above the line
     * @param denominator the alias of the aggregate below the line
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if a name is not a valid output column name
     */
    public Ratio {
      checkName("alias", alias);
      checkName("numerator", numerator);
      checkName("denominator", denominator);
    }
  }

  /**
   * {@code ratio(group) / ratio(baseline) − 1}: how much higher (or lower, if negative) a ratio is
   * in one group of a grouped dimension than in another, e.g. the conversion rate of the exposed
   * people over that of the holdout. Its value sits on the rows of {@code group}, compared with the
   * row of {@code baseline} that has the same values in every other grouped dimension; it is NaN on
   * every other row, and where that row was not released or its ratio is 0 or NaN.
   *
   * @param alias the name of the output column
   * @param ratio the alias of a {@link Ratio} of the same query
   * @param dimension the grouped dimension whose values are compared, as written in {@code groupBy}
   * @param group the value of {@code dimension} whose ratio is compared (a String, whole number or
   *     finite number)
   * @param baseline the value of {@code dimension} it is compared with
   */
  record Lift(String alias, String ratio, String dimension, Object group, Object baseline)
      implements Derived {
    /**
     * @param alias the name of the output column
     * @param ratio the alias of a {@link Ratio} of the same query
     * @param dimension the grouped dimension whose values are compared, as written in {@code
     *     groupBy}
     * @param group the value of {@code dimension} whose ratio is compared
     * @param baseline the value of {@code dimension} it is compared with
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if a name is invalid, a value is not a String, whole number
     *     or finite number, or the two values are equal
     */
    public Lift {
      checkName("alias", alias);
      checkName("ratio", ratio);
      Objects.requireNonNull(dimension, "dimension");
      if (dimension.isBlank()) {
        throw new IllegalArgumentException("dimension must not be blank");
      }
      group = Literals.check(group);
      baseline = Literals.check(baseline);
      if (group.equals(baseline)) {
        throw new IllegalArgumentException("a lift compares two different groups");
      }
    }
  }

  private static void checkName(String what, String name) {
    Objects.requireNonNull(name, what);
    if (!name.matches("[A-Za-z_][A-Za-z0-9_]{0,127}")) {
      throw new IllegalArgumentException(
          what
              + " must start with a letter or underscore and contain only letters, digits and"
              + " underscores; provided value: '"
              + name
              + "'");
    }
  }
}
