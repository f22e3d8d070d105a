package dev.cleanroom.spi;

import dev.cleanroom.PolicyRule;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One query, as the audit trail records it: never a data value, user id or key.
 *
 * @param time when the query ended
 * @param queryId the identifier of the run, also in its {@code Result}
 * @param analyst the party that ran it
 * @param datasets the qualified names of the datasets it named
 * @param fingerprint a keyed hash of the normalized query: equal for identical queries in one room,
 *     revealing nothing of its literals
 * @param outcome how the query ended
 * @param rule the refusing rule, for {@link Outcome#REFUSED}
 * @param reason the refusal or failure message (no data values), or the empty string
 * @param charges the privacy budget the query charged, one entry per ledger; empty when nothing was
 *     charged
 * @param incidentId for a failure, the identifier under which its details went to the owning
 *     party's audit sink
 * @param policyVersions the policy version of each registered dataset the query named, when it
 *     started, as {@code owner.name@version:hash} with the version number of {@link
 *     dev.cleanroom.DatasetVersion#policy()} and its {@link
 *     dev.cleanroom.DatasetVersion#policyHash()}; empty for events that record no query of
 *     registered datasets
 */
public record AuditEvent(
    Instant time,
    String queryId,
    String analyst,
    List<String> datasets,
    String fingerprint,
    Outcome outcome,
    Optional<PolicyRule> rule,
    String reason,
    List<Charge> charges,
    Optional<String> incidentId,
    List<String> policyVersions) {
  /**
   * @param time when the query ended
   * @param queryId the identifier of the run, also in its {@code Result}
   * @param analyst the party that ran it
   * @param datasets the qualified names of the datasets it named
   * @param fingerprint a keyed hash of the normalized query: equal for identical queries in one
   *     room, revealing nothing of its literals
   * @param outcome how the query ended
   * @param rule the refusing rule, for {@link Outcome#REFUSED}
   * @param reason the refusal or failure message (no data values), or the empty string
   * @param charges the privacy budget charged, per ledger; empty if nothing was charged
   * @param incidentId the incident id of a failure whose details went to the owner of the failing
   *     source
   * @param policyVersions the policy version of each registered dataset the query named, as {@code
   *     owner.name@version:hash}
   * @throws NullPointerException if an argument or an element of {@code datasets}, {@code charges}
   *     or {@code policyVersions} is null
   */
  public AuditEvent {
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(queryId, "queryId");
    Objects.requireNonNull(analyst, "analyst");
    datasets = List.copyOf(datasets);
    Objects.requireNonNull(fingerprint, "fingerprint");
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(rule, "rule");
    Objects.requireNonNull(reason, "reason");
    charges = List.copyOf(charges);
    Objects.requireNonNull(incidentId, "incidentId");
    policyVersions = List.copyOf(policyVersions);
  }

  /**
   * An event that records no policy versions.
   *
   * @param time when the query ended
   * @param queryId the identifier of the run
   * @param analyst the party that ran it
   * @param datasets the qualified names of the datasets it named
   * @param fingerprint the keyed hash of the normalized query
   * @param outcome how the query ended
   * @param rule the refusing rule, for {@link Outcome#REFUSED}
   * @param reason the refusal or failure message (no data values), or the empty string
   * @param charges the privacy budget charged, per ledger; empty if nothing was charged
   * @param incidentId the incident id of a failure
   * @throws NullPointerException if an argument or an element of a list is null
   */
  public AuditEvent(
      Instant time,
      String queryId,
      String analyst,
      List<String> datasets,
      String fingerprint,
      Outcome outcome,
      Optional<PolicyRule> rule,
      String reason,
      List<Charge> charges,
      Optional<String> incidentId) {
    this(
        time,
        queryId,
        analyst,
        datasets,
        fingerprint,
        outcome,
        rule,
        reason,
        charges,
        incidentId,
        List.of());
  }

  /**
   * An event without budget charges or incident, as the engine records refusals and threshold-only
   * queries.
   *
   * @param time when the query ended
   * @param queryId the identifier of the run
   * @param analyst the party that ran it
   * @param datasets the qualified names of the datasets it named
   * @param fingerprint the keyed hash of the normalized query
   * @param outcome how the query ended
   * @param rule the refusing rule, for {@link Outcome#REFUSED}
   * @param reason the refusal or failure message (no data values), or the empty string
   * @throws NullPointerException if an argument is null
   */
  public AuditEvent(
      Instant time,
      String queryId,
      String analyst,
      List<String> datasets,
      String fingerprint,
      Outcome outcome,
      Optional<PolicyRule> rule,
      String reason) {
    this(
        time,
        queryId,
        analyst,
        datasets,
        fingerprint,
        outcome,
        rule,
        reason,
        List.of(),
        Optional.empty(),
        List.of());
  }

  /**
   * The privacy budget one query charged to one ledger.
   *
   * @param ledger the ledger's name (dataset, analyst and budget period)
   * @param dataset the qualified name of the dataset whose budget it is
   * @param owner the party that owns the dataset
   * @param epsilon the ε charged, not negative
   * @param delta the δ charged, not negative
   */
  public record Charge(
      String ledger, String dataset, String owner, BigDecimal epsilon, BigDecimal delta) {
    /**
     * @param ledger the ledger's name (dataset, analyst and budget period)
     * @param dataset the qualified name of the dataset whose budget it is
     * @param owner the party that owns the dataset
     * @param epsilon the ε charged, not negative
     * @param delta the δ charged, not negative
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if an amount is negative
     */
    public Charge {
      Objects.requireNonNull(ledger, "ledger");
      Objects.requireNonNull(dataset, "dataset");
      Objects.requireNonNull(owner, "owner");
      Objects.requireNonNull(epsilon, "epsilon");
      Objects.requireNonNull(delta, "delta");
      if (epsilon.signum() < 0 || delta.signum() < 0) {
        throw new IllegalArgumentException(
            "charged amounts must not be negative; provided values: ε=" + epsilon + ", δ=" + delta);
      }
    }
  }

  /** How a query ended. */
  public enum Outcome {
    /** It ran and its result was released. */
    ACCEPTED,
    /** A policy refused it before any source was scanned. */
    REFUSED,
    /** It was malformed. */
    INVALID,
    /** A source or the engine failed while it ran. */
    FAILED,
    /**
     * Not a query: a change to the room made on an owner's behalf (a dataset's data replaced, a
     * policy version, a retirement, a budget top-up). The event's {@code analyst} is the owner,
     * {@code reason} says what changed.
     */
    CHANGED
  }
}
