package dev.cleanroom;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The rules a data owner sets for one of its datasets. A query runs only if it satisfies the policy
 * of every dataset it touches; where policies differ, the strictest setting wins (the largest
 * {@link #minDistinctUsers()}, the smallest {@link #maxGroupsPerUser()} and {@link
 * #maxContributionsPerGroup()}).
 *
 * <p>Build one with {@link #builder()}. Each setter may be called once (a rejected call does not
 * count); setters check names and bounds, {@link Builder#build()} checks required settings and
 * ranges, and references to columns are checked against the dataset when the {@link Dataset} is
 * built.
 */
public final class Policy {
  /** The smallest allowed {@link #minDistinctUsers()}. */
  public static final int MIN_K = 2;

  /** The largest allowed {@link #minDistinctUsers()}. */
  public static final int MAX_K = 100_000;

  /** The largest allowed {@link #maxGroupsPerUser()} and {@link #maxContributionsPerGroup()}. */
  public static final int MAX_CONTRIBUTION_BOUND = 100_000;

  /**
   * How long released rows are remembered for difference checks unless the owner says otherwise.
   */
  public static final Duration DEFAULT_DIFFERENCE_CHECK_RETENTION = Duration.ofDays(30);

  /** The smallest allowed {@link #minCohortSize()}. */
  public static final int MIN_COHORT_SIZE = 2;

  /** The {@link #minCohortSize()} of a policy that does not set one. */
  public static final int DEFAULT_MIN_COHORT_SIZE = 100;

  private final Set<String> analysts;
  private final Set<String> joinColumns;
  private final Optional<Set<String>> dimensions;
  private final Map<String, Set<AggregateFunction>> aggregates;
  private final Map<String, Bounds> groupClamps;
  private final int minDistinctUsers;
  private final int maxGroupsPerUser;
  private final int maxContributionsPerGroup;
  private final Optional<DifferentialPrivacyRule> differentialPrivacy;
  private final boolean requiresApprovedTemplates;
  private final Optional<Duration> differenceCheckRetention;
  private final Set<String> receivers;
  private final Set<String> cohortReceivers;
  private final int minCohortSize;
  private final Optional<QueryLimit> queryLimit;

  private Policy(Builder b) {
    this.analysts = Collections.unmodifiableSet(new LinkedHashSet<>(b.analysts));
    this.receivers =
        Collections.unmodifiableSet(
            new LinkedHashSet<>(b.receivers.isEmpty() ? b.analysts : b.receivers));
    this.cohortReceivers = Collections.unmodifiableSet(new LinkedHashSet<>(b.cohortReceivers));
    this.minCohortSize = b.minCohortSize;
    this.joinColumns = Collections.unmodifiableSet(new LinkedHashSet<>(b.joinColumns));
    this.dimensions = b.dimensions.map(d -> Collections.unmodifiableSet(new LinkedHashSet<>(d)));
    Map<String, Set<AggregateFunction>> aggs = new LinkedHashMap<>();
    b.aggregates.forEach((k, v) -> aggs.put(k, Collections.unmodifiableSet(EnumSet.copyOf(v))));
    this.aggregates = Collections.unmodifiableMap(aggs);
    this.groupClamps = Collections.unmodifiableMap(new LinkedHashMap<>(b.groupClamps));
    this.minDistinctUsers = b.minDistinctUsers;
    this.maxGroupsPerUser = b.maxGroupsPerUser;
    this.maxContributionsPerGroup = b.maxContributionsPerGroup;
    this.differentialPrivacy = b.differentialPrivacy;
    this.requiresApprovedTemplates = b.requireApprovedTemplates;
    this.differenceCheckRetention = b.differenceCheckRetention;
    this.queryLimit = b.queryLimit;
  }

  /**
   * A builder for a policy.
   *
   * @return a builder for a policy
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The parties that may run queries touching the dataset.
   *
   * @return the parties that may run queries touching the dataset
   */
  public Set<String> analysts() {
    return analysts;
  }

  /**
   * The parties that may receive the results of queries touching the dataset; the {@link
   * #analysts()} unless the owner named others with {@link Builder#allowReceivers}.
   *
   * @return the receiving parties
   */
  public Set<String> receivers() {
    return receivers;
  }

  /**
   * The parties that cohorts of the dataset's users may be released to; empty by default.
   *
   * @return the cohort receivers
   */
  public Set<String> cohortReceivers() {
    return cohortReceivers;
  }

  /**
   * The minimum number of distinct people of a released cohort ({@value #DEFAULT_MIN_COHORT_SIZE}
   * unless the owner set it).
   *
   * @return the minimum cohort size
   */
  public int minCohortSize() {
    return minCohortSize;
  }

  /**
   * The columns the dataset may be joined on; empty if the dataset may not be joined.
   *
   * @return the columns the dataset may be joined on; empty if the dataset may not be joined
   */
  public Set<String> joinColumns() {
    return joinColumns;
  }

  /**
   * The dimensions that may be grouped by and filtered on; empty means every column the dataset
   * declares as a {@link ColumnRole#DIMENSION}.
   *
   * @return the dimensions that may be grouped by and filtered on; empty means every column the
   *     dataset declares as a {@link ColumnRole#DIMENSION}
   */
  public Optional<Set<String>> allowedDimensions() {
    return dimensions;
  }

  /**
   * The aggregate functions allowed on {@code metric}; {@link AggregateFunction#SUM} and {@link
   * AggregateFunction#AVG} unless the owner narrowed them.
   *
   * @param metric the metric column's name
   * @return the aggregate functions allowed on {@code metric}; {@link AggregateFunction#SUM} and
   *     {@link AggregateFunction#AVG} unless the owner narrowed them
   */
  public Set<AggregateFunction> allowedAggregates(String metric) {
    Objects.requireNonNull(metric, "metric");
    Set<AggregateFunction> set = aggregates.get(metric);
    return set != null
        ? set
        : Collections.unmodifiableSet(EnumSet.of(AggregateFunction.SUM, AggregateFunction.AVG));
  }

  /**
   * The metrics whose aggregate functions the owner narrowed, with the functions allowed.
   *
   * @return the metrics whose aggregate functions the owner narrowed, with the functions allowed
   */
  public Map<String, Set<AggregateFunction>> aggregateRules() {
    return aggregates;
  }

  /**
   * The bounds of one person's total of {@code metric} in one output group, if the owner set them;
   * otherwise the metric's declared bounds apply.
   *
   * @param metric the metric column's name
   * @return the bounds of one person's total of {@code metric} in one output group, if the owner
   *     set them; otherwise the metric's declared bounds apply
   */
  public Optional<Bounds> groupClamp(String metric) {
    Objects.requireNonNull(metric, "metric");
    return Optional.ofNullable(groupClamps.get(metric));
  }

  /**
   * The per-group clamps the owner set, by metric.
   *
   * @return the per-group clamps the owner set, by metric
   */
  public Map<String, Bounds> groupClamps() {
    return groupClamps;
  }

  /**
   * The minimum number of distinct users of every released output row (k).
   *
   * @return the minimum number of distinct users of every released output row (k)
   */
  public int minDistinctUsers() {
    return minDistinctUsers;
  }

  /**
   * The maximum number of output groups one person may contribute to (L0).
   *
   * @return the maximum number of output groups one person may contribute to (L0)
   */
  public int maxGroupsPerUser() {
    return maxGroupsPerUser;
  }

  /**
   * The maximum number of one person's rows counted in one output group by {@code count()}.
   *
   * @return the maximum number of one person's rows counted in one output group by {@code count()}
   */
  public int maxContributionsPerGroup() {
    return maxContributionsPerGroup;
  }

  /**
   * The owner's differential-privacy requirement, if any: then every query touching the dataset
   * must be differentially private and is charged to the analyst's ledger for the dataset.
   *
   * @return the owner's differential-privacy requirement, if any: then every query touching the
   *     dataset must be differentially private and is charged to the analyst's ledger for the
   *     dataset
   */
  public Optional<DifferentialPrivacyRule> differentialPrivacy() {
    return differentialPrivacy;
  }

  /**
   * Whether the dataset may be queried only through query templates that every owner of a touched
   * dataset approved ({@link PolicyRule#TEMPLATE_APPROVED}).
   *
   * @return {@code true} if ad-hoc queries on the dataset are refused and only approved templates
   *     may run
   */
  public boolean requiresApprovedTemplates() {
    return requiresApprovedTemplates;
  }

  /**
   * How long rows released to an analyst from the dataset are remembered for difference checks, or
   * empty if the owner opted out with {@link Builder#withoutDifferenceChecks()}. On by default, for
   * {@link #DEFAULT_DIFFERENCE_CHECK_RETENTION}.
   *
   * <p>In threshold mode (no noise), a released row whose set of people differs from a row released
   * earlier to the same analyst from the same dataset, within the retention, by more than 0 and
   * fewer than k people is suppressed, as silently as a row below k. This stops complement queries
   * ("total" vs "total without one person") and tracker queries ("C1" vs "C1 and not C2", where "C1
   * and C2" is one person), not differences of k or more people, nor attacks through averages or
   * sums over the same people, nor attacks spread across analysts: only differential privacy bounds
   * everything. Differentially private queries are not checked (their noise bounds what they
   * reveal).
   *
   * @return the retention, if difference checks are on
   */
  public Optional<Duration> differenceCheckRetention() {
    return differenceCheckRetention;
  }

  /**
   * The cap on queries per analyst and period, if the owner set one; it applies in threshold-only
   * and differentially private mode alike.
   *
   * @return the query limit, or empty if the number of queries is not capped
   */
  public Optional<QueryLimit> queryLimit() {
    return queryLimit;
  }

  /**
   * Whether {@code o} is a policy with the same rules: equal sets of analysts, receivers (as {@link
   * #receivers()} reports them), cohort receivers, join columns and allowed dimensions, equal
   * aggregate and clamp rules, equal bounds, retention and query limit, and a differential-privacy
   * rule of the same kind (pure ε or (ε, δ)) whose amounts are numerically equal ({@code 1.0}
   * equals {@code 1}) with the same period. The order in which names were given does not matter.
   *
   * @param o the object to compare with
   * @return whether {@code o} is a policy with the same rules
   */
  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Policy p)) {
      return false;
    }
    return analysts.equals(p.analysts)
        && receivers.equals(p.receivers)
        && cohortReceivers.equals(p.cohortReceivers)
        && minCohortSize == p.minCohortSize
        && joinColumns.equals(p.joinColumns)
        && dimensions.equals(p.dimensions)
        && aggregates.equals(p.aggregates)
        && groupClamps.equals(p.groupClamps)
        && minDistinctUsers == p.minDistinctUsers
        && maxGroupsPerUser == p.maxGroupsPerUser
        && maxContributionsPerGroup == p.maxContributionsPerGroup
        && sameRule(differentialPrivacy, p.differentialPrivacy)
        && requiresApprovedTemplates == p.requiresApprovedTemplates
        && differenceCheckRetention.equals(p.differenceCheckRetention)
        && queryLimit.equals(p.queryLimit);
  }

  private static boolean sameRule(
      Optional<DifferentialPrivacyRule> a, Optional<DifferentialPrivacyRule> b) {
    if (a.isEmpty() || b.isEmpty()) {
      return a.isEmpty() && b.isEmpty();
    }
    DifferentialPrivacyRule x = a.get();
    DifferentialPrivacyRule y = b.get();
    return x.total().getClass() == y.total().getClass()
        && x.total().epsilon().compareTo(y.total().epsilon()) == 0
        && x.total().delta().compareTo(y.total().delta()) == 0
        && x.maxEpsilonPerQuery().compareTo(y.maxEpsilonPerQuery()) == 0
        && x.period() == y.period();
  }

  /**
   * A hash code consistent with {@link #equals(Object)}.
   *
   * @return a hash code consistent with {@link #equals(Object)}
   */
  @Override
  public int hashCode() {
    int dp =
        differentialPrivacy
            .map(
                r ->
                    Objects.hash(
                        r.total().getClass(),
                        r.total().epsilon().stripTrailingZeros(),
                        r.total().delta().stripTrailingZeros(),
                        r.maxEpsilonPerQuery().stripTrailingZeros(),
                        r.period()))
            .orElse(0);
    return Objects.hash(
        analysts,
        receivers,
        cohortReceivers,
        minCohortSize,
        joinColumns,
        dimensions,
        aggregates,
        groupClamps,
        minDistinctUsers,
        maxGroupsPerUser,
        maxContributionsPerGroup,
        dp,
        requiresApprovedTemplates,
        differenceCheckRetention,
        queryLimit);
  }

  @Override
  public String toString() {
    return "Policy[analysts="
        + analysts
        + ", joinColumns="
        + joinColumns
        + ", dimensions="
        + dimensions.map(Object::toString).orElse("all declared")
        + ", aggregates="
        + aggregates
        + ", groupClamps="
        + groupClamps
        + ", k="
        + minDistinctUsers
        + ", maxGroupsPerUser="
        + maxGroupsPerUser
        + ", maxContributionsPerGroup="
        + maxContributionsPerGroup
        + ", differentialPrivacy="
        + differentialPrivacy.map(Object::toString).orElse("not required")
        + (requiresApprovedTemplates ? ", approved templates only" : "")
        + ", differenceChecks="
        + differenceCheckRetention.map(d -> "retained " + d).orElse("off")
        + ", receivers="
        + receivers
        + ", cohortReceivers="
        + cohortReceivers
        + ", minCohortSize="
        + minCohortSize
        + ", queryLimit="
        + queryLimit.map(Object::toString).orElse("none")
        + "]";
  }

  /**
   * Builds a {@link Policy}. Every setter may be called once; a second call throws {@link
   * IllegalStateException}. {@link #allowAnalysts} and {@link #minDistinctUsers} are required.
   */
  public static final class Builder {
    private final Set<String> analysts = new LinkedHashSet<>();
    private final Set<String> joinColumns = new LinkedHashSet<>();
    private Optional<Set<String>> dimensions = Optional.empty();
    private final Map<String, Set<AggregateFunction>> aggregates = new LinkedHashMap<>();
    private final Map<String, Bounds> groupClamps = new LinkedHashMap<>();
    private int minDistinctUsers = -1;
    private int maxGroupsPerUser = 1;
    private int maxContributionsPerGroup = 1;
    private Optional<DifferentialPrivacyRule> differentialPrivacy = Optional.empty();
    private BudgetPeriod period = BudgetPeriod.NONE;
    private boolean requireApprovedTemplates;
    private Optional<Duration> differenceCheckRetention =
        Optional.of(DEFAULT_DIFFERENCE_CHECK_RETENTION);
    private final Set<String> receivers = new LinkedHashSet<>();
    private final Set<String> cohortReceivers = new LinkedHashSet<>();
    private int minCohortSize = DEFAULT_MIN_COHORT_SIZE;
    private Optional<QueryLimit> queryLimit = Optional.empty();
    private final Set<String> set = new LinkedHashSet<>();

    private Builder() {}

    private static List<String> checkNames(String what, String... names) {
      List<String> out = new ArrayList<>();
      for (String n : List.of(names)) {
        out.add(Names.check(what, n));
      }
      return out;
    }

    private void once(String setter) {
      if (!set.add(setter)) {
        throw new IllegalStateException(setter + " was already set");
      }
    }

    /**
     * The parties allowed to run queries that touch the dataset (required, at least one).
     *
     * @param parties the party names
     * @return this builder
     */
    public Builder allowAnalysts(String... parties) {
      List<String> checked = checkNames("analyst", parties);
      once("allowAnalysts");
      analysts.addAll(checked);
      return this;
    }

    /**
     * The parties that may receive results of queries touching the dataset (at least one); by
     * default the {@link #allowAnalysts analysts}. A party that runs a query but is not a receiver
     * gets only the query id.
     *
     * @param parties the receiving parties
     * @return this builder
     * @throws IllegalArgumentException if no party is named or a name is invalid
     * @throws IllegalStateException if called before
     */
    public Builder allowReceivers(String... parties) {
      List<String> checked = checkNames("receiver", parties);
      if (checked.isEmpty()) {
        throw new IllegalArgumentException("allowReceivers must name at least one party");
      }
      once("allowReceivers");
      receivers.addAll(checked);
      return this;
    }

    /**
     * The parties that cohorts (the ids of their own users who match a query) may be released to
     * (at least one); by default none.
     *
     * @param receivers the receiving parties
     * @return this builder
     * @throws IllegalArgumentException if no party is named or a name is invalid
     * @throws IllegalStateException if called before
     */
    public Builder allowCohortRelease(String... receivers) {
      List<String> checked = checkNames("cohort receiver", receivers);
      if (checked.isEmpty()) {
        throw new IllegalArgumentException("allowCohortRelease must name at least one party");
      }
      once("allowCohortRelease");
      cohortReceivers.addAll(checked);
      return this;
    }

    /**
     * The minimum number of distinct people of a released cohort, at least {@value
     * Policy#MIN_COHORT_SIZE} (default {@value Policy#DEFAULT_MIN_COHORT_SIZE}); checked by {@link
     * #build()}.
     *
     * @param people the minimum number of distinct people
     * @return this builder
     * @throws IllegalStateException if called before
     */
    public Builder minCohortSize(int people) {
      once("minCohortSize");
      minCohortSize = people;
      return this;
    }

    /**
     * The columns the dataset may be joined on: its {@link ColumnRole#USER_ID} column, or none to
     * forbid joins.
     *
     * @param columns the column names
     * @return this builder
     */
    public Builder allowJoinOn(String... columns) {
      List<String> checked = checkNames("join column", columns);
      once("allowJoinOn");
      joinColumns.addAll(checked);
      return this;
    }

    /**
     * Narrows the dimensions that may be grouped by and filtered on. Without this call, every
     * declared dimension is allowed; with it, only the listed ones. A listed DATE or TIMESTAMP
     * column allows its time buckets too; a bucket may also be listed alone, by its name ({@code
     * week(day)}, see {@link dev.cleanroom.query.TimeBucket}), to allow it and nothing finer.
     *
     * @param columns the column names, or time buckets of columns
     * @return this builder
     */
    public Builder allowDimensions(String... columns) {
      List<String> checked = new ArrayList<>();
      for (String c : List.of(columns)) {
        // A time bucket of a column, e.g. week(day), is allowed by that name (see TimeBucket).
        Optional<dev.cleanroom.query.TimeBucket.Named> bucket =
            c == null ? Optional.empty() : dev.cleanroom.query.TimeBucket.parse(c);
        if (bucket.isPresent()) {
          Names.check("dimension", bucket.get().column());
          checked.add(c);
        } else {
          checked.add(Names.check("dimension", c));
        }
      }
      once("allowDimensions");
      dimensions = Optional.of(new LinkedHashSet<>(checked));
      return this;
    }

    /**
     * Narrows the aggregate functions allowed on {@code metric} to {@code functions}, each of which
     * must aggregate a metric ({@link AggregateFunction#SUM}, {@link AggregateFunction#AVG}, {@link
     * AggregateFunction#VARIANCE}, {@link AggregateFunction#STDDEV} or {@link
     * AggregateFunction#QUANTILE}). Once per metric. The variance, standard deviation and quantiles
     * are allowed only where the owner lists them here.
     *
     * @param metric the metric column's name
     * @param functions the allowed functions
     * @return this builder
     */
    public Builder allowAggregates(String metric, AggregateFunction... functions) {
      Names.check("metric", metric);
      Set<AggregateFunction> fns = EnumSet.noneOf(AggregateFunction.class);
      for (AggregateFunction f : List.of(functions)) {
        if (!f.needsMetric()) {
          throw new IllegalArgumentException(
              "allowAggregates takes functions of a metric (SUM, AVG, VARIANCE, STDDEV, QUANTILE);"
                  + " provided value: "
                  + f);
        }
        fns.add(f);
      }
      once("allowAggregates(" + metric + ")");
      aggregates.put(metric, fns);
      return this;
    }

    /**
     * Bounds one person's total of {@code metric} in one output group to [lower, upper]. Without
     * this call, the metric's declared bounds apply. Once per metric.
     *
     * @param metric the metric column's name
     * @param lower the smallest per-person total
     * @param upper the largest per-person total
     * @return this builder
     */
    public Builder clampPerGroup(String metric, double lower, double upper) {
      Names.check("metric", metric);
      Bounds bounds = Bounds.of(lower, upper);
      once("clampPerGroup(" + metric + ")");
      groupClamps.put(metric, bounds);
      return this;
    }

    /**
     * The minimum number of distinct users of a released output row, k (required).
     *
     * @param k the minimum number of distinct users per output row, 2 to {@link #MAX_K}
     * @return this builder
     */
    public Builder minDistinctUsers(int k) {
      once("minDistinctUsers");
      minDistinctUsers = k;
      return this;
    }

    /**
     * The maximum number of output groups one person may contribute to, L0 (default 1).
     *
     * @param groups the maximum number of groups per person
     * @return this builder
     */
    public Builder maxGroupsPerUser(int groups) {
      once("maxGroupsPerUser");
      maxGroupsPerUser = groups;
      return this;
    }

    /**
     * The maximum number of one person's rows that {@code count()} counts in one output group
     * (default 1).
     *
     * @param rows the maximum number of rows per person and group
     * @return this builder
     */
    public Builder maxContributionsPerGroup(int rows) {
      once("maxContributionsPerGroup");
      maxContributionsPerGroup = rows;
      return this;
    }

    /**
     * Requires differential privacy for every query touching the dataset: each analyst may spend at
     * most {@code total} (pure ε or (ε, δ)) per {@link #budgetPeriod budget period}, and one query
     * at most {@code maxEpsilonPerQuery}.
     *
     * @param total the total budget per analyst and period: pure ε or (ε, δ)
     * @param maxEpsilonPerQuery the largest ε one query may spend
     * @return this builder
     * @throws IllegalArgumentException if {@code total} is zCDP or {@code maxEpsilonPerQuery} is
     *     not a finite number in (0, total ε]
     */
    public Builder differentialPrivacy(PrivacyBudget total, double maxEpsilonPerQuery) {
      Objects.requireNonNull(total, "total");
      if (!Double.isFinite(maxEpsilonPerQuery)
          || maxEpsilonPerQuery < PrivacyBudget.MIN_PARAMETER) {
        throw new IllegalArgumentException(
            "maxEpsilonPerQuery must be finite and >= 2^-50; provided value: "
                + maxEpsilonPerQuery);
      }
      BigDecimal cap = BigDecimal.valueOf(maxEpsilonPerQuery);
      DifferentialPrivacyRule rule = new DifferentialPrivacyRule(total, cap, BudgetPeriod.NONE);
      once("differentialPrivacy");
      differentialPrivacy = Optional.of(rule);
      return this;
    }

    /**
     * How often each analyst's budget starts afresh (default {@link BudgetPeriod#NONE}); needs
     * {@link #differentialPrivacy}.
     *
     * @param period the budget period
     * @return this builder
     */
    public Builder budgetPeriod(BudgetPeriod period) {
      Objects.requireNonNull(period, "period");
      once("budgetPeriod");
      this.period = period;
      return this;
    }

    /**
     * Allows queries on the dataset only through registered query templates that every owner of a
     * touched dataset approved; ad-hoc queries are refused ({@link PolicyRule#TEMPLATE_APPROVED}).
     *
     * @return this builder
     * @throws IllegalStateException if called twice
     */
    public Builder requireApprovedTemplates() {
      once("requireApprovedTemplates");
      requireApprovedTemplates = true;
      return this;
    }

    /**
     * How long rows released from the dataset are remembered for difference checks (default {@link
     * Policy#DEFAULT_DIFFERENCE_CHECK_RETENTION}). A longer retention catches attacks spread over a
     * longer time and remembers more: 8 bytes per person per released row. See {@link
     * Policy#differenceCheckRetention()}.
     *
     * @param retention the retention, positive
     * @return this builder
     * @throws IllegalArgumentException if {@code retention} is zero or negative
     * @throws IllegalStateException if called twice or after {@link #withoutDifferenceChecks()}
     */
    public Builder differenceCheckRetention(Duration retention) {
      Objects.requireNonNull(retention, "retention");
      if (retention.isNegative() || retention.isZero()) {
        throw new IllegalArgumentException(
            "retention must be positive; provided value: " + retention);
      }
      if (set.contains("withoutDifferenceChecks")) {
        throw new IllegalStateException(
            "differenceCheckRetention conflicts with withoutDifferenceChecks");
      }
      once("differenceCheckRetention");
      differenceCheckRetention = Optional.of(retention);
      return this;
    }

    /**
     * Turns difference checks off for the dataset: an explicit opt-out of a protection that is on
     * by default. A query touching this dataset and another one whose owner keeps the checks on is
     * still checked (the strictest setting wins).
     *
     * @return this builder
     * @throws IllegalStateException if called twice or after {@link #differenceCheckRetention}
     */
    public Builder withoutDifferenceChecks() {
      if (set.contains("differenceCheckRetention")) {
        throw new IllegalStateException(
            "withoutDifferenceChecks conflicts with differenceCheckRetention");
      }
      once("withoutDifferenceChecks");
      differenceCheckRetention = Optional.empty();
      return this;
    }

    /**
     * Caps the number of queries each analyst may run on the dataset per period, in threshold-only
     * and differentially private mode alike (default: no cap). A query counts once it has passed
     * planning and every policy check; refused and invalid queries do not count, nor do repeated
     * differentially private queries answered from the room's stored answers (they scan nothing and
     * reveal nothing new). A query whose source fails after it was counted stays counted. The count
     * is charged in the same atomic {@link dev.cleanroom.spi.BudgetStore#charge} call as the
     * privacy budget, so it is as durable as that store. When the cap is reached the query is
     * refused with a {@link PolicyViolationException} for rule {@link PolicyRule#QUERY_LIMIT}.
     *
     * @param queries the most queries per period, in [1, {@link QueryLimit#MAX_QUERIES}]
     * @param period when the count starts afresh; {@link BudgetPeriod#NONE} for a lifetime cap
     * @return this builder
     * @throws NullPointerException if {@code period} is null
     * @throws IllegalArgumentException if {@code queries} is out of range
     * @throws IllegalStateException if already set
     */
    public Builder maxQueries(int queries, BudgetPeriod period) {
      QueryLimit limit = new QueryLimit(queries, period);
      once("maxQueries");
      queryLimit = Optional.of(limit);
      return this;
    }

    /**
     * Validates and builds the policy.
     *
     * @return the policy
     * @throws IllegalStateException if a required setting is missing
     * @throws IllegalArgumentException if a setting is out of range
     */
    public Policy build() {
      if (analysts.isEmpty()) {
        throw new IllegalStateException(
            "allowAnalysts is required and must name at least one party");
      }
      if (minDistinctUsers == -1 && !set.contains("minDistinctUsers")) {
        throw new IllegalStateException("minDistinctUsers is required");
      }
      checkRange("minDistinctUsers", minDistinctUsers, MIN_K, MAX_K);
      checkRange("maxGroupsPerUser", maxGroupsPerUser, 1, MAX_CONTRIBUTION_BOUND);
      checkRange("maxContributionsPerGroup", maxContributionsPerGroup, 1, MAX_CONTRIBUTION_BOUND);
      checkRange("minCohortSize", minCohortSize, MIN_COHORT_SIZE, Integer.MAX_VALUE);
      if (dimensions.isPresent() && dimensions.get().isEmpty()) {
        throw new IllegalArgumentException("allowDimensions must name at least one column");
      }
      for (Map.Entry<String, Set<AggregateFunction>> e : aggregates.entrySet()) {
        if (e.getValue().isEmpty()) {
          throw new IllegalArgumentException(
              "allowAggregates(" + e.getKey() + ") must name at least one function");
        }
      }
      if (set.contains("budgetPeriod")) {
        DifferentialPrivacyRule rule =
            differentialPrivacy.orElseThrow(
                () -> new IllegalStateException("budgetPeriod needs differentialPrivacy"));
        differentialPrivacy =
            Optional.of(
                new DifferentialPrivacyRule(rule.total(), rule.maxEpsilonPerQuery(), period));
      }
      return new Policy(this);
    }

    private static void checkRange(String what, int value, int min, int max) {
      if (value < min || value > max) {
        throw new IllegalArgumentException(
            what + " must be in [" + min + ", " + max + "]; provided value: " + value);
      }
    }
  }
}
