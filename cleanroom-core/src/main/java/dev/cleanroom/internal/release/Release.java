package dev.cleanroom.internal.release;

import dev.cleanroom.AggregateFunction;
import dev.cleanroom.BudgetBalance;
import dev.cleanroom.BudgetExhaustedException;
import dev.cleanroom.BudgetPeriod;
import dev.cleanroom.CleanRoomException;
import dev.cleanroom.CleanRoomInternalError;
import dev.cleanroom.DataSourceException;
import dev.cleanroom.Dataset;
import dev.cleanroom.PolicyRule;
import dev.cleanroom.PolicyViolationException;
import dev.cleanroom.QueryCancelledException;
import dev.cleanroom.QueryFailedException;
import dev.cleanroom.dp.BoundedMean;
import dev.cleanroom.dp.BoundedVariance;
import dev.cleanroom.dp.ConfidenceInterval;
import dev.cleanroom.dp.NoiseMechanism;
import dev.cleanroom.dp.PartitionSelection;
import dev.cleanroom.dp.QuantileTree;
import dev.cleanroom.internal.execution.Executor;
import dev.cleanroom.internal.execution.Interrupts;
import dev.cleanroom.internal.plan.NoisePlan;
import dev.cleanroom.internal.plan.Plan;
import dev.cleanroom.internal.value.TypedValues;
import dev.cleanroom.query.CellNoise;
import dev.cleanroom.query.LedgerStatus;
import dev.cleanroom.query.PrivacyReport;
import dev.cleanroom.query.Progress;
import dev.cleanroom.query.Result;
import dev.cleanroom.query.ResultColumn;
import dev.cleanroom.query.ResultRow;
import dev.cleanroom.spi.AuditEvent;
import dev.cleanroom.spi.BudgetStore;
import dev.cleanroom.spi.LedgerCharge;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * The one release stage, for every execution path and for cohorts: it charges the privacy budgets
 * and query limits of a plan atomically before anything is computed, it alone turns exact group
 * totals into released rows (threshold k, partition selection, noise, difference checks), and it
 * records the outcome in the query's {@link Trail} (failures with data in their details as
 * incidents). Execution paths only compute the totals; {@link Cohorts} releases ids through the
 * same charge, checks and trail.
 */
public final class Release {
  private final BudgetStore budgets;
  private final DifferenceChecks differences;
  private final Clock clock;
  private final Function<Dataset, String> ledgerBase;
  private final Incidents incidents;

  /**
   * A release stage.
   *
   * @param budgets the store of privacy and query-count ledgers
   * @param differences the memory of earlier releases, for difference checks
   * @param clock the room's clock
   * @param ledgerBase the first part of each ledger name of a dataset: the name of the data it
   *     reads, shared by every dataset registered over the same data (a budget belongs to the data,
   *     not to the name it was registered under)
   * @param incidents where failures whose details may hold data values go
   */
  public Release(
      BudgetStore budgets,
      DifferenceChecks differences,
      Clock clock,
      Function<Dataset, String> ledgerBase,
      Incidents incidents) {
    this.budgets = budgets;
    this.differences = differences;
    this.clock = clock;
    this.ledgerBase = ledgerBase;
    this.incidents = incidents;
  }

  /**
   * The release of one query: charges every ledger of {@code plan} atomically (a refused charge is
   * audited as a refusal), has {@code groups} compute its exact group totals on its decided path,
   * turns them into released rows and records the outcome in {@code trail}. Once charged, the
   * charge stands whatever happens to the scan; a failure is audited with it, as an incident
   * (details to the owners' audit sinks only) when its details may hold data values.
   *
   * <p>A run stopped through {@code interrupts} (cancelled or timed out) before the charge charges
   * nothing; after it, the charge stands. Either way it is audited as {@code FAILED} with the
   * reason {@code "cancelled"} or {@code "timed out"}, and releases nothing: the last check comes
   * after the scan, before any row is released.
   *
   * @param plan the checked plan
   * @param trail the query's audit trail
   * @param interrupts the run's cancellation, timeout and progress
   * @param groups the execution of the plan: its exact group totals
   * @return the result
   */
  public Result run(
      Plan plan,
      Trail trail,
      Interrupts interrupts,
      Function<Plan, Map<List<Object>, Executor.GroupState>> groups) {
    return run(plan, trail, interrupts, groups, r -> {});
  }

  /**
   * {@link #run}, with {@code keep} given the result before it is audited {@code ACCEPTED} (the
   * room stores a DP answer there): if {@code keep} fails, the run is audited {@code FAILED} with
   * its charge, and nothing is returned.
   */
  public Result run(
      Plan plan,
      Trail trail,
      Interrupts interrupts,
      Function<Plan, Map<List<Object>, Executor.GroupState>> groups,
      Consumer<Result> keep) {
    Charged charged;
    try {
      interrupts.check();
      charged = charge(plan);
    } catch (QueryCancelledException e) {
      trail.record(AuditEvent.Outcome.FAILED, Optional.empty(), Interrupts.auditReason(e));
      throw e;
    } catch (PolicyViolationException e) {
      trail.record(AuditEvent.Outcome.REFUSED, Optional.of(e.rule()), e.getMessage());
      throw e;
    } catch (BudgetExhaustedException e) {
      trail.record(AuditEvent.Outcome.REFUSED, Optional.empty(), e.getMessage());
      throw e;
    } catch (RuntimeException e) {
      // The budget store failed (a database gone, say): nothing was charged, nothing is released.
      trail.record(AuditEvent.Outcome.FAILED, Optional.empty(), chargeFailed(e));
      throw e;
    }
    List<AuditEvent.Charge> audited = charged.audited();
    Output output;
    try {
      interrupts.phase(Progress.Phase.SCANNING);
      Map<List<Object>, Executor.GroupState> totals = groups.apply(plan);
      // The last check: once rows are computed they are released (and remembered by the
      // difference checks), so a run cancelled up to here releases nothing.
      interrupts.check();
      interrupts.phase(Progress.Phase.RELEASING);
      output = rows(plan, totals);
    } catch (QueryCancelledException e) {
      trail.record(AuditEvent.Outcome.FAILED, Optional.empty(), Interrupts.auditReason(e), audited);
      throw e;
    } catch (DataSourceException e) {
      throw incident(trail, plan, audited, e.source(), e.getMessage());
    } catch (CleanRoomException e) {
      trail.record(AuditEvent.Outcome.FAILED, Optional.empty(), e.getMessage(), audited);
      throw e;
    } catch (RuntimeException e) {
      throw incident(
          trail,
          plan,
          audited,
          "",
          "query " + trail.id() + " failed (" + e.getClass().getSimpleName() + ")");
    } catch (Error e) {
      trail.record(
          AuditEvent.Outcome.FAILED,
          Optional.empty(),
          "failed (" + e.getClass().getSimpleName() + ")",
          audited);
      if (e instanceof VirtualMachineError) {
        throw e;
      }
      throw new CleanRoomInternalError("query failed (" + e.getClass().getSimpleName() + ")");
    }
    PrivacyReport report =
        plan.noise()
            .map(
                n ->
                    new PrivacyReport(
                        true, n.epsilon(), n.delta(), n.split(), charged.ledgers(), false))
            .orElse(PrivacyReport.THRESHOLD_ONLY);
    Result result = new Result(trail.id(), output.columns(), output.rows(), report);
    try {
      keep.accept(result);
    } catch (RuntimeException e) {
      trail.record(
          AuditEvent.Outcome.FAILED,
          Optional.empty(),
          "storing the answer failed (" + e.getClass().getSimpleName() + ")",
          audited);
      throw e;
    }
    trail.record(AuditEvent.Outcome.ACCEPTED, Optional.empty(), "", audited);
    return result;
  }

  /** The audited reason of a charge that the budget store failed: its class, never its message. */
  static String chargeFailed(RuntimeException e) {
    return "the charge failed (" + e.getClass().getSimpleName() + ")";
  }

  /** Records a failure whose details may hold data values; returns what the analyst sees. */
  private QueryFailedException incident(
      Trail trail, Plan plan, List<AuditEvent.Charge> charged, String source, String details) {
    List<Dataset> touched = new ArrayList<>();
    plan.datasets().forEach(dp -> touched.add(dp.dataset()));
    return incidents.report(
        trail.event(AuditEvent.Outcome.FAILED, Optional.empty(), details, charged),
        touched,
        source);
  }

  /**
   * The released rows: group values, aggregates, then derived columns.
   *
   * @param columns the output columns
   * @param rows the released rows, in release order
   */
  record Output(List<ResultColumn> columns, List<ResultRow> rows) {}

  /**
   * The rows that passed the threshold (or private selection), before the difference checks and
   * before their derived columns.
   *
   * @param columns the output columns
   * @param rows the rows, in release order
   * @param people when the plan has difference checks, the set of people of each row (sorted keyed
   *     hashes), parallel to {@code rows}; otherwise empty
   */
  private record Candidates(
      List<ResultColumn> columns, List<Derivations.Row> rows, List<long[]> people) {}

  /**
   * What a charge left: the privacy ledgers' status, and the charges for the audit trail.
   *
   * @param ledgers each privacy ledger charged, with what it has left
   * @param audited each privacy charge, for the audit event
   */
  record Charged(List<LedgerStatus> ledgers, List<AuditEvent.Charge> audited) {}

  /**
   * Charges every privacy ledger and query-count ledger of {@code plan} in one atomic call: all or
   * nothing. Cohorts are charged here too, against the query limits.
   *
   * @throws PolicyViolationException with {@link PolicyRule#QUERY_LIMIT} if a query limit is
   *     reached
   * @throws BudgetExhaustedException if a privacy budget has too little left
   */
  Charged charge(Plan plan) {
    Charges charges = charges(plan, clock.instant());
    List<LedgerStatus> ledgers = new ArrayList<>();
    List<AuditEvent.Charge> audited = new ArrayList<>();
    List<LedgerCharge> all = charges.all();
    if (all.isEmpty()) {
      return new Charged(ledgers, audited);
    }
    List<LedgerCharge.Spent> spent;
    try {
      spent = budgets.charge(all);
    } catch (BudgetExhaustedException e) {
      Optional<LedgerCharge> count =
          charges.queries().stream().filter(c -> c.ledger().equals(e.ledger())).findFirst();
      if (count.isPresent()) {
        Dataset limited = charges.datasets().get(e.ledger());
        throw new PolicyViolationException(
            limited.qualifiedName(),
            limited.owner(),
            PolicyRule.QUERY_LIMIT,
            "analyst "
                + plan.spec().analyst()
                + " has run all "
                + count.get().epsilonLimit().toPlainString()
                + " queries allowed in this period (ledger "
                + e.ledger()
                + ")");
      }
      throw e;
    }
    for (int i = 0; i < charges.privacy().size(); i++) {
      LedgerCharge c = charges.privacy().get(i);
      ledgers.add(status(c, spent.get(i).epsilon(), spent.get(i).delta()));
      Dataset d = charges.datasets().get(c.ledger());
      audited.add(
          new AuditEvent.Charge(c.ledger(), d.qualifiedName(), d.owner(), c.epsilon(), c.delta()));
    }
    return new Charged(ledgers, audited);
  }

  /**
   * The ledgers a query charges: the privacy charges (privacy ledgers come first in {@link #all})
   * and the query-count charges, with the dataset of each ledger.
   */
  public record Charges(
      List<LedgerCharge> privacy, List<LedgerCharge> queries, Map<String, Dataset> datasets) {
    List<LedgerCharge> all() {
      return concat(privacy, queries);
    }
  }

  /**
   * One privacy charge per touched dataset whose owner requires differential privacy (for a noisy
   * query), and one query-count charge per touched dataset with a query limit: the count is a
   * ledger whose "ε" is the number of queries, charged 1 against the cap, so that the budget store
   * counts it atomically and durably together with the privacy budget.
   */
  public Charges charges(Plan plan, Instant now) {
    Optional<NoisePlan> noise = plan.noise();
    List<LedgerCharge> privacy = new ArrayList<>();
    List<LedgerCharge> queries = new ArrayList<>();
    Map<String, Dataset> datasets = new HashMap<>();
    String analyst = plan.spec().analyst();
    for (Plan.DatasetPlan dp : plan.datasets()) {
      Dataset d = dp.dataset();
      if (noise.isPresent()) {
        privacyLedger(d, analyst, now)
            .ifPresent(
                l ->
                    once(
                        privacy,
                        datasets,
                        d,
                        l.charge(noise.get().epsilon(), noise.get().delta())));
      }
      queryLedger(d, analyst, now)
          .ifPresent(l -> once(queries, datasets, d, l.charge(BigDecimal.ONE, BigDecimal.ZERO)));
    }
    return new Charges(privacy, queries, datasets);
  }

  /**
   * Adds {@code c} to {@code charges}, once per ledger: two dataset names over the same data share
   * its ledgers, and a query that joins them reads each person's data once, bounded per person over
   * the join, so it is charged once, under the stricter of the two names' limits.
   */
  private static void once(
      List<LedgerCharge> charges, Map<String, Dataset> datasets, Dataset d, LedgerCharge c) {
    for (int i = 0; i < charges.size(); i++) {
      LedgerCharge had = charges.get(i);
      if (had.ledger().equals(c.ledger())) {
        if (c.epsilonLimit().compareTo(had.epsilonLimit()) < 0
            || c.deltaLimit().compareTo(had.deltaLimit()) < 0) {
          charges.set(
              i,
              new LedgerCharge(
                  had.ledger(),
                  had.epsilon(),
                  had.delta(),
                  had.epsilonLimit().min(c.epsilonLimit()),
                  had.deltaLimit().min(c.deltaLimit())));
        }
        return;
      }
    }
    datasets.put(c.ledger(), d);
    charges.add(c);
  }

  /**
   * One ledger of a dataset and analyst in the current period, with its limits: the owner's limit
   * plus every top-up granted for the period (kept in the budget store as the ledger {@link
   * #grants}).
   *
   * @param ledger the ledger's name
   * @param kind what it counts
   * @param period its period
   * @param epsilonLimit ε (or queries) allowed, top-ups included
   * @param deltaLimit δ allowed, top-ups included
   * @param granted the top-ups included
   */
  public record Ledger(
      String ledger,
      BudgetBalance.Kind kind,
      BudgetPeriod period,
      BigDecimal epsilonLimit,
      BigDecimal deltaLimit,
      LedgerCharge.Spent granted) {
    LedgerCharge charge(BigDecimal epsilon, BigDecimal delta) {
      return new LedgerCharge(ledger, epsilon, delta, epsilonLimit, deltaLimit);
    }
  }

  /** The name of the ledger that holds the top-ups granted to {@code ledger}. */
  public static String grants(String ledger) {
    return ledger + "/granted";
  }

  /** The privacy ledger of {@code d} and {@code analyst} at {@code now}, if the owner set one. */
  public Optional<Ledger> privacyLedger(Dataset d, String analyst, Instant now) {
    return d.policy()
        .differentialPrivacy()
        .map(
            rule ->
                ledger(
                    ledgerBase.apply(d) + "/" + analyst + "/" + rule.period().periodOf(now),
                    BudgetBalance.Kind.PRIVACY,
                    rule.period(),
                    rule.total().epsilon(),
                    rule.total().delta()));
  }

  /** The query-count ledger of {@code d} and {@code analyst} at {@code now}, if any. */
  public Optional<Ledger> queryLedger(Dataset d, String analyst, Instant now) {
    return d.policy()
        .queryLimit()
        .map(
            limit ->
                ledger(
                    ledgerBase.apply(d)
                        + "/"
                        + analyst
                        + "/queries/"
                        + limit.period().periodOf(now),
                    BudgetBalance.Kind.QUERIES,
                    limit.period(),
                    BigDecimal.valueOf(limit.queries()),
                    BigDecimal.ZERO));
  }

  private Ledger ledger(
      String name,
      BudgetBalance.Kind kind,
      BudgetPeriod period,
      BigDecimal epsilonLimit,
      BigDecimal deltaLimit) {
    LedgerCharge.Spent granted = budgets.spent(grants(name));
    return new Ledger(
        name,
        kind,
        period,
        epsilonLimit.add(granted.epsilon()),
        deltaLimit.add(granted.delta()),
        granted);
  }

  /**
   * Where the ledger of {@code d} and {@code analyst} stands now.
   *
   * @param d the dataset
   * @param analyst the analyst
   * @param l the ledger, from {@link #privacyLedger} or {@link #queryLedger}
   * @param now the time that decided the ledger's period
   * @return its balance
   */
  public BudgetBalance balance(Dataset d, String analyst, Ledger l, Instant now) {
    LedgerCharge.Spent spent = budgets.spent(l.ledger());
    return new BudgetBalance(
        l.ledger(),
        d.qualifiedName(),
        d.owner(),
        analyst,
        l.kind(),
        l.period(),
        l.period().periodOf(now),
        spent.epsilon(),
        l.epsilonLimit(),
        l.granted().epsilon(),
        l.epsilonLimit().subtract(spent.epsilon()).max(BigDecimal.ZERO),
        spent.delta(),
        l.deltaLimit(),
        l.deltaLimit().subtract(spent.delta()).max(BigDecimal.ZERO));
  }

  public static LedgerStatus status(LedgerCharge c, BigDecimal spentEps, BigDecimal spentDelta) {
    String dataset = c.ledger().substring(0, c.ledger().indexOf('/'));
    return new LedgerStatus(
        c.ledger(),
        dataset,
        c.epsilon(),
        c.delta(),
        c.epsilonLimit().subtract(spentEps).max(BigDecimal.ZERO),
        c.deltaLimit().subtract(spentDelta).max(BigDecimal.ZERO));
  }

  /**
   * The rows of {@code output} that pass the difference checks, remembered for later queries; the
   * others are suppressed silently, as rows below k are. Releases are remembered under the data
   * each dataset reads ({@link #ledgerBase}, as its budget is): the same data registered under a
   * second name is checked against the rows released through the first.
   */
  private List<Derivations.Row> differenceChecked(Plan plan, Candidates output) {
    Set<String> touched = new LinkedHashSet<>();
    for (Plan.DatasetPlan dp : plan.datasets()) {
      touched.add(ledgerBase.apply(dp.dataset()));
    }
    boolean[] keep =
        differences.release(
            plan.spec().analyst(),
            List.copyOf(touched),
            plan.minDistinctUsers(),
            plan.differenceChecks().orElseThrow(),
            clock.instant(),
            output.people());
    List<Derivations.Row> rows = new ArrayList<>();
    for (int r = 0; r < keep.length; r++) {
      if (keep[r]) {
        rows.add(output.rows().get(r));
      }
    }
    return rows;
  }

  /**
   * The released rows of {@code plan} from its groups' exact totals: in threshold mode the groups
   * with at least k distinct people that pass the difference checks; in differential-privacy mode
   * the public groups, or the groups that pass partition selection, with fresh noise on every
   * aggregate. The only producer of released rows. Derived columns (ratios, lifts) are computed
   * last, from the released rows alone: a lift whose baseline row the difference checks suppressed
   * has none.
   */
  Output rows(Plan plan, Map<List<Object>, Executor.GroupState> groups) {
    Candidates out = exactRows(plan, groups);
    List<Derivations.Row> released =
        plan.differenceChecks().isEmpty() ? out.rows() : differenceChecked(plan, out);
    return new Output(out.columns(), finish(plan, out.columns(), released));
  }

  /**
   * The people set of each of {@code keys}' groups ({@link DifferenceChecks#peopleSet}), in their
   * order, the groups sorted in parallel; empty without difference checks.
   */
  private static List<long[]> peopleSets(
      Plan plan, List<List<Object>> keys, Function<List<Object>, Executor.GroupState> group) {
    if (plan.differenceChecks().isEmpty()) {
      return List.of();
    }
    long[][] out = new long[keys.size()][];
    IntStream.range(0, out.length)
        .parallel()
        .forEach(
            i -> {
              Executor.GroupState s = group.apply(keys.get(i));
              out[i] = DifferenceChecks.peopleSet(s.members, s.memberCount);
            });
    return Arrays.asList(out);
  }

  private static Candidates exactRows(Plan plan, Map<List<Object>, Executor.GroupState> groups) {
    List<ResultColumn> columns = columns(plan);
    if (plan.noise().isPresent()) {
      return releaseNoisy(plan, plan.noise().get(), columns, groups);
    }
    List<List<Object>> keys = new ArrayList<>();
    for (Map.Entry<List<Object>, Executor.GroupState> e : groups.entrySet()) {
      // Suppression is silent: a group below the threshold leaves no trace in the result.
      if (e.getValue().users >= plan.minDistinctUsers()) {
        keys.add(e.getKey());
      }
    }
    keys.sort(KEY_ORDER);
    List<Derivations.Row> building = new ArrayList<>(keys.size());
    List<long[]> people = peopleSets(plan, keys, groups::get);
    for (List<Object> key : keys) {
      Executor.GroupState s = groups.get(key);
      List<Object> values = shown(plan, key);
      List<Optional<CellNoise>> cells = new ArrayList<>();
      for (int a = 0; a < plan.aggregates().size(); a++) {
        Plan.AggregatePlan ap = plan.aggregates().get(a);
        values.add(
            switch (ap.aggregate().function()) {
              case COUNT -> s.count;
              case COUNT_DISTINCT_USERS -> s.users;
              case SUM -> s.sums[a];
              // The execution path computed them exactly, rounded once (NaN without people).
              case AVG, VARIANCE, STDDEV, QUANTILE -> s.sums[a];
            });
      }
      for (int i = 0; i < values.size(); i++) {
        cells.add(Optional.empty());
      }
      building.add(new Derivations.Row(key, values, cells, Optional.empty()));
    }
    return new Candidates(columns, building, people);
  }

  /**
   * A group's key as results show it: the whole numbers the engine holds for DATE, TIMESTAMP and
   * BOOLEAN as {@link java.time.LocalDate}, {@link java.time.Instant} and {@link Boolean}.
   */
  private static List<Object> shown(Plan plan, List<Object> key) {
    List<Object> values = new ArrayList<>(key.size() + plan.aggregates().size());
    for (int i = 0; i < key.size(); i++) {
      values.add(TypedValues.shown(plan.groupBy().get(i).type(), key.get(i)));
    }
    return values;
  }

  private static List<ResultColumn> columns(Plan plan) {
    List<ResultColumn> columns = new ArrayList<>();
    for (int j = 0; j < plan.groupBy().size(); j++) {
      columns.add(new ResultColumn(plan.groupNames().get(j), plan.groupBy().get(j).type(), false));
    }
    for (Plan.AggregatePlan ap : plan.aggregates()) {
      columns.add(new ResultColumn(ap.aggregate().alias(), ap.type(), true));
    }
    columns.addAll(Derivations.columns(plan));
    return List.copyOf(columns);
  }

  /** The rows with their derived columns appended: post-processing of what they release. */
  private static List<ResultRow> finish(
      Plan plan, List<ResultColumn> columns, List<Derivations.Row> building) {
    Derivations.append(plan, building);
    List<ResultRow> rows = new ArrayList<>(building.size());
    for (Derivations.Row r : building) {
      rows.add(new ResultRow(columns, r.values(), r.cells()));
    }
    return rows;
  }

  /**
   * Releases noisy rows: every public group, or the groups whose noisy distinct-user count passes
   * partition selection and k, or the one total row. Each aggregate gets fresh noise from its own
   * share of the budget; no exact value leaves.
   */
  private static Candidates releaseNoisy(
      Plan plan,
      NoisePlan noise,
      List<ResultColumn> columns,
      Map<List<Object>, Executor.GroupState> groups) {
    int aggregates = plan.aggregates().size();
    boolean consistent = plan.spec().options().consistent();
    Executor.GroupState empty = new Executor.GroupState(aggregates);
    List<List<Object>> keys;
    if (noise.publicGroups().isPresent()) {
      keys = new ArrayList<>(noise.publicGroups().get());
    } else if (plan.groupBy().isEmpty()) {
      keys = new ArrayList<>();
      keys.add(List.of());
    } else {
      keys = new ArrayList<>();
      PartitionSelection selection = noise.selection().orElseThrow();
      for (Map.Entry<List<Object>, Executor.GroupState> e : groups.entrySet()) {
        long noisy = selection.noisyCount(e.getValue().users);
        if (selection.keep(noisy, plan.minDistinctUsers())) {
          keys.add(e.getKey());
        }
      }
    }
    // Datasets whose owners did not require differential privacy are protected by their threshold
    // alone (noise without a charged budget can be averaged away), so k holds on the exact count.
    // (A query joining them with a dataset that requires differential privacy is refused.)
    boolean exactThreshold =
        plan.datasets().stream()
            .allMatch(d -> d.dataset().policy().differentialPrivacy().isEmpty());
    if (exactThreshold) {
      keys.removeIf(k -> groups.getOrDefault(k, empty).users < plan.minDistinctUsers());
    }
    keys.sort(KEY_ORDER);
    List<long[]> people = peopleSets(plan, keys, k -> groups.getOrDefault(k, empty));
    List<Derivations.Row> building = new ArrayList<>(keys.size());
    // The bands of each quantile tree's mechanism (one per metric), computed once.
    Map<NoiseMechanism, QuantileTree.Bands> bands = new IdentityHashMap<>();
    for (List<Object> key : keys) {
      Executor.GroupState s = groups.getOrDefault(key, empty);
      // The group's one noisy tree per metric with quantiles, shared by all of them.
      Map<NoiseMechanism, QuantileTree> trees = new IdentityHashMap<>();
      double[] released = new double[aggregates];
      List<Object> values = shown(plan, key);
      List<Optional<CellNoise>> cells = new ArrayList<>();
      for (int j = 0; j < key.size(); j++) {
        cells.add(Optional.empty());
      }
      for (int a = 0; a < aggregates; a++) {
        Plan.AggregatePlan ap = plan.aggregates().get(a);
        List<NoiseMechanism> ms = noise.mechanisms().get(a);
        NoiseMechanism m = ms.get(0);
        switch (ap.aggregate().function()) {
          case COUNT, COUNT_DISTINCT_USERS -> {
            long exact = ap.aggregate().function() == AggregateFunction.COUNT ? s.count : s.users;
            long v = m.addNoise(exact);
            released[a] = v;
            ConfidenceInterval ci = m.confidenceInterval((double) v, CellNoise.CONFIDENCE);
            if (consistent) {
              // A count is a whole number of at least 0: so are the released value and the
              // ends of its interval (post-processing; the interval still holds the true count).
              v = Math.max(0, v);
              ci =
                  new ConfidenceInterval(
                      Math.max(0, Math.ceil(ci.lower())), Math.max(0, Math.floor(ci.upper())));
            }
            values.add(v);
            cells.add(Optional.of(cell(m, ci)));
          }
          case SUM -> {
            double v = m.addNoiseToUnits(s.units[a]);
            released[a] = v;
            ConfidenceInterval ci = m.confidenceInterval(v, CellNoise.CONFIDENCE);
            if (consistent && ap.groupBounds().lower() >= 0) {
              // A sum of non-negative totals is at least 0 (post-processing, as for counts).
              v = Math.max(0.0, v);
              ci = new ConfidenceInterval(Math.max(0.0, ci.lower()), Math.max(0.0, ci.upper()));
            }
            values.add(v);
            cells.add(Optional.of(cell(m, ci)));
          }
          case AVG -> {
            NoiseMechanism countM = ms.get(1);
            double sum = m.addNoiseToUnits(s.units[a]);
            long count = countM.addNoise(s.people[a]);
            BoundedMean mean =
                BoundedMean.of(
                    sum,
                    m.confidenceInterval(sum, CellNoise.CONFIDENCE),
                    (double) count,
                    countM.confidenceInterval((double) count, CellNoise.CONFIDENCE),
                    ap.groupBounds());
            values.add(mean.mean());
            cells.add(
                Optional.of(
                    new CellNoise(
                        m.name() + " (sum and count)",
                        m.scale(),
                        mean.interval().lower(),
                        mean.interval().upper())));
          }
          case QUANTILE -> {
            double lower = ap.groupBounds().lower();
            double upper = ap.groupBounds().upper();
            double[] totals = s.values[a];
            QuantileTree tree =
                trees.computeIfAbsent(
                    m,
                    k ->
                        QuantileTree.noisy(
                            QuantileTree.leafCounts(totals, totals.length, lower, upper),
                            lower,
                            upper,
                            k));
            double p = ap.aggregate().fraction();
            double q = tree.quantile(p);
            ConfidenceInterval ci =
                tree.interval(
                    p,
                    q,
                    bands.computeIfAbsent(m, k -> QuantileTree.Bands.of(k, CellNoise.CONFIDENCE)));
            values.add(q);
            cells.add(
                Optional.of(
                    new CellNoise(
                        m.name() + " (counts of a quantile tree)",
                        m.scale(),
                        ci.lower(),
                        ci.upper())));
          }
          case VARIANCE, STDDEV -> {
            BoundedVariance v = spread(ap, ms, s, a);
            if (ap.aggregate().function() == AggregateFunction.STDDEV) {
              v = v.sqrt();
            }
            values.add(v.variance());
            cells.add(
                Optional.of(
                    new CellNoise(
                        m.name() + " (centered sum, sum of squares and count)",
                        m.scale(),
                        v.interval().lower(),
                        v.interval().upper())));
          }
        }
      }
      Derivations.Intervals intervals =
          (a, level) -> noise.mechanisms().get(a).get(0).confidenceInterval(released[a], level);
      building.add(new Derivations.Row(key, values, cells, Optional.of(intervals)));
    }
    return new Candidates(columns, building, people);
  }

  /**
   * A variance from its three noisy parts ({@link NoisePlan}): the exact count n, sum Σx and sum of
   * squares Σx² of the people's clamped totals in units of the centered sum's granularity g become,
   * around the whole center c ({@link NoisePlan#spreadCenter}), the exact Σ(x − c) = Σx − n·c and
   * Σ(x − c)² = Σx² − 2c·Σx + n·c²; the first gets noise in units of g, the second (in units of g²)
   * is rounded once to the granularity of its own mechanism, then noised. Each part's interval has
   * level 1 − (1 − {@link CellNoise#CONFIDENCE})/3, so the variance's has at least {@link
   * CellNoise#CONFIDENCE}.
   */
  private static BoundedVariance spread(
      Plan.AggregatePlan ap, List<NoiseMechanism> ms, Executor.GroupState s, int a) {
    NoiseMechanism sumM = ms.get(0);
    NoiseMechanism squaresM = ms.get(1);
    NoiseMechanism countM = ms.get(2);
    double g = sumM.granularity();
    BigInteger n = BigInteger.valueOf(s.people[a]);
    BigInteger c = BigInteger.valueOf(NoisePlan.spreadCenter(ap.groupBounds(), g));
    BigInteger centered = s.units[a].subtract(n.multiply(c));
    BigInteger squares =
        s.squares[a].subtract(c.multiply(s.units[a]).shiftLeft(1)).add(n.multiply(c).multiply(c));
    double level = 1 - (1 - CellNoise.CONFIDENCE) / 3;
    double sum = sumM.addNoiseToUnits(centered);
    double sq =
        squaresM.addNoiseToUnits(
            inUnitsOf(squares, 2 * Math.getExponent(g), Math.getExponent(squaresM.granularity())));
    long count = countM.addNoise(s.people[a]);
    double deviation = NoisePlan.spreadDeviation(ap.groupBounds(), g) * g;
    double halfRange = ap.groupBounds().upper() / 2 - ap.groupBounds().lower() / 2;
    // Values in units lie within [L, U] in units, whose half-width may exceed the bounds' by g/2.
    double maxHalf = Math.nextUp(Math.max(halfRange, deviation));
    return BoundedVariance.of(
        (double) count,
        countM.confidenceInterval((double) count, level),
        sum,
        sumM.confidenceInterval(sum, level),
        sq,
        squaresM.confidenceInterval(sq, level),
        Math.max(deviation, Double.MIN_NORMAL),
        Math.nextUp(maxHalf * maxHalf));
  }

  /**
   * {@code units} of 2^{@code from} in whole units of 2^{@code to}, exactly, or rounded once to the
   * nearest (ties to even) when {@code to} is coarser.
   */
  static BigInteger inUnitsOf(BigInteger units, int from, int to) {
    if (to <= from) {
      return units.shiftLeft(from - to);
    }
    int shift = to - from;
    BigInteger q = units.shiftRight(shift); // floor
    BigInteger rem = units.subtract(q.shiftLeft(shift));
    int cmp = rem.shiftLeft(1).compareTo(BigInteger.ONE.shiftLeft(shift));
    if (cmp > 0 || (cmp == 0 && q.testBit(0))) {
      q = q.add(BigInteger.ONE);
    }
    return q;
  }

  private static CellNoise cell(NoiseMechanism m, ConfidenceInterval ci) {
    return new CellNoise(m.name(), m.scale(), ci.lower(), ci.upper());
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static final Comparator<List<Object>> KEY_ORDER =
      (a, b) -> {
        for (int i = 0; i < a.size(); i++) {
          int c = ((Comparable) a.get(i)).compareTo(b.get(i));
          if (c != 0) {
            return c;
          }
        }
        return 0;
      };

  private static <T> List<T> concat(List<T> a, List<T> b) {
    List<T> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }
}
