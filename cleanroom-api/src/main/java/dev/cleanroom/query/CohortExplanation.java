package dev.cleanroom.query;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What activating a cohort would do, without doing it: nothing is scanned, charged, released or
 * audited. Given by {@link CohortStage#explain(String)}.
 *
 * @param spec the cohort and its receiver
 * @param plan the steps of the row stage, in order; for a cohort that runs in its database, the
 *     last step is the statement, every value bound as a parameter
 * @param checks every policy check of every touched dataset, the cohort rules included (receivers
 *     allowed, query limits)
 * @param minCohortSize the minimum size that applies (the largest of the touched datasets): a
 *     smaller cohort is refused alike for every size below it
 * @param path how the cohort's people would be found, if every check passes: {@link
 *     ExecutionPath.Kind#PUSHED_DOWN} (one statement in the database, which returns the receiver's
 *     own ids only for a cohort that reaches its minimum) or {@link ExecutionPath.Kind#STREAMED},
 *     with the reason; empty if the row stage was refused before it was planned (an analyst not
 *     allowed on a dataset learns nothing more of it)
 */
public record CohortExplanation(
    CohortSpec spec,
    List<String> plan,
    List<PolicyCheck> checks,
    int minCohortSize,
    Optional<ExecutionPath> path) {
  /**
   * @param spec the cohort and its receiver
   * @param plan the steps of the row stage, in order
   * @param checks every policy check of every touched dataset
   * @param minCohortSize the minimum size that applies
   * @param path how the cohort's people would be found, or empty if the row stage was refused
   * @throws NullPointerException if an argument is null
   */
  public CohortExplanation {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(path, "path");
    plan = List.copyOf(plan);
    checks = List.copyOf(checks);
  }

  /**
   * Whether every check passes, so that an activation would be tried (its size is checked then).
   *
   * @return true if every check passes
   */
  public boolean allowed() {
    return checks.stream().allMatch(PolicyCheck::passed);
  }
}
