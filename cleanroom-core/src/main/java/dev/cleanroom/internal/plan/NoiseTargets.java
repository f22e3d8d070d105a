package dev.cleanroom.internal.plan;

import dev.cleanroom.AggregateFunction;
import dev.cleanroom.InvalidQueryException;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.dp.NoiseMechanism;
import dev.cleanroom.query.CellNoise;
import dev.cleanroom.query.NoiseTarget;
import dev.cleanroom.query.Privacy;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.List;
import java.util.function.Predicate;

/**
 * The ε of a query whose noise is stated by its effect ({@link NoiseTarget}): found by bisection
 * over ε on the query's noise plan, which depends on the query's shape only (aggregates, bounds,
 * groups, the owners' contribution limits), never on data. The result is a decimal of four
 * significant digits, rounded in the direction that keeps the target met.
 */
public final class NoiseTargets {
  private NoiseTargets() {}

  private static final double LOW = 0x1p-30;
  private static final double HIGH = 0x1p10;

  /**
   * The budget that meets {@code target} for {@code plan} (whose ε is a placeholder).
   *
   * @param plan the plan of the differentially private query
   * @param target what the noise must achieve
   * @return the budget: the solved ε with the target's δ
   * @throws InvalidQueryException if the target names no count or sum of the query, or cannot be
   *     met at any ε
   */
  public static PrivacyBudget solve(Plan plan, NoiseTarget target) {
    Privacy.Differential dp = (Privacy.Differential) plan.spec().privacy();
    Predicate<Double> met;
    boolean largest;
    if (target instanceof NoiseTarget.HidePeople h) {
      largest = true;
      met = eps -> hides(plan, noiseAt(plan, dp, target, eps), h.people());
    } else {
      NoiseTarget.HalfWidth w = (NoiseTarget.HalfWidth) target;
      int a = countOrSum(plan, w.alias());
      largest = false;
      met =
          eps ->
              noiseAt(plan, dp, target, eps).mechanisms().get(a).get(0).halfWidth(LEVEL)
                  <= w.halfWidth();
    }
    Predicate<Double> raw = met;
    // An ε so large or small that a mechanism cannot be built does not meet the target.
    met =
        eps -> {
          try {
            return raw.test(eps);
          } catch (RuntimeException e) {
            return false;
          }
        };
    // met holds for small ε when hiding people, for large ε when bounding a half-width.
    if (!met.test(largest ? LOW : HIGH)) {
      throw new InvalidQueryException(
          "the noise target cannot be met by any ε of this query between 2^-30 and 2^10");
    }
    double lo = Math.log(LOW);
    double hi = Math.log(HIGH);
    for (int i = 0; i < 60; i++) {
      double mid = (lo + hi) / 2;
      boolean ok = met.test(Math.exp(mid));
      if (ok == largest) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    double found = Math.exp(largest ? lo : hi);
    BigDecimal eps =
        new BigDecimal(found)
            .round(new MathContext(4, largest ? RoundingMode.FLOOR : RoundingMode.CEILING));
    // Rounding went the safe way; one ulp of the fourth digit more if the float search erred.
    BigDecimal step = eps.ulp();
    for (int i = 0; i < 4 && !met.test(eps.doubleValue()); i++) {
      eps = largest ? eps.subtract(step) : eps.add(step);
    }
    if (eps.signum() <= 0 || !met.test(eps.doubleValue())) {
      throw new InvalidQueryException("the noise target cannot be met by a decimal ε");
    }
    return budget(eps, target.delta());
  }

  private static final double LEVEL = CellNoise.CONFIDENCE;

  private static PrivacyBudget budget(BigDecimal eps, BigDecimal delta) {
    return delta.signum() == 0
        ? new PrivacyBudget.PureDp(eps)
        : new PrivacyBudget.ApproxDp(eps, delta);
  }

  private static NoisePlan noiseAt(
      Plan plan, Privacy.Differential dp, NoiseTarget target, double eps) {
    BigDecimal e = new BigDecimal(eps).round(MathContext.DECIMAL64);
    return NoisePlan.of(
        new Privacy.Differential(budget(e, target.delta()), dp.noise(), dp.publicGroups()),
        plan.groupBy(),
        plan.aggregates(),
        plan.maxGroupsPerUser(),
        plan.maxContributionsPerGroup());
  }

  /** Whether every noisy part's 95% half-width is at least what {@code people} people change. */
  private static boolean hides(Plan plan, NoisePlan noise, int people) {
    for (int a = 0; a < plan.aggregates().size(); a++) {
      Plan.AggregatePlan ap = plan.aggregates().get(a);
      List<NoiseMechanism> ms = noise.mechanisms().get(a);
      double perPerson =
          switch (ap.aggregate().function()) {
            case COUNT_DISTINCT_USERS -> 1;
            case COUNT -> plan.maxContributionsPerGroup();
            // One person moves one count of people per level of a quantile tree.
            case QUANTILE -> 1;
            default -> ap.groupBounds().maxAbs();
          };
      if (ms.get(0).halfWidth(LEVEL) < people * perPerson) {
        return false;
      }
      // A mean's count of people, the second part, hides people one each.
      if (ms.size() > 1 && ms.get(1).halfWidth(LEVEL) < people) {
        return false;
      }
    }
    return true;
  }

  private static int countOrSum(Plan plan, String alias) {
    for (int a = 0; a < plan.aggregates().size(); a++) {
      Plan.AggregatePlan ap = plan.aggregates().get(a);
      if (ap.aggregate().alias().equals(alias)) {
        AggregateFunction f = ap.aggregate().function();
        if (f == AggregateFunction.COUNT
            || f == AggregateFunction.COUNT_DISTINCT_USERS
            || f == AggregateFunction.SUM) {
          return a;
        }
        throw new InvalidQueryException(
            "a half-width target needs a count or sum; [" + alias + "] is " + f);
      }
    }
    throw new InvalidQueryException(
        "a half-width target names no aggregate of the query: " + alias);
  }
}
