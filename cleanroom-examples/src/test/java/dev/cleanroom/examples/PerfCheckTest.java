package dev.cleanroom.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.SecretKey;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reference check at tiny scale: the reference agrees with a second, naive computation; right
 * answers pass; wrong ones fail. Noisy answers come from the baseline and from our engine with
 * secure randomness; each passes with probability above 1 - 10^-9 (see {@link PerfCheck}).
 */
class PerfCheckTest {
  private static Workload workload;
  private static PerfReference reference;
  private static List<Baseline.Impression> impressions;
  private static List<Baseline.Conversion> conversions;

  @BeforeAll
  static void generate() {
    workload = Workload.generate(Workload.Scale.of("tiny"), 42);
    reference = PerfReference.of(workload);
    impressions = new ArrayList<>();
    for (int r = 0; r < workload.impressionRows(); r++) {
      impressions.add(new Baseline.Impression(workload.impressionUser(r), workload.campaign(r), 0));
    }
    conversions = new ArrayList<>();
    for (int r = 0; r < workload.conversionRows(); r++) {
      conversions.add(new Baseline.Conversion(workload.conversionUser(r), workload.value(r)));
    }
  }

  @Test
  void reference_q1_equalsANaiveComputationOverTheIds() {
    Map<String, BigDecimal> totals = new HashMap<>();
    for (Baseline.Conversion c : conversions) {
      totals.merge(c.user(), new BigDecimal(c.value()), BigDecimal::add);
    }
    Map<Long, Set<String>> users = new TreeMap<>();
    for (Baseline.Impression i : impressions) {
      if (totals.containsKey(i.user())) {
        users.computeIfAbsent((long) i.campaign(), c -> new HashSet<>()).add(i.user());
      }
    }
    SortedMap<Long, PerfReference.Exact> q1 = reference.q1();
    assertEquals(Workload.CAMPAIGNS, q1.size(), "every campaign passes k at tiny scale");
    for (Map.Entry<Long, Set<String>> e : users.entrySet()) {
      BigDecimal sum = BigDecimal.ZERO;
      for (String u : e.getValue()) {
        sum = sum.add(totals.get(u));
      }
      PerfReference.Exact x = q1.get(e.getKey());
      assertEquals(e.getValue().size(), x.converters(), "campaign " + e.getKey());
      assertEquals(0, sum.compareTo(x.revenue()), "campaign " + e.getKey());
    }
  }

  @Test
  void reference_bounded_keepsTheSmallestRanks_andExpectationAddsUp() {
    // Rank every campaign by its number: each person keeps their L0 smallest campaign numbers.
    Map<String, long[]> ranks = new HashMap<>();
    Map<String, Set<Integer>> campaigns = new HashMap<>();
    Map<String, BigDecimal> totals = new HashMap<>();
    for (Baseline.Conversion c : conversions) {
      totals.merge(c.user(), new BigDecimal(c.value()), BigDecimal::add);
    }
    for (Baseline.Impression i : impressions) {
      if (totals.containsKey(i.user())) {
        campaigns.computeIfAbsent(i.user(), u -> new java.util.TreeSet<>()).add(i.campaign());
        long[] r = ranks.computeIfAbsent(i.user(), u -> new long[Workload.CAMPAIGNS]);
        r[i.campaign()] = i.campaign();
      }
    }
    long[] count = new long[Workload.CAMPAIGNS];
    BigDecimal[] sum = new BigDecimal[Workload.CAMPAIGNS];
    long pairs = 0;
    for (Map.Entry<String, Set<Integer>> e : campaigns.entrySet()) {
      BigDecimal v = totals.get(e.getKey()).min(new BigDecimal(500));
      int kept = 0;
      for (int c : e.getValue()) {
        if (kept++ == PerfRooms.MAX_CAMPAIGNS) {
          break;
        }
        count[c]++;
        sum[c] = sum[c] == null ? v : sum[c].add(v);
        pairs++;
      }
    }
    SortedMap<Long, PerfReference.Exact> bounded = reference.bounded(ranks);
    for (int c = 0; c < Workload.CAMPAIGNS; c++) {
      PerfReference.Exact x = bounded.get((long) c);
      if (count[c] >= PerfRooms.MIN_USERS) {
        assertEquals(count[c], x.converters(), "campaign " + c);
        assertEquals(0, sum[c].compareTo(x.revenue()), "campaign " + c);
      } else {
        assertEquals(null, x, "campaign " + c);
      }
    }
    // Over all campaigns, every person adds exactly min(L0, their campaigns): no randomness left.
    PerfReference.Expectation all = reference.expect(-1L, -1L >>> (128 - Workload.CAMPAIGNS));
    assertEquals(pairs, all.converters(), 1e-6);
    assertEquals(0, all.converterRanges());
    assertEquals(campaigns.size(), all.people());
  }

  @Test
  void exact_acceptsTheReference_andRejectsAnyChange() {
    SortedMap<Long, PerfReference.Exact> q1 = reference.q1();
    PerfAnswer right = answerOf(q1);
    assertTrue(PerfCheck.exact(List.of(right), q1, true).ok());
    assertTrue(PerfCheck.exact(List.of(right), q1, false).ok());

    assertFails(q1, true, cells -> shift(cells, 7, 1, 0));
    assertFails(q1, false, cells -> shift(cells, 7, 0, 0.01));
    assertFails(q1, true, cells -> shift(cells, 7, 0, Math.ulp(cells.get(7).revenue())));
    assertFails(q1, true, cells -> cells.subList(1, cells.size()));
    assertFails(
        q1,
        true,
        cells -> {
          List<PerfAnswer.Cell> more = new ArrayList<>(cells);
          more.add(PerfAnswer.Cell.exact(Workload.CAMPAIGNS, 60, 1000));
          return more;
        });
    assertFalse(PerfCheck.exact(List.of(PerfAnswer.loaded(5)), q1, true).ok());
    assertFalse(PerfCheck.exact(List.of(), q1, true).ok(), "no answers is a failure");
  }

  @Test
  void exact_acceptsTheBaselinesDoubleSums_toTheCent() {
    PerfAnswer baseline = PerfAnswer.from(Baseline.q1(impressions, conversions));
    PerfCheck.Outcome o = PerfCheck.exact(List.of(baseline), reference.q1(), false);
    assertTrue(o.ok(), o.toString());
  }

  @Test
  void load_countsEveryRow() {
    assertTrue(PerfCheck.load(List.of(PerfAnswer.loaded(140_000)), reference).ok());
    assertFalse(PerfCheck.load(List.of(PerfAnswer.loaded(139_999)), reference).ok());
  }

  @Test
  void noisy_acceptsTheBaselinesAndTheEnginesAnswers() {
    List<PerfAnswer> baseline = new ArrayList<>();
    for (long seed = 1; seed <= 5; seed++) {
      baseline.add(PerfAnswer.from(Baseline.q1Dp(impressions, conversions, seed)));
    }
    PerfCheck.Outcome b = PerfCheck.noisy(baseline, reference, PerfCheck.Noise.baseline());
    assertTrue(b.ok(), b.toString());

    PerfAnswer engine =
        PerfAnswer.from(
            PerfRooms.q1Dp(
                PerfRooms.room(
                    SecretKey.random(),
                    workload.impressionsColumnar(),
                    workload.conversionsColumnar(),
                    true)));
    assertTrue(engine.cells().size() > Workload.CAMPAIGNS / 2, "released " + engine.cells());
    PerfCheck.Outcome e = PerfCheck.noisy(List.of(engine), reference, PerfCheck.Noise.engine());
    assertTrue(e.ok(), e.toString());
  }

  @Test
  void noisy_rejectsAnAnswerWithoutBounding_orWithInflatedRevenue_orWrongScales() {
    // Q1 without the bound of L0 campaigns per person: about 15% more people over all campaigns.
    PerfAnswer unbounded = PerfAnswer.from(Baseline.q1(impressions, conversions));
    assertFalse(
        PerfCheck.noisy(List.of(unbounded), reference, PerfCheck.Noise.baseline()).ok(),
        "unbounded");

    PerfAnswer right = PerfAnswer.from(Baseline.q1Dp(impressions, conversions, 3));
    List<PerfAnswer.Cell> inflated = new ArrayList<>();
    for (PerfAnswer.Cell c : right.cells()) {
      inflated.add(PerfAnswer.Cell.exact(c.campaign(), c.converters(), 1.5 * c.revenue()));
    }
    assertFalse(
        PerfCheck.noisy(List.of(PerfAnswer.of(inflated)), reference, PerfCheck.Noise.baseline())
            .ok(),
        "revenue × 1.5");

    PerfCheck.Noise engine = PerfCheck.Noise.engine();
    List<PerfAnswer.Cell> scaled = new ArrayList<>();
    for (PerfAnswer.Cell c : right.cells()) {
      scaled.add(
          new PerfAnswer.Cell(
              c.campaign(),
              c.converters(),
              c.revenue(),
              2 * engine.countScale(),
              engine.sumScale()));
    }
    assertFalse(
        PerfCheck.noisy(List.of(PerfAnswer.of(scaled)), reference, engine).ok(), "noise scale");

    List<PerfAnswer.Cell> invented = new ArrayList<>(right.cells());
    invented.add(PerfAnswer.Cell.exact(Workload.CAMPAIGNS + 1, 300, 30_000));
    assertFalse(
        PerfCheck.noisy(List.of(PerfAnswer.of(invented)), reference, PerfCheck.Noise.baseline())
            .ok(),
        "no such campaign");
  }

  @Test
  void laplaceSum_isAtLeastTheExactQuantileOfOne_andGrowsLikeTheSquareRootOfN() {
    double b = 15;
    // One Laplace variable: P[|X| >= a] = exp(-a/b) exactly.
    double exact = b * Math.log(1 / PerfCheck.FALSE_FAILURE);
    double one = PerfCheck.laplaceSum(1, b);
    assertTrue(one >= exact && one < 1.2 * exact, one + " vs " + exact);
    double hundred = PerfCheck.laplaceSum(100, b);
    assertTrue(hundred > one && hundred < 100 * one / 5, hundred + " vs " + one);
  }

  @Test
  void answers_readBackAsWritten(@TempDir Path dir) throws Exception {
    PerfAnswer a =
        PerfAnswer.of(
            List.of(
                new PerfAnswer.Cell(3, 1234, 0.1 + 0.2, 15, 7500.000000001),
                PerfAnswer.Cell.exact(4, 5, Math.nextUp(1e6))));
    PerfAnswer.write(dir.resolve("a.txt"), List.of(a, PerfAnswer.loaded(17)));
    assertEquals(List.of(a, PerfAnswer.loaded(17)), PerfAnswer.read(dir.resolve("a.txt")));
  }

  private static PerfAnswer answerOf(SortedMap<Long, PerfReference.Exact> expected) {
    List<PerfAnswer.Cell> cells = new ArrayList<>();
    expected.forEach(
        (c, x) -> cells.add(PerfAnswer.Cell.exact(c, x.converters(), x.revenue().doubleValue())));
    return PerfAnswer.of(cells);
  }

  private static List<PerfAnswer.Cell> shift(
      List<PerfAnswer.Cell> cells, int i, double converters, double revenue) {
    List<PerfAnswer.Cell> out = new ArrayList<>(cells);
    PerfAnswer.Cell c = out.get(i);
    out.set(
        i, PerfAnswer.Cell.exact(c.campaign(), c.converters() + converters, c.revenue() + revenue));
    return out;
  }

  private static void assertFails(
      SortedMap<Long, PerfReference.Exact> q1,
      boolean sameDouble,
      UnaryOperator<List<PerfAnswer.Cell>> change) {
    PerfAnswer wrong = PerfAnswer.of(change.apply(answerOf(q1).cells()));
    PerfCheck.Outcome o = PerfCheck.exact(List.of(wrong), q1, sameDouble);
    assertFalse(o.ok(), "accepted a changed answer");
  }
}
