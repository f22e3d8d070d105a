package dev.cleanroom.internal.execution;

import dev.cleanroom.internal.plan.Plan;
import dev.cleanroom.query.ExecutionPath;
import java.util.Optional;

/** Test access to a plan's decided path, and plans forced onto another path to compare them. */
final class PlanPaths {
  private PlanPaths() {}

  /** The pushdown of {@code plan}, if its decided path is the database. */
  static Optional<Pushdown> pushdown(Plan plan) {
    return plan.path().kind() == ExecutionPath.Kind.PUSHED_DOWN
        ? Optional.of(new Pushdown(plan))
        : Optional.empty();
  }

  /** {@code plan} forced onto {@code kind}, to compare the paths on the same plan. */
  static Plan on(Plan plan, ExecutionPath.Kind kind) {
    return plan.decided(plan.steps(), new ExecutionPath(kind, "forced by a test"));
  }
}
