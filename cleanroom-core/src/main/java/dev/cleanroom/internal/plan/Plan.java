package dev.cleanroom.internal.plan;

import dev.cleanroom.Bounds;
import dev.cleanroom.ColumnType;
import dev.cleanroom.Dataset;
import dev.cleanroom.query.Aggregate;
import dev.cleanroom.query.Condition;
import dev.cleanroom.query.ExecutionPath;
import dev.cleanroom.query.PolicyCheck;
import dev.cleanroom.query.QuerySpec;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A checked query, ready to execute: what to scan from each dataset, how to filter, join, bound and
 * aggregate, and the limits of the strictest touched policies.
 *
 * @param spec the query
 * @param datasets one scan plan per dataset, the first from {@code from}
 * @param groupBy the grouped columns, in output order
 * @param groupNames the output names of the grouped columns
 * @param aggregates the aggregates, in output order
 * @param cross the conditions that read columns of several datasets, over projection slots
 * @param crossConditions whether {@code cross} holds any condition
 * @param crossConditionList the conditions behind {@code cross}, for SQL
 * @param minDistinctUsers the threshold k that applies
 * @param maxGroupsPerUser the L0 bound that applies
 * @param maxContributionsPerGroup the per-group row bound for {@code count()}
 * @param checks every policy check, all passed
 * @param steps the plan in words, for {@code explain()}
 * @param noise the differential-privacy part, for a differentially private query
 * @param differenceChecks how long released rows are remembered for difference checks, if they
 *     apply: threshold mode and at least one touched dataset with checks on (the longest retention
 *     wins)
 * @param path how the query runs: decided once by {@link ExecutionPaths}, shown by {@code
 *     explain()} and obeyed by the executor
 */
public record Plan(
    QuerySpec spec,
    List<DatasetPlan> datasets,
    List<ResolvedColumn> groupBy,
    List<String> groupNames,
    List<AggregatePlan> aggregates,
    Predicates.Pred cross,
    boolean crossConditions,
    List<Condition> crossConditionList,
    int minDistinctUsers,
    int maxGroupsPerUser,
    int maxContributionsPerGroup,
    List<PolicyCheck> checks,
    List<String> steps,
    Optional<NoisePlan> noise,
    Optional<Duration> differenceChecks,
    ExecutionPath path) {

  /** This plan with its execution path decided and its steps in words. */
  public Plan decided(List<String> described, ExecutionPath decided) {
    return new Plan(
        spec,
        datasets,
        groupBy,
        groupNames,
        aggregates,
        cross,
        crossConditions,
        crossConditionList,
        minDistinctUsers,
        maxGroupsPerUser,
        maxContributionsPerGroup,
        checks,
        List.copyOf(described),
        noise,
        differenceChecks,
        decided);
  }

  /**
   * What to read from one dataset.
   *
   * @param dataset the dataset
   * @param scanColumns the columns to scan, user id first
   * @param sourceFilter the dataset's own conditions, with unqualified column names, as a hint for
   *     sources that filter
   * @param local the dataset's own conditions, over scan slots
   * @param projection the columns that grouping and cross-dataset conditions need, per person
   * @param projectionSlots the scan slot of each projection column
   * @param metrics the metrics of this dataset that aggregates read
   * @param metricSlots the scan slot of each metric
   * @param valueBounds the declared clamp bounds of each metric
   */
  @SuppressWarnings("ArrayRecordComponent") // internal, read-only slot maps on the hot path
  public record DatasetPlan(
      Dataset dataset,
      List<String> scanColumns,
      List<Condition> sourceFilter,
      Predicates.Pred local,
      List<ResolvedColumn> projection,
      int[] projectionSlots,
      List<String> metrics,
      int[] metricSlots,
      List<Bounds> valueBounds) {}

  /**
   * One aggregate of the output.
   *
   * @param aggregate the aggregate as the analyst wrote it
   * @param dataset the dataset of its metric, or -1 for counts
   * @param metricIndex the index of its metric in that dataset's {@link DatasetPlan#metrics()}
   * @param groupBounds the bounds of one person's total per group
   * @param type the output type
   */
  public record AggregatePlan(
      Aggregate aggregate, int dataset, int metricIndex, Bounds groupBounds, ColumnType type) {}

  /**
   * The projected column that a cross condition names by {@code name} (bare, or qualified by the
   * dataset's name or its owner and name).
   *
   * @throws IllegalStateException if no dataset projects it
   */
  public ResolvedColumn projected(String name) {
    for (DatasetPlan dp : datasets()) {
      for (ResolvedColumn rc : dp.projection()) {
        Dataset d = dp.dataset();
        if (rc.bucket().isPresent()) {
          continue; // a bucket is grouped by; conditions read its column
        }
        if (name.equals(rc.name())
            || name.equals(d.name() + "." + rc.name())
            || name.equals(d.qualifiedName() + "." + rc.name())) {
          return rc;
        }
      }
    }
    throw new IllegalStateException("column of a cross condition is not projected");
  }
}
