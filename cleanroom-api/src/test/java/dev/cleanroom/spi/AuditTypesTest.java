package dev.cleanroom.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The audit value types validate in their constructors and copy their lists. */
class AuditTypesTest {
  private static final String HASH = "ab".repeat(32);

  private static AuditEvent event(List<AuditEvent.Charge> charges) {
    return new AuditEvent(
        Instant.EPOCH,
        "q",
        "an",
        List.of("p.d"),
        "fp",
        AuditEvent.Outcome.ACCEPTED,
        Optional.empty(),
        "",
        charges,
        Optional.empty());
  }

  @Test
  void eightArgumentEvent_hasNoChargesAndNoIncident() {
    AuditEvent e =
        new AuditEvent(
            Instant.EPOCH,
            "q",
            "an",
            List.of(),
            "fp",
            AuditEvent.Outcome.FAILED,
            Optional.empty(),
            "r");
    assertEquals(List.of(), e.charges());
    assertEquals(Optional.empty(), e.incidentId());
  }

  @Test
  void event_copiesItsCharges() {
    List<AuditEvent.Charge> charges = new ArrayList<>();
    charges.add(new AuditEvent.Charge("l", "p.d", "p", BigDecimal.ONE, BigDecimal.ZERO));
    AuditEvent e = event(charges);
    charges.clear();
    assertEquals(1, e.charges().size());
    assertThrows(NullPointerException.class, () -> event(null));
  }

  @Test
  void charge_negativeAmount_isRejected() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new AuditEvent.Charge("l", "p.d", "p", new BigDecimal("-0.1"), BigDecimal.ZERO));
    assertThrows(
        IllegalArgumentException.class,
        () -> new AuditEvent.Charge("l", "p.d", "p", BigDecimal.ZERO, new BigDecimal("-1E-9")));
  }

  @Test
  void record_validatesIndexAndHashes() {
    AuditEvent e = event(List.of());
    assertEquals(0, new AuditRecord(0, e, AuditRecord.GENESIS, HASH).index());
    assertThrows(IllegalArgumentException.class, () -> new AuditRecord(-1, e, HASH, HASH));
    assertThrows(IllegalArgumentException.class, () -> new AuditRecord(0, e, "ab", HASH));
    assertThrows(
        IllegalArgumentException.class, () -> new AuditRecord(0, e, HASH, HASH.toUpperCase()));
    assertThrows(NullPointerException.class, () -> new AuditRecord(0, null, HASH, HASH));
  }

  @Test
  void verification_isOkOnlyWithoutFailure() {
    assertTrue(new AuditTrail.Verification(3, Optional.empty()).ok());
    AuditTrail.Verification bad =
        new AuditTrail.Verification(
            3, Optional.of(new AuditTrail.Failure(1, AuditTrail.Problem.REMOVED, "gap")));
    assertFalse(bad.ok());
    assertThrows(IllegalArgumentException.class, () -> new AuditTrail.Head(-1, HASH));
    assertThrows(
        IllegalArgumentException.class,
        () -> new AuditTrail.Failure(-1, AuditTrail.Problem.ALTERED, ""));
  }
}
