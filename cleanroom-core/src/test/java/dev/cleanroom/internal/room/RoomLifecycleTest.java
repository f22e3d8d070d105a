package dev.cleanroom.internal.room;

import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.sum;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.BudgetBalance;
import dev.cleanroom.BudgetExhaustedException;
import dev.cleanroom.BudgetPeriod;
import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.Dataset;
import dev.cleanroom.DatasetVersion;
import dev.cleanroom.InvalidQueryException;
import dev.cleanroom.Policy;
import dev.cleanroom.PolicyViolationException;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.Schema;
import dev.cleanroom.SecretKey;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.budget.BudgetStores;
import dev.cleanroom.query.Result;
import dev.cleanroom.source.InMemorySource;
import dev.cleanroom.spi.AuditEvent;
import dev.cleanroom.spi.BudgetStore;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A room that lives for months: new data versions, tightened and loosened policies, retirement,
 * budgets in one vocabulary with top-ups, and closing.
 */
class RoomLifecycleTest {
  private static final String NAME = "pub.visits";
  private static final Schema SCHEMA =
      Schema.of(Column.string("uid"), Column.string("region"), Column.float64("spend"));
  private static final int PEOPLE = 40;

  private final RecordingAuditSink audit = new RecordingAuditSink();
  private final CleanRoom room =
      CleanRoom.builder()
          .secretKey(SecretKey.of("lifecycle-test-key-0123456789abcd".getBytes(UTF_8)))
          .auditSink(audit)
          .build();

  /** {@link #PEOPLE} people in one region, each spending {@code spend}. */
  private static InMemorySource source(double spend) {
    InMemorySource.Builder b = InMemorySource.builder("visits", SCHEMA);
    for (int i = 0; i < PEOPLE; i++) {
      b.addRow("p" + i, "east", spend);
    }
    return b.build();
  }

  private static Policy policy(UnaryOperator<Policy.Builder> extra) {
    return policy(5, extra, "analyst");
  }

  private static Policy policy(int k, UnaryOperator<Policy.Builder> extra, String... analysts) {
    return extra.apply(Policy.builder().allowAnalysts(analysts).minDistinctUsers(k)).build();
  }

  /** The last change to the room the audit recorded. */
  private AuditEvent lastChange() {
    List<AuditEvent> changes = audit.changes();
    return changes.get(changes.size() - 1);
  }

  private static Dataset dataset(InMemorySource source, Policy policy) {
    return Dataset.builder("pub", "visits")
        .source(source)
        .userId("uid", UserIdFormat.RAW)
        .dimension("region")
        .metric("spend", 0, 10)
        .policy(policy)
        .build();
  }

  private double totalSpend() {
    Result r = room.as("analyst").from(NAME).groupBy("region").select(sum("spend")).run();
    return r.rows().get(0).getDouble("sum_spend");
  }

  @Test
  void replacingData_while16ThreadsQuery_neverMixesVersionsWithinOneAnswer() throws Exception {
    room.register(dataset(source(1), policy(p -> p.withoutDifferenceChecks())));
    InMemorySource one = source(1);
    InMemorySource two = source(2);
    AtomicBoolean stop = new AtomicBoolean();
    Set<Double> seen = ConcurrentHashMap.newKeySet();
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      CountDownLatch started = new CountDownLatch(16);
      List<Future<?>> queries = new java.util.ArrayList<>();
      for (int t = 0; t < 16; t++) {
        queries.add(
            pool.submit(
                () -> {
                  started.countDown();
                  while (!stop.get()) {
                    seen.add(totalSpend());
                  }
                  return null;
                }));
      }
      started.await();
      for (int i = 0; i < 200; i++) {
        room.replaceData(NAME, i % 2 == 0 ? two : one);
      }
      stop.set(true);
      for (Future<?> f : queries) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    // Every answer is all of version 1 (40) or all of version 2 (80), never a mixture.
    assertTrue(Set.of(40.0, 80.0).containsAll(seen), "answers seen: " + seen);
    assertEquals(201, room.version(NAME).data());
    assertEquals(1, room.version(NAME).policy());
  }

  @Test
  void replaceData_keepsSchema_andIsAudited() {
    room.register(dataset(source(1), policy(p -> p.withoutDifferenceChecks())));
    assertEquals(40.0, totalSpend());
    DatasetVersion v = room.replaceData(NAME, source(3));
    assertEquals(2, v.data());
    assertEquals(120.0, totalSpend());
    InMemorySource other =
        InMemorySource.builder("visits", Schema.of(Column.string("uid"), Column.string("region")))
            .addRow("p1", "east")
            .build();
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> room.replaceData(NAME, other));
    assertTrue(e.getMessage().contains("schema"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> room.replaceData("pub.nothing", other));
    AuditEvent changed = lastChange();
    assertEquals("pub", changed.analyst());
    assertEquals(List.of(NAME), changed.datasets());
    assertEquals("data replaced: data version 2", changed.reason());
  }

  @Test
  void budget_carriesOverAcrossDataVersions() {
    room.register(
        dataset(source(1), policy(p -> p.differentialPrivacy(PrivacyBudget.epsilon(1), 0.5))));
    room.as("analyst").from(NAME).select(countDistinctUsers()).epsilon(0.5).run();
    room.replaceData(NAME, source(2));
    BudgetBalance b = room.budgets("analyst").get(0);
    assertEquals(0, new BigDecimal("0.5").compareTo(b.spent()));
    assertEquals(0, new BigDecimal("0.5").compareTo(b.left()));
    assertEquals("pub.visits/analyst/lifetime", b.ledger());
    room.as("analyst").from(NAME).select(sum("spend")).epsilon(0.5).run();
    // The budget is spent: a third query on the new version is refused.
    assertThrows(
        BudgetExhaustedException.class,
        () -> room.as("analyst").from(NAME).select(sum("spend")).epsilon(0.25).run());
  }

  @Test
  void tightening_takesEffectAtOnce_includingStoredAnswers() {
    room.register(
        dataset(source(1), policy(p -> p.differentialPrivacy(PrivacyBudget.epsilon(10), 1.0))));
    Result first = room.as("analyst").from(NAME).select(countDistinctUsers()).epsilon(1).run();
    Result repeated = room.as("analyst").from(NAME).select(countDistinctUsers()).epsilon(1).run();
    assertTrue(repeated.privacy().repeated());
    DatasetVersion v =
        room.tightenPolicy(
            NAME, policy(6, p -> p.differentialPrivacy(PrivacyBudget.epsilon(2), 1.0), "analyst"));
    assertEquals(2, v.policy());
    // The stored answer was made under the old policy: it is not served; the new limit counts what
    // was spent (1 of 2), so one more query of ε=1 runs and the next is refused.
    Result after = room.as("analyst").from(NAME).select(countDistinctUsers()).epsilon(1).run();
    assertFalse(after.privacy().repeated());
    assertFalse(after.queryId().equals(first.queryId()));
    assertThrows(
        BudgetExhaustedException.class,
        () -> room.as("analyst").from(NAME).select(sum("spend")).epsilon(1).run());
    assertEquals("policy version 2 (tightening)", lastChange().reason());
  }

  @Test
  void loosening_isRefusedAsTightening_andNamesEachRule_butAcceptedAsNewVersion() {
    room.register(dataset(source(1), policy(p -> p.withoutDifferenceChecks())));
    Policy looser =
        Policy.builder()
            .allowAnalysts("analyst", "other")
            .minDistinctUsers(3)
            .withoutDifferenceChecks()
            .build();
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> room.tightenPolicy(NAME, looser));
    assertTrue(e.getMessage().contains("allowed analysts include more"), e.getMessage());
    assertTrue(e.getMessage().contains("minimum distinct users is lower"), e.getMessage());
    assertEquals(1, room.version(NAME).policy());
    assertThrows(
        PolicyViolationException.class,
        () -> room.as("other").from(NAME).select(countDistinctUsers()).run());
    String before = room.version(NAME).policyHash();
    DatasetVersion v = room.loosenPolicy(NAME, looser);
    assertEquals(2, v.policy());
    assertFalse(v.policyHash().equals(before));
    assertEquals(1, room.as("other").from(NAME).select(countDistinctUsers()).run().size());
    AuditEvent loosened = lastChange();
    assertTrue(loosened.reason().startsWith("policy version 2 (loosens: "), loosened.reason());
    assertTrue(loosened.reason().contains("allowed analysts include more"), loosened.reason());
  }

  @Test
  void changingTheBudgetPeriod_isALoosening() {
    room.register(
        dataset(source(1), policy(p -> p.differentialPrivacy(PrivacyBudget.epsilon(1), 1.0))));
    Policy monthly =
        policy(
            p ->
                p.differentialPrivacy(PrivacyBudget.epsilon(1), 1.0)
                    .budgetPeriod(BudgetPeriod.MONTHLY));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> room.tightenPolicy(NAME, monthly));
    assertTrue(e.getMessage().contains("budget period changed"), e.getMessage());
  }

  @Test
  void retire_removesTheDataset_andReRegisteringTheSameDataResumesItsBudget() {
    InMemorySource data = source(1);
    Policy dp = policy(p -> p.differentialPrivacy(PrivacyBudget.epsilon(1), 1.0));
    room.register(dataset(data, dp));
    room.as("analyst").from(NAME).select(countDistinctUsers()).epsilon(1).run();
    room.retire(NAME);
    assertFalse(room.datasets().contains(NAME));
    assertThrows(
        InvalidQueryException.class,
        () -> room.as("analyst").from(NAME).select(countDistinctUsers()).run());
    assertThrows(IllegalArgumentException.class, () -> room.version(NAME));
    assertEquals("retired", lastChange().reason());
    room.register(dataset(data, dp));
    assertThrows(
        BudgetExhaustedException.class,
        () -> room.as("analyst").from(NAME).select(sum("spend")).epsilon(0.5).run());
  }

  @Test
  void budgets_listEveryLedgerInOneVocabulary_andTopUpsRaiseTheLimit() {
    room.register(
        dataset(
            source(1),
            policy(
                5,
                p ->
                    p.differentialPrivacy(PrivacyBudget.epsilon(1), 1.0)
                        .maxQueries(2, BudgetPeriod.DAILY),
                "analyst",
                "second")));
    room.as("analyst").from(NAME).select(countDistinctUsers()).epsilon(1).run();
    List<BudgetBalance> mine = room.budgets("analyst");
    assertEquals(2, mine.size());
    BudgetBalance privacy = mine.get(0);
    BudgetBalance queries = mine.get(1);
    assertEquals(BudgetBalance.Kind.PRIVACY, privacy.kind());
    assertEquals(BudgetPeriod.NONE, privacy.period());
    assertEquals("lifetime", privacy.periodName());
    assertEquals(0, BigDecimal.ZERO.compareTo(privacy.left()));
    assertEquals(BudgetBalance.Kind.QUERIES, queries.kind());
    assertTrue(queries.ledger().startsWith("pub.visits/analyst/queries/"), queries.ledger());
    assertEquals(0, BigDecimal.ONE.compareTo(queries.spent()));
    assertEquals(0, BigDecimal.ONE.compareTo(queries.left()));
    // The explanation speaks of the same ledger, by the same name.
    String explained =
        room.as("analyst")
            .from(NAME)
            .select(countDistinctUsers())
            .epsilon(0.5)
            .explain()
            .toString();
    assertTrue(explained.contains("pub.visits/analyst/lifetime"), explained);
    assertTrue(explained.contains("per lifetime"), explained);
    assertEquals(4, room.ownerBudgets("pub").size());
    assertEquals(0, room.ownerBudgets("nobody").size());

    BudgetBalance topped = room.grantTopUp(NAME, "analyst", PrivacyBudget.epsilon(1));
    assertEquals(0, new BigDecimal(2).compareTo(topped.limit()));
    assertEquals(0, BigDecimal.ONE.compareTo(topped.granted()));
    assertEquals(0, BigDecimal.ONE.compareTo(topped.left()));
    assertTrue(
        lastChange().reason().startsWith("top-up granted to analyst"), lastChange().reason());
    room.as("analyst").from(NAME).select(sum("spend")).epsilon(0.5).run();
    // The query limit (2 per day) is reached now; a grant of one more query lets a third run.
    assertThrows(
        PolicyViolationException.class,
        () -> room.as("analyst").from(NAME).select(countDistinctUsers()).epsilon(0.0001).run());
    assertEquals(0, new BigDecimal(3).compareTo(room.grantQueries(NAME, "analyst", 1).limit()));
    assertThrows(
        IllegalArgumentException.class,
        () -> room.grantTopUp(NAME, "stranger", PrivacyBudget.epsilon(1)));
    assertThrows(IllegalArgumentException.class, () -> room.grantQueries(NAME, "analyst", 0));
  }

  @Test
  void close_releasesTheStores_andRefusesLaterQueries(@TempDir Path dir) {
    Path journal = dir.resolve("budget.journal");
    BudgetStore store = BudgetStores.journal(journal);
    CleanRoom closing =
        CleanRoom.builder()
            .secretKey(SecretKey.of("lifecycle-test-key-0123456789abcd".getBytes(UTF_8)))
            .auditSink(e -> {})
            .budgetStore(store)
            .build();
    closing.register(dataset(source(1), policy(p -> p.withoutDifferenceChecks())));
    closing.close();
    closing.close();
    assertThrows(
        IllegalStateException.class,
        () -> closing.as("analyst").from(NAME).select(countDistinctUsers()).run());
    // The journal's lock is released: it opens again in this JVM.
    try (BudgetStore again = BudgetStores.journal(journal)) {
      assertEquals(0, again.spent("x").epsilon().signum());
    }
    try (CleanRoom r = CleanRoom.builder().auditSink(e -> {}).build()) {
      assertTrue(r.datasets().isEmpty());
    }
  }
}
