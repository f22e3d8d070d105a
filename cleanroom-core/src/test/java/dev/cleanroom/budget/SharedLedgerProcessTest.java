package dev.cleanroom.budget;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.audit.AuditTrails;
import dev.cleanroom.spi.AuditRecord;
import dev.cleanroom.spi.AuditTrail;
import dev.cleanroom.spi.BudgetStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two processes share one PostgreSQL ledger and one audit chain: this JVM and a second one running
 * {@link SharedLedgerWorker}, each with {@value SharedLedgerWorker#THREADS} threads. Skipped
 * without a PostgreSQL server unless {@code CI=true}.
 */
class SharedLedgerProcessTest {
  private static final int ROUNDS = 20;
  private static final int RECORDS_PER_THREAD = 5;

  /** How far ahead a round's common start lies, so that both processes are waiting for it. */
  private static final long LEAD_MILLIS = 300;

  @Test
  void twoProcessesTimesThirtyTwoThreads_chargingATenthAgainstOne_exactlyTenSucceed_andOneChain()
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(SharedLedgerWorker.THREADS);
    try (SharedDatabase db = SharedDatabase.postgres();
        BudgetStore store = BudgetStores.jdbc(db.dataSource());
        AuditTrail trail = AuditTrails.jdbc(db.dataSource())) {
      Process worker = startWorker(db.schema());
      try {
        BufferedReader from =
            new BufferedReader(new InputStreamReader(worker.getInputStream(), UTF_8));
        PrintStream to = new PrintStream(worker.getOutputStream(), true, UTF_8);
        assertEquals("ready", from.readLine());

        for (int round = 0; round < ROUNDS; round++) {
          String ledger = "pub.visits/analyst/shared-" + round;
          long startAt = System.currentTimeMillis() + LEAD_MILLIS;
          to.println("charge " + ledger + " " + startAt);
          int[] here = SharedLedgerWorker.charge(pool, store, ledger, startAt);
          String[] there = from.readLine().split(" ");
          assertEquals("charged", there[0]);
          int successes = here[0] + Integer.parseInt(there[1]);
          int refusals = here[1] + Integer.parseInt(there[2]);
          assertEquals(0, here[2] + Integer.parseInt(there[3]), "errors in round " + round);
          assertEquals(10, successes, "successes in round " + round);
          assertEquals(2 * SharedLedgerWorker.THREADS - 10, refusals, "round " + round);
          assertEquals(0, store.spent(ledger).epsilon().compareTo(BigDecimal.ONE));
        }

        // Both processes append to the one chain at the same instant.
        long startAt = System.currentTimeMillis() + LEAD_MILLIS;
        to.println("audit worker " + RECORDS_PER_THREAD + " " + startAt);
        assertEquals(
            0, SharedLedgerWorker.audit(pool, trail, "tester", RECORDS_PER_THREAD, startAt));
        assertEquals("audited 0", from.readLine());

        int total = 2 * SharedLedgerWorker.THREADS * RECORDS_PER_THREAD;
        List<AuditRecord> records = trail.records();
        assertEquals(total, records.size());
        assertEquals(
            total / 2, records.stream().filter(r -> r.event().analyst().equals("worker")).count());
        AuditTrail.Verification v = trail.verify();
        assertTrue(v.ok(), v::toString);
        assertEquals(total, v.records());
        AuditTrail.Head head = trail.head();
        assertEquals(total, head.records());
        assertEquals(records.get(total - 1).hash(), head.hash());
        assertTrue(AuditTrails.verify(records, java.util.Optional.of(head)).ok());
        assertEquals(
            List.of(
                new AuditTrail.Charged(
                    "pub.visits", "tester", new BigDecimal("16.0"), new BigDecimal("0"), total / 2),
                new AuditTrail.Charged(
                    "pub.visits",
                    "worker",
                    new BigDecimal("16.0"),
                    new BigDecimal("0"),
                    total / 2)),
            trail.epsilonCharged("pub"));

        // The other process sees and verifies the same chain.
        to.println("verify");
        assertEquals("verified true " + total + " " + head.hash(), from.readLine());

        // A changed row breaks the chain for every reader.
        tamper(db, total / 2);
        AuditTrail.Verification broken = trail.verify();
        assertFalse(broken.ok());
        AuditTrail.Failure f = broken.failure().orElseThrow();
        assertEquals(total / 2, f.index());
        assertEquals(AuditTrail.Problem.ALTERED, f.problem());
        to.println("verify");
        assertTrue(from.readLine().startsWith("verified false " + total + " "));
        IllegalStateException refused =
            assertThrows(IllegalStateException.class, () -> AuditTrails.jdbc(db.dataSource()));
        assertTrue(refused.getMessage().contains("broken chain at record " + total / 2));

        to.println("quit");
        assertTrue(worker.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, worker.exitValue());
      } finally {
        worker.destroy();
      }
    } finally {
      pool.shutdownNow();
      assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
    }
  }

  /** Changes one character of the analyst inside the stored payload of record {@code index}. */
  private static void tamper(SharedDatabase db, int index) throws Exception {
    try (Connection c = db.dataSource().getConnection()) {
      byte[] payload;
      try (PreparedStatement s =
          c.prepareStatement("SELECT payload FROM cleanroom_audit WHERE idx = ?")) {
        s.setLong(1, index);
        try (ResultSet rs = s.executeQuery()) {
          assertTrue(rs.next());
          payload = rs.getBytes(1);
        }
      }
      assertNotNull(payload);
      String text = new String(payload, java.nio.charset.StandardCharsets.ISO_8859_1);
      String analyst = text.contains("worker") ? "worker" : "tester";
      int at = text.indexOf(analyst);
      assertTrue(at > 0);
      payload[at] = (byte) (analyst.equals("worker") ? 'W' : 'T');
      try (PreparedStatement u =
          c.prepareStatement("UPDATE cleanroom_audit SET payload = ? WHERE idx = ?")) {
        u.setBytes(1, payload);
        u.setLong(2, index);
        assertEquals(1, u.executeUpdate());
      }
    }
  }

  private static Process startWorker(String schema) throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    return new ProcessBuilder(
            java.toString(),
            "-cp",
            System.getProperty("java.class.path"),
            SharedLedgerWorker.class.getName(),
            schema)
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
  }
}
