package dev.cleanroom.core.internal;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.CleanRoomException;
import dev.cleanroom.DataSourceException;
import dev.cleanroom.Dataset;
import dev.cleanroom.InvalidQueryException;
import dev.cleanroom.Party;
import dev.cleanroom.PolicyRule;
import dev.cleanroom.PolicyViolationException;
import dev.cleanroom.core.AuditSinks;
import dev.cleanroom.core.Pseudonymizer;
import dev.cleanroom.dp.KeyedRank;
import dev.cleanroom.query.Explanation;
import dev.cleanroom.query.PolicyCheck;
import dev.cleanroom.query.QueryEngine;
import dev.cleanroom.query.QuerySpec;
import dev.cleanroom.query.QueryStart;
import dev.cleanroom.query.Result;
import dev.cleanroom.spi.AuditEvent;
import dev.cleanroom.spi.AuditSink;
import java.util.Collections;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The engine's {@link CleanRoom}: a registry of datasets and the query pipeline. */
final class Room implements CleanRoom, QueryEngine {
  private static final Logger log = LoggerFactory.getLogger(Room.class);

  private final CleanRoom.Settings settings;
  private final ConcurrentMap<String, Dataset> datasets = new ConcurrentHashMap<>();
  private final Pseudonymizer pseudonymizer;
  private final Fingerprints fingerprints;
  private final AuditSink audit;
  private final Planner planner;

  Room(CleanRoom.Settings settings) {
    this.settings = settings;
    this.pseudonymizer = Pseudonymizer.of(settings.secretKey());
    this.fingerprints = new Fingerprints(settings.secretKey());
    this.audit = settings.auditSink().orElseGet(AuditSinks::slf4j);
    this.planner = new Planner(datasets::get, this::visibleTo);
  }

  @Override
  public void register(Dataset dataset) {
    Objects.requireNonNull(dataset, "dataset");
    Dataset previous = datasets.putIfAbsent(dataset.qualifiedName(), dataset);
    if (previous != null) {
      throw new IllegalArgumentException(
          "dataset " + dataset.qualifiedName() + " is already registered");
    }
    log.debug("registered dataset {}", dataset.qualifiedName());
  }

  @Override
  public Set<String> datasets() {
    return Collections.unmodifiableSet(new TreeSet<>(datasets.keySet()));
  }

  private Set<String> visibleTo(String analyst) {
    Set<String> out = new TreeSet<>();
    datasets.forEach(
        (name, d) -> {
          if (d.policy().analysts().contains(analyst)) {
            out.add(name);
          }
        });
    return out;
  }

  @Override
  public QueryStart as(String analyst) {
    return QueryStart.of(this, Party.of(analyst).name());
  }

  @Override
  public Explanation explain(QuerySpec spec) {
    Objects.requireNonNull(spec, "spec");
    Planner.Outcome outcome = planner.plan(spec);
    return new Explanation(
        spec,
        outcome.steps(),
        outcome.checks(),
        outcome.limits().minDistinctUsers(),
        outcome.limits().maxGroupsPerUser(),
        outcome.limits().maxContributionsPerGroup());
  }

  @Override
  public Result run(QuerySpec spec) {
    Objects.requireNonNull(spec, "spec");
    String queryId = UUID.randomUUID().toString();
    String fingerprint = fingerprints.of(spec);
    Planner.Outcome outcome;
    try {
      outcome = planner.plan(spec);
    } catch (InvalidQueryException e) {
      record(queryId, spec, fingerprint, AuditEvent.Outcome.INVALID, Optional.empty(), e);
      throw e;
    }
    if (!outcome.allowed()) {
      PolicyCheck failed =
          outcome.checks().stream().filter(c -> !c.passed()).findFirst().orElseThrow();
      PolicyViolationException e =
          new PolicyViolationException(
              failed.dataset(), failed.owner(), failed.rule(), failed.detail());
      record(queryId, spec, fingerprint, AuditEvent.Outcome.REFUSED, Optional.of(failed.rule()), e);
      throw e;
    }
    Executor.Output output;
    try {
      output = new Executor(pseudonymizer, KeyedRank.random()).execute(outcome.plan());
    } catch (CleanRoomException e) {
      record(queryId, spec, fingerprint, AuditEvent.Outcome.FAILED, Optional.empty(), e);
      throw e;
    } catch (RuntimeException e) {
      DataSourceException wrapped =
          new DataSourceException(
              "query " + queryId, "failed (" + e.getClass().getSimpleName() + ")", null);
      record(queryId, spec, fingerprint, AuditEvent.Outcome.FAILED, Optional.empty(), wrapped);
      throw wrapped;
    }
    Result result = new Result(queryId, output.columns(), output.rows());
    record(queryId, spec, fingerprint, AuditEvent.Outcome.ACCEPTED, Optional.empty(), null);
    return result;
  }

  private void record(
      String queryId,
      QuerySpec spec,
      String fingerprint,
      AuditEvent.Outcome outcome,
      Optional<PolicyRule> rule,
      RuntimeException e) {
    audit.record(
        new AuditEvent(
            settings.clock().instant(),
            queryId,
            spec.analyst(),
            spec.datasets(),
            fingerprint,
            outcome,
            rule,
            e == null ? "" : e.getMessage()));
  }

  @Override
  public String toString() {
    return "CleanRoom[" + datasets.size() + " datasets]";
  }
}
