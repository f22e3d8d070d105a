package dev.cleanroom.audit;

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
  static final int FIELDS = 14;

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
        failed ? Optional.of("incident-" + i) : Optional.empty(),
        i % 2 == 0
            ? List.of("publisher.impressions@" + (i + 1) + ":" + "ab".repeat(32))
            : List.of());
  }

  /** {@code r} with exactly one field (of event, index or hashes) changed. */
  static AuditRecord edit(AuditRecord r, int field) {
    if (field == 11) {
      return new AuditRecord(r.index(), r.event(), r.previousHash(), flip(r.hash()));
    }
    if (field == 12) {
      return new AuditRecord(r.index(), r.event(), flip(r.previousHash()), r.hash());
    }
    AuditEvent e = r.event();
    Object[] c = {
      e.time(),
      e.queryId(),
      e.analyst(),
      e.datasets(),
      e.fingerprint(),
      e.outcome(),
      e.rule(),
      e.reason(),
      e.charges(),
      e.incidentId(),
      e.policyVersions()
    };
    switch (field) {
      case 0 -> c[0] = e.time().plusNanos(1);
      case 1 -> c[1] = e.queryId() + "x";
      case 2 -> c[2] = e.analyst() + "x";
      case 3 -> c[3] = List.of("x.y");
      case 4 -> c[4] = e.fingerprint() + "0";
      case 5 ->
          c[5] =
              e.outcome() == AuditEvent.Outcome.REFUSED
                  ? AuditEvent.Outcome.ACCEPTED
                  : AuditEvent.Outcome.REFUSED;
      case 6 ->
          c[6] = e.rule().isPresent() ? Optional.empty() : Optional.of(PolicyRule.QUERY_LIMIT);
      case 7 -> c[7] = e.reason() + " ";
      case 8 -> c[8] = List.of();
      case 9 ->
          c[8] =
              e.charges().stream()
                  .map(
                      x ->
                          new AuditEvent.Charge(
                              x.ledger(),
                              x.dataset(),
                              x.owner(),
                              x.epsilon().add(new BigDecimal("0.01")),
                              x.delta()))
                  .toList();
      case 10 -> c[9] = e.incidentId().isPresent() ? Optional.empty() : Optional.of("incident");
      case 13 ->
          c[10] = e.policyVersions().isEmpty() ? List.of("x.y@1:" + "0".repeat(64)) : List.of();
      default -> throw new IllegalArgumentException("no field " + field);
    }
    return new AuditRecord(r.index(), event(c), r.previousHash(), r.hash());
  }

  @SuppressWarnings("unchecked")
  private static AuditEvent event(Object[] c) {
    return new AuditEvent(
        (Instant) c[0],
        (String) c[1],
        (String) c[2],
        (List<String>) c[3],
        (String) c[4],
        (AuditEvent.Outcome) c[5],
        (Optional<PolicyRule>) c[6],
        (String) c[7],
        (List<AuditEvent.Charge>) c[8],
        (Optional<String>) c[9],
        (List<String>) c[10]);
  }

  private static String flip(String hex) {
    char c = hex.charAt(0);
    return (c == '0' ? '1' : '0') + hex.substring(1);
  }
}
