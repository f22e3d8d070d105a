package dev.cleanroom.internal.release;

import static dev.cleanroom.internal.release.DpTesting.ANALYST;
import static dev.cleanroom.internal.release.DpTesting.NOW;
import static dev.cleanroom.internal.release.DpTesting.assertAmount;
import static dev.cleanroom.internal.release.DpTesting.dataset;
import static dev.cleanroom.internal.release.DpTesting.dpPolicy;
import static dev.cleanroom.internal.release.DpTesting.ledger;
import static dev.cleanroom.internal.release.DpTesting.memory;
import static dev.cleanroom.internal.release.DpTesting.people;
import static dev.cleanroom.internal.release.DpTesting.plainPolicy;
import static dev.cleanroom.internal.release.DpTesting.sizes;
import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.count;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.BudgetExhaustedException;
import dev.cleanroom.BudgetPeriod;
import dev.cleanroom.CleanRoom;
import dev.cleanroom.Policy;
import dev.cleanroom.PolicyRule;
import dev.cleanroom.PolicyViolationException;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.QueryFailedException;
import dev.cleanroom.internal.release.DpTesting.MutableClock;
import dev.cleanroom.internal.release.DpTesting.RecordingAudit;
import dev.cleanroom.internal.release.DpTesting.TestSource;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.LedgerStatus;
import dev.cleanroom.query.Result;
import dev.cleanroom.spi.AuditEvent;
import dev.cleanroom.spi.BudgetStore;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * Charging of privacy budgets by the engine: every touched dataset that requires differential
 * privacy has one ledger per analyst and period, charged the query's ε (and δ) atomically across
 * ledgers before any source is scanned; refusals charge and scan nothing.
 *
 * <p>Queries that should each be charged differ in a literal ({@code day != i}), so none is
 * answered from the store of repeated queries.
 */
class BudgetChargingTest {
  private static final String VISITS = "pub.visits";
  private static final String LEDGER = ledger(VISITS, "lifetime");

  /** A room with one DP dataset {@code pub.visits} of 30 people. */
  private static final class Fixture {
    final BudgetStore store = memory();
    final RecordingAudit audit = new RecordingAudit();
    final TestSource source = TestSource.versioned(people("visits", "u", sizes("DE", 30)));
    final CleanRoom room;

    Fixture(double total, double cap) {
      this(dpPolicyOf(total, cap, BudgetPeriod.NONE), Clock.fixed(NOW, ZoneOffset.UTC));
    }

    Fixture(Policy policy, Clock clock) {
      room = DpTesting.room(store, clock, audit);
      room.register(dataset("pub", "visits", source, policy));
    }

    /** A DP total query that differs from others by its literal. */
    FinalStage query(long literal, double epsilon) {
      return room.as(ANALYST)
          .from(VISITS)
          .where(col("day").ne(literal))
          .groupBy("country")
          .select(count())
          .epsilon(epsilon)
          .publicGroupValues("DE");
    }

    BigDecimal spent(String ledger) {
      return store.spent(ledger).epsilon();
    }
  }

  private static Policy dpPolicyOf(double total, double cap, BudgetPeriod period) {
    return dpPolicy(PrivacyBudget.epsilon(total), cap, period);
  }

  @Test
  void thirdQuery_overTheTotal_isRefusedNamingTheLedger_beforeAnyScan() {
    Fixture f = new Fixture(1.0, 0.5);

    Result first = f.query(0, 0.5).run();
    Result second = f.query(1, 0.5).run();

    assertAmount("0.5", first.privacy().epsilon());
    assertAmount("0.5", first.privacy().ledgers().get(0).epsilonRemaining());
    assertAmount("0", second.privacy().ledgers().get(0).epsilonRemaining());
    assertFalse(second.privacy().repeated());
    assertEquals(2, f.source.scans());
    assertAmount("1.0", f.spent(LEDGER));

    BudgetExhaustedException e =
        assertThrows(BudgetExhaustedException.class, () -> f.query(2, 0.5).run());

    assertEquals(LEDGER, e.ledger());
    assertAmount("0.5", e.requestedEpsilon());
    assertAmount("0", e.requestedDelta());
    assertAmount("0", e.remainingEpsilon());
    assertAmount("0", e.remainingDelta());
    assertTrue(e.getMessage().contains(LEDGER), e.getMessage());
    assertEquals(2, f.source.scans(), "the refused query must not scan");
    assertAmount("1.0", f.spent(LEDGER));
    AuditEvent last = f.audit.last();
    assertEquals(AuditEvent.Outcome.REFUSED, last.outcome());
    assertEquals(List.of(VISITS), last.datasets());
    assertEquals(ANALYST, last.analyst());
    assertEquals(2, f.audit.count(AuditEvent.Outcome.ACCEPTED));
    assertEquals(1, f.audit.count(AuditEvent.Outcome.REFUSED));
  }

  @Test
  void refusal_reportsExactlyWhatIsLeft_andASmallerQueryStillFits() {
    Fixture f = new Fixture(1.0, 0.5);
    f.query(0, 0.5).run();
    f.query(1, 0.4).run();

    BudgetExhaustedException e =
        assertThrows(BudgetExhaustedException.class, () -> f.query(2, 0.2).run());
    assertAmount("0.2", e.requestedEpsilon());
    assertAmount("0.1", e.remainingEpsilon());

    Result last = f.query(3, 0.1).run();
    assertAmount("0", last.privacy().ledgers().get(0).epsilonRemaining());
    assertAmount("1.0", f.spent(LEDGER));
    assertEquals(3, f.source.scans());
  }

  @Test
  void thresholdOnlyQuery_onADpDataset_isRefused_withoutChargeOrScan() {
    Fixture f = new Fixture(1.0, 0.5);

    PolicyViolationException e =
        assertThrows(
            PolicyViolationException.class,
            () -> f.room.as(ANALYST).from(VISITS).select(count()).run());

    assertEquals(PolicyRule.DIFFERENTIAL_PRIVACY_REQUIRED, e.rule());
    assertEquals(VISITS, e.dataset());
    assertEquals("pub", e.owner());
    assertEquals(0, f.source.scans());
    assertAmount("0", f.spent(LEDGER));
    assertEquals(AuditEvent.Outcome.REFUSED, f.audit.last().outcome());
    assertEquals(Optional.of(PolicyRule.DIFFERENTIAL_PRIVACY_REQUIRED), f.audit.last().rule());
  }

  @Test
  void epsilonAboveTheCap_isRefused_withoutChargeOrScan() {
    Fixture f = new Fixture(1.0, 0.5);

    PolicyViolationException e =
        assertThrows(PolicyViolationException.class, () -> f.query(0, 0.5000001).run());

    assertEquals(PolicyRule.EPSILON_PER_QUERY, e.rule());
    assertEquals(VISITS, e.dataset());
    assertEquals(0, f.source.scans());
    assertAmount("0", f.spent(LEDGER));
    assertEquals(Optional.of(PolicyRule.EPSILON_PER_QUERY), f.audit.last().rule());

    // exactly the cap is fine
    f.query(0, 0.5).run();
    assertAmount("0.5", f.spent(LEDGER));
  }

  @Test
  void deltaQuery_onAPureEpsilonDataset_isRefused_withoutChargeOrScan() {
    Fixture f = new Fixture(1.0, 0.5);

    BudgetExhaustedException e =
        assertThrows(
            BudgetExhaustedException.class,
            () ->
                f.room
                    .as(ANALYST)
                    .from(VISITS)
                    .groupBy("country")
                    .select(count())
                    .budget(PrivacyBudget.epsilonDelta(0.5, 1e-9))
                    .run());

    assertEquals(LEDGER, e.ledger());
    assertAmount("1E-9", e.requestedDelta());
    assertAmount("0", e.remainingDelta());
    assertEquals(0, f.source.scans());
    assertAmount("0", f.spent(LEDGER));
    assertAmount("0", f.store.spent(LEDGER).delta());
  }

  /** Two owners' ledgers are charged together or not at all. */
  private static final class TwoOwners {
    static final String A = "alpha.a";
    static final String B = "beta.b";
    static final String LEDGER_A = ledger(A, "lifetime");
    static final String LEDGER_B = ledger(B, "lifetime");
    final BudgetStore store = memory();
    final TestSource a = TestSource.versioned(people("a", "u", sizes("DE", 20)));
    final TestSource b = TestSource.versioned(people("b", "u", sizes("DE", 20)));
    final CleanRoom room = DpTesting.room(store);

    TwoOwners(Policy policyB) {
      room.register(dataset("alpha", "a", a, dpPolicy(1.0, 1.0)));
      room.register(dataset("beta", "b", b, policyB));
    }

    FinalStage join(String first, String second, long literal) {
      return room.as(ANALYST)
          .from(first)
          .join(second)
          .onUserId()
          .where(col("a.day").ne(literal))
          .groupBy("a.country")
          .select(count())
          .epsilon(0.4)
          .publicGroupValues("DE");
    }
  }

  @Test
  void joinOfTwoDpOwners_chargesBoth_andARefusalByOneChargesNeither() {
    TwoOwners t = new TwoOwners(dpPolicy(0.5, 0.5));

    Result first = t.join(TwoOwners.A, TwoOwners.B, 0).run();

    List<LedgerStatus> ledgers = first.privacy().ledgers();
    assertEquals(List.of(TwoOwners.LEDGER_A, TwoOwners.LEDGER_B), ledgerNames(ledgers));
    assertEquals(TwoOwners.A, ledgers.get(0).dataset());
    assertEquals(TwoOwners.B, ledgers.get(1).dataset());
    assertAmount("0.4", ledgers.get(0).epsilonCharged());
    assertAmount("0.4", ledgers.get(1).epsilonCharged());
    assertAmount("0.6", ledgers.get(0).epsilonRemaining());
    assertAmount("0.1", ledgers.get(1).epsilonRemaining());
    assertAmount("0.4", t.store.spent(TwoOwners.LEDGER_A).epsilon());
    assertAmount("0.4", t.store.spent(TwoOwners.LEDGER_B).epsilon());

    for (String[] order :
        List.of(new String[] {TwoOwners.A, TwoOwners.B}, new String[] {TwoOwners.B, TwoOwners.A})) {
      BudgetExhaustedException e =
          assertThrows(BudgetExhaustedException.class, () -> t.join(order[0], order[1], 1).run());
      assertEquals(TwoOwners.LEDGER_B, e.ledger());
      assertAmount("0.4", e.requestedEpsilon());
      assertAmount("0.1", e.remainingEpsilon());
      assertAmount("0.4", t.store.spent(TwoOwners.LEDGER_A).epsilon());
      assertAmount("0.4", t.store.spent(TwoOwners.LEDGER_B).epsilon());
    }
    assertEquals(1, t.a.scans());
    assertEquals(1, t.b.scans());
  }

  @Test
  void joinWithADatasetWithoutDp_isRefused_andChargesNothing() {
    TwoOwners t = new TwoOwners(plainPolicy());

    // The threshold-only owner's exact k on the joined people would expose single people of the
    // DP owner's data while its budget is charged: refused, by the DP owner's rule.
    PolicyViolationException e =
        assertThrows(
            PolicyViolationException.class, () -> t.join(TwoOwners.A, TwoOwners.B, 0).run());

    assertEquals(PolicyRule.DIFFERENTIAL_PRIVACY_REQUIRED, e.rule());
    assertAmount("0", t.store.spent(TwoOwners.LEDGER_A).epsilon());
    assertAmount("0", t.store.spent(TwoOwners.LEDGER_B).epsilon());
  }

  @Test
  void sourceFailure_afterTheCharge_keepsTheCharge() {
    BudgetStore store = memory();
    RecordingAudit audit = new RecordingAudit();
    TestSource failing =
        TestSource.failing(
            people("visits", "u", sizes("DE", 30)), new IllegalStateException("disk on fire"));
    CleanRoom room = DpTesting.room(store, Clock.fixed(NOW, ZoneOffset.UTC), audit);
    room.register(dataset("pub", "visits", failing, dpPolicy(1.0, 0.5)));

    QueryFailedException e = assertThrows(QueryFailedException.class, () -> totalCount(room));

    assertFalse(e.getMessage().contains("disk on fire"), e.getMessage());
    assertFalse(audit.last().reason().contains("disk on fire"), audit.last().reason());
    assertEquals(1, failing.scans());
    assertAmount("0.5", store.spent(LEDGER).epsilon());
    assertEquals(AuditEvent.Outcome.FAILED, audit.last().outcome());

    // the failed query's charge stands: one more failing attempt fits, a third does not
    assertThrows(QueryFailedException.class, () -> totalCount(room));
    assertAmount("1.0", store.spent(LEDGER).epsilon());
    assertThrows(BudgetExhaustedException.class, () -> totalCount(room));
    assertEquals(2, failing.scans());
  }

  @Test
  void dailyBudget_exhaustedToday_worksAgainTomorrow() {
    MutableClock clock = new MutableClock(Instant.parse("2024-05-01T00:00:00Z"));
    Fixture f = new Fixture(dpPolicyOf(1.0, 0.5, BudgetPeriod.DAILY), clock);
    String today = ledger(VISITS, "2024-05-01");
    String tomorrow = ledger(VISITS, "2024-05-02");

    f.query(0, 0.5).run();
    clock.set(Instant.parse("2024-05-01T13:00:00Z"));
    Result second = f.query(1, 0.5).run();
    assertEquals(List.of(today), ledgerNames(second.privacy().ledgers()));
    clock.set(Instant.parse("2024-05-01T23:59:59.999Z"));
    BudgetExhaustedException e =
        assertThrows(BudgetExhaustedException.class, () -> f.query(2, 0.5).run());
    assertEquals(today, e.ledger());

    clock.set(Instant.parse("2024-05-02T00:00:00Z"));
    Result next = f.query(3, 0.5).run();

    assertEquals(List.of(tomorrow), ledgerNames(next.privacy().ledgers()));
    assertAmount("0.5", next.privacy().ledgers().get(0).epsilonRemaining());
    assertAmount("1.0", f.spent(today));
    assertAmount("0.5", f.spent(tomorrow));
    assertEquals(3, f.source.scans());
  }

  @Test
  void weeklyBudget_startsAfreshOnMonday() {
    MutableClock clock = new MutableClock(Instant.parse("2024-05-06T00:00:00Z")); // a Monday
    Fixture f = new Fixture(dpPolicyOf(1.0, 1.0, BudgetPeriod.WEEKLY), clock);

    f.query(0, 1.0).run();
    clock.set(Instant.parse("2024-05-12T23:59:59Z")); // Sunday of the same ISO week
    BudgetExhaustedException e =
        assertThrows(BudgetExhaustedException.class, () -> f.query(1, 1.0).run());
    assertEquals(ledger(VISITS, "2024-W19"), e.ledger());

    clock.set(Instant.parse("2024-05-13T00:00:00Z"));
    Result next = f.query(2, 1.0).run();
    assertEquals(List.of(ledger(VISITS, "2024-W20")), ledgerNames(next.privacy().ledgers()));
  }

  @Test
  void monthlyBudget_exhaustedOnTheLastDay_worksAgainOnTheFirst() {
    MutableClock clock = new MutableClock(Instant.parse("2024-02-01T00:00:00Z"));
    Fixture f = new Fixture(dpPolicyOf(1.0, 0.5, BudgetPeriod.MONTHLY), clock);
    String february = ledger(VISITS, "2024-02");

    f.query(0, 0.5).run();
    clock.set(Instant.parse("2024-02-15T10:00:00Z"));
    f.query(1, 0.5).run();
    // a new day is not a new month
    clock.set(Instant.parse("2024-02-29T23:59:59.999Z"));
    BudgetExhaustedException e =
        assertThrows(BudgetExhaustedException.class, () -> f.query(2, 0.5).run());
    assertEquals(february, e.ledger());

    clock.set(Instant.parse("2024-03-01T00:00:00Z"));
    Result next = f.query(3, 0.5).run();

    assertEquals(List.of(ledger(VISITS, "2024-03")), ledgerNames(next.privacy().ledgers()));
    assertAmount("1.0", f.spent(february));
    assertEquals(3, f.source.scans());
  }

  /**
   * Whatever sequence of queries an analyst runs, each is accepted iff it fits what the ledger has
   * left (exact decimal arithmetic), the ledger never exceeds its total, and only accepted queries
   * scan.
   */
  @Property(tries = 40)
  void ledger_acceptsExactlyWhatFits_andNeverOverspends(@ForAll("epsilons") List<Double> epsilons) {
    Fixture f = new Fixture(1.0, 0.5);
    BigDecimal model = BigDecimal.ZERO;
    int accepted = 0;
    for (int i = 0; i < epsilons.size(); i++) {
      BigDecimal eps = BigDecimal.valueOf(epsilons.get(i));
      boolean fits = model.add(eps).compareTo(BigDecimal.ONE) <= 0;
      FinalStage q = f.query(i, epsilons.get(i));
      if (fits) {
        Result r = q.run();
        model = model.add(eps);
        accepted++;
        assertAmount(
            BigDecimal.ONE.subtract(model).toPlainString(),
            r.privacy().ledgers().get(0).epsilonRemaining());
      } else {
        BudgetExhaustedException e = assertThrows(BudgetExhaustedException.class, q::run);
        assertAmount(BigDecimal.ONE.subtract(model).toPlainString(), e.remainingEpsilon());
      }
      assertAmount(model.toPlainString(), f.spent(LEDGER));
      assertTrue(f.spent(LEDGER).compareTo(BigDecimal.ONE) <= 0);
    }
    assertEquals(accepted, f.source.scans());
  }

  @Provide
  Arbitrary<List<Double>> epsilons() {
    return Arbitraries.of(0.05, 0.1, 0.2, 0.25, 0.3, 0.5).list().ofMinSize(1).ofMaxSize(12);
  }

  /** A DP count of one public group, always the same query. */
  private static Result totalCount(CleanRoom room) {
    return room.as(ANALYST)
        .from(VISITS)
        .groupBy("country")
        .select(count())
        .epsilon(0.5)
        .publicGroupValues("DE")
        .run();
  }

  private static List<String> ledgerNames(List<LedgerStatus> ledgers) {
    return ledgers.stream().map(LedgerStatus::ledger).toList();
  }
}
