package dev.cleanroom.budget;

import static dev.cleanroom.budget.BudgetTesting.assertAmount;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.BudgetExhaustedException;
import dev.cleanroom.budget.BudgetTesting.Kind;
import dev.cleanroom.spi.BudgetStore;
import dev.cleanroom.spi.LedgerCharge;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Racing threads never overspend: every round releases {@value #THREADS} threads together through a
 * barrier against a fresh ledger, so they contend for the last budget at the same instant.
 */
class BudgetConcurrencyTest {
  private static final int THREADS = 64;
  private static final BigDecimal ZERO = BigDecimal.ZERO;
  private static final BigDecimal TENTH = BigDecimal.valueOf(0.1);
  private static final BigDecimal ONE = new BigDecimal("1.0");
  private static final BigDecimal HALF = new BigDecimal("0.5");

  private static ExecutorService pool;

  @TempDir Path dir;

  @BeforeAll
  static void startPool() {
    pool = Executors.newFixedThreadPool(THREADS);
  }

  @AfterAll
  static void stopPool() throws InterruptedException {
    pool.shutdownNow();
    assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void sixtyFourThreads_chargingATenth_againstOne_exactlyTenSucceed_everyRound(Kind kind)
      throws Exception {
    int rounds = 100;
    try (BudgetStore store = kind.open(dir)) {
      for (int round = 0; round < rounds; round++) {
        String ledger = "race-" + round;
        List<Throwable> outcomes =
            race(store, i -> List.of(new LedgerCharge(ledger, TENTH, ZERO, ONE, ZERO)));
        int succeeded = 0;
        for (Throwable t : outcomes) {
          if (t == null) {
            succeeded++;
          } else {
            BudgetExhaustedException e = assertInstanceOf(BudgetExhaustedException.class, t);
            assertEquals(ledger, e.ledger());
            assertAmount(TENTH, e.requestedEpsilon());
            assertEquals(0, e.remainingEpsilon().signum(), "round " + round);
          }
        }
        assertEquals(10, succeeded, "round " + round);
        assertAmount(ONE, store.spent(ledger).epsilon());
      }
    }
    if (kind == Kind.JOURNAL) {
      try (BudgetStore reopened = kind.open(dir)) {
        for (int round = 0; round < rounds; round++) {
          assertAmount(ONE, reopened.spent("race-" + round).epsilon());
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void lastTenthOfManyLedgers_racedBySixtyFourThreads_exactlyOneWins(Kind kind) throws Exception {
    // Every round is a race for the last unit, the only moment where a check and its addition
    // that are not one atomic step would let two charges through.
    int width = 16;
    BigDecimal nineTenths = new BigDecimal("0.9");
    try (BudgetStore store = kind.open(dir)) {
      for (int round = 0; round < 100; round++) {
        List<LedgerCharge> charge = new ArrayList<>();
        List<LedgerCharge> prefill = new ArrayList<>();
        for (int l = 0; l < width; l++) {
          String ledger = "last-" + round + "-" + l;
          charge.add(new LedgerCharge(ledger, TENTH, ZERO, ONE, ZERO));
          prefill.add(new LedgerCharge(ledger, nineTenths, ZERO, ONE, ZERO));
        }
        store.charge(prefill);
        List<Throwable> outcomes =
            race(
                store,
                i -> {
                  List<LedgerCharge> shuffled = new ArrayList<>(charge);
                  Collections.shuffle(shuffled, new Random(i));
                  return shuffled;
                });
        long succeeded = outcomes.stream().filter(t -> t == null).count();
        assertEquals(1, succeeded, "round " + round);
        for (Throwable t : outcomes) {
          if (t != null) {
            BudgetExhaustedException e = assertInstanceOf(BudgetExhaustedException.class, t);
            assertEquals(0, e.remainingEpsilon().signum(), "round " + round);
          }
        }
        for (LedgerCharge c : charge) {
          assertAmount(ONE, store.spent(c.ledger()).epsilon());
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void racingChargesOverManyLedgers_inShuffledOrders_exactlyTenSucceed(Kind kind) throws Exception {
    // Wide charges keep each check-then-add step long, so that a store without one lock around
    // the whole step would interleave even on few cores.
    int width = 64;
    try (BudgetStore store = kind.open(dir)) {
      for (int round = 0; round < 20; round++) {
        List<String> ledgers = new ArrayList<>();
        for (int l = 0; l < width; l++) {
          ledgers.add("wide-" + round + "-" + l);
        }
        List<Throwable> outcomes =
            race(
                store,
                i -> {
                  List<LedgerCharge> charge = new ArrayList<>();
                  for (String ledger : ledgers) {
                    charge.add(new LedgerCharge(ledger, TENTH, ZERO, ONE, ZERO));
                  }
                  Collections.shuffle(charge, new Random(i));
                  return charge;
                });
        int succeeded = 0;
        for (Throwable t : outcomes) {
          if (t == null) {
            succeeded++;
          } else {
            assertInstanceOf(BudgetExhaustedException.class, t);
          }
        }
        assertEquals(10, succeeded, "round " + round);
        for (String ledger : ledgers) {
          assertAmount(ONE, store.spent(ledger).epsilon());
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void racingChargesOverTwoLedgers_stopAtTheTighterLimit(Kind kind) throws Exception {
    try (BudgetStore store = kind.open(dir)) {
      for (int round = 0; round < 20; round++) {
        String a = "pair-a-" + round;
        String b = "pair-b-" + round;
        // A allows 10 tenths, B only 5; every charge takes a tenth from both, in either order.
        List<Throwable> outcomes =
            race(
                store,
                i -> {
                  LedgerCharge ca = new LedgerCharge(a, TENTH, ZERO, ONE, ZERO);
                  LedgerCharge cb = new LedgerCharge(b, TENTH, ZERO, HALF, ZERO);
                  return i % 2 == 0 ? List.of(ca, cb) : List.of(cb, ca);
                });
        int succeeded = 0;
        for (Throwable t : outcomes) {
          if (t == null) {
            succeeded++;
          } else {
            assertEquals(b, assertInstanceOf(BudgetExhaustedException.class, t).ledger());
          }
        }
        assertEquals(5, succeeded, "round " + round);
        assertAmount(HALF, store.spent(a).epsilon());
        assertAmount(HALF, store.spent(b).epsilon());
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void racingMixedCharges_neverOverspendEitherLedger(Kind kind) throws Exception {
    try (BudgetStore store = kind.open(dir)) {
      for (int round = 0; round < 20; round++) {
        String a = "mix-a-" + round;
        String b = "mix-b-" + round;
        // 22 threads charge A alone, 21 B alone, 21 both. The lone charges alone outnumber each
        // limit (10 and 5), so both ledgers end exactly full whatever the interleaving.
        IntFunction<List<LedgerCharge>> chargeOf =
            i -> {
              LedgerCharge ca = new LedgerCharge(a, TENTH, ZERO, ONE, ZERO);
              LedgerCharge cb = new LedgerCharge(b, TENTH, ZERO, HALF, ZERO);
              if (i % 3 == 0) {
                return List.of(ca);
              } else if (i % 3 == 1) {
                return List.of(cb);
              }
              return (i / 3) % 2 == 0 ? List.of(ca, cb) : List.of(cb, ca);
            };
        List<Throwable> outcomes = race(store, chargeOf);
        int touchedA = 0;
        int touchedB = 0;
        for (int i = 0; i < THREADS; i++) {
          Throwable t = outcomes.get(i);
          List<LedgerCharge> charge = chargeOf.apply(i);
          if (t == null) {
            for (LedgerCharge c : charge) {
              if (c.ledger().equals(a)) {
                touchedA++;
              } else {
                touchedB++;
              }
            }
          } else {
            BudgetExhaustedException e = assertInstanceOf(BudgetExhaustedException.class, t);
            assertTrue(e.ledger().equals(a) || e.ledger().equals(b), e.ledger());
            assertEquals(0, e.remainingEpsilon().signum(), "a refused ledger was full");
          }
        }
        assertEquals(10, touchedA, "round " + round);
        assertEquals(5, touchedB, "round " + round);
        assertAmount(ONE, store.spent(a).epsilon());
        assertAmount(HALF, store.spent(b).epsilon());
      }
    }
  }

  /**
   * Runs one charge per thread, all released together; returns null for a success or the thrown
   * exception, by thread index. After the barrier, every thread spins until a common instant a
   * little later, so that the threads running at that instant (one per core) really charge at the
   * same time rather than one after another as the barrier wakes them.
   */
  private static List<Throwable> race(BudgetStore store, IntFunction<List<LedgerCharge>> chargeOf)
      throws Exception {
    AtomicLong startAt = new AtomicLong();
    CyclicBarrier barrier =
        new CyclicBarrier(THREADS, () -> startAt.set(System.nanoTime() + 2_000_000));
    List<Callable<Throwable>> tasks = new ArrayList<>();
    for (int i = 0; i < THREADS; i++) {
      List<LedgerCharge> charge = chargeOf.apply(i);
      tasks.add(
          () -> {
            barrier.await(10, TimeUnit.SECONDS);
            while (System.nanoTime() - startAt.get() < 0) {
              Thread.onSpinWait();
            }
            try {
              store.charge(charge);
              return null;
            } catch (RuntimeException e) {
              return e;
            }
          });
    }
    List<Throwable> outcomes = new ArrayList<>();
    for (Future<Throwable> f : pool.invokeAll(tasks, 60, TimeUnit.SECONDS)) {
      outcomes.add(f.get());
    }
    return outcomes;
  }
}
