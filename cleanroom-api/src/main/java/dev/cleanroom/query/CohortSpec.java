package dev.cleanroom.query;

import dev.cleanroom.Party;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * The plain description of a cohort activation: the people who match a query's row stage, released
 * to one receiving party as the ids of its own users.
 *
 * @param analyst the party that defines and activates the cohort
 * @param datasets the qualified names ({@code owner.name}) of the datasets, the first one from
 *     {@code from}, the others joined on the user id
 * @param where the conditions, all of which must hold (empty: no filter)
 * @param receiver the party that receives the ids of its own users in the cohort; it must own one
 *     of the datasets
 */
public record CohortSpec(
    String analyst, List<String> datasets, List<Condition> where, String receiver) {
  /**
   * @param analyst the party that defines and activates the cohort
   * @param datasets the qualified names ({@code owner.name}) of the datasets, each at most once,
   *     the first one from {@code from}; copied
   * @param where the conditions, all of which must hold (empty: no filter); copied
   * @param receiver the party that receives the ids of its own users in the cohort, a valid party
   *     name
   * @throws NullPointerException if an argument or element is null
   * @throws IllegalArgumentException if there is no dataset, a dataset is named twice, or the
   *     receiver is not a valid party name
   */
  public CohortSpec {
    Objects.requireNonNull(analyst, "analyst");
    datasets = List.copyOf(datasets);
    where = List.copyOf(where);
    receiver = Party.of(Objects.requireNonNull(receiver, "receiver")).name();
    if (datasets.isEmpty()) {
      throw new IllegalArgumentException("a cohort needs a dataset");
    }
    if (new HashSet<>(datasets).size() != datasets.size()) {
      throw new IllegalArgumentException("a dataset may appear only once in a cohort");
    }
  }

  /**
   * This cohort as SQL text, {@code SELECT USER_ID FROM ... WHERE ...}, that {@code
   * room.as(analyst).sqlCohort(...)} compiles back to the same datasets and conditions (the analyst
   * and receiver are not part of the text).
   *
   * @return this cohort as SQL text
   * @throws IllegalArgumentException if a part has no SQL form (see {@link QuerySpec#toSql()})
   */
  public String toSql() {
    return SqlText.cohort(this);
  }
}
