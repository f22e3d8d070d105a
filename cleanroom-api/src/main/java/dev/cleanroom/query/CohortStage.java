package dev.cleanroom.query;

import dev.cleanroom.engine.QueryEngine;
import java.util.List;
import java.util.Objects;

/**
 * A cohort: the people who match a query's row stage. Activate it for a receiving party with {@link
 * #activateFor(String)}; the receiver gets the ids of its own users in the cohort through its
 * {@link dev.cleanroom.spi.CohortSink}, the analyst only the {@link Activation}.
 */
public final class CohortStage {
  private final QueryEngine engine;
  private final String analyst;
  private final List<String> datasets;
  private final List<Condition> where;

  CohortStage(QueryEngine engine, String analyst, List<String> datasets, List<Condition> where) {
    this.engine = engine;
    this.analyst = analyst;
    this.datasets = List.copyOf(datasets);
    this.where = List.copyOf(where);
  }

  /**
   * The plain description of activating this cohort for {@code receiver}.
   *
   * @param receiver the party to receive the ids of its own users
   * @return the description
   * @throws IllegalArgumentException if {@code receiver} is not a valid party name
   */
  public CohortSpec spec(String receiver) {
    Objects.requireNonNull(receiver, "receiver");
    return new CohortSpec(analyst, datasets, where, receiver);
  }

  /**
   * Releases the cohort to {@code receiver}: the ids of the receiver's own users in the cohort, as
   * they appear in its dataset, go to the {@link dev.cleanroom.spi.CohortSink} it registered. Every
   * policy check runs before any source is scanned; the minimum size can only be checked after.
   *
   * @param receiver the party to receive the ids of its own users; it must own a dataset of the
   *     cohort
   * @return the activation, without ids or size
   * @throws dev.cleanroom.PolicyViolationException if a touched dataset's policy refuses the
   *     release (before any scan), or the cohort is below the minimum size (refused alike for every
   *     size below it)
   * @throws dev.cleanroom.InvalidQueryException if the query is malformed or the receiver owns no
   *     dataset of it
   * @throws IllegalStateException if the receiver registered no cohort sink
   * @throws dev.cleanroom.DataSourceException if a source fails
   */
  public Activation activateFor(String receiver) {
    return engine.activate(spec(receiver));
  }
}
