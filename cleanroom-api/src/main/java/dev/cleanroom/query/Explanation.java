package dev.cleanroom.query;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a query would do, produced without scanning any source: the plan, every policy check with
 * its outcome, and the limits that the strictest policies impose.
 *
 * @param spec the query
 * @param plan the steps of the plan, in order
 * @param checks every policy check of every touched dataset
 * @param minDistinctUsers the threshold k that applies (largest of the touched datasets)
 * @param maxGroupsPerUser the L0 bound that applies (smallest of the touched datasets)
 * @param maxContributionsPerGroup the per-group row bound that applies (smallest)
 * @param ledgers the privacy budget each ledger would be charged, and what it would have left
 * @param accuracy for a differentially private query, one line per noisy part: the split, the noise
 *     and the expected 95% confidence-interval half-width
 * @param path how the query would run, if it would run: the engine runs it exactly so
 */
public record Explanation(
    QuerySpec spec,
    List<String> plan,
    List<PolicyCheck> checks,
    int minDistinctUsers,
    int maxGroupsPerUser,
    int maxContributionsPerGroup,
    List<LedgerStatus> ledgers,
    List<String> accuracy,
    Optional<ExecutionPath> path) {
  /**
   * @param spec the query
   * @param plan the steps of the plan, in order
   * @param checks every policy check of every touched dataset
   * @param minDistinctUsers the threshold k that applies (largest of the touched datasets)
   * @param maxGroupsPerUser the L0 bound that applies (smallest of the touched datasets)
   * @param maxContributionsPerGroup the per-group row bound that applies (smallest)
   * @param ledgers the privacy budget each ledger would be charged, and what it would have left
   * @param accuracy for a differentially private query, one line per noisy part: the split, the
   *     noise and the expected 95% confidence-interval half-width
   * @param path how the query would run, if it would run
   * @throws NullPointerException if an argument is null
   */
  public Explanation {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(path, "path");
    plan = List.copyOf(plan);
    checks = List.copyOf(checks);
    ledgers = List.copyOf(ledgers);
    accuracy = List.copyOf(accuracy);
  }

  /**
   * An explanation of a threshold-mode query.
   *
   * @param spec the query
   * @param plan the steps of the plan, in order
   * @param checks every policy check of every touched dataset
   * @param minDistinctUsers the threshold k that applies (largest of the touched datasets)
   * @param maxGroupsPerUser the L0 bound that applies (smallest of the touched datasets)
   * @param maxContributionsPerGroup the per-group row bound that applies (smallest)
   */
  public Explanation(
      QuerySpec spec,
      List<String> plan,
      List<PolicyCheck> checks,
      int minDistinctUsers,
      int maxGroupsPerUser,
      int maxContributionsPerGroup) {
    this(
        spec,
        plan,
        checks,
        minDistinctUsers,
        maxGroupsPerUser,
        maxContributionsPerGroup,
        List.of(),
        List.of(),
        Optional.empty());
  }

  /**
   * Whether every policy check passed, so that {@code run()} would be accepted.
   *
   * @return whether every policy check passed, so that {@code run()} would be accepted
   */
  public boolean allowed() {
    return checks.stream().allMatch(PolicyCheck::passed);
  }

  /**
   * The checks that failed.
   *
   * @return the checks that failed
   */
  public List<PolicyCheck> failures() {
    return checks.stream().filter(c -> !c.passed()).toList();
  }

  @Override
  public String toString() {
    String nl = System.lineSeparator();
    StringBuilder sb = new StringBuilder();
    sb.append("Query by ").append(spec.analyst()).append(" on ").append(spec.datasets()).append(nl);
    sb.append("Plan:").append(nl);
    for (int i = 0; i < plan.size(); i++) {
      sb.append("  ").append(i + 1).append(". ").append(plan.get(i)).append(nl);
    }
    sb.append("Policy checks:").append(nl);
    for (PolicyCheck c : checks) {
      sb.append("  ").append(c).append(nl);
    }
    sb.append("Limits: k=")
        .append(minDistinctUsers)
        .append(", max groups per user=")
        .append(maxGroupsPerUser)
        .append(", max rows per user and group=")
        .append(maxContributionsPerGroup)
        .append(nl);
    if (!accuracy.isEmpty()) {
      sb.append("Differential privacy:").append(nl);
      for (String a : accuracy) {
        sb.append("  ").append(a).append(nl);
      }
    }
    if (!ledgers.isEmpty()) {
      sb.append("Budget ledgers:").append(nl);
      for (LedgerStatus l : ledgers) {
        sb.append("  ").append(l);
        long more = l.queriesLeft();
        if (more != Long.MAX_VALUE) {
          sb.append("; then room for ").append(more).append(" more like it");
        }
        sb.append(nl);
      }
    }
    path.ifPresent(p -> sb.append("Execution path: ").append(p).append(nl));
    sb.append(allowed() ? "Outcome: would run" : "Outcome: would be refused").append(nl);
    return sb.toString();
  }
}
