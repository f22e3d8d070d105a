package dev.cleanroom.spi;

import dev.cleanroom.PolicyRule;
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
 */
public record AuditEvent(
    Instant time,
    String queryId,
    String analyst,
    List<String> datasets,
    String fingerprint,
    Outcome outcome,
    Optional<PolicyRule> rule,
    String reason) {
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
   * @throws NullPointerException if an argument is null
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
    FAILED
  }
}
