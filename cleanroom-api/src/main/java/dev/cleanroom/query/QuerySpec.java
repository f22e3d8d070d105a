package dev.cleanroom.query;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The plain description of a query that the fluent builder produces and the engine plans.
 *
 * @param analyst the party running the query
 * @param datasets the qualified names ({@code owner.name}) of the datasets, the first one from
 *     {@code from}, the others joined on the user id
 * @param where the conditions, all of which must hold (empty: no filter)
 * @param groupBy the dimensions to group by (empty: one total row)
 * @param aggregates the aggregates to compute, at least one
 * @param privacy threshold mode or differential privacy
 * @param options derived columns, narrowed bounds and post-processing ({@link QueryOptions#NONE}
 *     for none)
 */
public record QuerySpec(
    String analyst,
    List<String> datasets,
    List<Condition> where,
    List<String> groupBy,
    List<Aggregate> aggregates,
    Privacy privacy,
    QueryOptions options) {
  /**
   * @param analyst the party running the query
   * @param datasets the qualified names ({@code owner.name}) of the datasets, the first one from
   *     {@code from}, the others joined on the user id
   * @param where the conditions, all of which must hold (empty: no filter)
   * @param groupBy the dimensions to group by (empty: one total row)
   * @param aggregates the aggregates to compute, at least one
   * @param privacy threshold mode or differential privacy
   * @param options derived columns, narrowed bounds and post-processing
   * @throws NullPointerException if an argument or element is null
   * @throws IllegalArgumentException if there is no dataset or aggregate, a dataset is named twice,
   *     two output columns have the same name, a derived column names an aggregate, ratio or
   *     dimension the query does not have (a ratio reads counts and sums only), or bounds are set
   *     for a metric that no sum or mean reads
   */
  public QuerySpec {
    Objects.requireNonNull(analyst, "analyst");
    Objects.requireNonNull(privacy, "privacy");
    Objects.requireNonNull(options, "options");
    datasets = List.copyOf(datasets);
    where = List.copyOf(where);
    groupBy = List.copyOf(groupBy);
    aggregates = List.copyOf(aggregates);
    if (datasets.isEmpty()) {
      throw new IllegalArgumentException("a query needs a dataset");
    }
    if (new HashSet<>(datasets).size() != datasets.size()) {
      throw new IllegalArgumentException("a dataset may appear only once in a query");
    }
    if (aggregates.isEmpty()) {
      throw new IllegalArgumentException("a query needs at least one aggregate");
    }
    if (privacy instanceof Privacy.Differential dp && dp.publicGroups().isPresent()) {
      for (List<Object> key : dp.publicGroups().get()) {
        if (key.size() != groupBy.size()) {
          throw new IllegalArgumentException(
              "every public group needs one value per grouped dimension ("
                  + groupBy.size()
                  + "); provided size: "
                  + key.size());
        }
      }
    }
    Set<String> names = new HashSet<>();
    for (String g : groupBy) {
      if (!names.add(g)) {
        throw new IllegalArgumentException("column [" + g + "] is grouped by twice");
      }
    }
    Set<String> aliases = new HashSet<>();
    for (String g : groupBy) {
      aliases.add(TimeBucket.outputName(g));
    }
    for (Aggregate a : aggregates) {
      if (!aliases.add(a.alias())) {
        throw new IllegalArgumentException(
            "output column ["
                + a.alias()
                + "] is named twice; give each aggregate an alias of its own");
      }
    }
    checkOptions(groupBy, aggregates, options, aliases);
  }

  /**
   * A query without options.
   *
   * @param analyst the party running the query
   * @param datasets the qualified names ({@code owner.name}) of the datasets, the first one from
   *     {@code from}, the others joined on the user id
   * @param where the conditions, all of which must hold (empty: no filter)
   * @param groupBy the dimensions to group by (empty: one total row)
   * @param aggregates the aggregates to compute, at least one
   * @param privacy threshold mode or differential privacy
   */
  public QuerySpec(
      String analyst,
      List<String> datasets,
      List<Condition> where,
      List<String> groupBy,
      List<Aggregate> aggregates,
      Privacy privacy) {
    this(analyst, datasets, where, groupBy, aggregates, privacy, QueryOptions.NONE);
  }

  private static void checkOptions(
      List<String> groupBy, List<Aggregate> aggregates, QueryOptions options, Set<String> taken) {
    Set<String> ratios = new HashSet<>();
    for (Derived d : options.derived()) {
      if (!taken.add(d.alias())) {
        throw new IllegalArgumentException(
            "output column [" + d.alias() + "] is named twice; give each column a name of its own");
      }
      if (d instanceof Derived.Ratio r) {
        ratioPart(aggregates, r.numerator());
        ratioPart(aggregates, r.denominator());
        ratios.add(r.alias());
      }
    }
    for (Derived d : options.derived()) {
      if (d instanceof Derived.Lift l) {
        if (!ratios.contains(l.ratio())) {
          throw new IllegalArgumentException(
              "lift [" + l.alias() + "] needs a ratio of the query; [" + l.ratio() + "] is none");
        }
        if (!groupBy.contains(l.dimension())) {
          throw new IllegalArgumentException(
              "lift ["
                  + l.alias()
                  + "] compares groups of a grouped dimension; ["
                  + l.dimension()
                  + "] is not grouped by; grouped: "
                  + groupBy);
        }
      }
    }
    for (String metric : options.bounds().keySet()) {
      if (aggregates.stream().noneMatch(a -> a.column().equals(metric))) {
        throw new IllegalArgumentException(
            "bounds are set for metric [" + metric + "], which no aggregate of the query reads");
      }
    }
  }

  private static void ratioPart(List<Aggregate> aggregates, String alias) {
    for (Aggregate a : aggregates) {
      if (a.alias().equals(alias)) {
        switch (a.function()) {
          case COUNT, COUNT_DISTINCT_USERS, SUM -> {
            return;
          }
          default ->
              throw new IllegalArgumentException(
                  "a ratio reads counts and sums; [" + alias + "] is " + a.function());
        }
      }
    }
    throw new IllegalArgumentException(
        "a ratio reads aggregates of its query; ["
            + alias
            + "] is none; aggregates: "
            + aggregates.stream().map(Aggregate::alias).toList());
  }

  /**
   * A threshold-mode query.
   *
   * @param analyst the party running the query
   * @param datasets the qualified names ({@code owner.name}) of the datasets, the first one from
   *     {@code from}, the others joined on the user id
   * @param where the conditions, all of which must hold (empty: no filter)
   * @param groupBy the dimensions to group by (empty: one total row)
   * @param aggregates the aggregates to compute, at least one
   */
  public QuerySpec(
      String analyst,
      List<String> datasets,
      List<Condition> where,
      List<String> groupBy,
      List<Aggregate> aggregates) {
    this(analyst, datasets, where, groupBy, aggregates, Privacy.THRESHOLD_ONLY, QueryOptions.NONE);
  }

  /**
   * This query with other privacy.
   *
   * @param privacy threshold mode or differential privacy
   * @return this query with other privacy
   */
  public QuerySpec withPrivacy(Privacy privacy) {
    return new QuerySpec(analyst, datasets, where, groupBy, aggregates, privacy, options);
  }

  /**
   * This query with other options.
   *
   * @param options derived columns, narrowed bounds and post-processing
   * @return this query with other options
   */
  public QuerySpec withOptions(QueryOptions options) {
    return new QuerySpec(analyst, datasets, where, groupBy, aggregates, privacy, options);
  }

  /**
   * This query as SQL text that {@code room.as(analyst).sql(...)} compiles back to an equal {@code
   * QuerySpec} (the analyst is not part of the text). Privacy settings become {@code WITH
   * differential_privacy AS (...)} and {@code WITH public_groups (...) AS (VALUES ...)} items;
   * names are quoted where needed and literals written exactly. The text holds the query's literal
   * values: treat it like the query itself, not like a log line.
   *
   * @return this query as SQL text
   * @throws IllegalArgumentException if a part has no SQL form: a template parameter whose name is
   *     not a plain identifier or is a keyword of the SQL parser, a name with a line break, or an
   *     empty list of public groups (or public groups of a query without {@code groupBy}, which
   *     release no row or only the total row), or {@link #options()} are set (they have no SQL
   *     form)
   */
  public String toSql() {
    return SqlText.query(this);
  }

  @Override
  public String toString() {
    return "QuerySpec[analyst="
        + analyst
        + ", datasets="
        + datasets
        + ", where="
        + where
        + ", groupBy="
        + groupBy
        + ", aggregates="
        + aggregates
        + ", privacy="
        + privacy
        + (options.equals(QueryOptions.NONE) ? "" : ", options=" + options)
        + "]";
  }
}
