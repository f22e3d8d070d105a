package dev.cleanroom.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.budget.SharedDatabase;
import dev.cleanroom.spi.AuditRecord;
import dev.cleanroom.spi.AuditTrail;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link AuditTrails#jdbc}: one chain for several trail objects over the same tables, on H2 and on
 * PostgreSQL (skipped without a server unless {@code CI=true}), and every change made to the rows
 * behind the trails' backs is found.
 */
class AuditTrailJdbcTest {
  @ParameterizedTest
  @EnumSource(SharedDatabase.Kind.class)
  void twoTrailsOverOneTable_writeOneChain_inTheDatabasesOrder(SharedDatabase.Kind kind)
      throws Exception {
    try (SharedDatabase db = kind.open();
        AuditTrail first = AuditTrails.jdbc(db.dataSource());
        AuditTrail second = AuditTrails.jdbc(db.dataSource())) {
      assertEquals(new AuditTrail.Head(0, AuditRecord.GENESIS), first.head());
      for (int i = 0; i < 6; i++) {
        (i % 2 == 0 ? first : second).record(AuditEvents.event(i));
      }
      List<AuditRecord> records = second.records();
      assertEquals(6, records.size());
      for (int i = 0; i < 6; i++) {
        assertEquals(i, records.get(i).index());
        assertEquals(AuditEvents.event(i), records.get(i).event());
      }
      assertEquals(records, first.records());
      // Every record is what the in-memory trail would have made of the same events.
      AuditTrail reference = AuditTrails.inMemory();
      for (int i = 0; i < 6; i++) {
        reference.record(AuditEvents.event(i));
      }
      assertEquals(reference.records(), records);
      assertEquals(reference.head(), first.head());
      assertEquals(reference.head(), second.head());
      assertTrue(first.verify().ok());
      assertTrue(second.verify(new AuditTrail.Head(3, records.get(2).hash())).ok());
      assertEquals(reference.epsilonCharged("publisher"), second.epsilonCharged("publisher"));
      // A third trail opened later continues the chain.
      try (AuditTrail third = AuditTrails.jdbc(db.dataSource())) {
        third.record(AuditEvents.event(6));
        assertEquals(7, first.head().records());
        assertTrue(first.verify().ok());
      }
    }
  }

  @ParameterizedTest
  @EnumSource(SharedDatabase.Kind.class)
  void thirtyTwoThreadsOnFourTrails_recordOneVerifiableChain(SharedDatabase.Kind kind)
      throws Exception {
    int threads = 32;
    int perThread = 5;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try (SharedDatabase db = kind.open()) {
      List<AuditTrail> trails = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        trails.add(AuditTrails.jdbc(db.dataSource()));
      }
      CyclicBarrier barrier = new CyclicBarrier(threads);
      List<Callable<Void>> tasks = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        AuditTrail trail = trails.get(t % 4);
        int base = t * perThread;
        tasks.add(
            () -> {
              barrier.await(60, TimeUnit.SECONDS);
              for (int k = 0; k < perThread; k++) {
                trail.record(AuditEvents.event(base + k));
              }
              return null;
            });
      }
      for (Future<Void> f : pool.invokeAll(tasks)) {
        f.get();
      }
      List<AuditRecord> records = trails.get(0).records();
      assertEquals(threads * perThread, records.size());
      Set<String> ids = new HashSet<>();
      records.forEach(r -> ids.add(r.event().queryId()));
      assertEquals(threads * perThread, ids.size());
      for (AuditTrail trail : trails) {
        AuditTrail.Verification v = trail.verify();
        assertTrue(v.ok(), v::toString);
        assertEquals(threads * perThread, v.records());
        trail.close();
      }
    } finally {
      pool.shutdownNow();
      assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
    }
  }

  @Test
  void everyEditedField_inAStoredRow_failsVerification_andReopening() throws Exception {
    for (int field = 0; field < AuditEvents.FIELDS; field++) {
      try (SharedDatabase db = SharedDatabase.h2();
          AuditTrail trail = filled(db, 5)) {
        AuditRecord r = trail.records().get(2);
        write(db, 2, AuditFormat.payload(AuditEvents.edit(r, field)));
        AuditTrail.Verification v = trail.verify();
        assertFalse(v.ok(), "field " + field);
        assertEquals(2, v.failure().orElseThrow().index(), "field " + field);
        assertEquals(AuditTrail.Problem.ALTERED, v.failure().orElseThrow().problem());
        IllegalStateException e =
            assertThrows(IllegalStateException.class, () -> AuditTrails.jdbc(db.dataSource()));
        assertTrue(e.getMessage().contains("broken chain at record 2"), e.getMessage());
      }
    }
  }

  @ParameterizedTest
  @EnumSource(SharedDatabase.Kind.class)
  void removedSwappedAndTruncatedRows_areFound(SharedDatabase.Kind kind) throws Exception {
    try (SharedDatabase db = kind.open();
        AuditTrail trail = filled(db, 6)) {
      List<AuditRecord> records = trail.records();
      // Two payloads swapped: record 3 stands where record 2 belongs.
      write(db, 2, AuditFormat.payload(records.get(3)));
      write(db, 3, AuditFormat.payload(records.get(2)));
      assertProblem(trail.verify(), 2, AuditTrail.Problem.REORDERED);
      write(db, 2, AuditFormat.payload(records.get(2)));
      write(db, 3, AuditFormat.payload(records.get(3)));
      assertTrue(trail.verify().ok());

      db.execute("DELETE FROM cleanroom_audit WHERE idx = 1");
      assertProblem(trail.verify(), 1, AuditTrail.Problem.REMOVED);
      insert(db, 1, AuditFormat.payload(records.get(1)));
      assertTrue(trail.verify().ok());

      // The tail deleted and the head row set back: the head this trail has seen still counts.
      db.execute(
          "DELETE FROM cleanroom_audit WHERE idx >= 4",
          "UPDATE cleanroom_audit_head SET records = 4, hash = '" + records.get(3).hash() + "'");
      assertProblem(trail.verify(), 4, AuditTrail.Problem.TRUNCATED);
      // A fresh trail knows only the shorter head, but an anchor kept elsewhere finds the gap.
      try (AuditTrail fresh = AuditTrails.jdbc(db.dataSource())) {
        assertTrue(fresh.verify().ok());
        assertProblem(
            fresh.verify(new AuditTrail.Head(6, records.get(5).hash())),
            4,
            AuditTrail.Problem.TRUNCATED);
      }
    }
  }

  @Test
  void tailDeleted_butHeadRowKept_isTruncated_forEveryReader() throws Exception {
    try (SharedDatabase db = SharedDatabase.h2();
        AuditTrail trail = filled(db, 4)) {
      db.execute("DELETE FROM cleanroom_audit WHERE idx = 3");
      try (AuditTrail other = AuditTrails.jdbc(db.dataSource(), "other_audit")) {
        assertTrue(other.verify().ok(), "another table is another chain");
      }
      assertProblem(trail.verify(), 3, AuditTrail.Problem.TRUNCATED);
      IllegalStateException e =
          assertThrows(IllegalStateException.class, () -> AuditTrails.jdbc(db.dataSource()));
      assertTrue(e.getMessage().contains("TRUNCATED"), e.getMessage());
    }
  }

  @Test
  void unsafeNames_closedTrails_andFailures_areReportedWithoutValues() throws Exception {
    try (SharedDatabase db = SharedDatabase.h2()) {
      assertThrows(
          IllegalArgumentException.class, () -> AuditTrails.jdbc(db.dataSource(), "audit;drop"));
      // The head table's suffix must fit too: 58 characters are the most.
      assertThrows(
          IllegalArgumentException.class, () -> AuditTrails.jdbc(db.dataSource(), "a".repeat(59)));
      AuditTrails.jdbc(db.dataSource(), "a".repeat(58)).close();
      assertThrows(NullPointerException.class, () -> AuditTrails.jdbc(null));

      AuditTrail trail = AuditTrails.jdbc(db.dataSource());
      trail.record(AuditEvents.event(0));
      db.execute("DROP TABLE cleanroom_audit_head");
      UncheckedIOException e =
          assertThrows(UncheckedIOException.class, () -> trail.record(AuditEvents.event(1)));
      assertTrue(
          e.getMessage().startsWith("audit trail cleanroom_audit: SQL state"), e.getMessage());
      assertFalse(e.getMessage().contains("q-1"), e.getMessage());
      trail.close();
      trail.close();
      assertThrows(IllegalStateException.class, trail::records);
      assertThrows(IllegalStateException.class, () -> trail.record(AuditEvents.event(2)));
    }
  }

  private static AuditTrail filled(SharedDatabase db, int n) {
    AuditTrail trail = AuditTrails.jdbc(db.dataSource());
    for (int i = 0; i < n; i++) {
      trail.record(AuditEvents.event(i));
    }
    assertTrue(trail.verify().ok());
    return trail;
  }

  private static void assertProblem(
      AuditTrail.Verification v, long index, AuditTrail.Problem problem) {
    assertFalse(v.ok());
    AuditTrail.Failure f = v.failure().orElseThrow();
    assertEquals(Optional.of(index), Optional.of(f.index()), f.toString());
    assertEquals(problem, f.problem(), f.toString());
  }

  private static void write(SharedDatabase db, long idx, byte[] payload) throws SQLException {
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement u =
            c.prepareStatement("UPDATE cleanroom_audit SET payload = ? WHERE idx = ?")) {
      u.setBytes(1, payload);
      u.setLong(2, idx);
      assertEquals(1, u.executeUpdate());
    }
  }

  private static void insert(SharedDatabase db, long idx, byte[] payload) throws SQLException {
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement u =
            c.prepareStatement("INSERT INTO cleanroom_audit (idx, payload) VALUES (?, ?)")) {
      u.setLong(1, idx);
      u.setBytes(2, payload);
      assertEquals(1, u.executeUpdate());
    }
  }
}
