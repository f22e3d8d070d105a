package dev.cleanroom.examples;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The reference check of the benchmark: every answer of every row (warm-up shots included) is held
 * against {@link PerfReference}, so that a fast wrong answer fails the run.
 *
 * <ul>
 *   <li>Loads must read every row of both files.
 *   <li>Q1 answers must release exactly the campaigns with at least k people, with exactly their
 *       people; the revenue of our engine must be the exact sum rounded once (the same double), and
 *       that of DuckDB and the row-at-a-time baseline, which add doubles in their own order, the
 *       same to the cent (every value is a whole number of cents, so another set of people or
 *       clamps moves a sum by whole cents, while the order of additions moves it by far less).
 *   <li>DuckDB's bounded Q1-DP must be {@link PerfReference#bounded} for the hash values of its
 *       rank expression, in the same way.
 *   <li>Noisy answers (our engine's Q1-DP on every path, the baseline's) cannot equal anything: our
 *       engine chooses each person's campaigns by a keyed hash under a secret of the room, and adds
 *       noise. They are checked against {@link PerfReference#expect}: each released campaign's two
 *       cells, and their totals over all released campaigns, must lie within the deviation that the
 *       choice (Hoeffding's inequality over people) and the noise (a Chernoff bound for a sum of
 *       Laplace noises) reach with probability at most {@link #FALSE_FAILURE} each; a campaign
 *       whose count surely passes the private selection must be released; no campaign that nobody
 *       joined may be; the reported noise scales must be those that ε, L0 and the clamp imply.
 * </ul>
 *
 * <p><b>False failures.</b> Only the noisy checks can fail by chance. Each of their statements
 * fails with probability at most 2 × {@value #FALSE_FAILURE} when the answer is right (one for the
 * choice, one for the noise): two cells per released campaign, two totals, one release decision per
 * campaign, so about 300 statements per answer with 100 campaigns. A run checks at most 110 noisy
 * answers (four rows of at most 25 shots, ten first answers), so at most about 33,000 statements: a
 * right engine fails a run by chance with probability below 10^-7. The bounds take the keyed hash
 * for a random choice, the premise of the engine's own privacy argument.
 *
 * <p>The noisy checks are weaker than the exact ones, as the noise is large next to one campaign.
 * At small scale a cell's bound is about 60% of its count and twice its revenue, while the totals
 * over all campaigns are held to about 2% (count) and 7% (revenue), which catches a missing bound
 * on campaigns per person (19% more people) but not a missing clamp; at full scale the totals are
 * held to about 0.2% and 0.7%.
 */
final class PerfCheck {
  private PerfCheck() {}

  /** The largest probability that one statement of a noisy check fails for a correct answer. */
  static final double FALSE_FAILURE = 1e-12;

  /** Problems listed per row; more are counted. */
  private static final int LISTED = 5;

  /** What a row's answers are held to. */
  enum Kind {
    /** A load: the number of rows read. */
    LOAD,
    /** Q1 of our engine: the exact answer, the same doubles. */
    Q1_EXACT,
    /** Q1 adding doubles in its own order: the exact answer, revenue to the cent. */
    Q1_TO_THE_CENT,
    /** Q1's counts alone: exactly the campaigns and counts of Q1, no revenue. */
    Q1_COUNTS,
    /** DuckDB's bounded Q1-DP: the exact answer for its hash ranks, revenue to the cent. */
    BOUNDED_TO_THE_CENT,
    /** Our engine's Q1-DP: discrete Laplace noise, private selection of campaigns. */
    NOISY_ENGINE,
    /** The baseline's Q1-DP: continuous Laplace noise, k on the released noisy count. */
    NOISY_BASELINE
  }

  /**
   * The outcome of checking one row's answers.
   *
   * @param answers the number of answers checked
   * @param problems what was wrong, at most a few listed
   * @param summary one line saying what was checked
   */
  record Outcome(int answers, List<String> problems, String summary) {
    Outcome {
      problems = List.copyOf(problems);
    }

    boolean ok() {
      return answers > 0 && problems.isEmpty();
    }
  }

  /**
   * The noise of a noisy Q1-DP answer.
   *
   * @param countScale the Laplace scale of a released count
   * @param sumScale the Laplace scale of a released sum
   * @param discrete whether noise comes in whole units (1 for counts, a power of two for sums)
   * @param reportsScale whether each cell reports its noise scale
   * @param releaseAt a campaign whose exact count surely reaches this once noise is added must be
   *     released
   * @param kOnReleasedCount whether the released count itself must reach k (the baseline's rule);
   *     otherwise selection has noise of its own
   */
  record Noise(
      double countScale,
      double sumScale,
      boolean discrete,
      boolean reportsScale,
      double releaseAt,
      boolean kOnReleasedCount) {
    /**
     * Our engine: ε split evenly over the two aggregates and the private selection of campaigns, a
     * person in at most L0 campaigns with a total in [0, CLAMP] there; discrete Laplace. The
     * selection releases a campaign whose noisy count (its own noise, of the count's scale t)
     * reaches τ = 1 + max(0, ⌈t·(ln(L0/δ) − ln(1 + e^(−1/t)))⌉) (PartitionSelection) and k; τ is at
     * most 2 + t·ln(L0/δ).
     */
    static Noise engine() {
      double part = PerfRooms.EPSILON / 3;
      double t = PerfRooms.MAX_CAMPAIGNS / part;
      double tau = 2 + t * Math.log(PerfRooms.MAX_CAMPAIGNS / PerfRooms.DELTA);
      return new Noise(
          t,
          PerfRooms.MAX_CAMPAIGNS * PerfRooms.CLAMP / part,
          true,
          true,
          Math.max(PerfRooms.MIN_USERS, tau),
          false);
    }

    /** The row-at-a-time baseline: the same scales, continuous Laplace, k on the noisy count. */
    static Noise baseline() {
      double part = PerfRooms.EPSILON / 3;
      return new Noise(
          PerfRooms.MAX_CAMPAIGNS / part,
          PerfRooms.MAX_CAMPAIGNS * PerfRooms.CLAMP / part,
          false,
          false,
          PerfRooms.MIN_USERS,
          true);
    }
  }

  /** Every answer must be a load of every row of both files. */
  static Outcome load(List<PerfAnswer> answers, PerfReference ref) {
    Problems problems = new Problems();
    for (int i = 0; i < answers.size(); i++) {
      PerfAnswer a = answers.get(i);
      if (a.loadedRows() != ref.loadedRows()) {
        problems.add("answer " + i + " loaded " + a.loadedRows() + " rows of " + ref.loadedRows());
      }
    }
    return new Outcome(
        answers.size(),
        problems.list(),
        answers.size() + " loads of all " + ref.loadedRows() + " rows");
  }

  /**
   * Every answer must release exactly the campaigns of {@code expected}, with exactly their counts,
   * and revenue equal to the exact sum rounded once ({@code sameDouble}) or to the cent.
   */
  static Outcome exact(
      List<PerfAnswer> answers, SortedMap<Long, PerfReference.Exact> expected, boolean sameDouble) {
    return exact(answers, expected, sameDouble, true);
  }

  /**
   * Every answer must release exactly the campaigns of {@code expected} with exactly their counts;
   * with {@code revenue}, revenue as in {@link #exact(List, SortedMap, boolean)}, else none (NaN).
   */
  static Outcome exact(
      List<PerfAnswer> answers,
      SortedMap<Long, PerfReference.Exact> expected,
      boolean sameDouble,
      boolean revenue) {
    Problems problems = new Problems();
    BigDecimal halfCent = new BigDecimal("0.005");
    for (int i = 0; i < answers.size(); i++) {
      PerfAnswer a = answers.get(i);
      Map<Long, PerfAnswer.Cell> cells = byCampaign(a, i, problems);
      if (cells == null) {
        continue;
      }
      if (!cells.keySet().equals(expected.keySet())) {
        problems.add(
            "answer "
                + i
                + " released "
                + cells.size()
                + " campaigns, the reference "
                + expected.size()
                + " (first differing: "
                + firstDifference(cells.keySet(), expected.keySet())
                + ")");
        continue;
      }
      for (Map.Entry<Long, PerfReference.Exact> e : expected.entrySet()) {
        PerfAnswer.Cell c = cells.get(e.getKey());
        PerfReference.Exact x = e.getValue();
        if (c.converters() != x.converters()) {
          problems.add(
              String.format(
                  Locale.ROOT,
                  "answer %d, campaign %d: %s converters, the reference %d",
                  i,
                  e.getKey(),
                  c.converters(),
                  x.converters()));
        }
        boolean same =
            !revenue
                ? Double.isNaN(c.revenue())
                : sameDouble
                    ? Double.compare(c.revenue(), x.revenue().doubleValue()) == 0
                    : Double.isFinite(c.revenue())
                        && new BigDecimal(c.revenue())
                                .subtract(x.revenue())
                                .abs()
                                .compareTo(halfCent)
                            < 0;
        if (!same) {
          problems.add(
              String.format(
                  Locale.ROOT,
                  "answer %d, campaign %d: revenue %s, the reference %s",
                  i,
                  e.getKey(),
                  c.revenue(),
                  x.revenue().doubleValue()));
        }
      }
    }
    return new Outcome(
        answers.size(),
        problems.list(),
        answers.size()
            + " answers equal to the reference ("
            + expected.size()
            + " campaigns; "
            + (!revenue
                ? "counts only"
                : sameDouble ? "revenue the same double" : "revenue to the cent")
            + ")");
  }

  /** Every answer must be a plausible noisy Q1-DP answer; see the class documentation. */
  static Outcome noisy(List<PerfAnswer> answers, PerfReference ref, Noise noise) {
    Problems problems = new Problems();
    double worstCell = 0;
    double worstTotal = 0;
    // Sums come in units of g <= 2^-39 of their scale; each row's value and each person's bounds
    // are rounded to units (half a unit each), and a person adds to at most L0 cells: a slack.
    double unit = noise.discrete() ? Math.scalb(noise.sumScale(), -39) : 0;
    double rounding = PerfRooms.MAX_CAMPAIGNS * (ref.conversionRows() + ref.people()) * unit;
    for (int i = 0; i < answers.size(); i++) {
      PerfAnswer a = answers.get(i);
      Map<Long, PerfAnswer.Cell> cells = byCampaign(a, i, problems);
      if (cells == null) {
        continue;
      }
      long lo = 0;
      long hi = 0;
      for (PerfAnswer.Cell c : cells.values()) {
        String where = String.format(Locale.ROOT, "answer %d, campaign %d", i, c.campaign());
        if (c.campaign() < 0 || c.campaign() >= Workload.CAMPAIGNS) {
          problems.add(where + ": no such campaign");
          continue;
        }
        int campaign = (int) c.campaign();
        if (campaign < 64) {
          lo |= 1L << campaign;
        } else {
          hi |= 1L << (campaign - 64);
        }
        PerfReference.Expectation e = single(ref, campaign);
        if (e.people() == 0) {
          problems.add(where + ": released, but nobody in it converted");
          continue;
        }
        if (noise.reportsScale()
            && !(near(c.converterScale(), noise.countScale())
                && near(c.revenueScale(), noise.sumScale()))) {
          problems.add(
              where
                  + ": noise scales "
                  + c.converterScale()
                  + " and "
                  + c.revenueScale()
                  + ", expected "
                  + noise.countScale()
                  + " and "
                  + noise.sumScale());
        }
        if (noise.kOnReleasedCount() && c.converters() < PerfRooms.MIN_USERS) {
          problems.add(where + ": released with a noisy count below k");
        }
        double countBound = countBound(noise, 1, e.converterRanges());
        double revenueBound = revenueBound(noise, 1, e.revenueRanges(), rounding, unit);
        worstCell =
            Math.max(
                worstCell,
                deviation(
                    where + " converters", c.converters(), e.converters(), countBound, problems));
        worstCell =
            Math.max(
                worstCell,
                deviation(where + " revenue", c.revenue(), e.revenue(), revenueBound, problems));
      }
      for (int campaign = 0; campaign < Workload.CAMPAIGNS; campaign++) {
        if (PerfReference.has(lo, hi, campaign)) {
          continue;
        }
        PerfReference.Expectation e = single(ref, campaign);
        double surely =
            e.converters()
                - hoeffding(e.converterRanges())
                - laplaceSum(1, noise.countScale())
                - (noise.discrete() ? 1 : 0);
        if (surely >= noise.releaseAt()) {
          problems.add(
              String.format(
                  Locale.ROOT,
                  "answer %d, campaign %d: not released, though its count surely passes selection",
                  i,
                  campaign));
        }
      }
      int n = Long.bitCount(lo) + Long.bitCount(hi);
      if (n > 0) {
        // The released set depends on the data, so the totals' bound is made of statements about
        // fixed sets only: over all campaigns that anyone joined (A), every person adds exactly
        // min(L0, campaigns) pairs, so the choice moves the total over A by nothing; the total
        // over the released ones differs from it by the unreleased campaigns, each bounded alone.
        // Likewise the noise: the sum over A (unreleased cells as if drawn) and each cell alone.
        int joined = 0;
        double choice = 0;
        double choiceRevenue = 0;
        for (int campaign = 0; campaign < Workload.CAMPAIGNS; campaign++) {
          PerfReference.Expectation e = single(ref, campaign);
          if (e.people() == 0) {
            continue;
          }
          joined++;
          if (!PerfReference.has(lo, hi, campaign)) {
            choice += hoeffding(e.converterRanges());
            choiceRevenue += hoeffding(e.revenueRanges());
          }
        }
        int missing = joined - n;
        PerfReference.Expectation e = ref.expect(lo, hi);
        double count = 0;
        double revenue = 0;
        for (PerfAnswer.Cell c : cells.values()) {
          count += c.converters();
          revenue += c.revenue();
        }
        String where = "answer " + i + ", total over " + n + " campaigns";
        double countBound =
            choice + countBound(noise, Math.max(joined, 1), 0) + missing * countBound(noise, 1, 0);
        double revenueBound =
            choiceRevenue
                + revenueBound(noise, Math.max(joined, 1), 0, rounding, unit)
                + missing * revenueBound(noise, 1, 0, 0, unit);
        worstTotal =
            Math.max(
                worstTotal,
                deviation(where + " converters", count, e.converters(), countBound, problems));
        worstTotal =
            Math.max(
                worstTotal,
                deviation(where + " revenue", revenue, e.revenue(), revenueBound, problems));
      }
    }
    return new Outcome(
        answers.size(),
        problems.list(),
        String.format(
            Locale.ROOT,
            "%d noisy answers within their bounds (largest deviation: %.0f%% of its bound in a"
                + " cell, %.0f%% in a total)",
            answers.size(),
            100 * worstCell,
            100 * worstTotal));
  }

  private static PerfReference.Expectation single(PerfReference ref, int campaign) {
    return campaign < 64 ? ref.expect(1L << campaign, 0) : ref.expect(0, 1L << (campaign - 64));
  }

  /** The bound of a count over {@code n} cells: the choice's deviation plus the noise's. */
  static double countBound(Noise noise, int n, double ranges) {
    return hoeffding(ranges)
        + laplaceSum(n, noise.countScale())
        // Discrete Laplace noise K of parameter t is, in absolute value, dominated by |X| + 1 for
        // X Laplace of scale t (P[|K| >= j] = 2q^j/(1+q) <= q^(j-1)), so E[e^(λK)] <=
        // e^λ·E[e^(λX)]: its sum over n cells is bounded like the continuous one plus n units.
        + (noise.discrete() ? n : 0);
  }

  /** The bound of a revenue over {@code n} cells; {@code unit} is the largest granularity. */
  static double revenueBound(Noise noise, int n, double ranges, double rounding, double unit) {
    return hoeffding(ranges) + laplaceSum(n, noise.sumScale()) + n * unit + rounding;
  }

  /**
   * The deviation from the expectation that a sum of independent terms, whose ranges' squares add
   * to {@code ranges}, exceeds with probability at most {@link #FALSE_FAILURE} (Hoeffding: P[|S − E
   * S| >= s] <= 2·exp(−2s²/ranges)).
   */
  static double hoeffding(double ranges) {
    return Math.sqrt(ranges * Math.log(2 / FALSE_FAILURE) / 2);
  }

  /**
   * The a for which P[|X_1 + … + X_n| >= a] <= {@link #FALSE_FAILURE}, X_i independent Laplace of
   * scale b, by the Chernoff bound: E[e^(λX)] = 1/(1 − λ²b²), so P[S >= a] <= min over u in (0, 1)
   * of exp(−n·ln(1 − u²) − u·a/b), and twice that for both sides. The minimum is at u = A/(n +
   * sqrt(n² + A²)) with A = a/b; a is found by bisection. For n = 1 the exact tail is used.
   */
  static double laplaceSum(int n, double b) {
    if (n == 1) {
      return b * Math.log(1 / FALSE_FAILURE); // exact: P[|X| >= a] = exp(-a/b)
    }
    double target = FALSE_FAILURE / 2;
    double lo = 0;
    double hi = 1;
    while (chernoff(n, hi) > target) {
      hi *= 2;
    }
    for (int k = 0; k < 100; k++) {
      double mid = (lo + hi) / 2;
      if (chernoff(n, mid) > target) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return hi * b;
  }

  /** The one-sided Chernoff bound of a sum of n unit Laplace variables at a. */
  private static double chernoff(int n, double a) {
    if (a <= 0) {
      return 1;
    }
    double u = a / (n + Math.sqrt((double) n * n + a * a));
    return Math.exp(-n * Math.log1p(-u * u) - u * a);
  }

  private static boolean near(double reported, double expected) {
    return Math.abs(reported - expected) <= 1e-6 * expected;
  }

  /**
   * Records a problem if {@code value} is farther than {@code bound} (widened by a relative 10^-9
   * for the rounding of doubles) from {@code expected}; returns the share of the bound used.
   */
  private static double deviation(
      String what, double value, double expected, double bound, Problems problems) {
    double slack = bound + 1e-9 * (Math.abs(value) + Math.abs(expected));
    double d = Math.abs(value - expected);
    if (!(d <= slack)) {
      problems.add(
          String.format(
              Locale.ROOT,
              "%s: %.6g, expected %.6g ± %.6g (%.1f bounds away)",
              what,
              value,
              expected,
              bound,
              d / bound));
    }
    return d / slack;
  }

  private static Map<Long, PerfAnswer.Cell> byCampaign(PerfAnswer a, int i, Problems problems) {
    if (a.loadedRows() != -1) {
      problems.add("answer " + i + " is a load, not a query's answer");
      return null;
    }
    Map<Long, PerfAnswer.Cell> out = new TreeMap<>();
    for (PerfAnswer.Cell c : a.cells()) {
      if (out.put(c.campaign(), c) != null) {
        problems.add("answer " + i + " released campaign " + c.campaign() + " twice");
        return null;
      }
    }
    return out;
  }

  private static String firstDifference(
      java.util.Set<Long> released, java.util.Set<Long> expected) {
    for (Long c : new java.util.TreeSet<>(expected)) {
      if (!released.contains(c)) {
        return "campaign " + c + " missing";
      }
    }
    for (Long c : new java.util.TreeSet<>(released)) {
      if (!expected.contains(c)) {
        return "campaign " + c + " not in the reference";
      }
    }
    return "none";
  }

  /** Problems of one row: the first few listed, the rest counted. */
  private static final class Problems {
    private final List<String> listed = new ArrayList<>();
    private int more;

    void add(String problem) {
      if (listed.size() < LISTED) {
        listed.add(problem);
      } else {
        more++;
      }
    }

    List<String> list() {
      List<String> out = new ArrayList<>(listed);
      if (more > 0) {
        out.add("… and " + more + " more");
      }
      return out;
    }
  }
}
