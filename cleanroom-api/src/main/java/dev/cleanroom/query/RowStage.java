package dev.cleanroom.query;

import dev.cleanroom.engine.QueryEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The row stage of a query: datasets and filters. Go on with {@link #groupBy} or {@link #select}.
 * Each call returns a new, immutable stage.
 */
public final class RowStage {
  private final QueryEngine engine;
  private final String analyst;
  private final List<String> datasets;
  private final List<Condition> where;

  RowStage(QueryEngine engine, String analyst, List<String> datasets, List<Condition> where) {
    this.engine = engine;
    this.analyst = analyst;
    this.datasets = List.copyOf(datasets);
    this.where = List.copyOf(where);
  }

  /**
   * Joins another dataset (of any party) on the user id; complete with {@link JoinStep#onUserId()}.
   *
   * @param dataset the qualified name {@code owner.name}
   * @return the join step
   */
  public JoinStep join(String dataset) {
    Objects.requireNonNull(dataset, "dataset");
    return new JoinStep(this, dataset);
  }

  RowStage withDataset(String dataset) {
    List<String> next = new ArrayList<>(datasets);
    next.add(dataset);
    return new RowStage(engine, analyst, next, where);
  }

  /**
   * Keeps only rows where {@code condition} holds; several calls must all hold.
   *
   * @param condition the filter
   * @return the next stage
   */
  public RowStage where(Condition condition) {
    Objects.requireNonNull(condition, "condition");
    List<Condition> next = new ArrayList<>(where);
    next.add(condition);
    return new RowStage(engine, analyst, datasets, next);
  }

  /**
   * Groups the output by the given dimensions.
   *
   * @param dimensions the dimension columns
   * @return the next stage
   */
  public GroupedStage groupBy(String... dimensions) {
    List<String> dims = List.of(dimensions);
    if (dims.isEmpty()) {
      throw new IllegalArgumentException("groupBy needs at least one dimension");
    }
    return new GroupedStage(this, dims);
  }

  /**
   * Computes the aggregates over all rows, as one output row.
   *
   * @param aggregates the aggregates, at least one
   * @return the final stage
   */
  public FinalStage select(Aggregate... aggregates) {
    return finish(List.of(), List.of(aggregates));
  }

  /**
   * The people who match this row stage, as a cohort to activate for a receiving party.
   *
   * @return the cohort stage
   */
  public CohortStage cohort() {
    return new CohortStage(engine, analyst, datasets, where);
  }

  FinalStage finish(List<String> groupBy, List<Aggregate> aggregates) {
    return new FinalStage(engine, new QuerySpec(analyst, datasets, where, groupBy, aggregates));
  }
}
