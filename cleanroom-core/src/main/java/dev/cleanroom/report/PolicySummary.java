package dev.cleanroom.report;

import dev.cleanroom.AggregateFunction;
import dev.cleanroom.Bounds;
import dev.cleanroom.BudgetPeriod;
import dev.cleanroom.ColumnRole;
import dev.cleanroom.Dataset;
import dev.cleanroom.DifferentialPrivacyRule;
import dev.cleanroom.Policy;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** An owner's policy as readable sentences: one line per rule, from the dataset's declarations. */
final class PolicySummary {
  private PolicySummary() {}

  /**
   * A rule and what it says.
   *
   * @param rule the rule's short name
   * @param text the rule as a sentence
   */
  record Line(String rule, String text) {}

  static List<Line> of(Dataset d) {
    Policy p = d.policy();
    List<Line> lines = new ArrayList<>();
    lines.add(new Line("Owner", d.owner() + " owns " + d.qualifiedName() + "."));
    lines.add(
        new Line(
            "Analysts",
            "Queries may be run by "
                + names(p.analysts())
                + "; results may go to "
                + names(p.receivers())
                + "."));
    lines.add(
        new Line(
            "Minimum people per row",
            "Every released row counts at least "
                + p.minDistinctUsers()
                + " distinct people; smaller groups are suppressed."));
    lines.add(new Line("Differential privacy", dp(p)));
    lines.add(
        new Line(
            "Contribution bounds",
            "Each person counts in at most "
                + plural(p.maxGroupsPerUser(), "group")
                + " of a result, with at most "
                + plural(p.maxContributionsPerGroup(), "row")
                + " per group."));
    lines.add(
        new Line(
            "People",
            "People are identified by the column "
                + d.userIdColumn()
                + ", pseudonymized on ingestion; it is never shown, grouped by or filtered on."));
    lines.add(new Line("Join keys", joins(p)));
    Set<String> dims = d.allowedDimensions();
    lines.add(
        new Line(
            "Dimensions",
            dims.isEmpty()
                ? "No column may be grouped by or filtered on."
                : "Results may be grouped by and filtered on " + names(dims) + "."));
    for (Map.Entry<String, ColumnRole> e : d.roles().entrySet()) {
      if (e.getValue() == ColumnRole.METRIC) {
        lines.add(new Line("Metric " + e.getKey(), metric(d, e.getKey())));
      }
    }
    Set<String> blocked = new TreeSet<>();
    d.roles()
        .forEach(
            (c, r) -> {
              if (r == ColumnRole.BLOCKED) {
                blocked.add(c);
              }
            });
    if (!blocked.isEmpty()) {
      lines.add(new Line("Blocked columns", names(blocked) + " may not be used at all."));
    }
    lines.add(
        new Line(
            "Cohorts",
            p.cohortReceivers().isEmpty()
                ? "Cohorts of people may not be released."
                : "Cohorts of at least "
                    + p.minCohortSize()
                    + " people may be released to "
                    + names(p.cohortReceivers())
                    + "."));
    p.queryLimit()
        .ifPresent(
            q ->
                lines.add(
                    new Line(
                        "Query limit",
                        "At most "
                            + plural(q.queries(), "query")
                            + " per analyst "
                            + per(q.period())
                            + ".")));
    if (p.requiresApprovedTemplates()) {
      lines.add(new Line("Templates", "Only query templates the owner approved may run."));
    }
    lines.add(
        new Line(
            "Difference checks",
            p.differenceCheckRetention()
                .map(
                    r ->
                        "In threshold mode, a row whose people differ by fewer than k from a row"
                            + " released before (within "
                            + plural(r.toDays(), "day")
                            + ") is suppressed.")
                .orElse("Off.")));
    return lines;
  }

  private static String dp(Policy p) {
    if (p.differentialPrivacy().isEmpty()) {
      return "Not required: queries may return exact values above the minimum number of people.";
    }
    DifferentialPrivacyRule r = p.differentialPrivacy().get();
    BigDecimal delta = r.total().delta();
    return "Required. Each analyst may spend ε = "
        + amount(r.total().epsilon())
        + (delta.signum() == 0 ? "" : " and δ = " + amount(delta))
        + " "
        + per(r.period())
        + ", at most ε = "
        + amount(r.maxEpsilonPerQuery())
        + " on one query.";
  }

  /** An amount without trailing zeros: 10 rather than 10.0. */
  private static String amount(BigDecimal v) {
    return v.signum() == 0 ? "0" : v.stripTrailingZeros().toPlainString();
  }

  private static String joins(Policy p) {
    if (p.joinColumns().isEmpty()) {
      return "The dataset may not be joined with others.";
    }
    return "The dataset may be joined with others on " + names(p.joinColumns()) + ".";
  }

  private static String metric(Dataset d, String metric) {
    StringBuilder sb = new StringBuilder();
    d.metricBounds(metric)
        .ifPresent(b -> sb.append("Each value is clamped to ").append(range(b)).append(". "));
    d.policy()
        .groupClamp(metric)
        .ifPresent(
            b ->
                sb.append("One person's total in one group is clamped to ")
                    .append(range(b))
                    .append(". "));
    Set<AggregateFunction> fns = d.policy().allowedAggregates(metric);
    List<String> names = new ArrayList<>();
    for (AggregateFunction f : fns) {
      names.add(f.name());
    }
    sb.append(
        names.isEmpty()
            ? "It may not be aggregated."
            : "Allowed aggregates: " + String.join(", ", names) + ".");
    return sb.toString();
  }

  private static String range(Bounds b) {
    return "[" + Html.number(b.lower()) + ", " + Html.number(b.upper()) + "]";
  }

  private static String per(BudgetPeriod period) {
    return switch (period) {
      case NONE -> "over the dataset's lifetime";
      case DAILY -> "per day";
      case WEEKLY -> "per week";
      case MONTHLY -> "per month";
    };
  }

  private static String names(Set<String> names) {
    if (names.isEmpty()) {
      return "nobody";
    }
    return String.join(", ", new TreeSet<>(names));
  }

  private static String plural(long n, String noun) {
    String nouns = noun.endsWith("ry") ? noun.substring(0, noun.length() - 1) + "ies" : noun + "s";
    return n + " " + (n == 1 ? noun : nouns);
  }
}
