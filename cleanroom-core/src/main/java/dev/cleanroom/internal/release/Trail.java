package dev.cleanroom.internal.release;

import dev.cleanroom.PolicyRule;
import dev.cleanroom.spi.AuditEvent;
import dev.cleanroom.spi.AuditSink;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * The audit of one query or cohort activation: its identifier, analyst, datasets and fingerprint,
 * fixed when it starts; each outcome (invalid, refused, failed, accepted) is recorded through it,
 * with only the outcome, rule, reason and charges varying. Queries and cohorts share it, so that
 * every release and every refusal reaches the audit sink in the same shape. Reasons never hold data
 * values.
 */
public final class Trail {
  private final AuditSink sink;
  private final Clock clock;
  private final String id;
  private final String analyst;
  private final List<String> datasets;
  private final String fingerprint;
  private final List<String> policyVersions;

  /**
   * The trail of one query or activation.
   *
   * @param sink the room's audit sink
   * @param clock the room's clock, for the time of each event
   * @param id the identifier of the query or activation
   * @param analyst the analyst who asked
   * @param datasets the datasets it touches
   * @param fingerprint the keyed hash of the normalized query
   */
  public Trail(
      AuditSink sink,
      Clock clock,
      String id,
      String analyst,
      List<String> datasets,
      String fingerprint) {
    this(sink, clock, id, analyst, datasets, fingerprint, List.of());
  }

  /**
   * The trail of one query or activation that records the policy versions of its datasets.
   *
   * @param sink the room's audit sink
   * @param clock the room's clock, for the time of each event
   * @param id the identifier of the query or activation
   * @param analyst the analyst who asked
   * @param datasets the datasets it touches
   * @param fingerprint the keyed hash of the normalized query
   * @param policyVersions {@code owner.name@version:hash} of each registered dataset it touches
   */
  public Trail(
      AuditSink sink,
      Clock clock,
      String id,
      String analyst,
      List<String> datasets,
      String fingerprint,
      List<String> policyVersions) {
    this.policyVersions = List.copyOf(policyVersions);
    this.sink = sink;
    this.clock = clock;
    this.id = id;
    this.analyst = analyst;
    this.datasets = List.copyOf(datasets);
    this.fingerprint = fingerprint;
  }

  /** The identifier of the query or activation. */
  public String id() {
    return id;
  }

  /** Records an outcome that charged nothing. */
  public void record(AuditEvent.Outcome outcome, Optional<PolicyRule> rule, String reason) {
    record(outcome, rule, reason, List.of());
  }

  /** Records an outcome with the privacy charges that stand. */
  public void record(
      AuditEvent.Outcome outcome,
      Optional<PolicyRule> rule,
      String reason,
      List<AuditEvent.Charge> charges) {
    sink.record(event(outcome, rule, reason, charges));
  }

  /** The event of an outcome, unrecorded: for an incident, which records it with its identifier. */
  public AuditEvent event(
      AuditEvent.Outcome outcome,
      Optional<PolicyRule> rule,
      String reason,
      List<AuditEvent.Charge> charges) {
    return new AuditEvent(
        clock.instant(),
        id,
        analyst,
        datasets,
        fingerprint,
        outcome,
        rule,
        reason,
        charges,
        Optional.empty(),
        policyVersions);
  }
}
