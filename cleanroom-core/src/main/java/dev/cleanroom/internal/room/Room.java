package dev.cleanroom.internal.room;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import com.google.common.util.concurrent.ExecutionError;
import com.google.common.util.concurrent.UncheckedExecutionException;
import dev.cleanroom.BudgetBalance;
import dev.cleanroom.BudgetExhaustedException;
import dev.cleanroom.CleanRoom;
import dev.cleanroom.CleanRoomException;
import dev.cleanroom.CleanRoomInternalError;
import dev.cleanroom.Dataset;
import dev.cleanroom.DatasetVersion;
import dev.cleanroom.InvalidQueryException;
import dev.cleanroom.Party;
import dev.cleanroom.Policy;
import dev.cleanroom.PolicyRule;
import dev.cleanroom.PolicyViolationException;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.QueryCancelledException;
import dev.cleanroom.QueryTemplate;
import dev.cleanroom.SecretKey;
import dev.cleanroom.audit.AuditSinks;
import dev.cleanroom.budget.BudgetStores;
import dev.cleanroom.dp.KeyedRank;
import dev.cleanroom.engine.QueryEngine;
import dev.cleanroom.engine.RunOptions;
import dev.cleanroom.engine.Settings;
import dev.cleanroom.internal.execution.Executor;
import dev.cleanroom.internal.execution.Interrupts;
import dev.cleanroom.internal.execution.PeopleHash;
import dev.cleanroom.internal.execution.PersonCodeCache;
import dev.cleanroom.internal.execution.Pushdown;
import dev.cleanroom.internal.plan.Fingerprints;
import dev.cleanroom.internal.plan.NoisePlan;
import dev.cleanroom.internal.plan.NoiseTargets;
import dev.cleanroom.internal.plan.Plan;
import dev.cleanroom.internal.plan.Planner;
import dev.cleanroom.internal.plan.TemplateRegistry;
import dev.cleanroom.internal.release.Cohorts;
import dev.cleanroom.internal.release.DifferenceChecks;
import dev.cleanroom.internal.release.Incidents;
import dev.cleanroom.internal.release.Receivers;
import dev.cleanroom.internal.release.Release;
import dev.cleanroom.internal.release.Trail;
import dev.cleanroom.internal.sql.SqlCompiler;
import dev.cleanroom.policy.PolicyDocument;
import dev.cleanroom.pseudonymization.Pseudonymizer;
import dev.cleanroom.query.Activation;
import dev.cleanroom.query.CohortExplanation;
import dev.cleanroom.query.CohortSpec;
import dev.cleanroom.query.ExecutionPath;
import dev.cleanroom.query.Explanation;
import dev.cleanroom.query.LedgerStatus;
import dev.cleanroom.query.NoiseTarget;
import dev.cleanroom.query.PolicyCheck;
import dev.cleanroom.query.Privacy;
import dev.cleanroom.query.PrivacyReport;
import dev.cleanroom.query.Progress;
import dev.cleanroom.query.QueryId;
import dev.cleanroom.query.QuerySpec;
import dev.cleanroom.query.QueryStart;
import dev.cleanroom.query.Result;
import dev.cleanroom.query.TemplateCall;
import dev.cleanroom.spi.AuditEvent;
import dev.cleanroom.spi.AuditSink;
import dev.cleanroom.spi.BudgetStore;
import dev.cleanroom.spi.CohortSink;
import dev.cleanroom.spi.DataSource;
import dev.cleanroom.spi.LedgerCharge;
import dev.cleanroom.spi.ResultSink;
import dev.cleanroom.spi.StateStore;
import dev.cleanroom.state.StateStores;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The engine's {@link CleanRoom}: a registry of datasets and the query pipeline. */
public final class Room implements CleanRoom, QueryEngine {
  private static final Logger log = LoggerFactory.getLogger(Room.class);

  private final Settings settings;
  private final Registry registry;
  private final Pseudonymizer pseudonymizer;

  /**
   * The person codes of resident sources under the room's key: held by the room, so that they are
   * kept while it (or another room with its key) lives, and no longer.
   */
  private final PersonCodeCache personCodes;

  private final Fingerprints fingerprints;
  private final AuditSink audit;
  private final Incidents incidents;
  private final Planner planner;
  private final BudgetStore budgets;
  private final TemplateRegistry templates = new TemplateRegistry();
  private final DifferenceChecks differences;
  private final StateStore stateStore;
  private final RoomState state;

  /** Serializes closing with the changes of {@link #registry}. */
  private final Object lifecycle = new Object();

  private volatile boolean closed;
  private volatile Function<QuerySpec, KeyedRank> ranks;
  private final Release release;

  private final Cache<String, Result> answers =
      CacheBuilder.newBuilder().maximumSize(10_000).build();
  private final ConcurrentMap<String, ResultSink> resultSinks = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, CohortSink> cohortSinks = new ConcurrentHashMap<>();
  private final Cohorts cohorts;

  /** Guards {@link #timers} and {@link #timersShutDown}. */
  private final Object timerLock = new Object();

  /** The one daemon thread of the room's query timeouts and watchdogs; started on first use. */
  private ScheduledThreadPoolExecutor timers;

  /** How long the timer thread waits for work before it ends. */
  private static final Duration TIMER_KEEP_ALIVE = Duration.ofSeconds(30);

  private boolean timersShutDown;

  /**
   * The latest policy document of each dataset name recorded in the state store, by this room (also
   * before a restart) or by a room elsewhere that shares the store.
   */
  private final ConcurrentMap<String, String> recordedPolicies = new ConcurrentHashMap<>();

  /** Serializes the adoption of policies and retirements recorded elsewhere. */
  private final Object adopting = new Object();

  /** Applies recorded policies and retirements: see {@link RoomState.Lifecycle}. */
  private final RoomState.Lifecycle recorded =
      new RoomState.Lifecycle() {
        @Override
        public void policy(String dataset, String document, boolean replay) {
          recordedPolicies.put(dataset, document);
          if (!replay) {
            adopt(dataset, document);
          }
        }

        @Override
        public void retired(String dataset, boolean replay) {
          recordedPolicies.remove(dataset);
          if (!replay) {
            synchronized (adopting) {
              if (registry.get(dataset) != null) {
                registry.retire(dataset);
              }
            }
          }
        }
      };

  Room(Settings settings) {
    this.settings = settings;
    this.pseudonymizer = Pseudonymizer.of(settings.secretKey());
    this.personCodes = PersonCodeCache.of(pseudonymizer);
    this.fingerprints = new Fingerprints(settings.secretKey());
    this.audit = settings.auditSink().orElseGet(AuditSinks::slf4j);
    this.incidents = new Incidents(audit, settings.partyAuditSinks());
    this.budgets = settings.budgetStore().orElseGet(BudgetStores::inMemory);
    this.registry = new Registry(this::changed, budgets::bind);
    this.planner = new Planner(registry::get, registry::visibleTo);
    this.differences = differenceChecks(settings.secretKey());
    this.stateStore = settings.stateStore().orElseGet(StateStores::inMemory);
    this.state = new RoomState(stateStore);
    state.replay(templates, answers, differences, recorded, settings.clock().instant());
    differences.onKept(state::kept);
    differences.shareThrough(
        new DifferenceChecks.Sharing() {
          @Override
          public <T> T exclusive(Supplier<T> body) {
            return stateStore.exclusive(body);
          }

          @Override
          public void catchUp(Instant now) {
            state.catchUp(templates, answers, differences, recorded, now);
          }
        });
    this.ranks = spec -> KeyedRank.keyed(fingerprints.rankSalt(spec));
    this.release =
        new Release(budgets, differences, settings.clock(), registry::ledgerBase, incidents);
    this.cohorts =
        new Cohorts(
            registry::get,
            planner,
            this::executor,
            release,
            fingerprints,
            audit,
            incidents,
            settings.clock(),
            cohortSinks::get);
  }

  /**
   * Test seam: the source of each query's keyed rank (by default keyed by the room's key and the
   * query), so that tests can make two paths choose the same groups for each person.
   */
  public void useRanksForTesting(Supplier<KeyedRank> ranks) {
    Objects.requireNonNull(ranks, "ranks");
    this.ranks = spec -> ranks.get();
  }

  /**
   * Difference checks keyed from the room's key, so that a restarted room with the same key can
   * compare new releases with the ones its state store remembers.
   */
  private static DifferenceChecks differenceChecks(SecretKey key) {
    return new DifferenceChecks(PeopleHash.of(key), DifferenceChecks.DEFAULT_MAX_ROWS);
  }

  /** An executor for {@code plan}, with the keyed choice of groups of its query. */
  private Executor executor(Plan plan, Interrupts interrupts) {
    return new Executor(
        pseudonymizer, personCodes, ranks.apply(plan.spec()), differences.peopleHash(), interrupts);
  }

  /**
   * The room's timer thread, for query timeouts and the watchdogs of statements running in a
   * database: one daemon thread, started when the first run needs it.
   *
   * @throws IllegalStateException if the timers were shut down
   */
  private ScheduledExecutorService timers() {
    synchronized (timerLock) {
      if (timersShutDown) {
        throw new IllegalStateException(
            "the room's timers are shut down: a timeout cannot be honoured");
      }
      if (timers == null) {
        ScheduledThreadPoolExecutor t =
            new ScheduledThreadPoolExecutor(
                1,
                r -> {
                  Thread thread = new Thread(r, "cleanroom-query-timers");
                  thread.setDaemon(true);
                  return thread;
                });
        // A query that ends before its timeout cancels it: it leaves the queue at once.
        t.setRemoveOnCancelPolicy(true);
        // An idle timer thread ends, so that a room dropped without close() leaves no thread
        // behind; the thread stays while a timeout is pending, and the next run starts another.
        t.setKeepAliveTime(TIMER_KEEP_ALIVE.toMillis(), TimeUnit.MILLISECONDS);
        t.allowCoreThreadTimeOut(true);
        timers = t;
      }
      return timers;
    }
  }

  /**
   * Stops the room's timer thread, for closing the room: running timeouts and watchdogs are dropped
   * (their queries still stop when cancelled, at their next check), and a later run with a timeout
   * fails with {@link IllegalStateException}; a later run with a control is still stopped by its
   * cancellation at its next check, but a statement running in a database is then no longer
   * cancelled there. Safe to call more than once.
   */
  void shutdownTimers() {
    synchronized (timerLock) {
      timersShutDown = true;
      if (timers != null) {
        timers.shutdownNow();
      }
    }
  }

  /**
   * For tests: the number of live timer threads (0 or 1), after setting their idle time to {@code
   * keepAlive} if the timers exist.
   */
  int timerThreadsForTesting(Duration keepAlive) {
    synchronized (timerLock) {
      if (timers == null) {
        return 0;
      }
      timers.setKeepAliveTime(keepAlive.toMillis(), TimeUnit.MILLISECONDS);
      return timers.getPoolSize();
    }
  }

  /**
   * Gives the registered {@code dataset} the policy {@code document} that a room elsewhere
   * recorded, unless it has it: a new policy version, audited as any change.
   */
  private void adopt(String dataset, String document) {
    synchronized (adopting) {
      Dataset current = registry.get(dataset);
      PolicyDocument doc = PolicyDocument.parse(document);
      if (current == null || PolicyChanges.hash(current).equals(doc.hash())) {
        return;
      }
      registry.changePolicy(dataset, doc.dataset(current.source()).policy(), true);
    }
  }

  /**
   * Registers {@code dataset}. Where the state store recorded a policy for its name (this room
   * before a restart, or a room elsewhere) and the given one is looser in some rule, the recorded
   * one is registered: a policy the owner tightened stays tight across restarts and hosts, and only
   * {@code loosenPolicy} loosens it. A policy other than the recorded one is recorded, so that the
   * rooms sharing the store adopt it.
   */
  @Override
  public void register(Dataset dataset) {
    ensureOpen();
    catchUp();
    Objects.requireNonNull(dataset, "dataset");
    String name = dataset.qualifiedName();
    Dataset chosen = dataset;
    String latest = recordedPolicies.get(name);
    if (latest != null) {
      Policy policy = PolicyDocument.parse(latest).dataset(dataset.source()).policy();
      if (!PolicyChanges.loosenings(dataset, policy, dataset.policy()).isEmpty()) {
        chosen = dataset.withPolicy(policy);
        log.info(
            "dataset {} registered with the stricter policy recorded in the state store", name);
      }
    }
    registry.register(chosen);
    record(chosen);
  }

  /** Records the policy of {@code d} in the state store unless it is the one recorded. */
  private void record(Dataset d) {
    String document = PolicyDocument.of(d).toYaml();
    if (!document.equals(recordedPolicies.put(d.qualifiedName(), document))) {
      state.policy(d.qualifiedName(), document);
    }
  }

  @Override
  public DatasetVersion replaceData(String dataset, DataSource source) {
    ensureOpen();
    catchUp();
    return registry.replaceData(dataset, source);
  }

  @Override
  public DatasetVersion tightenPolicy(String dataset, Policy policy) {
    ensureOpen();
    catchUp();
    DatasetVersion v = registry.changePolicy(dataset, policy, false);
    record(registry.get(dataset));
    return v;
  }

  @Override
  public DatasetVersion loosenPolicy(String dataset, Policy policy) {
    ensureOpen();
    catchUp();
    DatasetVersion v = registry.changePolicy(dataset, policy, true);
    record(registry.get(dataset));
    return v;
  }

  @Override
  public void retire(String dataset) {
    ensureOpen();
    catchUp();
    registry.retire(dataset);
    recordedPolicies.remove(dataset);
    state.retired(dataset);
  }

  @Override
  public DatasetVersion version(String dataset) {
    observe();
    return registry.version(dataset);
  }

  /** Audits a change to the room made on the owner's behalf. */
  private void changed(Dataset d, String what) {
    audit.record(
        new AuditEvent(
            settings.clock().instant(),
            UUID.randomUUID().toString(),
            d.owner(),
            List.of(d.qualifiedName()),
            "",
            AuditEvent.Outcome.CHANGED,
            Optional.empty(),
            what));
  }

  @Override
  public List<BudgetBalance> budgets(String analyst) {
    observe();
    String a = Party.of(analyst).name();
    List<BudgetBalance> out = new ArrayList<>();
    for (Dataset d : registry.all()) {
      if (d.policy().analysts().contains(a)) {
        balances(d, a, out);
      }
    }
    out.sort(Comparator.comparing(BudgetBalance::ledger));
    return List.copyOf(out);
  }

  @Override
  public List<BudgetBalance> ownerBudgets(String owner) {
    observe();
    String o = Party.of(owner).name();
    List<BudgetBalance> out = new ArrayList<>();
    for (Dataset d : registry.all()) {
      if (d.owner().equals(o)) {
        for (String a : d.policy().analysts()) {
          balances(d, a, out);
        }
      }
    }
    out.sort(Comparator.comparing(BudgetBalance::ledger));
    return List.copyOf(out);
  }

  private void balances(Dataset d, String analyst, List<BudgetBalance> out) {
    Instant now = settings.clock().instant();
    release
        .privacyLedger(d, analyst, now)
        .ifPresent(l -> out.add(release.balance(d, analyst, l, now)));
    release
        .queryLedger(d, analyst, now)
        .ifPresent(l -> out.add(release.balance(d, analyst, l, now)));
  }

  @Override
  public BudgetBalance grantTopUp(String dataset, String analyst, PrivacyBudget extra) {
    Objects.requireNonNull(extra, "extra");
    if (extra instanceof PrivacyBudget.Zcdp) {
      throw new IllegalArgumentException("a top-up is given as ε or (ε, δ), not as zCDP ρ");
    }
    return grant(
        dataset,
        analyst,
        (d, a, now) -> release.privacyLedger(d, a, now),
        "no differential-privacy budget",
        extra.epsilon(),
        extra.delta());
  }

  @Override
  public BudgetBalance grantQueries(String dataset, String analyst, int queries) {
    if (queries < 1) {
      throw new IllegalArgumentException(
          "a grant adds at least 1 query; provided value: " + queries);
    }
    return grant(
        dataset,
        analyst,
        (d, a, now) -> release.queryLedger(d, a, now),
        "no query limit",
        BigDecimal.valueOf(queries),
        BigDecimal.ZERO);
  }

  /** How a grant finds its ledger. */
  private interface LedgerOf {
    Optional<Release.Ledger> of(Dataset d, String analyst, Instant now);
  }

  private BudgetBalance grant(
      String dataset,
      String analyst,
      LedgerOf ledgerOf,
      String missing,
      BigDecimal epsilon,
      BigDecimal delta) {
    ensureOpen();
    catchUp();
    String a = Party.of(analyst).name();
    Dataset d = registry.get(Objects.requireNonNull(dataset, "dataset"));
    if (d == null) {
      throw new IllegalArgumentException("no dataset " + dataset + " is registered");
    }
    if (!d.policy().analysts().contains(a)) {
      throw new IllegalArgumentException(
          "the policy of " + dataset + " does not allow analyst " + a);
    }
    Instant now = settings.clock().instant();
    Release.Ledger l =
        ledgerOf
            .of(d, a, now)
            .orElseThrow(
                () -> new IllegalArgumentException("the policy of " + dataset + " has " + missing));
    budgets.charge(
        List.of(
            new LedgerCharge(Release.grants(l.ledger()), epsilon, delta, UNLIMITED, UNLIMITED)));
    changed(
        d,
        "top-up granted to "
            + a
            + " on ledger "
            + l.ledger()
            + ": "
            + epsilon.toPlainString()
            + (l.kind() == BudgetBalance.Kind.PRIVACY
                ? " ε, δ " + delta.toPlainString()
                : " queries"));
    return release.balance(d, a, ledgerOf.of(d, a, now).orElseThrow(), now);
  }

  /** The limit of a ledger of grants: grants are the owner's decision, not capped by the engine. */
  private static final BigDecimal UNLIMITED = new BigDecimal("1E+18");

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("the room is closed");
    }
  }

  @Override
  public void close() {
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
    }
    shutdownTimers();
    RuntimeException failure = null;
    for (AutoCloseable c : List.<AutoCloseable>of(budgets, stateStore)) {
      try {
        c.close();
      } catch (Exception e) {
        if (failure == null) {
          failure =
              new IllegalStateException(
                  "closing the room's stores failed (" + e.getClass().getSimpleName() + ")", e);
        }
      }
    }
    log.debug("room closed");
    if (failure != null) {
      throw failure;
    }
  }

  @Override
  public void registerResultSink(String party, ResultSink sink) {
    register(resultSinks, "result", party, sink);
  }

  @Override
  public void registerCohortSink(String party, CohortSink sink) {
    register(cohortSinks, "cohort", party, sink);
  }

  private static <T> void register(
      ConcurrentMap<String, T> sinks, String kind, String party, T sink) {
    String name = Party.of(party).name();
    Objects.requireNonNull(sink, "sink");
    if (sinks.putIfAbsent(name, sink) != null) {
      throw new IllegalArgumentException(
          "party " + name + " already has a registered " + kind + " sink");
    }
  }

  @Override
  public Set<String> datasets() {
    observe();
    return registry.names();
  }

  @Override
  public QueryStart as(String analyst) {
    return QueryStart.of(this, Party.of(analyst).name());
  }

  @Override
  public void registerTemplate(QueryTemplate template) {
    ensureOpen();
    catchUp();
    if (templates.register(template)) {
      state.template(template);
    }
    log.debug("registered query template {}", template.id());
  }

  @Override
  public void approveTemplate(String owner, String templateId, String contentHash) {
    ensureOpen();
    catchUp();
    templates.approve(owner, templateId, contentHash);
    state.approval(owner, templateId, contentHash);
    log.debug("query template {} approved by {}", templateId, owner);
  }

  @Override
  public Optional<QueryTemplate> template(String templateId) {
    observe();
    return templates.template(templateId);
  }

  @Override
  public Explanation explain(QuerySpec spec) {
    Objects.requireNonNull(spec, "spec");
    observe();
    return explain(spec, Optional.empty());
  }

  @Override
  public PrivacyBudget budgetFor(QuerySpec spec, NoiseTarget target) {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(target, "target");
    observe();
    if (!(spec.privacy() instanceof Privacy.Differential dp)) {
      throw new IllegalArgumentException("a noise target needs a differentially private query");
    }
    // The placeholder ε is the smallest the search tries, so that no per-query cap refuses it.
    QuerySpec provisional =
        spec.withPrivacy(
            new Privacy.Differential(
                target.delta().signum() == 0
                    ? PrivacyBudget.epsilon(0x1p-30)
                    : PrivacyBudget.epsilonDelta(0x1p-30, target.delta().doubleValue()),
                dp.noise(),
                dp.publicGroups()));
    Plan plan = checkedPlan(provisional);
    PrivacyBudget solved = NoiseTargets.solve(plan, target);
    checkedPlan(spec.withPrivacy(new Privacy.Differential(solved, dp.noise(), dp.publicGroups())));
    return solved;
  }

  /** The plan of {@code spec}, or the refusal of its first failed policy check. */
  private Plan checkedPlan(QuerySpec spec) {
    Planner.Outcome outcome = planner.plan(spec);
    Optional<PolicyCheck> refusal = outcome.checks().stream().filter(c -> !c.passed()).findFirst();
    if (refusal.isPresent()) {
      PolicyCheck failed = refusal.get();
      throw new PolicyViolationException(
          failed.dataset(), failed.owner(), failed.rule(), failed.detail());
    }
    return outcome.plan();
  }

  @Override
  public Explanation explain(TemplateCall call) {
    Objects.requireNonNull(call, "call");
    observe();
    TemplateRegistry.Bound bound = templates.bind(call);
    return explain(bound.spec(), Optional.of(bound.entry()));
  }

  private Explanation explain(QuerySpec spec, Optional<TemplateRegistry.Entry> template) {
    Planner.Outcome outcome = planner.plan(spec, template);
    List<LedgerStatus> ledgers = List.of();
    List<String> accuracy = List.of();
    List<PolicyCheck> checks = new ArrayList<>(outcome.checks());
    checks.addAll(Receivers.checks(touched(spec), List.of(spec.analyst())));
    if (outcome.plan() != null) {
      Release.Charges charges = release.charges(outcome.plan(), settings.clock().instant());
      if (outcome.plan().noise().isPresent()) {
        NoisePlan noise = outcome.plan().noise().get();
        accuracy =
            noise.split().isEmpty() ? noise.accuracy() : concat(noise.split(), noise.accuracy());
        ledgers = new ArrayList<>();
      }
      for (LedgerCharge c : charges.privacy()) {
        LedgerCharge.Spent spent = budgets.spent(c.ledger());
        BigDecimal eps = spent.epsilon().add(c.epsilon());
        BigDecimal delta = spent.delta().add(c.delta());
        ledgers.add(Release.status(c, eps, delta));
        boolean enough =
            eps.compareTo(c.epsilonLimit()) <= 0 && delta.compareTo(c.deltaLimit()) <= 0;
        Dataset d = charges.datasets().get(c.ledger());
        checks.add(
            new PolicyCheck(
                d.qualifiedName(),
                d.owner(),
                PolicyRule.BUDGET_REMAINING,
                enough,
                "ledger "
                    + c.ledger()
                    + (enough ? " has enough budget left" : " has too little budget left")));
      }
      checks.addAll(queryLimitChecks(charges));
    }
    List<String> steps = new ArrayList<>(outcome.steps());
    Optional<ExecutionPath> path = Optional.empty();
    if (outcome.plan() != null) {
      Plan plan = outcome.plan();
      path = Optional.of(plan.path());
      if (plan.path().kind() == ExecutionPath.Kind.PUSHED_DOWN) {
        Pushdown pushdown = new Pushdown(plan);
        steps.addAll(nullCheckSteps(pushdown));
        steps.add(
            "the statement, with every value bound (?); only one row per group comes back: "
                + pushdown.statement("").sql());
      }
    }
    return new Explanation(
        spec,
        steps,
        checks,
        outcome.limits().minDistinctUsers(),
        outcome.limits().maxGroupsPerUser(),
        outcome.limits().maxContributionsPerGroup(),
        ledgers,
        accuracy,
        path);
  }

  /**
   * The counts of malformed values that run before a pushed-down statement, as steps of an
   * explanation.
   */
  private static List<String> nullCheckSteps(Pushdown pushdown) {
    List<String> steps = new ArrayList<>();
    for (Pushdown.NullCheck check : pushdown.nullChecks()) {
      steps.add(
          "first, the NULLs of "
              + check.columns()
              + " in the whole table of "
              + check.source()
              + ", and the dates and timestamps a scan rejects, are counted (one fails the query,"
              + " whatever its filter): "
              + check.statement().sql());
    }
    return steps;
  }

  /**
   * One check per query-limit ledger that {@code charges} would charge: whether a query is left.
   */
  private List<PolicyCheck> queryLimitChecks(Release.Charges charges) {
    List<PolicyCheck> checks = new ArrayList<>();
    for (LedgerCharge c : charges.queries()) {
      BigDecimal left = c.epsilonLimit().subtract(budgets.spent(c.ledger()).epsilon());
      Dataset d = charges.datasets().get(c.ledger());
      checks.add(
          new PolicyCheck(
              d.qualifiedName(),
              d.owner(),
              PolicyRule.QUERY_LIMIT,
              left.signum() > 0,
              "ledger "
                  + c.ledger()
                  + ": "
                  + left.max(BigDecimal.ZERO).toPlainString()
                  + " of "
                  + c.epsilonLimit().toPlainString()
                  + " queries left in this period"));
    }
    return checks;
  }

  @Override
  public CohortExplanation explain(CohortSpec spec) {
    Objects.requireNonNull(spec, "spec");
    observe();
    Cohorts.Checked checked = cohorts.check(spec);
    List<PolicyCheck> checks = new ArrayList<>(checked.checks());
    List<String> steps = new ArrayList<>(checked.outcome().steps());
    Plan plan = checked.outcome().plan();
    Optional<ExecutionPath> path = Optional.empty();
    if (plan != null) {
      checks.addAll(queryLimitChecks(release.charges(plan, settings.clock().instant())));
      path = Optional.of(plan.path());
      int min = checked.minCohortSize();
      String own = checked.datasets().get(checked.receiver()).qualifiedName();
      if (plan.path().kind() == ExecutionPath.Kind.PUSHED_DOWN) {
        Pushdown pushdown = new Pushdown(plan);
        steps.addAll(nullCheckSteps(pushdown));
        steps.add(
            "the statement, with every value bound (?); it returns the cohort's size and, only for"
                + " a cohort of at least "
                + min
                + " people, the ids of "
                + own
                + ": "
                + pushdown.cohortStatement(checked.receiver(), min).sql());
      }
      steps.add(
          "release the ids of "
              + spec.receiver()
              + "'s users of "
              + own
              + " in a cohort of at least "
              + min
              + " people; refuse every smaller cohort alike");
    }
    return new CohortExplanation(spec, steps, checks, checked.minCohortSize(), path);
  }

  private static <T> List<T> concat(List<T> a, List<T> b) {
    List<T> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  /** The registered datasets of a planned query, in query order. */
  private List<Dataset> touched(QuerySpec spec) {
    return spec.datasets().stream().map(registry::get).filter(Objects::nonNull).toList();
  }

  @Override
  public Result run(QuerySpec spec) {
    return run(spec, RunOptions.NONE);
  }

  @Override
  public Result run(QuerySpec spec, RunOptions options) {
    Objects.requireNonNull(spec, "spec");
    ensureOpen();
    return controlled(options, in -> answer(spec, List.of(spec.analyst()), Optional.empty(), in));
  }

  /**
   * Runs {@code body} under the interrupts of {@code options}, after what rooms elsewhere recorded
   * ({@link #catchUp}): the run is {@link Progress.Phase#PLANNING} first and ends {@link
   * Progress.Phase#DONE} or {@link Progress.Phase#FAILED}; its timeout ends with it.
   */
  private <T> T controlled(RunOptions options, Function<Interrupts, T> body) {
    Objects.requireNonNull(options, "options");
    catchUp();
    Interrupts in = Interrupts.start(options, this::timers);
    boolean done = false;
    try {
      in.phase(Progress.Phase.PLANNING);
      T out = body.apply(in);
      done = true;
      return out;
    } finally {
      in.close();
      in.phase(done ? Progress.Phase.DONE : Progress.Phase.FAILED);
    }
  }

  @Override
  public Result run(TemplateCall call) {
    return run(call, RunOptions.NONE);
  }

  @Override
  public Result run(TemplateCall call, RunOptions options) {
    Objects.requireNonNull(call, "call");
    ensureOpen();
    return controlled(options, in -> runTemplate(call, in));
  }

  /**
   * Applies what rooms elsewhere appended to a shared state store (templates, approvals, stored
   * answers, released rows, policy changes, retirements), so that what follows sees them; nothing
   * for a store only this room writes.
   */
  private void catchUp() {
    state.catchUp(templates, answers, differences, recorded, settings.clock().instant());
  }

  /**
   * Catches up ({@link #catchUp}) before a room that is still open says what it holds or what a
   * query would do, so that {@code explain} describes what a run started now would do on any host.
   */
  private void observe() {
    if (!closed) {
      catchUp();
    }
  }

  private Result runTemplate(TemplateCall call, Interrupts in) {
    TemplateRegistry.Bound bound;
    try {
      bound = templates.bind(call);
    } catch (InvalidQueryException e) {
      // A run that binds no values is audited with the template's query as its author wrote it.
      Optional<QuerySpec> shape = templates.template(call.templateId()).map(QueryTemplate::query);
      new Trail(
              audit,
              settings.clock(),
              UUID.randomUUID().toString(),
              call.analyst(),
              shape.map(QuerySpec::datasets).orElse(List.of()),
              shape.map(fingerprints::of).orElse(""))
          .record(AuditEvent.Outcome.INVALID, Optional.empty(), e.getMessage());
      throw e;
    }
    return answer(bound.spec(), List.of(call.analyst()), Optional.of(bound.entry()), in);
  }

  @Override
  public QueryId submit(QuerySpec spec, List<String> receivers) {
    return submit(spec, receivers, RunOptions.NONE);
  }

  @Override
  public QueryId submit(QuerySpec spec, List<String> receivers, RunOptions options) {
    Objects.requireNonNull(spec, "spec");
    ensureOpen();
    Objects.requireNonNull(receivers, "receivers");
    return controlled(options, in -> deliver(spec, receivers, in));
  }

  private QueryId deliver(QuerySpec spec, List<String> receivers, Interrupts in) {
    List<String> to = List.copyOf(receivers);
    if (to.isEmpty()) {
      throw new IllegalArgumentException("receivers must name at least one party");
    }
    for (String r : to) {
      if (!resultSinks.containsKey(r)) {
        IllegalStateException e =
            new IllegalStateException("result receiver " + r + " has no registered result sink");
        trail(spec, fingerprints.of(spec))
            .record(AuditEvent.Outcome.INVALID, Optional.empty(), e.getMessage());
        throw e;
      }
    }
    Result result = answer(spec, to, Optional.empty(), in);
    List<String> failed = new ArrayList<>();
    for (String r : to) {
      try {
        resultSinks.get(r).receive(result);
      } catch (RuntimeException e) {
        // The sink is the receiver's code: its message may hold result values.
        log.warn("result sink of {} failed ({})", r, e.getClass().getSimpleName());
        failed.add(r);
      }
    }
    if (!failed.isEmpty()) {
      throw new IllegalStateException(
          "query " + result.queryId() + ": the result sinks of " + failed + " failed");
    }
    return new QueryId(result.queryId());
  }

  @Override
  public Activation activate(CohortSpec spec) {
    return activate(spec, RunOptions.NONE);
  }

  @Override
  public QuerySpec compileSql(String analyst, String sql) {
    return SqlCompiler.compileQuery(analyst, sql);
  }

  @Override
  public CohortSpec compileCohortSql(String analyst, String sql) {
    return SqlCompiler.compileCohort(analyst, sql);
  }

  @Override
  public Activation activate(CohortSpec spec, RunOptions options) {
    Objects.requireNonNull(spec, "spec");
    ensureOpen();
    return controlled(options, in -> cohorts.activate(spec, in));
  }

  /** Plans, checks (the receivers too), charges and runs a query. */
  private Result answer(
      QuerySpec spec,
      List<String> receivers,
      Optional<TemplateRegistry.Entry> template,
      Interrupts in) {
    String fingerprint = fingerprints.of(spec);
    Trail trail = trail(spec, fingerprint);
    Planner.Outcome outcome;
    try {
      outcome = planner.plan(spec, template);
    } catch (InvalidQueryException e) {
      trail.record(AuditEvent.Outcome.INVALID, Optional.empty(), e.getMessage());
      throw e;
    }
    List<PolicyCheck> checks = new ArrayList<>(outcome.checks());
    checks.addAll(Receivers.checks(touched(spec), receivers));
    Optional<PolicyCheck> refusal = checks.stream().filter(c -> !c.passed()).findFirst();
    if (refusal.isPresent()) {
      PolicyCheck failed = refusal.get();
      PolicyViolationException e =
          new PolicyViolationException(
              failed.dataset(), failed.owner(), failed.rule(), failed.detail());
      trail.record(AuditEvent.Outcome.REFUSED, Optional.of(failed.rule()), e.getMessage());
      throw e;
    }
    Plan plan = outcome.plan();
    Optional<String> key = plan.noise().isEmpty() ? Optional.empty() : answerKey(fingerprint, plan);
    Function<Plan, Map<List<Object>, Executor.GroupState>> groups = p -> executor(p, in).groups(p);
    if (key.isEmpty()) {
      return release.run(plan, trail, in, groups);
    }
    while (true) {
      Optional<Result> stored = stored(key.get(), plan, trail, in, groups);
      if (stored.isPresent()) {
        return stored.get();
      }
      // An identical run by another thread was cancelled (nothing stored): this one runs itself.
    }
  }

  /**
   * The answer of a query that may be stored: the stored one (charged nothing), or a fresh run
   * (stored unless it failed: a cancelled or timed-out run stores nothing); empty if an identical
   * run in another thread, which this one waited for, was cancelled or timed out.
   */
  private Optional<Result> stored(
      String key,
      Plan plan,
      Trail trail,
      Interrupts in,
      Function<Plan, Map<List<Object>, Executor.GroupState>> groups) {
    boolean[] ran = {false};
    try {
      Result result =
          answers.get(
              key,
              () -> {
                ran[0] = true;
                // Stored before the run is audited as accepted: a store that fails fails the run.
                return release.run(plan, trail, in, groups, fresh -> state.answer(key, fresh));
              });
      if (!ran[0]) {
        // An identical query on the same data was answered before: the same answer, no charge,
        // and it does not count against a query limit (it scans nothing and reveals nothing new).
        trail.record(
            AuditEvent.Outcome.ACCEPTED,
            Optional.empty(),
            "repeated query: stored answer of " + result.queryId() + ", nothing charged");
        PrivacyReport first = result.privacy();
        List<LedgerStatus> now = new ArrayList<>();
        for (LedgerCharge c : release.charges(plan, settings.clock().instant()).privacy()) {
          LedgerCharge.Spent spent = budgets.spent(c.ledger());
          LedgerStatus s = Release.status(c, spent.epsilon(), spent.delta());
          now.add(
              new LedgerStatus(
                  s.ledger(),
                  s.dataset(),
                  BigDecimal.ZERO,
                  BigDecimal.ZERO,
                  s.epsilonRemaining(),
                  s.deltaRemaining()));
        }
        PrivacyReport repeated =
            new PrivacyReport(true, first.epsilon(), first.delta(), first.split(), now, true);
        return Optional.of(new Result(result.queryId(), result.columns(), result.rows(), repeated));
      }
      return Optional.of(result);
    } catch (ExecutionException | UncheckedExecutionException | ExecutionError e) {
      Throwable cause = e.getCause();
      if (!ran[0] && cause instanceof QueryCancelledException) {
        // The other run's cancellation is not this one's; unless this one is stopped too.
        try {
          in.check();
        } catch (QueryCancelledException own) {
          trail.record(AuditEvent.Outcome.FAILED, Optional.empty(), Interrupts.auditReason(own));
          throw own;
        }
        return Optional.empty();
      }
      if (!ran[0]) {
        // Another thread's identical query failed; this one fails the same way, audited here.
        trail.record(
            cause instanceof BudgetExhaustedException
                ? AuditEvent.Outcome.REFUSED
                : AuditEvent.Outcome.FAILED,
            Optional.empty(),
            cause instanceof CleanRoomException
                ? cause.getMessage()
                : "failed ("
                    + (cause == null ? "unknown" : cause.getClass().getSimpleName())
                    + ")");
      }
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new CleanRoomInternalError("unexpected checked exception in a query");
    }
  }

  /**
   * The key of a stored answer: the query, and the version of every source (if all have one) with
   * the hash of its dataset's policy, so that no answer outlives a change of data or policy.
   */
  private static Optional<String> answerKey(String fingerprint, Plan plan) {
    StringBuilder key = new StringBuilder(fingerprint);
    for (Plan.DatasetPlan dp : plan.datasets()) {
      Optional<String> version = dp.dataset().source().version();
      if (version.isEmpty()) {
        return Optional.empty();
      }
      key.append('|')
          .append(dp.dataset().qualifiedName())
          .append('@')
          .append(version.get())
          .append('#')
          .append(PolicyChanges.hash(dp.dataset()));
    }
    return Optional.of(key.toString());
  }

  /** A fresh trail for a query of {@code spec}, with the policy versions it starts under. */
  private Trail trail(QuerySpec spec, String fingerprint) {
    return new Trail(
        audit,
        settings.clock(),
        UUID.randomUUID().toString(),
        spec.analyst(),
        spec.datasets(),
        fingerprint,
        registry.policyVersions(spec.datasets()));
  }

  @Override
  public String toString() {
    return "CleanRoom[" + registry.names().size() + " datasets]";
  }
}
