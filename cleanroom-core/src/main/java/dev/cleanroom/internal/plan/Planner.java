package dev.cleanroom.internal.plan;

import dev.cleanroom.AggregateFunction;
import dev.cleanroom.Bounds;
import dev.cleanroom.BudgetPeriod;
import dev.cleanroom.ColumnRole;
import dev.cleanroom.ColumnType;
import dev.cleanroom.Dataset;
import dev.cleanroom.DifferentialPrivacyRule;
import dev.cleanroom.InvalidQueryException;
import dev.cleanroom.Policy;
import dev.cleanroom.PolicyRule;
import dev.cleanroom.dp.UnitSum;
import dev.cleanroom.query.Aggregate;
import dev.cleanroom.query.Condition;
import dev.cleanroom.query.Derived;
import dev.cleanroom.query.ExecutionPath;
import dev.cleanroom.query.PolicyCheck;
import dev.cleanroom.query.Privacy;
import dev.cleanroom.query.QuerySpec;
import dev.cleanroom.query.TimeBucket;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Resolves a query's names, checks every touched dataset's policy, and compiles the plan. Never
 * touches a source.
 */
public final class Planner {
  private final Function<String, Dataset> registry;
  private final Function<String, Set<String>> visibleDatasets;

  /**
   * A planner over the registered datasets.
   *
   * @param registry the dataset of a qualified name, or null
   * @param visibleDatasets the qualified names open to an analyst, for error messages
   */
  public Planner(
      Function<String, Dataset> registry, Function<String, Set<String>> visibleDatasets) {
    this.registry = registry;
    this.visibleDatasets = visibleDatasets;
  }

  /** The limits of the strictest touched policies. */
  public record Limits(int minDistinctUsers, int maxGroupsPerUser, int maxContributionsPerGroup) {}

  /** The outcome of planning: the checks, and the plan when every check passed. */
  public record Outcome(List<PolicyCheck> checks, Plan plan, List<String> steps, Limits limits) {
    public boolean allowed() {
      return checks.stream().allMatch(PolicyCheck::passed);
    }
  }

  /**
   * Plans the ad-hoc query {@code spec}.
   *
   * @throws InvalidQueryException if a name cannot be resolved or a literal has the wrong type
   */
  public Outcome plan(QuerySpec spec) {
    return plan(spec, Optional.empty());
  }

  /**
   * Plans {@code spec}, bound from the registered template {@code template} if present.
   *
   * @throws InvalidQueryException if a name cannot be resolved, a literal has the wrong type, or a
   *     condition holds a template parameter without a value
   */
  public Outcome plan(QuerySpec spec, Optional<TemplateRegistry.Entry> template) {
    return plan(spec, template, false);
  }

  /**
   * Plans the row stage of a cohort, given as a query of one total row: the differential-privacy
   * rules, which govern released aggregates, are left to the cohort rules.
   *
   * @throws InvalidQueryException if a name cannot be resolved or a literal has the wrong type
   */
  public Outcome planCohort(QuerySpec rows) {
    return plan(rows, Optional.empty(), true);
  }

  private Outcome plan(QuerySpec spec, Optional<TemplateRegistry.Entry> template, boolean cohort) {
    rejectPlaceholders(spec.where());
    List<Dataset> datasets = resolveDatasets(spec);
    List<PolicyCheck> notAllowed = new ArrayList<>();
    for (Dataset d : datasets) {
      if (!d.policy().analysts().contains(spec.analyst())) {
        notAllowed.add(
            check(
                d,
                PolicyRule.ANALYST_ALLOWED,
                false,
                "analyst " + spec.analyst() + " is not among the allowed analysts"));
      }
    }
    if (!notAllowed.isEmpty()) {
      // Refused before any column name is resolved: an analyst not allowed on a dataset learns
      // nothing of it, not even which columns it has.
      return new Outcome(notAllowed, null, new ArrayList<>(), new Limits(0, 0, 0));
    }
    Resolver resolver = new Resolver(datasets);
    int n = datasets.size();

    List<ResolvedColumn> groupBy = new ArrayList<>();
    for (String g : spec.groupBy()) {
      groupBy.add(resolver.resolve(g));
    }
    List<List<Condition>> local = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      local.add(new ArrayList<>());
    }
    List<Condition> cross = new ArrayList<>();
    List<List<Condition>> localShown = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      localShown.add(new ArrayList<>());
    }
    List<Condition> crossShown = new ArrayList<>();
    List<ResolvedColumn> filterColumns = new ArrayList<>();
    for (Condition original : flattenAnd(spec.where())) {
      Set<Integer> touched = new TreeSet<>();
      for (String name : original.columns()) {
        ResolvedColumn rc = resolver.resolve(name);
        filterColumns.add(rc);
        touched.add(rc.dataset());
      }
      // A condition on a time bucket becomes a range of its column (the policy check above is the
      // bucket's); one that compares two columns is tested on each person's combinations.
      Condition c = TimeConditions.withoutBuckets(original, resolver::resolve);
      if (touched.size() == 1 && !TimeConditions.comparesColumns(c)) {
        local.get(touched.iterator().next()).add(c);
        localShown.get(touched.iterator().next()).add(original);
      } else {
        cross.add(c);
        crossShown.add(original);
      }
    }
    List<ResolvedColumn> metricColumns = new ArrayList<>();
    for (Aggregate a : spec.aggregates()) {
      metricColumns.add(a.metric().map(resolver::resolve).orElse(null));
    }

    int k = 0;
    int l0 = Integer.MAX_VALUE;
    int maxRows = Integer.MAX_VALUE;
    for (Dataset d : datasets) {
      Policy p = d.policy();
      k = Math.max(k, p.minDistinctUsers());
      l0 = Math.min(l0, p.maxGroupsPerUser());
      maxRows = Math.min(maxRows, p.maxContributionsPerGroup());
    }

    List<PolicyCheck> checks = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Dataset d = datasets.get(i);
      Policy p = d.policy();
      boolean analystOk = p.analysts().contains(spec.analyst());
      checks.add(
          check(
              d,
              PolicyRule.ANALYST_ALLOWED,
              analystOk,
              analystOk
                  ? "analyst " + spec.analyst() + " is allowed"
                  : "analyst " + spec.analyst() + " is not among the allowed analysts"));
      if (n > 1) {
        boolean joinOk = p.joinColumns().contains(d.userIdColumn());
        checks.add(
            check(
                d,
                PolicyRule.JOIN_ALLOWED,
                joinOk,
                joinOk
                    ? "may be joined on [" + d.userIdColumn() + "]"
                    : "may not be joined on [" + d.userIdColumn() + "]"));
      }
      for (ResolvedColumn g : groupBy) {
        if (g.dataset() == i) {
          checks.add(dimensionCheck(d, g, "grouped by"));
        }
      }
      Set<String> seenFilter = new HashSet<>();
      for (ResolvedColumn f : filterColumns) {
        if (f.dataset() == i && seenFilter.add(f.label())) {
          checks.add(dimensionCheck(d, f, "filtered on"));
        }
      }
      for (int a = 0; a < spec.aggregates().size(); a++) {
        ResolvedColumn m = metricColumns.get(a);
        if (m != null && m.dataset() == i) {
          checks.add(aggregateCheck(d, m, spec.aggregates().get(a).function()));
        }
      }
      checks.add(
          check(
              d,
              PolicyRule.MIN_DISTINCT_USERS,
              true,
              "own k=" + p.minDistinctUsers() + "; applied k=" + k + " (largest of the query)"));
      checks.add(
          check(
              d,
              PolicyRule.MAX_GROUPS_PER_USER,
              true,
              "own L0="
                  + p.maxGroupsPerUser()
                  + "; applied L0="
                  + l0
                  + " (smallest of the query)"));
      checks.add(
          check(
              d,
              PolicyRule.CONTRIBUTION_PER_GROUP,
              true,
              "own rows per user and group="
                  + p.maxContributionsPerGroup()
                  + "; applied "
                  + maxRows
                  + "; metric totals clamped per group"));
      if (!cohort) {
        p.differentialPrivacy().ifPresent(rule -> checks.addAll(privacyChecks(d, rule, spec)));
      }
      templateCheck(d, template).ifPresent(checks::add);
    }
    if (!cohort && spec.privacy() instanceof Privacy.Differential) {
      mixedProtectionCheck(datasets).ifPresent(checks::add);
    }
    Limits limits = new Limits(k, l0, maxRows);
    Optional<Duration> differenceChecks = differenceChecks(spec, datasets);
    boolean allowed = checks.stream().allMatch(PolicyCheck::passed);
    Optional<ExecutionPath> path = Optional.empty();
    Plan plan = null;
    if (allowed) {
      plan =
          compile(
              spec,
              datasets,
              resolver,
              local,
              cross,
              groupBy,
              metricColumns,
              checks,
              limits,
              differenceChecks);
      path = Optional.of(ExecutionPaths.decide(plan, cohort));
    }
    boolean pushdown = path.map(p -> p.kind() == ExecutionPath.Kind.PUSHED_DOWN).orElse(false);
    List<String> steps =
        describe(spec, datasets, localShown, crossShown, groupBy, metricColumns, limits, pushdown);
    differenceChecks.ifPresent(
        retention ->
            steps.add(
                "difference checks: suppress every row whose people differ from a row released"
                    + " earlier to "
                    + spec.analyst()
                    + " from a touched dataset (within "
                    + retention
                    + ") by 1 to "
                    + (limits.minDistinctUsers() - 1)
                    + " people"));
    path.ifPresent(p -> steps.add("execution path: " + p));
    if (plan != null) {
      plan = plan.decided(steps, path.get());
    }
    return new Outcome(checks, plan, steps, limits);
  }

  /**
   * A budget period in the ledgers' vocabulary: {@code lifetime} (ledger names end in {@code
   * lifetime}), else the calendar period that ledger names end in.
   */
  static String periodPhrase(BudgetPeriod period) {
    return switch (period) {
      case NONE -> "lifetime";
      case DAILY -> "day (UTC)";
      case WEEKLY -> "ISO week (UTC)";
      case MONTHLY -> "month (UTC)";
    };
  }

  /**
   * A refusal of a differentially private query that joins a dataset requiring differential privacy
   * with one protected by its threshold alone. The threshold-only owner's rule is an exact k on the
   * joined people and difference checks; applied to the joined data, those exact checks would
   * reveal the presence of single people of the dataset that requires differential privacy, with
   * certainty, while its budget is charged. Neither guarantee can give way to the other, so the
   * query is refused, whatever its ε, by the rule of the dataset that requires differential
   * privacy.
   */
  private static Optional<PolicyCheck> mixedProtectionCheck(List<Dataset> datasets) {
    Optional<Dataset> thresholdOnly =
        datasets.stream().filter(d -> d.policy().differentialPrivacy().isEmpty()).findFirst();
    Optional<Dataset> private_ =
        datasets.stream().filter(d -> d.policy().differentialPrivacy().isPresent()).findFirst();
    if (thresholdOnly.isEmpty() || private_.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        check(
            private_.get(),
            PolicyRule.DIFFERENTIAL_PRIVACY_REQUIRED,
            false,
            "requires differential privacy, which "
                + thresholdOnly.get().qualifiedName()
                + " does not: its exact threshold and difference checks on the joined people would"
                + " expose single people of this dataset, so the two are not queried together"));
  }

  /**
   * The retention of the difference checks that apply to {@code spec}: none when every touched
   * dataset requires differential privacy and the query is differentially private (its noise bounds
   * what it reveals); otherwise the longest retention of the touched datasets that keep the checks
   * on, if any. A dataset protected by its threshold alone keeps its checks whatever the analyst
   * asks for: an ε on the query charges it nothing, so it cannot buy the checks away.
   */
  private static Optional<Duration> differenceChecks(QuerySpec spec, List<Dataset> datasets) {
    if (spec.privacy() instanceof Privacy.Differential
        && datasets.stream().allMatch(d -> d.policy().differentialPrivacy().isPresent())) {
      return Optional.empty();
    }
    Optional<Duration> longest = Optional.empty();
    for (Dataset d : datasets) {
      Optional<Duration> r = d.policy().differenceCheckRetention();
      if (r.isPresent() && (longest.isEmpty() || r.get().compareTo(longest.get()) > 0)) {
        longest = r;
      }
    }
    return longest;
  }

  private List<Dataset> resolveDatasets(QuerySpec spec) {
    List<Dataset> out = new ArrayList<>();
    for (String name : spec.datasets()) {
      Dataset d = registry.apply(name);
      if (d == null) {
        throw new InvalidQueryException(
            "dataset ["
                + name
                + "] not found; datasets open to "
                + spec.analyst()
                + " are: "
                + new TreeSet<>(visibleDatasets.apply(spec.analyst())));
      }
      out.add(d);
    }
    return out;
  }

  private static List<Condition> flattenAnd(List<Condition> where) {
    List<Condition> out = new ArrayList<>();
    for (Condition c : where) {
      if (c instanceof Condition.And and) {
        out.addAll(flattenAnd(and.operands()));
      } else {
        out.add(c);
      }
    }
    return out;
  }

  private static void rejectPlaceholders(List<Condition> where) {
    for (Condition c : where) {
      if (!c.placeholders().isEmpty()) {
        throw new InvalidQueryException(
            "a condition uses parameter ["
                + c.placeholders().get(0)
                + "], which has no value; parameters are for registered query templates, run"
                + " with as(analyst).template(id)");
      }
    }
  }

  /**
   * The {@link PolicyRule#TEMPLATE_APPROVED} check of {@code d}: for a template run, whether the
   * dataset's owner approved the template's current content; for an ad-hoc query, a refusal if the
   * policy requires approved templates, and no check otherwise.
   */
  private static Optional<PolicyCheck> templateCheck(
      Dataset d, Optional<TemplateRegistry.Entry> template) {
    if (template.isPresent()) {
      String id = template.get().template().id();
      boolean ok = template.get().approvedBy().contains(d.owner());
      return Optional.of(
          check(
              d,
              PolicyRule.TEMPLATE_APPROVED,
              ok,
              "template ["
                  + id
                  + (ok ? "] is approved by owner " : "] is not approved by owner ")
                  + d.owner()
                  + " for its current content"));
    }
    if (d.policy().requiresApprovedTemplates()) {
      return Optional.of(
          check(
              d,
              PolicyRule.TEMPLATE_APPROVED,
              false,
              "only approved query templates may query this dataset; run one with"
                  + " as(analyst).template(id)"));
    }
    return Optional.empty();
  }

  private static PolicyCheck check(Dataset d, PolicyRule rule, boolean passed, String detail) {
    return new PolicyCheck(d.qualifiedName(), d.owner(), rule, passed, detail);
  }

  private static List<PolicyCheck> privacyChecks(
      Dataset d, DifferentialPrivacyRule rule, QuerySpec spec) {
    if (!(spec.privacy() instanceof Privacy.Differential dp)) {
      return List.of(
          check(
              d,
              PolicyRule.DIFFERENTIAL_PRIVACY_REQUIRED,
              false,
              "requires differential privacy: give the query a budget with epsilon(...) or"
                  + " budget(...)"));
    }
    BigDecimal eps = dp.budget().epsilon();
    boolean ok = eps.compareTo(rule.maxEpsilonPerQuery()) <= 0;
    return List.of(
        check(
            d,
            PolicyRule.DIFFERENTIAL_PRIVACY_REQUIRED,
            true,
            "requires differential privacy; budget per analyst "
                + rule.total()
                + " per "
                + periodPhrase(rule.period())),
        check(
            d,
            PolicyRule.EPSILON_PER_QUERY,
            ok,
            "query ε="
                + eps.toPlainString()
                + (ok ? " within" : " exceeds")
                + " the per-query cap "
                + rule.maxEpsilonPerQuery().toPlainString()));
  }

  /**
   * Whether {@code allowed} allows {@code c}: a column by its name; a time bucket by its own name
   * ({@code week(day)}), by its column's name (a bucket is a function of the column, so it reveals
   * no more), or, for a week or month of a TIMESTAMP, by that column's {@code day(...)}.
   */
  static boolean dimensionAllowed(Set<String> allowed, ResolvedColumn c) {
    if (allowed.contains(c.label()) || allowed.contains(c.name())) {
      return true;
    }
    return c.bucket().isPresent()
        && c.bucket().get() != TimeBucket.DAY
        && c.baseType() == ColumnType.TIMESTAMP
        && allowed.contains(TimeBucket.DAY.of(c.name()));
  }

  private static PolicyCheck dimensionCheck(Dataset d, ResolvedColumn c, String use) {
    String col = "[" + c.label() + "]";
    return switch (c.role()) {
      case USER_ID ->
          check(
              d,
              PolicyRule.USER_ID_NOT_EXPOSED,
              false,
              "user id column " + col + " may not be " + use);
      case BLOCKED ->
          check(d, PolicyRule.COLUMN_NOT_BLOCKED, false, "column " + col + " is blocked");
      case METRIC ->
          check(
              d,
              PolicyRule.DIMENSION_ALLOWED,
              false,
              "metric " + col + " is not a dimension and may not be " + use);
      case DIMENSION -> {
        boolean ok = dimensionAllowed(d.allowedDimensions(), c);
        yield check(
            d,
            PolicyRule.DIMENSION_ALLOWED,
            ok,
            "dimension " + col + (ok ? " may be " : " may not be ") + use);
      }
    };
  }

  private static PolicyCheck aggregateCheck(Dataset d, ResolvedColumn c, AggregateFunction f) {
    String col = "[" + c.name() + "]";
    return switch (c.role()) {
      case USER_ID ->
          check(
              d,
              PolicyRule.USER_ID_NOT_EXPOSED,
              false,
              "user id column " + col + " may not be aggregated");
      case BLOCKED ->
          check(d, PolicyRule.COLUMN_NOT_BLOCKED, false, "column " + col + " is blocked");
      case DIMENSION ->
          check(
              d,
              PolicyRule.AGGREGATE_ALLOWED,
              false,
              "dimension " + col + " is not a metric and may not be aggregated");
      case METRIC -> {
        boolean ok = d.policy().allowedAggregates(c.name()).contains(f);
        yield check(
            d,
            PolicyRule.AGGREGATE_ALLOWED,
            ok,
            f + " of metric " + col + (ok ? " is allowed" : " is not allowed"));
      }
    };
  }

  private static List<String> describe(
      QuerySpec spec,
      List<Dataset> datasets,
      List<List<Condition>> local,
      List<Condition> cross,
      List<ResolvedColumn> groupBy,
      List<ResolvedColumn> metricColumns,
      Limits limits,
      boolean pushdown) {
    List<String> steps = new ArrayList<>();
    if (spec.privacy() instanceof Privacy.Differential dp) {
      steps.add(
          "charge "
              + dp.budget()
              + " to the ledger of every touched dataset that requires differential privacy,"
              + " before any source is scanned");
    }
    for (int i = 0; i < datasets.size(); i++) {
      Dataset d = datasets.get(i);
      steps.add(
          (pushdown ? "in the database, read " : "scan ")
              + d.qualifiedName()
              + " from "
              + d.source().name()
              + (local.get(i).isEmpty() ? "" : ", keep rows where " + local.get(i))
              + (pushdown
                  ? "; normalize user id [" + d.userIdColumn() + "] (it never leaves the database)"
                  : "; pseudonymize user id ["
                      + d.userIdColumn()
                      + "] ("
                      + d.userIdFormat()
                      + ", HMAC-SHA256)"));
    }
    if (datasets.size() > 1) {
      steps.add(
          (pushdown ? "in the database, inner join " : "inner join ")
              + datasets.stream().map(Dataset::qualifiedName).toList()
              + (pushdown ? " on the normalized user id" : " on the pseudonymized user id")
              + ", per person");
    }
    for (ResolvedColumn g : groupBy) {
      g.bucket()
          .ifPresent(
              b ->
                  steps.add(
                      "time bucket "
                          + g.label()
                          + ": "
                          + switch (b) {
                            case DAY -> "the day";
                            case WEEK -> "the Monday of the ISO week";
                            case MONTH -> "the first day of the month";
                          }
                          + " of ["
                          + g.name()
                          + "]"
                          + (g.baseType() == ColumnType.TIMESTAMP ? " in UTC" : "")
                          + ", a DATE"));
    }
    if (!cross.isEmpty()) {
      steps.add(
          "keep combinations where "
              + cross
              + " (per person, each combination of one projection per dataset; a row counts in a"
              + " group only through a combination that passes)");
    }
    StringBuilder bound =
        new StringBuilder("bound contributions: each person in at most ")
            .append(limits.maxGroupsPerUser())
            .append(
                " group(s): a person with more keeps those of smallest keyed hash of (the person's"
                    + " normalized id in the first dataset, group) under the query's secret salt");
    Set<ResolvedColumn> described = new HashSet<>();
    for (int a = 0; a < spec.aggregates().size(); a++) {
      Aggregate agg = spec.aggregates().get(a);
      ResolvedColumn m = metricColumns.get(a);
      if (agg.function() == AggregateFunction.COUNT) {
        bound
            .append("; at most ")
            .append(limits.maxContributionsPerGroup())
            .append(" row(s) per person and group");
      } else if (m != null && m.role() == ColumnRole.METRIC && described.add(m)) {
        Dataset d = datasets.get(m.dataset());
        Bounds vb = d.metricBounds(m.name()).orElseThrow();
        Bounds gb =
            chosenBounds(spec, datasets, metricColumns).getOrDefault(m, d.groupBounds(m.name()));
        bound
            .append("; [")
            .append(m.name())
            .append("] values clamped to [")
            .append(vb.lower())
            .append(", ")
            .append(vb.upper())
            .append("], per person and group to [")
            .append(gb.lower())
            .append(", ")
            .append(gb.upper())
            .append("]");
      }
    }
    if (spec.privacy() instanceof Privacy.Differential
        && metricColumns.stream().anyMatch(c -> c != null && c.role() == ColumnRole.METRIC)) {
      bound.append(
          "; each value of a noisy sum in whole units of its noise granularity, each person's"
              + " units added exactly and clamped");
    }
    steps.add(bound.toString());
    steps.add(
        "aggregate "
            + (groupBy.isEmpty()
                ? "over all rows"
                : "per group of " + groupBy.stream().map(ResolvedColumn::label).toList())
            + ": "
            + spec.aggregates().stream()
                .map(
                    a ->
                        a.function()
                            + (a.column().isEmpty()
                                ? ""
                                : a.function() == AggregateFunction.QUANTILE
                                    ? "(" + a.column() + ", " + a.fraction() + ")"
                                    : "(" + a.column() + ")")
                            + " as "
                            + a.alias())
                .toList());
    if (spec.privacy() instanceof Privacy.Differential dp) {
      boolean quantiles =
          spec.aggregates().stream().anyMatch(a -> a.function() == AggregateFunction.QUANTILE);
      steps.add(
          "add "
              + dp.noise()
              + " noise to every aggregate, with the budget split evenly"
              + (quantiles
                  ? " over its noisy parts; the quantiles of one metric are read from one noisy"
                      + " tree of counts of people, one part for all of them"
                  : ""));
      steps.add(
          dp.publicGroups()
              .map(g -> "release exactly the " + g.size() + " public group(s), noisy")
              .orElse(
                  spec.groupBy().isEmpty()
                      ? "release the one total row, noisy"
                      : "release a group only if its noisy distinct-user count reaches the"
                          + " selection threshold and k="
                          + limits.minDistinctUsers()));
    } else {
      steps.add(
          "suppress every row with fewer than " + limits.minDistinctUsers() + " distinct users");
    }
    if (spec.options().consistent() && spec.privacy() instanceof Privacy.Differential) {
      steps.add(
          "post-process (no budget): noisy counts whole and at least 0, noisy sums of non-negative"
              + " metrics at least 0, their intervals clipped alike");
    }
    for (Derived d : spec.options().derived()) {
      steps.add(
          "derive (no budget, from the released values) "
              + d.alias()
              + " = "
              + (d instanceof Derived.Ratio r
                  ? r.numerator() + " / " + r.denominator()
                  : lift((Derived.Lift) d))
              + (spec.privacy() instanceof Privacy.Differential
                  ? ", with a 95% interval from its parts' intervals (union bound)"
                  : ", exact"));
    }
    return steps;
  }

  private static String lift(Derived.Lift l) {
    return l.ratio()
        + " where "
        + l.dimension()
        + " is "
        + l.group()
        + ", over "
        + l.ratio()
        + " where it is "
        + l.baseline()
        + ", minus 1";
  }

  private static Plan compile(
      QuerySpec spec,
      List<Dataset> datasets,
      Resolver resolver,
      List<List<Condition>> local,
      List<Condition> cross,
      List<ResolvedColumn> groupBy,
      List<ResolvedColumn> metricColumns,
      List<PolicyCheck> checks,
      Limits limits,
      Optional<Duration> differenceChecks) {
    int n = datasets.size();
    List<LinkedHashSet<ResolvedColumn>> projection = new ArrayList<>();
    List<LinkedHashSet<String>> metrics = new ArrayList<>();
    List<LinkedHashSet<String>> scan = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      projection.add(new LinkedHashSet<>());
      metrics.add(new LinkedHashSet<>());
      LinkedHashSet<String> s = new LinkedHashSet<>();
      s.add(datasets.get(i).userIdColumn());
      scan.add(s);
    }
    for (ResolvedColumn g : groupBy) {
      projection.get(g.dataset()).add(g);
    }
    for (Condition c : cross) {
      for (String name : c.columns()) {
        ResolvedColumn rc = resolver.resolve(name);
        projection.get(rc.dataset()).add(rc);
      }
    }
    for (ResolvedColumn m : metricColumns) {
      if (m != null) {
        metrics.get(m.dataset()).add(m.name());
      }
    }
    for (int i = 0; i < n; i++) {
      for (ResolvedColumn rc : projection.get(i)) {
        scan.get(i).add(rc.name());
      }
      for (Condition c : local.get(i)) {
        for (String name : c.columns()) {
          scan.get(i).add(resolver.resolve(name).name());
        }
      }
      scan.get(i).addAll(metrics.get(i));
    }

    List<Plan.DatasetPlan> plans = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Dataset d = datasets.get(i);
      List<String> scanCols = List.copyOf(scan.get(i));
      List<ResolvedColumn> proj = List.copyOf(projection.get(i));
      List<String> mets = List.copyOf(metrics.get(i));
      Predicates.Pred pred =
          Predicates.compileAll(local.get(i), resolver::resolve, c -> scanCols.indexOf(c.name()));
      List<ResolvedColumn> projCols = proj;
      int[] projSlots = new int[proj.size()];
      for (int j = 0; j < proj.size(); j++) {
        projSlots[j] = scanCols.indexOf(proj.get(j).name());
      }
      int[] metricSlots = new int[mets.size()];
      List<Bounds> valueBounds = new ArrayList<>();
      for (int j = 0; j < mets.size(); j++) {
        metricSlots[j] = scanCols.indexOf(mets.get(j));
        valueBounds.add(d.metricBounds(mets.get(j)).orElseThrow());
      }
      List<Condition> sourceFilter = new ArrayList<>();
      for (Condition c : local.get(i)) {
        sourceFilter.add(unqualify(c, resolver));
      }
      plans.add(
          new Plan.DatasetPlan(
              d,
              scanCols,
              sourceFilter,
              pred,
              projCols,
              projSlots,
              mets,
              metricSlots,
              valueBounds));
    }
    Predicates.Pred crossPred =
        Predicates.compileAll(
            cross,
            resolver::resolve,
            c ->
                plans
                    .get(c.dataset())
                    .projection()
                    .indexOf(resolver.column(c.dataset(), c.name())));

    List<String> groupNames = new ArrayList<>();
    Set<String> names = new HashSet<>();
    Map<String, Integer> plainCount = new HashMap<>();
    for (ResolvedColumn g : groupBy) {
      plainCount.merge(outputName(g), 1, Integer::sum);
    }
    Map<String, Integer> datasetNameCount = new HashMap<>();
    for (Dataset d : datasets) {
      datasetNameCount.merge(d.name(), 1, Integer::sum);
    }
    for (int j = 0; j < groupBy.size(); j++) {
      ResolvedColumn g = groupBy.get(j);
      Dataset d = datasets.get(g.dataset());
      String name;
      String plain = outputName(g);
      if (plainCount.get(plain) == 1) {
        name = plain;
      } else if (datasetNameCount.get(d.name()) == 1) {
        name = d.name() + "_" + plain;
      } else {
        name = d.owner() + "_" + d.name() + "_" + plain;
      }
      if (!names.add(name)) {
        throw new InvalidQueryException(
            "column [" + g.label() + "] of " + d.qualifiedName() + " is grouped by twice");
      }
      groupNames.add(name);
    }
    List<Plan.AggregatePlan> aggs = new ArrayList<>();
    Map<ResolvedColumn, Bounds> chosen = chosenBounds(spec, datasets, metricColumns);
    for (int a = 0; a < spec.aggregates().size(); a++) {
      Aggregate agg = spec.aggregates().get(a);
      if (!names.add(agg.alias())) {
        throw new InvalidQueryException(
            "output column [" + agg.alias() + "] is named twice; give the aggregate another alias");
      }
      ResolvedColumn m = metricColumns.get(a);
      if (m == null) {
        aggs.add(new Plan.AggregatePlan(agg, -1, -1, Bounds.of(0, 0), ColumnType.LONG));
      } else {
        Dataset d = datasets.get(m.dataset());
        int idx = plans.get(m.dataset()).metrics().indexOf(m.name());
        aggs.add(
            new Plan.AggregatePlan(
                agg,
                m.dataset(),
                idx,
                chosen.getOrDefault(m, d.groupBounds(m.name())),
                ColumnType.DOUBLE));
      }
    }
    for (Derived dc : spec.options().derived()) {
      if (!names.add(dc.alias())) {
        throw new InvalidQueryException(
            "output column [" + dc.alias() + "] is named twice; give the column another name");
      }
    }
    Optional<NoisePlan> noise =
        spec.privacy() instanceof Privacy.Differential dp
            ? Optional.of(
                NoisePlan.of(
                    dp,
                    groupBy,
                    aggs,
                    limits.maxGroupsPerUser(),
                    limits.maxContributionsPerGroup()))
            : Optional.empty();
    noise.ifPresent(np -> checkUnits(np, aggs, plans));
    return new Plan(
        spec,
        List.copyOf(plans),
        List.copyOf(groupBy),
        List.copyOf(groupNames),
        List.copyOf(aggs),
        crossPred,
        !cross.isEmpty(),
        List.copyOf(cross),
        limits.minDistinctUsers(),
        limits.maxGroupsPerUser(),
        limits.maxContributionsPerGroup(),
        List.copyOf(checks),
        List.of(),
        noise,
        differenceChecks,
        new ExecutionPath(ExecutionPath.Kind.STREAMED, "not yet decided"));
  }

  /**
   * Refuses, before any budget is charged, a noisy sum whose one row's clamped value or one
   * person's clamped total would not fit in 63 bits of the mechanism's units (a tiny granularity
   * from a very large ε): the engine sums units exactly and never saturates, so such a query could
   * not be answered right.
   */
  private static void checkUnits(
      NoisePlan noise, List<Plan.AggregatePlan> aggs, List<Plan.DatasetPlan> datasets) {
    double[] g = noise.granularities();
    for (int a = 0; a < aggs.size(); a++) {
      Plan.AggregatePlan ap = aggs.get(a);
      if (ap.dataset() < 0) {
        continue;
      }
      // Each row's clamped value becomes units, then each person's total is clamped in units.
      Bounds value = datasets.get(ap.dataset()).valueBounds().get(ap.metricIndex());
      try {
        UnitSum.unitsOf(value.lower(), g[a]);
        UnitSum.unitsOf(value.upper(), g[a]);
        UnitSum.unitsOf(ap.groupBounds().lower(), g[a]);
        UnitSum.unitsOf(ap.groupBounds().upper(), g[a]);
      } catch (ArithmeticException e) {
        throw new InvalidQueryException(
            "aggregate ["
                + ap.aggregate().alias()
                + "]: the query's ε is too large for the metric's bounds (its noise granularity"
                + " would need more than 63 bits per person); use a smaller ε");
      }
    }
  }

  /**
   * The output name of a grouped column: its name, or for a time bucket the bucket and the name
   * ({@code week_day} for {@code week(day)}).
   */
  private static String outputName(ResolvedColumn g) {
    return g.bucket().map(b -> b.label() + "_" + g.name()).orElse(g.name());
  }

  /**
   * The per-person bounds the analyst chose for some metrics ({@code QueryOptions.bounds}), by
   * metric column: each within the owner's per-person bounds of the metric, which it replaces in
   * this query (clamping and noise). Narrowing is the analyst's choice and costs nothing.
   *
   * @throws InvalidQueryException if chosen bounds are wider than the owner's, or a metric is given
   *     two different bounds under two names
   */
  private static Map<ResolvedColumn, Bounds> chosenBounds(
      QuerySpec spec, List<Dataset> datasets, List<ResolvedColumn> metricColumns) {
    Map<ResolvedColumn, Bounds> chosen = new HashMap<>();
    for (int a = 0; a < spec.aggregates().size(); a++) {
      ResolvedColumn m = metricColumns.get(a);
      Bounds b = spec.options().bounds().get(spec.aggregates().get(a).column());
      if (m == null || b == null || m.role() != ColumnRole.METRIC) {
        continue;
      }
      Bounds owner = datasets.get(m.dataset()).groupBounds(m.name());
      if (!owner.contains(b)) {
        throw new InvalidQueryException(
            "bounds of metric ["
                + m.name()
                + "] may only narrow its owner's per-person bounds ["
                + owner.lower()
                + ", "
                + owner.upper()
                + "]; provided: ["
                + b.lower()
                + ", "
                + b.upper()
                + "]");
      }
      Bounds before = chosen.put(m, b);
      if (before != null && !before.equals(b)) {
        throw new InvalidQueryException("metric [" + m.name() + "] is given two different bounds");
      }
    }
    return chosen;
  }

  private static Condition unqualify(Condition c, Resolver resolver) {
    if (c instanceof Condition.Comparison cmp) {
      return new Condition.Comparison(resolver.resolve(cmp.column()).name(), cmp.op(), cmp.value());
    }
    if (c instanceof Condition.In in) {
      return new Condition.In(resolver.resolve(in.column()).name(), in.values());
    }
    if (c instanceof Condition.And and) {
      return new Condition.And(and.operands().stream().map(o -> unqualify(o, resolver)).toList());
    }
    if (c instanceof Condition.Or or) {
      return new Condition.Or(or.operands().stream().map(o -> unqualify(o, resolver)).toList());
    }
    return new Condition.Not(unqualify(((Condition.Not) c).operand(), resolver));
  }

  /** Resolves column names, plain or qualified, against the query's datasets. */
  private static final class Resolver {
    private final List<Dataset> datasets;

    Resolver(List<Dataset> datasets) {
      this.datasets = datasets;
    }

    ResolvedColumn column(int dataset, String name) {
      Dataset d = datasets.get(dataset);
      ColumnType type = d.schema().column(name).orElseThrow().type();
      return new ResolvedColumn(dataset, name, type, d.role(name));
    }

    ResolvedColumn resolve(String ref) {
      Optional<TimeBucket.Named> bucketed = TimeBucket.parse(ref);
      if (bucketed.isPresent()) {
        ResolvedColumn base = resolve(bucketed.get().column());
        if (base.type() != ColumnType.DATE && base.type() != ColumnType.TIMESTAMP) {
          throw new InvalidQueryException(
              "time bucket ["
                  + ref
                  + "] needs a DATE or TIMESTAMP column; ["
                  + base.name()
                  + "] is "
                  + base.type());
        }
        return new ResolvedColumn(
            base.dataset(),
            base.name(),
            ColumnType.DATE,
            base.role(),
            Optional.of(bucketed.get().bucket()),
            base.type());
      }
      String[] parts = ref.split("\\.", -1);
      if (parts.length > 3) {
        throw new InvalidQueryException(
            "column reference ["
                + ref
                + "] has too many parts; use column, dataset.column or"
                + " owner.dataset.column");
      }
      String column = parts[parts.length - 1];
      List<Integer> candidates = new ArrayList<>();
      for (int i = 0; i < datasets.size(); i++) {
        Dataset d = datasets.get(i);
        boolean matches =
            switch (parts.length) {
              case 1 -> true;
              case 2 -> d.name().equals(parts[0]);
              default -> d.owner().equals(parts[0]) && d.name().equals(parts[1]);
            };
        if (matches) {
          candidates.add(i);
        }
      }
      if (candidates.isEmpty()) {
        throw new InvalidQueryException(
            "column reference ["
                + ref
                + "] names no dataset of the query; datasets are: "
                + datasets.stream().map(Dataset::qualifiedName).toList());
      }
      List<Integer> found = new ArrayList<>();
      for (int i : candidates) {
        if (datasets.get(i).schema().column(column).isPresent()) {
          found.add(i);
        }
      }
      if (found.isEmpty()) {
        StringBuilder sb = new StringBuilder("column [").append(ref).append("] not found in ");
        sb.append(
            String.join(
                ", ", candidates.stream().map(i -> datasets.get(i).qualifiedName()).toList()));
        sb.append("; columns are: ");
        List<String> lists = new ArrayList<>();
        for (int i : candidates) {
          Dataset d = datasets.get(i);
          // Blocked columns are left out: the analyst may not use them and need not know them.
          List<String> usable =
              d.schema().names().stream().filter(c -> d.role(c) != ColumnRole.BLOCKED).toList();
          lists.add((candidates.size() > 1 ? d.qualifiedName() + " " : "") + usable);
        }
        sb.append(String.join(", ", lists));
        throw new InvalidQueryException(sb.toString());
      }
      if (found.size() > 1) {
        throw new InvalidQueryException(
            "column ["
                + ref
                + "] is ambiguous: it is in "
                + found.stream().map(i -> datasets.get(i).qualifiedName()).toList()
                + "; qualify it as dataset.column");
      }
      return column(found.get(0), column);
    }
  }
}
