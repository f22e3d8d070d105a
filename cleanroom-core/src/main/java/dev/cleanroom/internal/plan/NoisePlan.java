package dev.cleanroom.internal.plan;

import dev.cleanroom.AggregateFunction;
import dev.cleanroom.Bounds;
import dev.cleanroom.ColumnType;
import dev.cleanroom.InvalidQueryException;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.dp.GaussianMechanism;
import dev.cleanroom.dp.LaplaceMechanism;
import dev.cleanroom.dp.NoiseMechanism;
import dev.cleanroom.dp.PartitionSelection;
import dev.cleanroom.dp.QuantileTree;
import dev.cleanroom.dp.Sensitivity;
import dev.cleanroom.dp.UnitSum;
import dev.cleanroom.internal.value.TypedValues;
import dev.cleanroom.query.CellNoise;
import dev.cleanroom.query.NoiseKind;
import dev.cleanroom.query.Privacy;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The differential-privacy part of a plan: how the query's budget is split over its noisy parts,
 * the mechanism of each part, private partition selection or the public groups, and the amount to
 * charge each ledger.
 *
 * <p>The budget (ε, δ) is split evenly over the parts: one per aggregate, plus one for partition
 * selection when groups are not public (basic composition, so the parts' ε add up to at most ε). A
 * mean is a noisy sum over a noisy count of people, each with half of its share; a variance (or
 * standard deviation) a noisy centered sum, a noisy sum of centered squares and a noisy count, each
 * with a third; all quantiles of one metric are read from one noisy tree of counts of people
 * ({@link QuantileTree}), one part for all of them. With Laplace noise, all of δ goes to partition
 * selection; with Gaussian noise, δ is split evenly over the Gaussian mechanisms and partition
 * selection, and each Gaussian part's (ε_i, δ_i) becomes the largest ρ_i whose zCDP guarantee
 * implies it: ρ = (sqrt(ln(1/δ_i) + ε_i) − sqrt(ln(1/δ_i)))².
 *
 * @param privacy the query's privacy settings
 * @param selection the partition selection, when groups are not public
 * @param publicGroups the public group keys, normalized to the grouped columns' types
 * @param mechanisms per aggregate: one mechanism, or two for a mean (sum, then count), or three for
 *     a variance or standard deviation (centered sum, sum of squares, then count); the quantiles of
 *     one metric share one mechanism (the same instance), that of their tree
 * @param epsilon the ε to charge
 * @param delta the δ to charge
 * @param split one line per noisy part with its share
 * @param accuracy one line per noisy part with its noise and expected 95% half-width
 */
public record NoisePlan(
    Privacy.Differential privacy,
    Optional<PartitionSelection> selection,
    Optional<Set<List<Object>>> publicGroups,
    List<List<NoiseMechanism>> mechanisms,
    BigDecimal epsilon,
    BigDecimal delta,
    List<String> split,
    List<String> accuracy) {

  private static final MathContext DOWN = new MathContext(34, RoundingMode.FLOOR);

  /**
   * Plans the noise of a query.
   *
   * @throws InvalidQueryException if groups must be selected privately but δ is 0, a public group
   *     does not fit the grouped columns, or a summed metric has bounds [0, 0]
   */
  static NoisePlan of(
      Privacy.Differential dp,
      List<ResolvedColumn> groupBy,
      List<Plan.AggregatePlan> aggregates,
      int maxGroupsPerUser,
      int maxContributionsPerGroup) {
    PrivacyBudget budget = dp.budget();
    boolean gaussian = dp.noise() == NoiseKind.GAUSSIAN;
    boolean privateGroups = !groupBy.isEmpty() && dp.publicGroups().isEmpty();
    if (privateGroups && budget.delta().signum() == 0) {
      throw new InvalidQueryException(
          "selecting groups privately needs a budget with δ > 0; give a budget with"
              + " PrivacyBudget.epsilonDelta(...) or list the groups with publicGroups(...)");
    }
    Optional<Set<List<Object>>> publicGroups =
        dp.publicGroups().map(keys -> normalizeGroups(keys, groupBy));
    // One person adds to at most L0 groups, and never to more groups than can be released: one
    // total row, or the public groups.
    if (groupBy.isEmpty()) {
      maxGroupsPerUser = 1;
    } else if (publicGroups.isPresent()) {
      maxGroupsPerUser = Math.max(1, Math.min(maxGroupsPerUser, publicGroups.get().size()));
    }

    // All quantiles of one metric read one noisy tree: one part for all of them.
    Map<List<Integer>, List<String>> treeAliases = new LinkedHashMap<>();
    for (Plan.AggregatePlan a : aggregates) {
      if (a.aggregate().function() == AggregateFunction.QUANTILE) {
        treeAliases.computeIfAbsent(treeKey(a), k -> new ArrayList<>()).add(a.aggregate().alias());
      }
    }
    int quantiles = treeAliases.values().stream().mapToInt(List::size).sum();
    int parts = aggregates.size() - quantiles + treeAliases.size() + (privateGroups ? 1 : 0);
    BigDecimal epsPart = budget.epsilon().divide(BigDecimal.valueOf(parts), DOWN);
    int deltaUsers = (privateGroups ? 1 : 0);
    if (gaussian) {
      for (Plan.AggregatePlan a : aggregates) {
        if (a.aggregate().function() != AggregateFunction.QUANTILE) {
          deltaUsers += parts(a.aggregate().function());
        }
      }
      deltaUsers += treeAliases.size();
    }
    BigDecimal deltaPart =
        deltaUsers == 0
            ? BigDecimal.ZERO
            : budget.delta().divide(BigDecimal.valueOf(deltaUsers), DOWN);
    BigDecimal deltaCharged = deltaUsers == 0 ? BigDecimal.ZERO : budget.delta();

    List<String> split = new ArrayList<>();
    List<String> accuracy = new ArrayList<>();
    Optional<PartitionSelection> selection = Optional.empty();
    if (privateGroups) {
      PartitionSelection ps = PartitionSelection.of(epsPart, deltaPart, maxGroupsPerUser);
      selection = Optional.of(ps);
      split.add("group selection: ε=" + plain(epsPart) + ", δ=" + plain(deltaPart));
      accuracy.add(
          String.format(
              Locale.ROOT,
              "group selection: noisy distinct users (discrete Laplace, scale %.3g) must reach %d"
                  + " and k",
              ps.scale(),
              ps.threshold()));
    }
    List<List<NoiseMechanism>> mechanisms = new ArrayList<>();
    Map<List<Integer>, NoiseMechanism> trees = new HashMap<>();
    for (Plan.AggregatePlan a : aggregates) {
      String alias = a.aggregate().alias();
      AggregateFunction f = a.aggregate().function();
      List<NoiseMechanism> ms = new ArrayList<>();
      if (f == AggregateFunction.QUANTILE) {
        NoiseMechanism tree = trees.get(treeKey(a));
        if (tree == null) {
          Bounds b = a.groupBounds();
          if (!QuantileTree.validBounds(b.lower(), b.upper())) {
            throw new InvalidQueryException(
                "metric ["
                    + a.aggregate().column()
                    + "] has group bounds of width 0 or beyond the double range: its quantiles"
                    + " cannot be released with noise");
          }
          tree =
              mechanism(
                  gaussian, true, epsPart, deltaPart, QuantileTree.sensitivity(maxGroupsPerUser));
          trees.put(treeKey(a), tree);
          String sharing = String.join(", ", treeAliases.get(treeKey(a)));
          split.add(
              sharing
                  + ": ε="
                  + plain(epsPart)
                  + (gaussian ? ", δ=" + plain(deltaPart) : "")
                  + " (one noisy quantile tree of ["
                  + a.aggregate().column()
                  + "], shared by its quantiles)");
          accuracy.add(
              String.format(
                  Locale.ROOT,
                  "%s: quantiles read from a tree of %d noisy counts of people (%s, scale %.3g,"
                      + " leaves of width %.3g); the interval depends on the count",
                  sharing,
                  QuantileTree.NODES,
                  tree.name(),
                  tree.scale(),
                  (b.upper() - b.lower()) / QuantileTree.LEAVES));
        }
        ms.add(tree);
      } else if (f == AggregateFunction.VARIANCE || f == AggregateFunction.STDDEV) {
        BigDecimal third = epsPart.divide(BigDecimal.valueOf(3), DOWN);
        Bounds b = a.groupBounds();
        double halfRange = (b.upper() - b.lower()) / 2;
        if (!(halfRange > 0 && halfRange < Double.POSITIVE_INFINITY)) {
          throw new InvalidQueryException(
              "metric ["
                  + a.aggregate().column()
                  + "] has group bounds of width 0 or beyond the double range: its variance cannot"
                  + " be released with noise");
        }
        NoiseMechanism centered =
            mechanism(
                gaussian, false, third, deltaPart, Sensitivity.of(maxGroupsPerUser, halfRange));
        double squares = spreadLinf(b, centered.granularity());
        ms.add(centered);
        ms.add(
            mechanism(
                gaussian, false, third, deltaPart, Sensitivity.of(maxGroupsPerUser, squares)));
        ms.add(mechanism(gaussian, true, third, deltaPart, Sensitivity.of(maxGroupsPerUser, 1)));
        split.add(
            alias
                + ": ε="
                + plain(epsPart)
                + " (a third each for the centered sum, the sum of squares and the count)");
        accuracy.add(
            String.format(
                Locale.ROOT,
                "%s: variance from a noisy centered sum (%s, scale %.3g), a noisy sum of squares"
                    + " (scale %.3g) and a noisy count (scale %.3g); the interval depends on the"
                    + " count",
                alias,
                ms.get(0).name(),
                ms.get(0).scale(),
                ms.get(1).scale(),
                ms.get(2).scale()));
      } else if (f == AggregateFunction.AVG) {
        BigDecimal half = epsPart.divide(BigDecimal.valueOf(2), DOWN);
        ms.add(mechanism(gaussian, false, half, deltaPart, sumSensitivity(a, maxGroupsPerUser)));
        ms.add(mechanism(gaussian, true, half, deltaPart, Sensitivity.of(maxGroupsPerUser, 1)));
        split.add(alias + ": ε=" + plain(epsPart) + " (half for the sum, half for the count)");
        accuracy.add(
            String.format(
                Locale.ROOT,
                "%s: mean of a noisy sum (%s, scale %.3g) over a noisy count (scale %.3g); the"
                    + " interval depends on the count",
                alias,
                ms.get(0).name(),
                ms.get(0).scale(),
                ms.get(1).scale()));
      } else {
        Sensitivity s =
            switch (f) {
              case COUNT_DISTINCT_USERS -> Sensitivity.of(maxGroupsPerUser, 1);
              case COUNT -> Sensitivity.of(maxGroupsPerUser, maxContributionsPerGroup);
              default -> sumSensitivity(a, maxGroupsPerUser);
            };
        boolean integers = f != AggregateFunction.SUM;
        NoiseMechanism m = mechanism(gaussian, integers, epsPart, deltaPart, s);
        ms.add(m);
        split.add(alias + ": ε=" + plain(epsPart) + (gaussian ? ", δ=" + plain(deltaPart) : ""));
        accuracy.add(
            String.format(
                Locale.ROOT,
                "%s: %s noise, scale %.4g, expected 95%% interval ±%.4g",
                alias,
                m.name(),
                m.scale(),
                m.halfWidth(CellNoise.CONFIDENCE)));
      }
      mechanisms.add(List.copyOf(ms));
    }
    return new NoisePlan(
        dp,
        selection,
        publicGroups,
        List.copyOf(mechanisms),
        budget.epsilon(),
        deltaCharged,
        List.copyOf(split),
        List.copyOf(accuracy));
  }

  /** The granularity of each aggregate's (first) mechanism: 1 for counts, 2^k for sums. */
  public double[] granularities() {
    double[] g = new double[mechanisms.size()];
    for (int a = 0; a < g.length; a++) {
      g[a] = mechanisms.get(a).get(0).granularity();
    }
    return g;
  }

  /** The key of the one quantile tree of a metric: its dataset and index there. */
  private static List<Integer> treeKey(Plan.AggregatePlan a) {
    return List.of(a.dataset(), a.metricIndex());
  }

  /** The number of noisy parts of an aggregate, each with its own share of δ (Gaussian). */
  private static int parts(AggregateFunction f) {
    return switch (f) {
      case AVG -> 2;
      case VARIANCE, STDDEV -> 3;
      default -> 1;
    };
  }

  /**
   * The center of a variance's values in units of the granularity g of its centered sum: ⌊(L + U) /
   * 2⌋ for the group bounds [L, U] in units ({@link UnitSum#unitsOf}), a whole number, so that
   * every centered value x − c is a whole number of units.
   */
  public static long spreadCenter(Bounds groupBounds, double g) {
    long lower = UnitSum.unitsOf(groupBounds.lower(), g);
    long upper = UnitSum.unitsOf(groupBounds.upper(), g);
    return Math.floorDiv(lower, 2) + Math.floorDiv(upper, 2) + ((lower & 1) + (upper & 1)) / 2;
  }

  /**
   * The largest |x − c| in units of g for a value x within the group bounds in units: ⌈(U − L) /
   * 2⌉, at most (upper − lower)/(2g) + 1 (each bound moves by at most half a unit), which the
   * mechanisms for reals cover with their sensitivity L∞ = (upper − lower)/2 (they are calibrated
   * for a change of L∞ + g).
   */
  public static long spreadDeviation(Bounds groupBounds, double g) {
    long lower = UnitSum.unitsOf(groupBounds.lower(), g);
    long upper = UnitSum.unitsOf(groupBounds.upper(), g);
    long c = spreadCenter(groupBounds, g);
    return Math.max(c - lower, upper - c);
  }

  /**
   * The sensitivity L∞ of a variance's sum of squares: one person adds (x − c)² ≤ (R·g)², R =
   * {@link #spreadDeviation}, rounded up to a double. The exact sum of squares is rounded once to
   * the mechanism's granularity, which its calibration for L∞ + g covers.
   */
  private static double spreadLinf(Bounds b, double g) {
    long r;
    try {
      r = spreadDeviation(b, g);
    } catch (ArithmeticException e) {
      throw new InvalidQueryException(
          "the query's ε is too large for the metric's bounds (its noise granularity would need"
              + " more than 63 bits per person); use a smaller ε");
    }
    BigDecimal exact = new BigDecimal(BigInteger.valueOf(r).pow(2)).multiply(new BigDecimal(g * g));
    double d = exact.doubleValue();
    if (new BigDecimal(d).compareTo(exact) < 0) {
      d = Math.nextUp(d);
    }
    if (!(d < Double.POSITIVE_INFINITY) || g * g == 0) {
      throw new InvalidQueryException(
          "the metric's bounds are too wide or the noise too fine for a variance; narrow the"
              + " bounds or use a smaller ε");
    }
    return Math.max(d, Double.MIN_NORMAL);
  }

  private static Sensitivity sumSensitivity(Plan.AggregatePlan a, int maxGroupsPerUser) {
    Bounds b = a.groupBounds();
    if (b.maxAbs() == 0) {
      throw new InvalidQueryException(
          "metric [" + a.aggregate().column() + "] has bounds [0, 0]: its sum is always 0");
    }
    return Sensitivity.of(maxGroupsPerUser, b.maxAbs());
  }

  private static NoiseMechanism mechanism(
      boolean gaussian, boolean integers, BigDecimal epsilon, BigDecimal delta, Sensitivity s) {
    if (!gaussian) {
      return integers
          ? LaplaceMechanism.forIntegers(epsilon, s)
          : LaplaceMechanism.forReals(epsilon, s);
    }
    BigDecimal rho = rho(epsilon, delta);
    return integers ? GaussianMechanism.forIntegers(rho, s) : GaussianMechanism.forReals(rho, s);
  }

  /**
   * The largest ρ whose zCDP guarantee implies (ε, δ)-DP, rounded down: the ε of {@code
   * PrivacyBudget.zcdp(ρ).toApproxDp(δ)} is then at most the given ε.
   */
  static BigDecimal rho(BigDecimal epsilon, BigDecimal delta) {
    // ln(1/δ), rounded up: Math.log is within an ulp, and 1/δ within half of one.
    double l = Math.nextUp(Math.nextUp(Math.log(1 / delta.doubleValue())));
    double e = epsilon.doubleValue();
    // √ρ = √(l + ε) − √l, written without that difference: for ε far below l the two roots
    // agree in most of their digits, and the difference lost them (ρ then implied more than ε).
    double root = e / (Math.sqrt(l + e) + Math.sqrt(l));
    // Shave a relative 1e-9, then check exactly that ρ + 2·√(ρ·l) is at most ε.
    BigDecimal rho = new BigDecimal(root * root * (1 - 1e-9)).round(DOWN);
    BigDecimal ln = new BigDecimal(l);
    MathContext up = new MathContext(40, RoundingMode.UP);
    while (rho.signum() > 0
        && rho.add(rho.multiply(ln).sqrt(up).multiply(BigDecimal.valueOf(2)), up).compareTo(epsilon)
            > 0) {
      rho = rho.multiply(new BigDecimal("0.999999"), DOWN);
    }
    return rho;
  }

  private static Set<List<Object>> normalizeGroups(
      List<List<Object>> keys, List<ResolvedColumn> groupBy) {
    Set<List<Object>> out = new LinkedHashSet<>();
    for (List<Object> key : keys) {
      List<Object> k = new ArrayList<>(key.size());
      for (int i = 0; i < key.size(); i++) {
        ResolvedColumn c = groupBy.get(i);
        Object v = key.get(i);
        k.add(normalize(c, v));
      }
      out.add(List.copyOf(k));
    }
    return out;
  }

  private static Object normalize(ResolvedColumn c, Object v) {
    ColumnType t = c.type();
    Optional<Object> held = TypedValues.held(t, v);
    if (held.isPresent()) {
      return held.get();
    }
    throw new InvalidQueryException(
        "a public group's value for column [" + c.name() + "] does not have its type " + t);
  }

  private static String plain(BigDecimal d) {
    return d.round(new MathContext(6, RoundingMode.FLOOR)).stripTrailingZeros().toPlainString();
  }
}
