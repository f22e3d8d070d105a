package dev.cleanroom.internal.release;

import static dev.cleanroom.internal.release.DpTesting.ANALYST;
import static dev.cleanroom.internal.release.DpTesting.dataset;
import static dev.cleanroom.internal.release.DpTesting.dpPolicy;
import static dev.cleanroom.internal.release.DpTesting.memory;
import static dev.cleanroom.internal.release.DpTesting.people;
import static dev.cleanroom.internal.release.DpTesting.plainPolicy;
import static dev.cleanroom.internal.release.DpTesting.sizes;
import static dev.cleanroom.internal.release.DpTesting.spendOf;
import static dev.cleanroom.query.Dsl.avg;
import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.sum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.BudgetPeriod;
import dev.cleanroom.CleanRoom;
import dev.cleanroom.InvalidQueryException;
import dev.cleanroom.PolicyRule;
import dev.cleanroom.PolicyViolationException;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.internal.release.DpTesting.TestSource;
import dev.cleanroom.query.CellNoise;
import dev.cleanroom.query.Explanation;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.LedgerStatus;
import dev.cleanroom.query.NoiseTarget;
import dev.cleanroom.query.Privacy;
import dev.cleanroom.query.Result;
import dev.cleanroom.query.ResultRow;
import java.math.BigDecimal;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Utility control: narrowed metric bounds, consistent (whole, non-negative) noisy values, and how
 * many more queries of a shape a ledger can pay.
 */
class UtilityControlTest {
  private static final String VISITS = "pub.visits";

  private static CleanRoom room(Map<String, Integer> sizes, boolean dp, double total) {
    CleanRoom room = DpTesting.room(memory());
    room.register(
        dataset(
            "pub",
            "visits",
            TestSource.unversioned(people("visits", "u", sizes)),
            dp
                ? dpPolicy(PrivacyBudget.epsilonDelta(total, 0.5), 10, BudgetPeriod.NONE)
                : plainPolicy()));
    return room;
  }

  private static FinalStage spend(CleanRoom room) {
    return room.as(ANALYST).from(VISITS).groupBy("country").select(sum("spend").as("spend"));
  }

  @Test
  void narrowedBounds_clampEachPersonsTotal_inThresholdMode() {
    Result r = spend(room(sizes("A", 50), false, 0)).bounds("spend", 0, 4).run();

    double expected = 0;
    for (int i = 0; i < 50; i++) {
      expected += Math.min(4, spendOf(i));
    }
    assertEquals(expected, r.rows().get(0).getDouble("spend"));
  }

  @Test
  void narrowedBounds_shrinkTheNoise_andAreShownByExplain() {
    CleanRoom room = room(sizes("A", 50), true, 1000);
    Explanation owner = spend(room).epsilon(1.0).publicGroupValues("A").explain();
    Explanation narrowed =
        spend(room).bounds("spend", 0, 2.5).epsilon(1.0).publicGroupValues("A").explain();

    assertNotEquals(owner.accuracy(), narrowed.accuracy());
    assertTrue(
        narrowed.plan().stream().anyMatch(s -> s.contains("per person and group to [0.0, 2.5]")),
        narrowed::toString);
    Result r = spend(room).bounds("spend", 0, 2.5).epsilon(1.0).publicGroupValues("A").run();
    Result o = spend(room).epsilon(1.0).publicGroupValues("A").run();
    double narrowScale = r.rows().get(0).noise("spend").orElseThrow().scale();
    double ownerScale = o.rows().get(0).noise("spend").orElseThrow().scale();
    assertEquals(4.0, ownerScale / narrowScale, 1e-9, "noise scales with the largest bound");
    assertEquals(o.privacy().epsilon(), r.privacy().epsilon(), "narrowing costs nothing extra");
  }

  @Test
  void widerBounds_areRefused_andMalformedOnesRejected() {
    CleanRoom room = room(sizes("A", 50), true, 1000);
    assertThrows(
        InvalidQueryException.class,
        () -> spend(room).bounds("spend", 0, 11).epsilon(1.0).publicGroupValues("A").run());
    assertThrows(
        InvalidQueryException.class,
        () -> spend(room).bounds("spend", -1, 5).epsilon(1.0).publicGroupValues("A").explain());
    assertThrows(IllegalArgumentException.class, () -> spend(room).bounds("spend", 5, 1));
    assertThrows(IllegalArgumentException.class, () -> spend(room).bounds("spend", 0, Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> spend(room).bounds("day", 0, 1));
    FinalStage once = spend(room).bounds("spend", 0, 5);
    assertThrows(IllegalStateException.class, () -> once.bounds("spend", 0, 4));
    assertThrows(IllegalStateException.class, () -> once.consistent().consistent());
  }

  /**
   * A public group with nobody in it: its true count and sum are 0. Without post-processing a noisy
   * count is negative with probability about 0.4 at ε = 1 per part (discrete Laplace, scale 1), so
   * 60 runs show none with probability below 0.6^60 ≈ 5e-14; with it, none is ever negative.
   */
  @Test
  void consistent_releasesWholeNonNegativeCountsAndSums_withClippedIntervals() {
    CleanRoom room = room(sizes("A", 50), true, 100_000);
    boolean sawNegative = false;
    for (int run = 0; run < 60; run++) {
      Result raw =
          room.as(ANALYST)
              .from(VISITS)
              .groupBy("country")
              .select(countDistinctUsers().as("people"), sum("spend").as("spend"))
              .epsilon(2.0)
              .publicGroupValues("A", "ZZ")
              .run();
      sawNegative |= raw.rows().get(1).getLong("people") < 0;
      Result clean =
          room.as(ANALYST)
              .from(VISITS)
              .groupBy("country")
              .select(countDistinctUsers().as("people"), sum("spend").as("spend"), count())
              .consistent()
              .epsilon(3.0)
              .publicGroupValues("A", "ZZ")
              .run();
      for (ResultRow row : clean.rows()) {
        assertTrue(row.getLong("people") >= 0);
        assertTrue(row.getLong("count") >= 0);
        assertTrue(row.getDouble("spend") >= 0);
        for (String c : new String[] {"people", "count"}) {
          CellNoise n = row.noise(c).orElseThrow();
          assertTrue(n.lower() >= 0 && n.lower() == Math.rint(n.lower()), c + " " + n);
          assertTrue(n.upper() == Math.rint(n.upper()), c + " " + n);
        }
        assertTrue(row.noise("spend").orElseThrow().lower() >= 0);
      }
      ResultRow empty = clean.rows().get(1);
      CellNoise n = empty.noise("people").orElseThrow();
      assertTrue(n.lower() <= empty.getLong("people") && empty.getLong("people") <= n.upper());
    }
    assertTrue(sawNegative, "without post-processing some noisy count of nobody is negative");
  }

  @Test
  void queriesLeft_countsTheQueriesOfTheSameShape_theLedgerCanStillPay() {
    CleanRoom room = room(sizes("A", 50), true, 10);
    FinalStage q = spend(room).epsilon(3.0).publicGroupValues("A");
    Explanation before = q.explain();
    assertEquals(2, before.ledgers().get(0).queriesLeft(), "10 = 3 + 3·2 + 1");
    assertTrue(before.toString().contains("then room for 2 more like it"), before::toString);
    Result r = q.run();
    assertEquals(2, r.privacy().ledgers().get(0).queriesLeft());
    q.run();
    q.run();
    assertEquals(0, q.explain().ledgers().get(0).queriesLeft());

    LedgerStatus delta =
        new LedgerStatus(
            "l",
            "d",
            BigDecimal.ONE,
            new BigDecimal("0.1"),
            BigDecimal.TEN,
            new BigDecimal("0.25"));
    assertEquals(2, delta.queriesLeft(), "δ runs out first");
    LedgerStatus free =
        new LedgerStatus(
            "l", "d", BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.TEN, BigDecimal.ZERO);
    assertEquals(Long.MAX_VALUE, free.queriesLeft());
  }

  private static CleanRoom capped(double cap) {
    CleanRoom room = DpTesting.room(memory());
    room.register(
        dataset(
            "pub",
            "visits",
            TestSource.unversioned(people("visits", "u", sizes("A", 50, "B", 30))),
            dpPolicy(PrivacyBudget.epsilonDelta(1000, 0.5), cap, BudgetPeriod.NONE)));
    return room;
  }

  private static FinalStage peopleAndSpend(CleanRoom room) {
    return room.as(ANALYST)
        .from(VISITS)
        .groupBy("country")
        .select(countDistinctUsers().as("people"), sum("spend").as("spend"));
  }

  private static double halfWidth(ResultRow row, String column) {
    CellNoise n = row.noise(column).orElseThrow();
    return (n.upper() - n.lower()) / 2;
  }

  @Test
  void hidingPeople_choosesTheLargestEpsilon_whoseNoiseCoversThatManyPeople() {
    CleanRoom room = capped(10);
    FinalStage q =
        peopleAndSpend(room).noiseTarget(NoiseTarget.hidingPeople(5)).publicGroupValues("A", "B");
    PrivacyBudget solved = ((Privacy.Differential) q.spec().privacy()).budget();
    Result r = q.run();

    assertEquals(0, solved.epsilon().compareTo(r.privacy().epsilon()));
    ResultRow row = r.rows().get(0);
    // A count of people moves by 1 per person, a sum of spend by at most 10.
    assertTrue(halfWidth(row, "people") >= 5, row::toString);
    assertTrue(halfWidth(row, "spend") >= 50, row::toString);
    // The largest such ε: 2% more would no longer hide 5 people in one of the parts.
    Result more =
        peopleAndSpend(room)
            .epsilon(solved.epsilon().doubleValue() * 1.02)
            .publicGroupValues("A", "B")
            .run();
    assertTrue(
        halfWidth(more.rows().get(0), "people") < 5 || halfWidth(more.rows().get(0), "spend") < 50,
        more::toString);
  }

  @Test
  void halfWidthTarget_choosesTheSmallestEpsilon_meetingIt() {
    CleanRoom room = capped(10);
    FinalStage q =
        peopleAndSpend(room)
            .noiseTarget(NoiseTarget.halfWidth("spend", 40))
            .publicGroupValues("A", "B");
    BigDecimal eps = ((Privacy.Differential) q.spec().privacy()).budget().epsilon();
    Result r = q.run();

    assertTrue(halfWidth(r.rows().get(0), "spend") <= 40, r::toString);
    Result less =
        peopleAndSpend(room).epsilon(eps.doubleValue() * 0.98).publicGroupValues("A", "B").run();
    assertTrue(halfWidth(less.rows().get(0), "spend") > 40, less::toString);
    assertTrue(q.explain().toString().contains(eps.toPlainString()), q.explain()::toString);
  }

  @Test
  void noiseTargets_beyondTheCap_orMalformed_areRefused() {
    CleanRoom room = capped(0.5);
    PolicyViolationException e =
        assertThrows(
            PolicyViolationException.class,
            () ->
                peopleAndSpend(room)
                    .noiseTarget(NoiseTarget.halfWidth("spend", 1))
                    .publicGroupValues("A", "B")
                    .run());
    assertEquals(PolicyRule.EPSILON_PER_QUERY, e.rule());
    assertThrows(
        InvalidQueryException.class,
        () ->
            peopleAndSpend(room)
                .noiseTarget(NoiseTarget.halfWidth("nothing", 1))
                .publicGroupValues("A", "B")
                .spec());
    assertThrows(
        InvalidQueryException.class,
        () ->
            room.as(ANALYST)
                .from(VISITS)
                .groupBy("country")
                .select(avg("spend"))
                .noiseTarget(NoiseTarget.halfWidth("avg_spend", 1))
                .publicGroupValues("A", "B")
                .spec());
    assertThrows(
        IllegalStateException.class,
        () -> peopleAndSpend(room).epsilon(1).noiseTarget(NoiseTarget.hidingPeople(2)));
    assertThrows(
        IllegalStateException.class,
        () -> peopleAndSpend(room).noiseTarget(NoiseTarget.hidingPeople(2)).epsilon(1));
    assertThrows(IllegalArgumentException.class, () -> NoiseTarget.hidingPeople(0));
    assertThrows(IllegalArgumentException.class, () -> NoiseTarget.halfWidth("a", 0));
    assertThrows(IllegalArgumentException.class, () -> NoiseTarget.halfWidth("a", Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> NoiseTarget.hidingPeople(1).withDelta(1));
    assertEquals(
        0,
        new BigDecimal("0.000001").compareTo(NoiseTarget.hidingPeople(1).withDelta(1e-6).delta()));
  }
}
