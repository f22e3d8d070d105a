package dev.cleanroom.internal.release;

import static dev.cleanroom.internal.release.DpTesting.ANALYST;
import static dev.cleanroom.internal.release.DpTesting.DOWN;
import static dev.cleanroom.internal.release.DpTesting.SPEND_LOWER;
import static dev.cleanroom.internal.release.DpTesting.SPEND_UPPER;
import static dev.cleanroom.internal.release.DpTesting.assertAmount;
import static dev.cleanroom.internal.release.DpTesting.dataset;
import static dev.cleanroom.internal.release.DpTesting.dpPolicy;
import static dev.cleanroom.internal.release.DpTesting.ledger;
import static dev.cleanroom.internal.release.DpTesting.memory;
import static dev.cleanroom.internal.release.DpTesting.people;
import static dev.cleanroom.internal.release.DpTesting.sizes;
import static dev.cleanroom.internal.release.DpTesting.trueSum;
import static dev.cleanroom.query.Dsl.avg;
import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.sum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.BudgetPeriod;
import dev.cleanroom.CleanRoom;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.dp.GaussianMechanism;
import dev.cleanroom.dp.LaplaceMechanism;
import dev.cleanroom.dp.PartitionSelection;
import dev.cleanroom.dp.Sensitivity;
import dev.cleanroom.internal.release.DpTesting.TestSource;
import dev.cleanroom.query.CellNoise;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.LedgerStatus;
import dev.cleanroom.query.NoiseKind;
import dev.cleanroom.query.PrivacyReport;
import dev.cleanroom.query.Result;
import dev.cleanroom.query.ResultRow;
import dev.cleanroom.spi.BudgetStore;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The released rows of differentially private queries: which groups appear, the granularity and
 * confidence intervals of noisy cells, and the privacy report.
 *
 * <p>Sources report no version, so every run is charged and noised afresh. Statistical tests state
 * their false-failure probability; each is at most 1e-9.
 */
class NoisyResultTest {
  private static final String VISITS = "pub.visits";
  private static final String LEDGER = ledger(VISITS, "lifetime");

  /** One DP dataset {@code pub.visits} with the given group sizes and total budget. */
  private static final class Fixture {
    final BudgetStore store = memory();
    final CleanRoom room = DpTesting.room(store);
    final TestSource source;

    Fixture(Map<String, Integer> sizes, PrivacyBudget total, double cap) {
      source = TestSource.unversioned(people("visits", "u", sizes));
      room.register(dataset("pub", "visits", source, dpPolicy(total, cap, BudgetPeriod.NONE)));
    }

    /** Ample budget for many runs. */
    Fixture(Map<String, Integer> sizes) {
      this(sizes, PrivacyBudget.epsilonDelta(100_000, 0.5), 10);
    }
  }

  private static List<Object> keysOf(Result r) {
    List<Object> out = new ArrayList<>();
    for (ResultRow row : r.rows()) {
      out.add(row.get(0));
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Which groups are released

  @Test
  void publicGroups_releaseExactlyTheListedKeys_presentInTheDataOrNot() {
    Fixture f = new Fixture(sizes("DE", 30, "FR", 20, "IT", 5));
    for (int run = 0; run < 20; run++) {
      Result r =
          f.room
              .as(ANALYST)
              .from(VISITS)
              .groupBy("country")
              .select(count(), sum("spend"))
              .epsilon(1.0)
              .publicGroupValues("ZZ", "DE", "ES")
              .run();

      assertEquals(List.of("DE", "ES", "ZZ"), keysOf(r));
      for (ResultRow row : r.rows()) {
        assertFalse(row.noise("country").isPresent(), "group values are exact");
        assertTrue(row.noise("count").isPresent());
        assertTrue(row.noise("sum_spend").isPresent());
        assertInstanceOf(Long.class, row.get("count"));
        assertInstanceOf(Double.class, row.get("sum_spend"));
      }
    }
    assertEquals(20, f.source.scans());
  }

  @Test
  void publicGroups_ofTwoDimensions_releaseExactlyTheListedPairs() {
    Fixture f = new Fixture(sizes("DE", 30, "FR", 20));
    List<List<Object>> listed = List.of(List.of("FR", 6L), List.of("DE", 0L), List.of("XX", 3L));

    Result r =
        f.room
            .as(ANALYST)
            .from(VISITS)
            .groupBy("country", "day")
            .select(countDistinctUsers())
            .epsilon(1.0)
            .publicGroups(listed)
            .run();

    List<List<Object>> released = new ArrayList<>();
    for (ResultRow row : r.rows()) {
      released.add(List.of(row.get("country"), row.get("day")));
    }
    assertEquals(List.of(List.of("DE", 0L), List.of("FR", 6L), List.of("XX", 3L)), released);
  }

  /** Any list of public keys, with repeats and keys absent from the data, is released as a set. */
  @Property(tries = 30)
  void publicGroups_anyList_releasesExactlyItsDistinctKeys(@ForAll("keyLists") List<String> keys) {
    Fixture f = new Fixture(sizes("DE", 12, "FR", 8, "IT", 1));

    Result r =
        f.room
            .as(ANALYST)
            .from(VISITS)
            .groupBy("country")
            .select(count())
            .epsilon(1.0)
            .publicGroupValues(keys.toArray())
            .run();

    assertEquals(new ArrayList<>(new TreeSet<>(keys)), keysOf(r));
  }

  @Provide
  Arbitrary<List<String>> keyLists() {
    return Arbitraries.of("DE", "FR", "IT", "ES", "ZZ", "", "Ünïcode").list().ofMaxSize(9);
  }

  /**
   * Private selection keeps a group of 2000 people and never releases a group of one.
   *
   * <p>Each run spends (ε, δ) = (1, 1e-12): ε/2 and all of δ on group selection (L0 = 1). A group
   * whose only member is one person is released with probability at most δ = 1e-12 per run (the
   * exact value, from the selection threshold, is checked below); over 200 runs and 5 such groups
   * that is at most 1e-9. (At δ = 1e-9 per run the bound would be 1e-6, too weak for a unit test.)
   * The group of 2000 is dropped only if the Laplace noise (scale 2) falls below -1900, probability
   * below 1e-400. Total false-failure probability: at most 1e-9.
   */
  @Test
  void privateSelection_keepsALargeGroup_andNeverReleasesASingleton() {
    double delta = 1e-12;
    int runs = 200;
    int singletons = 5;
    Fixture f = new Fixture(sizes("BIG", 2000, "S0", 1, "S1", 1, "S2", 1, "S3", 1, "S4", 1));

    PartitionSelection ps =
        PartitionSelection.of(
            BigDecimal.ONE.divide(BigDecimal.valueOf(2), DOWN), BigDecimal.valueOf(delta), 1);
    double q = Math.exp(-1 / ps.scale());
    double singletonReleased = Math.pow(q, (double) (ps.threshold() - 1)) / (1 + q);
    double bigDropped = Math.pow(q, (double) (2001 - ps.threshold())) / (1 + q);
    double bound = runs * (singletons * singletonReleased + bigDropped);
    assertTrue(bound <= 1e-9, "false-failure bound " + bound);

    for (int run = 0; run < runs; run++) {
      Result r =
          f.room
              .as(ANALYST)
              .from(VISITS)
              .groupBy("country")
              .select(count())
              .budget(PrivacyBudget.epsilonDelta(1.0, delta))
              .run();
      assertEquals(List.of("BIG"), keysOf(r), "run " + run);
      assertTrue(r.rows().get(0).noise("count").isPresent());
    }
    assertEquals(runs, f.source.scans());
  }

  // ---------------------------------------------------------------------------------------------
  // Noisy cells

  /**
   * A noisy sum is an exact multiple of its mechanism's power-of-two granularity, which the test
   * derives as the engine does: ε split evenly over the two aggregates, L0 = 1, L∞ = 10.
   */
  @ParameterizedTest
  @ValueSource(doubles = {0.01, 1.0, 7.0})
  void noisySums_areExactMultiplesOfTheGranularity(double epsilon) {
    Fixture f = new Fixture(sizes("DE", 30, "FR", 17));
    LaplaceMechanism m =
        LaplaceMechanism.forReals(
            BigDecimal.valueOf(epsilon).divide(BigDecimal.valueOf(2), DOWN),
            Sensitivity.of(1, SPEND_UPPER));
    double g = m.granularity();
    assertEquals(g, Math.scalb(1.0, Math.getExponent(g)), "granularity is a power of two");

    for (int run = 0; run < 30; run++) {
      Result r =
          f.room
              .as(ANALYST)
              .from(VISITS)
              .groupBy("country")
              .select(count(), sum("spend"))
              .epsilon(epsilon)
              .publicGroupValues("DE", "FR", "XX")
              .run();
      for (ResultRow row : r.rows()) {
        double v = row.getDouble("sum_spend");
        CellNoise n = row.noise("sum_spend").orElseThrow();
        assertEquals(m.scale(), n.scale(), "the test's mechanism must be the engine's");
        assertEquals(LaplaceMechanism.NAME, n.mechanism());
        assertTrue(Math.ulp(v) < g || v == 0, "the check must be able to fail");
        double units = v / g;
        assertEquals(Math.rint(units), units, () -> v + " is not a multiple of " + g);
      }
    }
  }

  /**
   * The 95% intervals of noisy counts and sums contain the true value at least 95% of the time.
   *
   * <p>10 runs × 20 groups × 2 aggregates = 400 cells with independent noise. Each interval misses
   * the truth with probability at most 0.05 (the half-width is computed from the discrete noise
   * distribution itself, conservatively, and the true values are integers, hence exact multiples of
   * the granularity), so the number of misses is stochastically at most Binomial(400, 0.05); the
   * test fails if more than 60 miss: P[Bin(400, 0.05) >= 61] ≈ 1.4e-14 (computed below).
   */
  @ParameterizedTest
  @EnumSource(NoiseKind.class)
  void confidenceIntervals_coverTheTruth_atLeast95PercentOfTheTime(NoiseKind noise) {
    Map<String, Integer> sizes = new LinkedHashMap<>();
    for (int n = 10; n < 30; n++) {
      sizes.put("C" + n, n);
    }
    Fixture f = new Fixture(sizes);
    int cells = 0;
    int misses = 0;
    for (int run = 0; run < 10; run++) {
      FinalStage q =
          f.room
              .as(ANALYST)
              .from(VISITS)
              .groupBy("country")
              .select(count(), sum("spend"))
              .budget(
                  noise == NoiseKind.GAUSSIAN
                      ? PrivacyBudget.epsilonDelta(1.0, 1e-6)
                      : PrivacyBudget.epsilon(1.0))
              .noise(noise)
              .publicGroupValues(sizes.keySet().toArray());
      Result r = q.run();
      assertEquals(20, r.size());
      for (ResultRow row : r.rows()) {
        int n = sizes.get(row.getString("country"));
        for (String column : List.of("count", "sum_spend")) {
          double truth = column.equals("count") ? n : trueSum(n);
          CellNoise c = row.noise(column).orElseThrow();
          assertTrue(c.lower() <= row.getDouble(column) && row.getDouble(column) <= c.upper());
          cells++;
          if (!(c.lower() <= truth && truth <= c.upper())) {
            misses++;
          }
        }
      }
    }
    assertEquals(400, cells);
    double tail = binomialUpperTail(400, 0.05, 61);
    assertTrue(tail <= 1e-9, "false-failure probability " + tail);
    assertTrue(misses <= 60, misses + " of 400 intervals miss the truth");
  }

  /** P[Binomial(n, p) >= k], summed in log space. */
  private static double binomialUpperTail(int n, double p, int k) {
    double sum = 0;
    for (int i = k; i <= n; i++) {
      double log = logChoose(n, i) + i * Math.log(p) + (n - i) * Math.log1p(-p);
      sum += Math.exp(log);
    }
    return sum;
  }

  private static double logChoose(int n, int k) {
    double s = 0;
    for (int i = 1; i <= k; i++) {
      s += Math.log(n - k + i) - Math.log(i);
    }
    return s;
  }

  @ParameterizedTest
  @EnumSource(NoiseKind.class)
  void mean_andItsInterval_stayWithinTheMetricBounds(NoiseKind noise) {
    Fixture f = new Fixture(sizes("DE", 40, "FR", 2, "IT", 1));
    for (int run = 0; run < 30; run++) {
      Result r =
          f.room
              .as(ANALYST)
              .from(VISITS)
              .groupBy("country")
              .select(avg("spend"))
              .budget(PrivacyBudget.epsilonDelta(0.1, 1e-6))
              .noise(noise)
              .publicGroupValues("DE", "FR", "IT", "XX")
              .run();
      assertEquals(4, r.size());
      for (ResultRow row : r.rows()) {
        double mean = row.getDouble("avg_spend");
        CellNoise c = row.noise("avg_spend").orElseThrow();
        assertTrue(SPEND_LOWER <= c.lower(), () -> "lower " + c.lower());
        assertTrue(c.lower() <= mean && mean <= c.upper(), () -> mean + " outside " + c);
        assertTrue(c.upper() <= SPEND_UPPER, () -> "upper " + c.upper());
        assertTrue(c.mechanism().endsWith("(sum and count)"), c.mechanism());
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The privacy report

  @Test
  void report_pureEpsilon_publicGroups_splitsEvenly_andShowsTheLedger() {
    Fixture f = new Fixture(sizes("DE", 30), PrivacyBudget.epsilon(1.0), 1.0);

    PrivacyReport p =
        f.room
            .as(ANALYST)
            .from(VISITS)
            .groupBy("country")
            .select(count(), sum("spend"), avg("spend"))
            .epsilon(0.6)
            .publicGroupValues("DE")
            .run()
            .privacy();

    assertTrue(p.differentiallyPrivate());
    assertFalse(p.repeated());
    assertAmount("0.6", p.epsilon());
    assertAmount("0", p.delta());
    assertEquals(
        List.of(
            "count: ε=0.2",
            "sum_spend: ε=0.2",
            "avg_spend: ε=0.2 (half for the sum, half for the count)"),
        p.split());
    assertLedger(p, "0.6", "0", "0.4", "0");
    assertAmount("0.6", f.store.spent(LEDGER).epsilon());
  }

  @Test
  void report_privateSelection_chargesAllOfDelta_andShowsTheSelectionShare() {
    Fixture f = new Fixture(sizes("DE", 30), PrivacyBudget.epsilonDelta(1.0, 1e-6), 1.0);

    PrivacyReport p =
        f.room
            .as(ANALYST)
            .from(VISITS)
            .groupBy("country")
            .select(count())
            .budget(PrivacyBudget.epsilonDelta(0.4, 1e-7))
            .run()
            .privacy();

    assertAmount("0.4", p.epsilon());
    assertAmount("1E-7", p.delta());
    assertEquals(List.of("group selection: ε=0.2, δ=0.0000001", "count: ε=0.2"), p.split());
    assertLedger(p, "0.4", "1E-7", "0.6", "9E-7");
  }

  @Test
  void report_gaussian_splitsEpsilonAndDeltaOverTheAggregates() {
    Fixture f = new Fixture(sizes("DE", 30), PrivacyBudget.epsilonDelta(1.0, 1e-6), 1.0);

    Result r =
        f.room
            .as(ANALYST)
            .from(VISITS)
            .groupBy("country")
            .select(count(), sum("spend"))
            .budget(PrivacyBudget.epsilonDelta(0.5, 1e-7))
            .noise(NoiseKind.GAUSSIAN)
            .publicGroupValues("DE", "XX")
            .run();

    PrivacyReport p = r.privacy();
    assertAmount("0.5", p.epsilon());
    assertAmount("1E-7", p.delta());
    assertEquals(
        List.of("count: ε=0.25, δ=0.00000005", "sum_spend: ε=0.25, δ=0.00000005"), p.split());
    assertLedger(p, "0.5", "1E-7", "0.5", "9E-7");
    for (ResultRow row : r.rows()) {
      assertEquals(GaussianMechanism.NAME, row.noise("count").orElseThrow().mechanism());
      assertEquals(GaussianMechanism.NAME, row.noise("sum_spend").orElseThrow().mechanism());
      assertTrue(row.noise("count").orElseThrow().scale() > 0);
    }
  }

  @Test
  void report_laplaceWithDelta_andPublicGroups_chargesNoDelta() {
    Fixture f = new Fixture(sizes("DE", 30), PrivacyBudget.epsilonDelta(1.0, 1e-6), 1.0);

    PrivacyReport p =
        f.room
            .as(ANALYST)
            .from(VISITS)
            .groupBy("country")
            .select(count())
            .budget(PrivacyBudget.epsilonDelta(0.5, 1e-7))
            .publicGroupValues("DE")
            .run()
            .privacy();

    assertAmount("0", p.delta());
    assertEquals(List.of("count: ε=0.5"), p.split());
    assertLedger(p, "0.5", "0", "0.5", "0.000001");
  }

  private static void assertLedger(
      PrivacyReport p, String eps, String delta, String epsLeft, String deltaLeft) {
    assertEquals(1, p.ledgers().size());
    LedgerStatus l = p.ledgers().get(0);
    assertEquals(LEDGER, l.ledger());
    assertEquals(VISITS, l.dataset());
    assertAmount(eps, l.epsilonCharged());
    assertAmount(delta, l.deltaCharged());
    assertAmount(epsLeft, l.epsilonRemaining());
    assertAmount(deltaLeft, l.deltaRemaining());
  }
}
