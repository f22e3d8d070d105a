package dev.cleanroom.core.audit;

import dev.cleanroom.PolicyRule;
import dev.cleanroom.spi.AuditEvent;
import dev.cleanroom.spi.AuditRecord;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Sample audit events and single-field edits of records, for the audit trail tests. */
final class AuditEvents {
  /** The number of fields {@link #edit} can change. */
  static final int FIELDS = 13;

  private AuditEvents() {}

  /** The {@code i}-th sample event: every field set, differing from event to event. */
  static AuditEvent event(int i) {
    boolean failed = i % 3 == 2;
    return new AuditEvent(
        Instant.parse("2026-01-01T00:00:00Z").plusSeconds(i).plusNanos(i),
        "q-" + i,
        i % 2 == 0 ? "advertiser" : "brand",
        List.of("publisher.impressions", "advertiser.conversions"),
        "fp" + i,
        failed ? AuditEvent.Outcome.FAILED : AuditEvent.Outcome.ACCEPTED,
        i % 3 == 1 ? Optional.of(PolicyRule.JOIN_ALLOWED) : Optional.empty(),
        "reason " + i,
        List.of(
            new AuditEvent.Charge(
                "publisher.impressions/advertiser/lifetime",
                "publisher.impressions",
                "publisher",
                new BigDecimal("0.1"),
                new BigDecimal("1E-9"))),
        failed ? Optional.of("incident-" + i) : Optional.empty());
  }

  /** {@code r} with exactly one field (of event, index or hashes) changed. */
  static AuditRecord edit(AuditRecord r, int field) {
    AuditEvent e = r.event();
    AuditEvent changed =
        switch (field) {
          case 0 ->
              with(e, e.time().plusNanos(1), e.queryId(), e.analyst(), e.datasets(), e.reason());
          case 1 -> with(e, e.time(), e.queryId() + "x", e.analyst(), e.datasets(), e.reason());
          case 2 -> with(e, e.time(), e.queryId(), e.analyst() + "x", e.datasets(), e.reason());
          case 3 -> with(e, e.time(), e.queryId(), e.analyst(), List.of("x.y"), e.reason());
          case 4 -> with(e, e.time(), e.queryId(), e.analyst(), e.datasets(), e.reason() + " ");
          case 5 ->
              new AuditEvent(
                  e.time(),
                  e.queryId(),
                  e.analyst(),
                  e.datasets(),
                  e.fingerprint() + "0",
                  e.outcome(),
                  e.rule(),
                  e.reason(),
                  e.charges(),
                  e.incidentId());
          case 6 ->
              new AuditEvent(
                  e.time(),
                  e.queryId(),
                  e.analyst(),
                  e.datasets(),
                  e.fingerprint(),
                  e.outcome() == AuditEvent.Outcome.REFUSED
                      ? AuditEvent.Outcome.ACCEPTED
                      : AuditEvent.Outcome.REFUSED,
                  e.rule(),
                  e.reason(),
                  e.charges(),
                  e.incidentId());
          case 7 ->
              new AuditEvent(
                  e.time(),
                  e.queryId(),
                  e.analyst(),
                  e.datasets(),
                  e.fingerprint(),
                  e.outcome(),
                  e.rule().isPresent() ? Optional.empty() : Optional.of(PolicyRule.QUERY_LIMIT),
                  e.reason(),
                  e.charges(),
                  e.incidentId());
          case 8 ->
              new AuditEvent(
                  e.time(),
                  e.queryId(),
                  e.analyst(),
                  e.datasets(),
                  e.fingerprint(),
                  e.outcome(),
                  e.rule(),
                  e.reason(),
                  List.of(),
                  e.incidentId());
          case 9 ->
              new AuditEvent(
                  e.time(),
                  e.queryId(),
                  e.analyst(),
                  e.datasets(),
                  e.fingerprint(),
                  e.outcome(),
                  e.rule(),
                  e.reason(),
                  e.charges().stream()
                      .map(
                          c ->
                              new AuditEvent.Charge(
                                  c.ledger(),
                                  c.dataset(),
                                  c.owner(),
                                  c.epsilon().add(new BigDecimal("0.01")),
                                  c.delta()))
                      .toList(),
                  e.incidentId());
          case 10 ->
              new AuditEvent(
                  e.time(),
                  e.queryId(),
                  e.analyst(),
                  e.datasets(),
                  e.fingerprint(),
                  e.outcome(),
                  e.rule(),
                  e.reason(),
                  e.charges(),
                  e.incidentId().isPresent() ? Optional.empty() : Optional.of("incident"));
          default -> e;
        };
    return switch (field) {
      case 11 -> new AuditRecord(r.index(), e, r.previousHash(), flip(r.hash()));
      case 12 -> new AuditRecord(r.index(), e, flip(r.previousHash()), r.hash());
      default -> new AuditRecord(r.index(), changed, r.previousHash(), r.hash());
    };
  }

  private static AuditEvent with(
      AuditEvent e,
      Instant time,
      String queryId,
      String analyst,
      List<String> datasets,
      String reason) {
    return new AuditEvent(
        time,
        queryId,
        analyst,
        datasets,
        e.fingerprint(),
        e.outcome(),
        e.rule(),
        reason,
        e.charges(),
        e.incidentId());
  }

  private static String flip(String hex) {
    char c = hex.charAt(0);
    return (c == '0' ? '1' : '0') + hex.substring(1);
  }
}
