package dev.cleanroom;

import java.math.BigDecimal;
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

  private final Set<String> analysts;
  private final Set<String> joinColumns;
  private final Optional<Set<String>> dimensions;
  private final Map<String, Set<AggregateFunction>> aggregates;
  private final Map<String, Bounds> groupClamps;
  private final int minDistinctUsers;
  private final int maxGroupsPerUser;
  private final int maxContributionsPerGroup;
  private final Optional<DifferentialPrivacyRule> differentialPrivacy;
  private final Optional<QueryLimit> queryLimit;

  private Policy(Builder b) {
    this.analysts = Collections.unmodifiableSet(new LinkedHashSet<>(b.analysts));
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
    this.queryLimit = b.queryLimit;
  }

  /** A builder for a policy. */
  public static Builder builder() {
    return new Builder();
  }

  /** The parties that may run queries touching the dataset. */
  public Set<String> analysts() {
    return analysts;
  }

  /** The columns the dataset may be joined on; empty if the dataset may not be joined. */
  public Set<String> joinColumns() {
    return joinColumns;
  }

  /**
   * The dimensions that may be grouped by and filtered on; empty means every column the dataset
   * declares as a {@link ColumnRole#DIMENSION}.
   */
  public Optional<Set<String>> allowedDimensions() {
    return dimensions;
  }

  /**
   * The aggregate functions allowed on {@code metric}; {@link AggregateFunction#SUM} and {@link
   * AggregateFunction#AVG} unless the owner narrowed them.
   */
  public Set<AggregateFunction> allowedAggregates(String metric) {
    Objects.requireNonNull(metric, "metric");
    Set<AggregateFunction> set = aggregates.get(metric);
    return set != null
        ? set
        : Collections.unmodifiableSet(EnumSet.of(AggregateFunction.SUM, AggregateFunction.AVG));
  }

  /** The metrics whose aggregate functions the owner narrowed, with the functions allowed. */
  public Map<String, Set<AggregateFunction>> aggregateRules() {
    return aggregates;
  }

  /**
   * The bounds of one person's total of {@code metric} in one output group, if the owner set them;
   * otherwise the metric's declared bounds apply.
   */
  public Optional<Bounds> groupClamp(String metric) {
    Objects.requireNonNull(metric, "metric");
    return Optional.ofNullable(groupClamps.get(metric));
  }

  /** The per-group clamps the owner set, by metric. */
  public Map<String, Bounds> groupClamps() {
    return groupClamps;
  }

  /** The minimum number of distinct users of every released output row (k). */
  public int minDistinctUsers() {
    return minDistinctUsers;
  }

  /** The maximum number of output groups one person may contribute to (L0). */
  public int maxGroupsPerUser() {
    return maxGroupsPerUser;
  }

  /** The maximum number of one person's rows counted in one output group by {@code count()}. */
  public int maxContributionsPerGroup() {
    return maxContributionsPerGroup;
  }

  /**
   * The owner's differential-privacy requirement, if any: then every query touching the dataset
   * must be differentially private and is charged to the analyst's ledger for the dataset.
   */
  public Optional<DifferentialPrivacyRule> differentialPrivacy() {
    return differentialPrivacy;
  }

  /**
   * The cap on queries per analyst and period, if the owner set one; it applies in threshold-only
   * and differentially private mode alike.
   */
  public Optional<QueryLimit> queryLimit() {
    return queryLimit;
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

    /** The parties allowed to run queries that touch the dataset (required, at least one). */
    public Builder allowAnalysts(String... parties) {
      List<String> checked = checkNames("analyst", parties);
      once("allowAnalysts");
      analysts.addAll(checked);
      return this;
    }

    /**
     * The columns the dataset may be joined on: its {@link ColumnRole#USER_ID} column, or none to
     * forbid joins.
     */
    public Builder allowJoinOn(String... columns) {
      List<String> checked = checkNames("join column", columns);
      once("allowJoinOn");
      joinColumns.addAll(checked);
      return this;
    }

    /**
     * Narrows the dimensions that may be grouped by and filtered on. Without this call, every
     * declared dimension is allowed; with it, only the listed ones.
     */
    public Builder allowDimensions(String... columns) {
      List<String> checked = checkNames("dimension", columns);
      once("allowDimensions");
      dimensions = Optional.of(new LinkedHashSet<>(checked));
      return this;
    }

    /**
     * Narrows the aggregate functions allowed on {@code metric} to {@code functions}, each of which
     * must aggregate a metric ({@link AggregateFunction#SUM} or {@link AggregateFunction#AVG}).
     * Once per metric.
     */
    public Builder allowAggregates(String metric, AggregateFunction... functions) {
      Names.check("metric", metric);
      Set<AggregateFunction> fns = EnumSet.noneOf(AggregateFunction.class);
      for (AggregateFunction f : List.of(functions)) {
        if (!f.needsMetric()) {
          throw new IllegalArgumentException(
              "allowAggregates takes functions of a metric (SUM, AVG); provided value: " + f);
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
     */
    public Builder clampPerGroup(String metric, double lower, double upper) {
      Names.check("metric", metric);
      Bounds bounds = Bounds.of(lower, upper);
      once("clampPerGroup(" + metric + ")");
      groupClamps.put(metric, bounds);
      return this;
    }

    /** The minimum number of distinct users of a released output row, k (required). */
    public Builder minDistinctUsers(int k) {
      once("minDistinctUsers");
      minDistinctUsers = k;
      return this;
    }

    /** The maximum number of output groups one person may contribute to, L0 (default 1). */
    public Builder maxGroupsPerUser(int groups) {
      once("maxGroupsPerUser");
      maxGroupsPerUser = groups;
      return this;
    }

    /**
     * The maximum number of one person's rows that {@code count()} counts in one output group
     * (default 1).
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
     */
    public Builder budgetPeriod(BudgetPeriod period) {
      Objects.requireNonNull(period, "period");
      once("budgetPeriod");
      this.period = period;
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
