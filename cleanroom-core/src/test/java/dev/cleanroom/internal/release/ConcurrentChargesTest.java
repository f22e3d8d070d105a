package dev.cleanroom.internal.release;

import static dev.cleanroom.internal.release.DpTesting.ANALYST;
import static dev.cleanroom.internal.release.DpTesting.NOW;
import static dev.cleanroom.internal.release.DpTesting.assertAmount;
import static dev.cleanroom.internal.release.DpTesting.dataset;
import static dev.cleanroom.internal.release.DpTesting.dpPolicy;
import static dev.cleanroom.internal.release.DpTesting.ledger;
import static dev.cleanroom.internal.release.DpTesting.people;
import static dev.cleanroom.internal.release.DpTesting.sizes;
import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.count;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.BudgetExhaustedException;
import dev.cleanroom.CleanRoom;
import dev.cleanroom.budget.BudgetStores;
import dev.cleanroom.internal.release.DpTesting.RecordingAudit;
import dev.cleanroom.internal.release.DpTesting.TestSource;
import dev.cleanroom.query.Result;
import dev.cleanroom.source.InMemorySource;
import dev.cleanroom.spi.AuditEvent;
import dev.cleanroom.spi.BudgetStore;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many analysts' threads racing for the last budget: with a total ε of 1.0 and 64 distinct queries
 * of ε = 0.1 started together, exactly 10 run and 54 are refused, whatever the interleaving; the
 * refused ones scan nothing, and the ledger ends at exactly 1.0. Each round uses a fresh room and
 * store; the rounds vary the interleaving.
 */
class ConcurrentChargesTest {
  private static final int THREADS = 64;
  private static final int ROUNDS = 20;
  private static final String LEDGER = ledger("pub.visits", "lifetime");
  private static final InMemorySource DATA = people("visits", "u", sizes("DE", 20, "FR", 20));

  private static ExecutorService pool;

  @BeforeAll
  static void startPool() {
    pool = Executors.newFixedThreadPool(THREADS);
  }

  @AfterAll
  static void stopPool() throws InterruptedException {
    pool.shutdownNow();
    assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
  }

  @Test
  void racingQueries_inMemoryStore_exactlyTenOfSixtyFourRun() throws Exception {
    for (int round = 0; round < ROUNDS; round++) {
      race(round, BudgetStores::inMemory);
    }
  }

  @Test
  void racingQueries_journalStore_exactlyTenOfSixtyFourRun_andTheJournalAgrees(@TempDir Path dir)
      throws Exception {
    for (int round = 0; round < ROUNDS; round++) {
      Path file = dir.resolve("round-" + round + ".journal");
      race(round, () -> BudgetStores.journal(file));
      try (BudgetStore reopened = BudgetStores.journal(file)) {
        assertAmount("1.0", reopened.spent(LEDGER).epsilon());
      }
    }
  }

  private static void race(int round, Supplier<BudgetStore> stores) throws Exception {
    RecordingAudit audit = new RecordingAudit();
    TestSource source = TestSource.versioned(DATA);
    int ok = 0;
    int refused = 0;
    List<String> unexpected = new ArrayList<>();
    try (BudgetStore store = stores.get()) {
      CleanRoom room = DpTesting.room(store, Clock.fixed(NOW, ZoneOffset.UTC), audit);
      room.register(dataset("pub", "visits", source, dpPolicy(1.0, 0.1)));
      CyclicBarrier start = new CyclicBarrier(THREADS);
      List<Future<Result>> results = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        long literal = t;
        results.add(
            pool.submit(
                () -> {
                  start.await(10, TimeUnit.SECONDS);
                  return room.as(ANALYST)
                      .from("pub.visits")
                      .where(col("day").ne(literal))
                      .groupBy("country")
                      .select(count())
                      .epsilon(0.1)
                      .publicGroupValues("DE", "FR")
                      .run();
                }));
      }
      for (Future<Result> f : results) {
        try {
          Result r = f.get(30, TimeUnit.SECONDS);
          assertEquals(2, r.size());
          ok++;
        } catch (java.util.concurrent.ExecutionException e) {
          if (e.getCause() instanceof BudgetExhaustedException b) {
            assertEquals(LEDGER, b.ledger());
            assertAmount("0.1", b.requestedEpsilon());
            refused++;
          } else {
            unexpected.add(String.valueOf(e.getCause()));
          }
        }
      }
      assertEquals(List.of(), unexpected, "round " + round);
      assertEquals(10, ok, "round " + round + ": accepted");
      assertEquals(THREADS - 10, refused, "round " + round + ": refused");
      assertEquals(0, BigDecimal.ONE.compareTo(store.spent(LEDGER).epsilon()), "round " + round);
      assertEquals(10, source.scans(), "round " + round + ": only accepted queries scan");
      assertEquals(10, audit.count(AuditEvent.Outcome.ACCEPTED), "round " + round);
      assertEquals(THREADS - 10, audit.count(AuditEvent.Outcome.REFUSED), "round " + round);
    }
  }
}
