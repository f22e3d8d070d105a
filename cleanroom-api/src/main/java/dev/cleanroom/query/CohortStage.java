package dev.cleanroom.query;

import dev.cleanroom.engine.QueryEngine;
import dev.cleanroom.engine.RunOptions;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A cohort: the people who match a query's row stage. Activate it for a receiving party with {@link
 * #activateFor(String)}; the receiver gets the ids of its own users in the cohort through its
 * {@link dev.cleanroom.spi.CohortSink}, the analyst only the {@link Activation}. {@link
 * #timeout(Duration)} and {@link #control(QueryControl)} set how the activation executes, as on
 * {@link FinalStage}.
 */
public final class CohortStage {
  private final QueryEngine engine;
  private final String analyst;
  private final List<String> datasets;
  private final List<Condition> where;
  private final RunOptions options;

  CohortStage(QueryEngine engine, String analyst, List<String> datasets, List<Condition> where) {
    this(engine, analyst, datasets, where, RunOptions.NONE);
  }

  private CohortStage(
      QueryEngine engine,
      String analyst,
      List<String> datasets,
      List<Condition> where,
      RunOptions options) {
    this.engine = engine;
    this.analyst = analyst;
    this.datasets = List.copyOf(datasets);
    this.where = List.copyOf(where);
    this.options = options;
  }

  /**
   * Stops {@link #activateFor} with {@link dev.cleanroom.QueryCancelledException} if it takes
   * longer than {@code timeout}; see {@link FinalStage#timeout(Duration)}.
   *
   * @param timeout how long an activation may take; positive
   * @return a new stage with this timeout
   * @throws IllegalArgumentException if {@code timeout} is zero or negative
   * @throws IllegalStateException if a timeout was already set
   */
  public CohortStage timeout(Duration timeout) {
    return new CohortStage(engine, analyst, datasets, where, Stages.timeout(options, timeout));
  }

  /**
   * Activates with {@code control}, to watch its progress and cancel it; see {@link
   * FinalStage#control(QueryControl)}. A cancelled activation releases no id.
   *
   * @param control the analyst's handle on the activation
   * @return a new stage with this control
   * @throws IllegalStateException if a control was already set
   */
  public CohortStage control(QueryControl control) {
    return new CohortStage(engine, analyst, datasets, where, Stages.control(options, control));
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
   * What {@link #activateFor(String) activating} this cohort for {@code receiver} would do: the
   * policy checks (the cohort rules included), the minimum size, the steps and the path (in the
   * database or streamed, and why), without scanning, charging, releasing or auditing anything.
   *
   * @param receiver the party that would receive the ids of its own users
   * @return the explanation
   * @throws dev.cleanroom.InvalidQueryException if the query is malformed or the receiver owns no
   *     dataset of it
   * @throws IllegalArgumentException if {@code receiver} is not a valid party name
   */
  public CohortExplanation explain(String receiver) {
    return engine.explain(spec(receiver));
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
   * @throws dev.cleanroom.QueryCancelledException if the activation was cancelled or timed out; no
   *     id was released
   */
  public Activation activateFor(String receiver) {
    return engine.activate(spec(receiver), options);
  }
}
