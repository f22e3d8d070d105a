package dev.cleanroom.internal.release;

import static dev.cleanroom.internal.release.DpTesting.ANALYST;
import static dev.cleanroom.internal.release.DpTesting.dataset;
import static dev.cleanroom.internal.release.DpTesting.dpPolicy;
import static dev.cleanroom.internal.release.DpTesting.memory;
import static dev.cleanroom.internal.release.DpTesting.people;
import static dev.cleanroom.internal.release.DpTesting.plainPolicy;
import static dev.cleanroom.internal.release.DpTesting.sizes;
import static dev.cleanroom.internal.release.DpTesting.trueSum;
import static dev.cleanroom.query.Dsl.avg;
import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.lift;
import static dev.cleanroom.query.Dsl.ratio;
import static dev.cleanroom.query.Dsl.sum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.BudgetPeriod;
import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.ColumnType;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.Schema;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.internal.release.DpTesting.TestSource;
import dev.cleanroom.query.CellNoise;
import dev.cleanroom.query.Condition;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.Result;
import dev.cleanroom.query.ResultRow;
import dev.cleanroom.query.RowStage;
import dev.cleanroom.source.InMemorySource;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Ratios and lifts: exact in threshold mode; in differential-privacy mode released with intervals
 * that cover the true value at least at the stated level, costing nothing beyond the aggregates;
 * and every refusal of a malformed derived column.
 */
class DerivedColumnsTest {
  private static final String VISITS = "pub.visits";

  private static CleanRoom room(Map<String, Integer> sizes, boolean dp) {
    CleanRoom room = DpTesting.room(memory());
    room.register(
        dataset(
            "pub",
            "visits",
            TestSource.unversioned(people("visits", "u", sizes)),
            dp
                ? dpPolicy(PrivacyBudget.epsilonDelta(1_000_000, 0.5), 10, BudgetPeriod.NONE)
                : plainPolicy()));
    return room;
  }

  private static FinalStage perCountry(CleanRoom room) {
    return room.as(ANALYST)
        .from(VISITS)
        .groupBy("country")
        .select(countDistinctUsers().as("people"), sum("spend").as("spend"), count().as("rows"))
        .derive(
            ratio("per_person", "spend", "people"),
            ratio("rows_per_person", "rows", "people"),
            lift("lift", "per_person", "country", "A", "B"));
  }

  @Test
  void thresholdMode_ratioAndLift_areExact_andTheLiftSitsOnTheComparedGroupOnly() {
    Result r = perCountry(room(sizes("A", 60, "B", 40, "C", 5), false)).run();

    assertEquals(
        new dev.cleanroom.query.ResultColumn("per_person", ColumnType.DOUBLE, true),
        r.columns().get(4));
    assertEquals(3, r.size());
    ResultRow a = r.rows().get(0);
    ResultRow b = r.rows().get(1);
    ResultRow c = r.rows().get(2);
    assertEquals(trueSum(60) / 60, a.getDouble("per_person"));
    assertEquals(trueSum(40) / 40, b.getDouble("per_person"));
    assertEquals(1.0, a.getDouble("rows_per_person"));
    assertEquals((trueSum(60) / 60) / (trueSum(40) / 40) - 1, a.getDouble("lift"), 1e-15);
    assertTrue(Double.isNaN(b.getDouble("lift")), "the baseline row has no lift");
    assertTrue(Double.isNaN(c.getDouble("lift")), "another group has no lift");
    assertFalse(a.noise("per_person").isPresent(), "exact in threshold mode");
    String explained = perCountry(room(sizes("A", 60), false)).explain().toString();
    assertTrue(explained.contains("per_person = spend / people, exact"), explained);
    assertTrue(
        explained.contains("lift = per_person where country is A, over per_person where it is B"),
        explained);
    assertFalse(a.noise("lift").isPresent(), "exact in threshold mode");
  }

  @Test
  void lift_isNaN_whereTheBaselineGroupIsNotReleased() {
    // k = 2 drops the one-person group B, so A has nothing to be compared with.
    Result r = perCountry(room(sizes("A", 60, "B", 1), false)).run();

    assertEquals(1, r.size());
    assertTrue(Double.isNaN(r.rows().get(0).getDouble("lift")));
  }

  /**
   * Ten exposed and ten holdout people; h01 alone is in region "solo", and {@code targetBuys} says
   * whether h01 bought. First everyone but h01, then everyone: the second holdout row differs from
   * the first by h01 alone, so the difference checks suppress it, and the exposed row (the same
   * people as before) is released again. Its lift, computed from the released rows alone, is NaN:
   * it must not show the suppressed row, and so whether h01 bought.
   */
  private static double liftBesideASuppressedBaseline(boolean targetBuys) {
    CleanRoom room = DpTesting.room(memory());
    Schema schema =
        Schema.of(
            Column.string("uid"),
            Column.string("arm"),
            Column.string("region"),
            Column.float64("bought"));
    InMemorySource.Builder b = InMemorySource.builder("sales", schema);
    for (int i = 1; i <= 10; i++) {
      b.addRow("e" + i, "exposed", "west", i <= 6 ? 1.0 : 0.0);
      double bought = i == 1 ? (targetBuys ? 1.0 : 0.0) : (i <= 4 ? 1.0 : 0.0);
      b.addRow("h" + i, "holdout", i == 1 ? "solo" : "west", bought);
    }
    room.register(
        Dataset.builder("retailer", "sales")
            .source(b.build())
            .userId("uid", UserIdFormat.RAW)
            .dimensions("arm", "region")
            .metric("bought", 0, 1)
            .policy(Policy.builder().allowAnalysts(ANALYST).minDistinctUsers(5).build())
            .build());
    Function<Optional<Condition>, Result> byArm =
        where -> {
          RowStage q = room.as(ANALYST).from("retailer.sales");
          return (where.isPresent() ? q.where(where.get()) : q)
              .groupBy("arm")
              .select(countDistinctUsers().as("members"), sum("bought").as("buyers"))
              .derive(
                  ratio("conv", "buyers", "members"),
                  lift("lift", "conv", "arm", "exposed", "holdout"))
              .run();
        };
    Result first = byArm.apply(Optional.of(col("region").ne("solo")));
    assertEquals(2, first.size());
    Result second = byArm.apply(Optional.empty());
    assertEquals(1, second.size(), "the holdout row differs by one person: suppressed");
    assertEquals("exposed", second.rows().get(0).getString("arm"));
    return second.rows().get(0).getDouble("lift");
  }

  // Principle: a data owner's guarantee never depends on what the analyst asks (here, a lift).
  @Test
  void lift_isNaN_whereTheDifferenceChecksSuppressedTheBaselineRow() {
    assertTrue(Double.isNaN(liftBesideASuppressedBaseline(true)));
    assertTrue(Double.isNaN(liftBesideASuppressedBaseline(false)));
  }

  @Test
  void dpMode_costsNoMoreThanTheAggregates() {
    CleanRoom room = room(sizes("A", 60, "B", 40), true);
    Result plain =
        room.as(ANALYST)
            .from(VISITS)
            .groupBy("country")
            .select(countDistinctUsers().as("people"), sum("spend").as("spend"), count().as("rows"))
            .epsilon(3.0)
            .publicGroupValues("A", "B")
            .run();
    Result derived = perCountry(room).epsilon(3.0).publicGroupValues("A", "B").run();

    assertEquals(plain.privacy().epsilon(), derived.privacy().epsilon());
    assertEquals(plain.privacy().split(), derived.privacy().split());
    ResultRow a = derived.rows().get(0);
    assertEquals(a.getDouble("spend") / a.getDouble("people"), a.getDouble("per_person"));
    CellNoise n = a.noise("per_person").orElseThrow();
    assertTrue(n.lower() <= n.upper());
    assertTrue(a.noise("lift").isPresent());
    assertFalse(derived.rows().get(1).noise("lift").isPresent(), "no lift on the baseline row");
  }

  /**
   * Coverage at the stated level (95%): 300 independent runs with fresh noise (ε = 3 over three
   * aggregates, public groups A of 60 people, B of 40 and C of 2, so C's denominators come near 0).
   * Each run checks three ratio intervals of A and B (and of C where its count is not 0) and one
   * lift interval. If each interval covered with probability exactly 0.95, the misses of one kind
   * would be Binomial(300, 0.05); the test fails if any kind misses more than 36 times, which has
   * probability P(Bin(300, 0.05) > 36) ≈ 5.1e-7 per kind; over the seven kinds, below 3.6e-6 in all
   * if each were at exactly 95%. The intervals are conservative (the union bound), so the true
   * false-failure rate is far lower: each is at most 1e-6 only if its coverage is 95%; here it is
   * well above.
   */
  @Test
  void dpMode_intervals_coverTheTrueRatioAndLift_atTheStatedLevel() {
    CleanRoom room = room(sizes("A", 60, "B", 40, "C", 2), true);
    double trueA = trueSum(60) / 60;
    double trueB = trueSum(40) / 40;
    double trueC = trueSum(2) / 2;
    double trueLift = trueA / trueB - 1;
    int runs = 300;
    int[] misses = new int[7];
    for (int run = 0; run < runs; run++) {
      Result r = perCountry(room).epsilon(3.0).publicGroupValues("A", "B", "C").run();
      ResultRow a = r.rows().get(0);
      ResultRow b = r.rows().get(1);
      ResultRow c = r.rows().get(2);
      misses[0] += covers(a.noise("per_person").orElseThrow(), trueA) ? 0 : 1;
      misses[1] += covers(b.noise("per_person").orElseThrow(), trueB) ? 0 : 1;
      misses[2] += covers(c.noise("per_person").orElseThrow(), trueC) ? 0 : 1;
      misses[3] += covers(a.noise("rows_per_person").orElseThrow(), 1.0) ? 0 : 1;
      misses[4] += covers(b.noise("rows_per_person").orElseThrow(), 1.0) ? 0 : 1;
      misses[5] += covers(c.noise("rows_per_person").orElseThrow(), 1.0) ? 0 : 1;
      misses[6] += covers(a.noise("lift").orElseThrow(), trueLift) ? 0 : 1;
    }
    for (int k = 0; k < misses.length; k++) {
      assertTrue(misses[k] <= 36, "interval kind " + k + " missed " + misses[k] + " of " + runs);
    }
  }

  private static boolean covers(CellNoise n, double truth) {
    return n.lower() <= truth && truth <= n.upper();
  }

  @Test
  void quotient_ofIntervals_holdsEveryQuotientOfTheirPoints() {
    dev.cleanroom.dp.ConfidenceInterval n = new dev.cleanroom.dp.ConfidenceInterval(-3, 7);
    dev.cleanroom.dp.ConfidenceInterval d = new dev.cleanroom.dp.ConfidenceInterval(2, 5);
    dev.cleanroom.dp.ConfidenceInterval q = Derivations.quotient(n, d, false);
    for (double x = -3; x <= 7; x += 0.5) {
      for (double y = 2; y <= 5; y += 0.25) {
        assertTrue(q.contains(x / y), x + "/" + y);
      }
    }
    dev.cleanroom.dp.ConfidenceInterval open =
        Derivations.quotient(
            new dev.cleanroom.dp.ConfidenceInterval(2, 7),
            new dev.cleanroom.dp.ConfidenceInterval(0, 4),
            true);
    assertEquals(Math.nextDown(0.5), open.lower());
    assertEquals(Double.POSITIVE_INFINITY, open.upper());
    dev.cleanroom.dp.ConfidenceInterval any =
        Derivations.quotient(
            new dev.cleanroom.dp.ConfidenceInterval(-2, 7),
            new dev.cleanroom.dp.ConfidenceInterval(-1, 4),
            false);
    assertEquals(Double.NEGATIVE_INFINITY, any.lower());
    assertEquals(Double.POSITIVE_INFINITY, any.upper());
  }

  @Test
  void malformedDerivedColumns_areRefused() {
    CleanRoom room = room(sizes("A", 60, "B", 40), false);
    FinalStage stage =
        room.as(ANALYST)
            .from(VISITS)
            .groupBy("country")
            .select(countDistinctUsers().as("people"), sum("spend").as("spend"), avg("spend"));
    assertThrows(IllegalArgumentException.class, () -> stage.derive(ratio("r", "spend", "nobody")));
    assertThrows(
        IllegalArgumentException.class, () -> stage.derive(ratio("r", "avg_spend", "people")));
    assertThrows(
        IllegalArgumentException.class, () -> stage.derive(ratio("people", "spend", "people")));
    assertThrows(
        IllegalArgumentException.class,
        () -> stage.derive(ratio("r", "spend", "people"), ratio("r", "people", "spend")));
    assertThrows(
        IllegalArgumentException.class,
        () -> stage.derive(lift("l", "spend", "country", "A", "B")));
    assertThrows(
        IllegalArgumentException.class,
        () -> stage.derive(ratio("r", "spend", "people"), lift("l", "r", "day", "A", "B")));
    assertThrows(IllegalArgumentException.class, () -> lift("l", "r", "country", "A", "A"));
    assertThrows(NullPointerException.class, () -> lift("l", "r", "country", "A", null));
    assertThrows(IllegalArgumentException.class, () -> ratio("bad name", "a", "b"));
    assertThrows(IllegalArgumentException.class, () -> stage.derive());
    FinalStage once = stage.derive(ratio("r", "spend", "people"));
    assertThrows(IllegalStateException.class, () -> once.derive(ratio("q", "spend", "people")));
    assertThrows(IllegalArgumentException.class, () -> once.spec().toSql());
  }
}
