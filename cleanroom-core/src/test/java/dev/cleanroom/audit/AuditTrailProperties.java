package dev.cleanroom.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.spi.AuditRecord;
import dev.cleanroom.spi.AuditTrail;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** Any single removal, reordering or edit of an audit trail's records fails verification. */
class AuditTrailProperties {
  private static List<AuditRecord> trail(int n, AuditTrail t) {
    for (int i = 0; i < n; i++) {
      t.record(AuditEvents.event(i));
    }
    List<AuditRecord> records = t.records();
    assertEquals(n, records.size());
    assertTrue(t.verify().ok());
    return records;
  }

  @Property(tries = 200)
  void removingAnyRecord_failsVerification(
      @ForAll @IntRange(min = 1, max = 12) int n, @ForAll @IntRange(min = 0, max = 11) int at) {
    AuditTrail t = AuditTrails.inMemory();
    List<AuditRecord> records = new ArrayList<>(trail(n, t));
    int i = at % n;
    records.remove(i);
    AuditTrail.Verification v = AuditTrails.verify(records, Optional.of(t.head()));
    assertFalse(v.ok(), "removed record " + i + " of " + n);
    AuditTrail.Problem expected =
        i == n - 1 ? AuditTrail.Problem.TRUNCATED : AuditTrail.Problem.REMOVED;
    assertEquals(expected, v.failure().orElseThrow().problem());
    assertEquals(i, v.failure().orElseThrow().index());
  }

  @Property(tries = 200)
  void swappingAnyTwoRecords_failsVerification_asReordered(
      @ForAll @IntRange(min = 2, max = 12) int n,
      @ForAll @IntRange(min = 0, max = 11) int a,
      @ForAll @IntRange(min = 1, max = 11) int distance) {
    AuditTrail t = AuditTrails.inMemory();
    List<AuditRecord> records = new ArrayList<>(trail(n, t));
    int i = a % n;
    int j = (i + 1 + (distance - 1) % (n - 1)) % n;
    Collections.swap(records, i, j);
    AuditTrail.Verification v = AuditTrails.verify(records, Optional.empty());
    assertFalse(v.ok());
    assertEquals(AuditTrail.Problem.REORDERED, v.failure().orElseThrow().problem());
    assertEquals(Math.min(i, j), v.failure().orElseThrow().index());
  }

  @Property(tries = 400)
  void editingAnyFieldOfAnyRecord_failsVerification(
      @ForAll @IntRange(min = 1, max = 12) int n,
      @ForAll @IntRange(min = 0, max = 11) int at,
      @ForAll @IntRange(min = 0, max = AuditEvents.FIELDS - 1) int field) {
    AuditTrail t = AuditTrails.inMemory();
    List<AuditRecord> records = new ArrayList<>(trail(n, t));
    int i = at % n;
    records.set(i, AuditEvents.edit(records.get(i), field));
    AuditTrail.Verification v = AuditTrails.verify(records, Optional.of(t.head()));
    assertFalse(v.ok(), "field " + field + " of record " + i);
    assertEquals(AuditTrail.Problem.ALTERED, v.failure().orElseThrow().problem());
    assertEquals(i, v.failure().orElseThrow().index());
  }

  @Property(tries = 100)
  void editedRecordWithRehashedChain_isCaughtByTheKnownHead(
      @ForAll @IntRange(min = 1, max = 8) int n,
      @ForAll @IntRange(min = 0, max = 7) int at,
      @ForAll @IntRange(min = 0, max = 10) int field) {
    AuditTrail t = AuditTrails.inMemory();
    List<AuditRecord> records = trail(n, t);
    int i = at % n;
    // An attacker rebuilds a whole consistent chain with one event changed.
    AuditTrail forged = AuditTrails.inMemory();
    for (AuditRecord r : records) {
      forged.record(r.index() == i ? AuditEvents.edit(r, field).event() : r.event());
    }
    assertTrue(forged.verify().ok());
    AuditTrail.Verification v = AuditTrails.verify(forged.records(), Optional.of(t.head()));
    assertFalse(v.ok());
    assertEquals(AuditTrail.Problem.ALTERED, v.failure().orElseThrow().problem());
  }

  @Property(tries = 100)
  void truncatedTail_isDetected_againstAnEarlierHead(
      @ForAll @IntRange(min = 1, max = 12) int n, @ForAll @IntRange(min = 1, max = 12) int cut) {
    AuditTrail t = AuditTrails.inMemory();
    List<AuditRecord> records = trail(n, t);
    int keep = n - 1 - (cut - 1) % n;
    AuditTrail.Verification v = AuditTrails.verify(records.subList(0, keep), Optional.of(t.head()));
    assertFalse(v.ok());
    assertEquals(AuditTrail.Problem.TRUNCATED, v.failure().orElseThrow().problem());
    assertEquals(keep, v.failure().orElseThrow().index());
    assertTrue(AuditTrails.verify(records.subList(0, keep), Optional.empty()).ok());
  }
}
