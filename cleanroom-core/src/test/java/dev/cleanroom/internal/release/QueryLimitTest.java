package dev.cleanroom.internal.release;

import static dev.cleanroom.internal.release.DpTesting.ANALYST;
import static dev.cleanroom.internal.release.DpTesting.NOW;
import static dev.cleanroom.internal.release.DpTesting.assertAmount;
import static dev.cleanroom.internal.release.DpTesting.dataset;
import static dev.cleanroom.internal.release.DpTesting.people;
import static dev.cleanroom.internal.release.DpTesting.room;
import static dev.cleanroom.internal.release.DpTesting.sizes;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.BudgetPeriod;
import dev.cleanroom.CleanRoom;
import dev.cleanroom.InvalidQueryException;
import dev.cleanroom.Policy;
import dev.cleanroom.PolicyRule;
import dev.cleanroom.PolicyViolationException;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.budget.BudgetStores;
import dev.cleanroom.internal.release.DpTesting.MutableClock;
import dev.cleanroom.internal.release.DpTesting.RecordingAudit;
import dev.cleanroom.query.PolicyCheck;
import dev.cleanroom.query.Result;
import dev.cleanroom.spi.AuditEvent;
import dev.cleanroom.spi.BudgetStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Access budgets: a cap on queries per analyst, dataset and period. */
class QueryLimitTest {
  private static final String COUNT_LEDGER = "pub.visits/" + ANALYST + "/queries/lifetime";

  @TempDir Path dir;

  private static Policy capped(int queries, BudgetPeriod period, boolean dp) {
    Policy.Builder b =
        Policy.builder()
            .allowAnalysts(ANALYST)
            .allowJoinOn("user_id")
            .minDistinctUsers(2)
            .maxQueries(queries, period);
    if (dp) {
      b.differentialPrivacy(PrivacyBudget.epsilon(1000), 1.0);
    }
    return b.build();
  }

  private static CleanRoom room(BudgetStore store, Clock clock, RecordingAudit audit, Policy p) {
    CleanRoom room = DpTesting.room(store, clock, audit);
    room.register(dataset("pub", "visits", people("visits", "u", sizes("DE", 30, "FR", 30)), p));
    return room;
  }

  /** A room at the fixed time {@link DpTesting#NOW} over {@code store}, with pub.visits under p. */
  private static CleanRoom room(BudgetStore store, Policy p) {
    return room(store, Clock.fixed(NOW, ZoneOffset.UTC), new RecordingAudit(), p);
  }

  private static Result count(CleanRoom room) {
    return room.as(ANALYST)
        .from("pub.visits")
        .groupBy("country")
        .select(countDistinctUsers())
        .run();
  }

  /** Runs {@code threads} queries at once; returns how many ran, checking every refusal. */
  private static int race(int threads, Supplier<Callable<Result>> query) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Boolean>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Callable<Result> q = query.get();
      futures.add(
          pool.submit(
              () -> {
                start.await();
                try {
                  q.call();
                  return true;
                } catch (PolicyViolationException e) {
                  assertEquals(PolicyRule.QUERY_LIMIT, e.rule());
                  assertEquals("pub.visits", e.dataset());
                  assertEquals("pub", e.owner());
                  assertTrue(e.getMessage().contains("all 10 queries"), e.getMessage());
                  return false;
                }
              }));
    }
    start.countDown();
    int ran = 0;
    for (Future<Boolean> f : futures) {
      ran += f.get(60, TimeUnit.SECONDS) ? 1 : 0;
    }
    pool.shutdown();
    return ran;
  }

  @Test
  void sixtyFourThreads_againstACapOfTen_runExactlyTen_inMemory() throws Exception {
    for (int round = 0; round < 5; round++) {
      BudgetStore store = BudgetStores.inMemory();
      RecordingAudit audit = new RecordingAudit();
      CleanRoom room =
          room(
              store, Clock.fixed(NOW, ZoneOffset.UTC), audit, capped(10, BudgetPeriod.NONE, false));
      assertEquals(10, race(64, () -> () -> count(room)), "round " + round);
      assertAmount("10", store.spent(COUNT_LEDGER).epsilon());
      assertEquals(10, audit.count(AuditEvent.Outcome.ACCEPTED));
      assertEquals(54, audit.count(AuditEvent.Outcome.REFUSED));
      assertTrue(
          audit.events().stream()
              .filter(e -> e.outcome() == AuditEvent.Outcome.REFUSED)
              .allMatch(e -> e.rule().orElseThrow() == PolicyRule.QUERY_LIMIT));
    }
  }

  @Test
  void sixtyFourThreads_againstACapOfTen_runExactlyTen_journal_andTheCountIsDurable()
      throws Exception {
    for (int round = 0; round < 3; round++) {
      Path file = dir.resolve("budget-" + round + ".journal");
      try (BudgetStore store = BudgetStores.journal(file)) {
        CleanRoom room = room(store, capped(10, BudgetPeriod.NONE, false));
        assertEquals(10, race(64, () -> () -> count(room)), "round " + round);
      }
      try (BudgetStore reopened = BudgetStores.journal(file)) {
        assertAmount("10", reopened.spent(COUNT_LEDGER).epsilon());
        CleanRoom room = room(reopened, capped(10, BudgetPeriod.NONE, false));
        assertThrows(PolicyViolationException.class, () -> count(room));
      }
    }
  }

  @Test
  void differentiallyPrivateQueries_countInTheSameCharge() throws Exception {
    BudgetStore store = BudgetStores.inMemory();
    CleanRoom room = room(store, capped(10, BudgetPeriod.NONE, true));
    int[] next = {0};
    // distinct ε per query: identical queries would be answered from the stored answers
    assertEquals(
        10,
        race(
            64,
            () -> {
              double epsilon = 0.001 * (1 + next[0]++);
              return () ->
                  room.as(ANALYST)
                      .from("pub.visits")
                      .select(countDistinctUsers())
                      .epsilon(epsilon)
                      .run();
            }));
    assertAmount("10", store.spent(COUNT_LEDGER).epsilon());
  }

  @Test
  void theCount_startsAfresh_inTheNextPeriod() {
    MutableClock clock = new MutableClock(NOW);
    CleanRoom room =
        room(
            BudgetStores.inMemory(),
            clock,
            new RecordingAudit(),
            capped(2, BudgetPeriod.DAILY, false));
    count(room);
    count(room);
    PolicyViolationException e = assertThrows(PolicyViolationException.class, () -> count(room));
    assertEquals(PolicyRule.QUERY_LIMIT, e.rule());
    clock.set(NOW.plus(Duration.ofDays(1)));
    count(room);
    count(room);
    assertThrows(PolicyViolationException.class, () -> count(room));
  }

  @Test
  void theStrictestCap_winsAcrossDatasets_andNeitherIsChargedOnRefusal() {
    BudgetStore store = BudgetStores.inMemory();
    CleanRoom room = DpTesting.room(store, Clock.fixed(NOW, ZoneOffset.UTC), new RecordingAudit());
    room.register(
        dataset(
            "pub",
            "visits",
            people("visits", "u", sizes("DE", 30)),
            capped(5, BudgetPeriod.NONE, false)));
    room.register(
        dataset(
            "adv",
            "buys",
            people("buys", "u", sizes("DE", 30)),
            capped(3, BudgetPeriod.WEEKLY, false)));
    Supplier<Result> join =
        () ->
            room.as(ANALYST)
                .from("pub.visits")
                .join("adv.buys")
                .onUserId()
                .select(countDistinctUsers())
                .run();
    for (int i = 0; i < 3; i++) {
      assertEquals(1, join.get().rows().size());
    }
    PolicyViolationException e = assertThrows(PolicyViolationException.class, join::get);
    assertEquals("adv.buys", e.dataset());
    assertEquals("adv", e.owner());
    assertEquals(PolicyRule.QUERY_LIMIT, e.rule());
    assertAmount("3", store.spent(COUNT_LEDGER).epsilon());
    // pub.visits alone still has 2 of its 5 queries
    count(room);
    count(room);
    assertThrows(PolicyViolationException.class, () -> count(room));
  }

  @Test
  void refusedAndInvalidQueries_doNotCount() {
    BudgetStore store = BudgetStores.inMemory();
    CleanRoom room = room(store, capped(2, BudgetPeriod.NONE, false));
    assertThrows(
        InvalidQueryException.class,
        () ->
            room.as(ANALYST).from("pub.visits").groupBy("nope").select(countDistinctUsers()).run());
    assertThrows(
        PolicyViolationException.class,
        () -> room.as("stranger").from("pub.visits").select(countDistinctUsers()).run());
    assertAmount("0", store.spent(COUNT_LEDGER).epsilon());
    count(room);
    count(room);
    assertAmount("2", store.spent(COUNT_LEDGER).epsilon());
  }

  @Test
  void explain_showsTheQueriesLeft_withoutCounting() {
    BudgetStore store = BudgetStores.inMemory();
    CleanRoom room = room(store, capped(3, BudgetPeriod.NONE, false));
    count(room);
    PolicyCheck check = queryCheck(room);
    assertTrue(check.passed());
    assertTrue(check.detail().contains("2 of 3 queries left"), check.detail());
    count(room);
    count(room);
    PolicyCheck none = queryCheck(room);
    assertFalse(none.passed());
    assertTrue(none.detail().contains("0 of 3 queries left"), none.detail());
    assertAmount("3", store.spent(COUNT_LEDGER).epsilon());
  }

  private static PolicyCheck queryCheck(CleanRoom room) {
    return room
        .as(ANALYST)
        .from("pub.visits")
        .groupBy("country")
        .select(countDistinctUsers())
        .explain()
        .checks()
        .stream()
        .filter(c -> c.rule() == PolicyRule.QUERY_LIMIT)
        .findFirst()
        .orElseThrow();
  }

  @Test
  void repeatedPrivateQueries_answeredFromStoredAnswers_doNotCount() {
    BudgetStore store = BudgetStores.inMemory();
    CleanRoom room = room(store, capped(2, BudgetPeriod.NONE, true));
    Supplier<Result> same =
        () -> room.as(ANALYST).from("pub.visits").select(countDistinctUsers()).epsilon(0.5).run();
    Result first = same.get();
    for (int i = 0; i < 3; i++) {
      assertEquals(first.rows(), same.get().rows());
    }
    assertAmount("1", store.spent(COUNT_LEDGER).epsilon());
    room.as(ANALYST).from("pub.visits").select(countDistinctUsers()).epsilon(0.25).run();
    assertThrows(
        PolicyViolationException.class,
        () ->
            room.as(ANALYST).from("pub.visits").select(countDistinctUsers()).epsilon(0.125).run());
  }
}
