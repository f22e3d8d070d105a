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
 */
public record QuerySpec(
    String analyst,
    List<String> datasets,
    List<Condition> where,
    List<String> groupBy,
    List<Aggregate> aggregates,
    Privacy privacy) {
  /**
   * @param analyst the party running the query
   * @param datasets the qualified names ({@code owner.name}) of the datasets, the first one from
   *     {@code from}, the others joined on the user id
   * @param where the conditions, all of which must hold (empty: no filter)
   * @param groupBy the dimensions to group by (empty: one total row)
   * @param aggregates the aggregates to compute, at least one
   * @param privacy threshold mode or differential privacy
   * @throws NullPointerException if an argument or element is null
   * @throws IllegalArgumentException if there is no dataset or aggregate, a dataset is named twice,
   *     or two output columns have the same name
   */
  public QuerySpec {
    Objects.requireNonNull(analyst, "analyst");
    Objects.requireNonNull(privacy, "privacy");
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
      aliases.add(g.substring(g.lastIndexOf('.') + 1));
    }
    for (Aggregate a : aggregates) {
      if (!aliases.add(a.alias())) {
        throw new IllegalArgumentException(
            "output column ["
                + a.alias()
                + "] is named twice; give each aggregate an alias of its own");
      }
    }
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
    this(analyst, datasets, where, groupBy, aggregates, Privacy.THRESHOLD_ONLY);
  }

  /**
   * This query with other privacy.
   *
   * @param privacy threshold mode or differential privacy
   * @return this query with other privacy
   */
  public QuerySpec withPrivacy(Privacy privacy) {
    return new QuerySpec(analyst, datasets, where, groupBy, aggregates, privacy);
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
   *     release no row or only the total row)
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
        + "]";
  }
}
