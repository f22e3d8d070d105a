package dev.cleanroom.internal.release;

import dev.cleanroom.CleanRoomException;
import dev.cleanroom.DataSourceException;
import dev.cleanroom.Dataset;
import dev.cleanroom.InvalidQueryException;
import dev.cleanroom.PolicyRule;
import dev.cleanroom.PolicyViolationException;
import dev.cleanroom.QueryCancelledException;
import dev.cleanroom.internal.execution.Executor;
import dev.cleanroom.internal.execution.Interrupts;
import dev.cleanroom.internal.plan.Fingerprints;
import dev.cleanroom.internal.plan.Plan;
import dev.cleanroom.internal.plan.Planner;
import dev.cleanroom.query.Activation;
import dev.cleanroom.query.CohortSpec;
import dev.cleanroom.query.Dsl;
import dev.cleanroom.query.PolicyCheck;
import dev.cleanroom.query.Progress;
import dev.cleanroom.query.QuerySpec;
import dev.cleanroom.spi.AuditEvent;
import dev.cleanroom.spi.AuditSink;
import dev.cleanroom.spi.CohortSink;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cohort activation: checks every touched dataset's policy before any scan, finds the people who
 * match the row stage, refuses a cohort below the minimum size the same way for every size below
 * it, and hands the receiver's own raw ids to its {@link CohortSink}. The analyst gets the
 * activation id only; the audit trail never sees an id or the size.
 */
public final class Cohorts {
  private static final Logger log = LoggerFactory.getLogger(Cohorts.class);

  private final Function<String, Dataset> registry;
  private final Planner planner;
  private final BiFunction<Plan, Interrupts, Executor> executors;
  private final Release release;
  private final Fingerprints fingerprints;
  private final AuditSink audit;
  private final Incidents incidents;
  private final Clock clock;
  private final Function<String, CohortSink> sinks;

  public Cohorts(
      Function<String, Dataset> registry,
      Planner planner,
      BiFunction<Plan, Interrupts, Executor> executors,
      Release release,
      Fingerprints fingerprints,
      AuditSink audit,
      Incidents incidents,
      Clock clock,
      Function<String, CohortSink> sinks) {
    this.registry = registry;
    this.planner = planner;
    this.executors = executors;
    this.release = release;
    this.fingerprints = fingerprints;
    this.audit = audit;
    this.incidents = incidents;
    this.clock = clock;
    this.sinks = sinks;
  }

  /**
   * Checks, charges, computes and releases a cohort; see the class comment. A run stopped through
   * {@code interrupts} (cancelled or timed out) releases no id, is audited as {@code FAILED} with
   * the reason {@code "cancelled"} or {@code "timed out"}, and keeps a charge already made.
   *
   * @param spec the cohort
   * @param interrupts the run's cancellation, timeout and progress
   * @return the activation
   */
  public Activation activate(CohortSpec spec, Interrupts interrupts) {
    String id = UUID.randomUUID().toString();
    QuerySpec rows = rows(spec);
    Trail event =
        new Trail(
            audit,
            clock,
            id,
            spec.analyst(),
            spec.datasets(),
            fingerprints.ofCohort(rows, spec.receiver()));
    Checked checked;
    try {
      checked = check(spec);
    } catch (InvalidQueryException e) {
      event.record(AuditEvent.Outcome.INVALID, Optional.empty(), e.getMessage());
      throw e;
    }
    Planner.Outcome outcome = checked.outcome();
    List<Dataset> datasets = checked.datasets();
    int receiver = checked.receiver();
    Dataset strictest = checked.strictest();
    int min = checked.minCohortSize();
    for (PolicyCheck c : checked.checks()) {
      if (!c.passed()) {
        PolicyViolationException e =
            new PolicyViolationException(c.dataset(), c.owner(), c.rule(), c.detail());
        event.record(AuditEvent.Outcome.REFUSED, Optional.of(c.rule()), e.getMessage());
        throw e;
      }
    }
    CohortSink sink = sinks.apply(spec.receiver());
    if (sink == null) {
      IllegalStateException e =
          new IllegalStateException(
              "cohort receiver " + spec.receiver() + " has no registered cohort sink");
      event.record(AuditEvent.Outcome.INVALID, Optional.empty(), e.getMessage());
      throw e;
    }
    try {
      interrupts.check();
      // A cohort counts against every query limit, like a query; charged before any scan.
      release.charge(outcome.plan());
    } catch (QueryCancelledException e) {
      event.record(AuditEvent.Outcome.FAILED, Optional.empty(), Interrupts.auditReason(e));
      throw e;
    } catch (PolicyViolationException e) {
      event.record(AuditEvent.Outcome.REFUSED, Optional.of(e.rule()), e.getMessage());
      throw e;
    } catch (RuntimeException e) {
      // The budget store failed: nothing was charged, nothing is released.
      event.record(AuditEvent.Outcome.FAILED, Optional.empty(), Release.chargeFailed(e));
      throw e;
    }
    Executor.Cohort cohort;
    try {
      interrupts.phase(Progress.Phase.SCANNING);
      cohort = executors.apply(outcome.plan(), interrupts).cohort(outcome.plan(), receiver, min);
      interrupts.check(); // the last check: after it, the ids go to the receiver
      interrupts.phase(Progress.Phase.RELEASING);
    } catch (QueryCancelledException e) {
      event.record(AuditEvent.Outcome.FAILED, Optional.empty(), Interrupts.auditReason(e));
      throw e;
    } catch (DataSourceException e) {
      throw incidents.report(failed(event, e.getMessage()), datasets, e.source());
    } catch (CleanRoomException e) {
      event.record(AuditEvent.Outcome.FAILED, Optional.empty(), e.getMessage());
      throw e;
    } catch (RuntimeException e) {
      throw incidents.report(
          failed(event, "cohort " + id + " failed (" + e.getClass().getSimpleName() + ")"),
          datasets,
          "");
    }
    if (cohort.people() < min) {
      // One message for every size below the minimum: nothing about the true size leaves.
      PolicyViolationException e =
          new PolicyViolationException(
              strictest.qualifiedName(),
              strictest.owner(),
              PolicyRule.COHORT_MIN_SIZE,
              "the cohort has fewer than the minimum of " + min + " people; nothing was released");
      event.record(
          AuditEvent.Outcome.REFUSED, Optional.of(PolicyRule.COHORT_MIN_SIZE), e.getMessage());
      throw e;
    }
    Dataset own = datasets.get(receiver);
    Activation activation =
        new Activation(id, spec.analyst(), spec.receiver(), own.qualifiedName());
    // Audited before any id leaves: if the audit record cannot be written, nothing is released.
    event.record(
        AuditEvent.Outcome.ACCEPTED,
        Optional.empty(),
        "cohort of " + own.qualifiedName() + " released to " + spec.receiver());
    try {
      sink.receive(activation, Collections.unmodifiableSet(new TreeSet<>(cohort.rawIds())));
    } catch (RuntimeException e) {
      // The receiver's code: its message may hold ids. The release stands as audited.
      String reason =
          "the cohort sink of "
              + spec.receiver()
              + " failed ("
              + e.getClass().getSimpleName()
              + ")";
      log.warn("cohort {}: {}", id, reason);
      throw new IllegalStateException(reason);
    }
    return activation;
  }

  /** The row stage of a cohort: one total row, its distinct people. */
  private static QuerySpec rows(CohortSpec spec) {
    return new QuerySpec(
        spec.analyst(),
        spec.datasets(),
        spec.where(),
        List.of(),
        List.of(Dsl.countDistinctUsers()));
  }

  /**
   * A cohort planned and checked, before anything is charged or scanned: what {@link #activate}
   * enforces and {@code explain()} reports.
   *
   * @param outcome the row stage's plan (null if a check of the planner failed) and checks
   * @param datasets the touched datasets, in query order
   * @param receiver the index of the receiver's dataset in {@code datasets}
   * @param strictest the dataset whose minimum cohort size applies (the largest)
   * @param checks every check: the row stage's and the cohort rules
   */
  public record Checked(
      Planner.Outcome outcome,
      List<Dataset> datasets,
      int receiver,
      Dataset strictest,
      List<PolicyCheck> checks) {
    /** The minimum cohort size that applies. */
    public int minCohortSize() {
      return strictest.policy().minCohortSize();
    }
  }

  /**
   * Plans and checks cohort {@code spec}, charging and scanning nothing.
   *
   * @throws InvalidQueryException if the query is malformed or the receiver owns no dataset of it
   */
  public Checked check(CohortSpec spec) {
    Planner.Outcome outcome = planner.planCohort(rows(spec));
    List<Dataset> datasets = new ArrayList<>();
    spec.datasets().forEach(name -> datasets.add(registry.apply(name)));
    int receiver = -1;
    for (int i = 0; i < datasets.size() && receiver < 0; i++) {
      if (datasets.get(i).owner().equals(spec.receiver())) {
        receiver = i;
      }
    }
    if (receiver < 0) {
      throw new InvalidQueryException(
          "cohort receiver "
              + spec.receiver()
              + " owns no dataset of the cohort; a party receives only the ids of its own"
              + " users");
    }
    Dataset strictest = datasets.get(0);
    for (Dataset d : datasets) {
      if (d.policy().minCohortSize() > strictest.policy().minCohortSize()) {
        strictest = d;
      }
    }
    List<PolicyCheck> checks = new ArrayList<>();
    // Every check of the row stage applies (the planner leaves out the differential-privacy rules,
    // which govern released aggregates): a dataset open only to approved templates refuses an
    // ad-hoc cohort as it refuses an ad-hoc query.
    checks.addAll(outcome.checks());
    for (Dataset d : datasets) {
      boolean ok = d.policy().cohortReceivers().contains(spec.receiver());
      checks.add(
          new PolicyCheck(
              d.qualifiedName(),
              d.owner(),
              PolicyRule.COHORT_RELEASE_ALLOWED,
              ok,
              ok
                  ? "cohorts may be released to " + spec.receiver()
                  : "cohorts may not be released to " + spec.receiver()));
    }
    return new Checked(outcome, List.copyOf(datasets), receiver, strictest, List.copyOf(checks));
  }

  private static AuditEvent failed(Trail event, String details) {
    return event.event(AuditEvent.Outcome.FAILED, Optional.empty(), details, List.of());
  }
}
