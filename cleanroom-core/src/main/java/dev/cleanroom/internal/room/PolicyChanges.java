package dev.cleanroom.internal.room;

import dev.cleanroom.Bounds;
import dev.cleanroom.Dataset;
import dev.cleanroom.DifferentialPrivacyRule;
import dev.cleanroom.Policy;
import dev.cleanroom.QueryLimit;
import dev.cleanroom.policy.PolicyDocument;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Compares two policies of one dataset rule by rule: a change that makes no rule looser is a
 * tightening, which takes effect at once; any other change is a new version the owner publishes
 * explicitly. A change of budget period counts as loosening, since ledgers are named by period and
 * the new period's ledgers start empty.
 */
final class PolicyChanges {
  private PolicyChanges() {}

  /**
   * The rules in which {@code next} is looser than {@code current} on {@code dataset}, each as a
   * short phrase naming the rule (no data values: policies hold none); empty for a tightening.
   */
  static List<String> loosenings(Dataset dataset, Policy current, Policy next) {
    List<String> out = new ArrayList<>();
    subset(out, "allowed analysts", current.analysts(), next.analysts());
    subset(out, "allowed result receivers", current.receivers(), next.receivers());
    subset(out, "allowed cohort receivers", current.cohortReceivers(), next.cohortReceivers());
    subset(out, "allowed join columns", current.joinColumns(), next.joinColumns());
    subset(
        out,
        "allowed dimensions",
        dataset.withPolicy(current).allowedDimensions(),
        dataset.withPolicy(next).allowedDimensions());
    for (String metric : new TreeSet<>(dataset.roles().keySet())) {
      if (dataset.metricBounds(metric).isEmpty()) {
        continue;
      }
      subset(
          out,
          "allowed aggregates of " + metric,
          current.allowedAggregates(metric),
          next.allowedAggregates(metric));
      // The clamp that applies: the policy's, else the metric's declared bounds.
      Bounds was = dataset.withPolicy(current).groupBounds(metric);
      Bounds now = dataset.withPolicy(next).groupBounds(metric);
      if (now.lower() < was.lower() || now.upper() > was.upper()) {
        out.add("per-group clamp of " + metric + " is wider");
      }
    }
    if (next.minDistinctUsers() < current.minDistinctUsers()) {
      out.add("minimum distinct users is lower");
    }
    if (next.maxGroupsPerUser() > current.maxGroupsPerUser()) {
      out.add("groups per user is higher");
    }
    if (next.maxContributionsPerGroup() > current.maxContributionsPerGroup()) {
      out.add("contributions per group is higher");
    }
    if (next.minCohortSize() < current.minCohortSize()) {
      out.add("minimum cohort size is lower");
    }
    if (current.requiresApprovedTemplates() && !next.requiresApprovedTemplates()) {
      out.add("approved templates are no longer required");
    }
    Optional<Duration> retention = current.differenceCheckRetention();
    if (retention.isPresent()
        && (next.differenceCheckRetention().isEmpty()
            || next.differenceCheckRetention().get().compareTo(retention.get()) < 0)) {
      out.add("difference checks are off or kept shorter");
    }
    Optional<DifferentialPrivacyRule> dp = current.differentialPrivacy();
    if (dp.isPresent()) {
      Optional<DifferentialPrivacyRule> ndp = next.differentialPrivacy();
      if (ndp.isEmpty()) {
        out.add("differential privacy is no longer required");
      } else {
        DifferentialPrivacyRule a = dp.get();
        DifferentialPrivacyRule b = ndp.get();
        if (b.total().epsilon().compareTo(a.total().epsilon()) > 0
            || b.total().delta().compareTo(a.total().delta()) > 0) {
          out.add("privacy budget is larger");
        }
        if (b.maxEpsilonPerQuery().compareTo(a.maxEpsilonPerQuery()) > 0) {
          out.add("largest ε per query is higher");
        }
        if (b.period() != a.period()) {
          out.add("budget period changed (the new period's ledgers start empty)");
        }
      }
    }
    Optional<QueryLimit> limit = current.queryLimit();
    if (limit.isPresent()) {
      Optional<QueryLimit> nl = next.queryLimit();
      if (nl.isEmpty()) {
        out.add("query limit is removed");
      } else if (nl.get().queries() > limit.get().queries()) {
        out.add("query limit is higher");
      } else if (nl.get().period() != limit.get().period()) {
        out.add("query limit period changed (the new period's ledgers start empty)");
      }
    }
    return out;
  }

  private static void subset(List<String> out, String rule, Set<?> current, Set<?> next) {
    if (!current.containsAll(next)) {
      out.add(rule + " include more");
    }
  }

  /**
   * The hash of the dataset's {@linkplain PolicyDocument policy document}: SHA-256 of the canonical
   * form of its owner, name, declared columns, roles and policy.
   */
  static String hash(Dataset d) {
    return PolicyDocument.of(d).hash();
  }
}
