package dev.cleanroom.internal.release;

import dev.cleanroom.AggregateFunction;
import dev.cleanroom.ColumnType;
import dev.cleanroom.dp.ConfidenceInterval;
import dev.cleanroom.internal.plan.Plan;
import dev.cleanroom.query.CellNoise;
import dev.cleanroom.query.Derived;
import dev.cleanroom.query.ResultColumn;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The derived columns of a query ({@link Derived.Ratio ratios} and {@link Derived.Lift lifts}),
 * computed by the release stage from the values it has just released: post-processing, which reads
 * no data and costs no budget.
 *
 * <p><b>Intervals.</b> At confidence 1 − α ({@link CellNoise#CONFIDENCE}), a ratio n/d takes the
 * intervals of n and of d at level 1 − α/2 each (from their noise distributions); with probability
 * at least 1 − α both hold the true values (union bound), and then the true ratio lies between the
 * smallest and largest of the four corner quotients when the denominator's interval excludes 0. A
 * lift r_a/r_b − 1 takes its four aggregates' intervals at 1 − α/4 each, builds both ratios'
 * intervals from them and divides those alike. Before dividing, each interval is cut to what the
 * aggregate can be: counts and sums of metrics whose per-person bounds are non-negative are at
 * least 0. Where the denominator's interval reaches 0, the interval is open on one side ([low, +∞)
 * for non-negative parts) or the whole line. The ends are rounded outwards. Nothing assumes
 * normality or large counts: the coverage holds for every true value with a non-zero denominator.
 */
final class Derivations {
  private Derivations() {}

  /** 1 − the confidence of every released interval. */
  private static final double ALPHA = 1 - CellNoise.CONFIDENCE;

  /** The interval of an aggregate of a released row at a confidence level. */
  interface Intervals {
    /**
     * The interval of aggregate {@code aggregate} (index in the plan) at {@code level}.
     *
     * @param aggregate the aggregate's index in the plan
     * @param level the confidence level
     * @return its interval
     */
    ConfidenceInterval of(int aggregate, double level);
  }

  /**
   * A released row being built: its group key, its values and cells so far (group values, then
   * aggregates), and in differential-privacy mode its aggregates' intervals.
   */
  record Row(
      List<Object> key,
      List<Object> values,
      List<Optional<CellNoise>> cells,
      Optional<Intervals> intervals) {}

  /** The output columns of the derived columns, after the aggregates'. */
  static List<ResultColumn> columns(Plan plan) {
    List<ResultColumn> out = new ArrayList<>();
    for (Derived d : plan.spec().options().derived()) {
      out.add(new ResultColumn(d.alias(), ColumnType.DOUBLE, true));
    }
    return out;
  }

  /** Appends every derived column's value (and, for noisy rows, its cell) to each row. */
  static void append(Plan plan, List<Row> rows) {
    List<Derived> derived = plan.spec().options().derived();
    if (derived.isEmpty()) {
      return;
    }
    Map<String, Derived.Ratio> ratios = new HashMap<>();
    for (Derived d : derived) {
      if (d instanceof Derived.Ratio r) {
        ratios.put(r.alias(), r);
      }
    }
    Map<List<Object>, Row> byKey = new HashMap<>();
    for (Row row : rows) {
      byKey.put(normalized(row.key()), row);
    }
    for (Derived d : derived) {
      for (Row row : rows) {
        if (d instanceof Derived.Ratio r) {
          Part p = ratio(plan, row, r, 1 - ALPHA / 2);
          row.values().add(p.value());
          row.cells()
              .add(
                  p.interval()
                      .map(
                          ci ->
                              new CellNoise(
                                  "ratio of two noisy values (interval from both at 97.5%)",
                                  0, ci.lower(), ci.upper())));
        } else if (d instanceof Derived.Lift l) {
          lift(plan, row, l, ratios.get(l.ratio()), byKey);
        }
      }
    }
  }

  /** A derived value and, for noisy rows, its interval (null ends never). */
  private record Part(double value, Optional<ConfidenceInterval> interval, boolean nonNegative) {}

  private static void lift(
      Plan plan, Row row, Derived.Lift l, Derived.Ratio r, Map<List<Object>, Row> byKey) {
    int dim = plan.spec().groupBy().indexOf(l.dimension());
    Object value = row.key().get(dim);
    Row baseline = null;
    if (same(value, l.group())) {
      List<Object> other = new ArrayList<>(normalized(row.key()));
      other.set(dim, normalize(l.baseline()));
      baseline = byKey.get(other);
    }
    if (baseline == null) {
      row.values().add(Double.NaN);
      row.cells().add(Optional.empty());
      return;
    }
    double level = 1 - ALPHA / 2;
    Part a = ratio(plan, row, r, level);
    Part b = ratio(plan, baseline, r, level);
    double lift = b.value() == 0 ? Double.NaN : a.value() / b.value() - 1;
    row.values().add(lift);
    if (a.interval().isEmpty() || b.interval().isEmpty()) {
      row.cells().add(Optional.empty());
      return;
    }
    ConfidenceInterval q =
        quotient(a.interval().get(), b.interval().get(), a.nonNegative() && b.nonNegative());
    double low = Math.nextDown(q.lower() - 1);
    if (a.nonNegative() && b.nonNegative()) {
      low = Math.max(-1, low); // the ratio of two non-negative ratios is at least 0
    }
    row.cells()
        .add(
            Optional.of(
                new CellNoise(
                    "lift of two noisy ratios (interval from four values at 98.75%)",
                    0, low, Math.nextUp(q.upper() - 1))));
  }

  /**
   * The ratio {@code r} of {@code row}: the quotient of its released values (NaN over 0), and for a
   * noisy row its interval at {@code level}.
   */
  private static Part ratio(Plan plan, Row row, Derived.Ratio r, double level) {
    int n = index(plan, r.numerator());
    int d = index(plan, r.denominator());
    int groups = plan.groupBy().size();
    double nv = ((Number) row.values().get(groups + n)).doubleValue();
    double dv = ((Number) row.values().get(groups + d)).doubleValue();
    double value = dv == 0 ? Double.NaN : nv / dv;
    boolean nonNegative = nonNegative(plan, n) && nonNegative(plan, d);
    if (row.intervals().isEmpty()) {
      return new Part(value, Optional.empty(), nonNegative);
    }
    // Each part's share of 1 − level: the union bound over the two.
    double partLevel = 1 - (1 - level) / 2;
    ConfidenceInterval ni = domain(plan, n, row.intervals().get().of(n, partLevel));
    ConfidenceInterval di = domain(plan, d, row.intervals().get().of(d, partLevel));
    return new Part(value, Optional.of(quotient(ni, di, nonNegative)), nonNegative);
  }

  /**
   * An interval that holds n/d whenever n lies in {@code n}, d in {@code d} and d ≠ 0; {@code
   * nonNegative} says that both n and d are known to be at least 0.
   */
  static ConfidenceInterval quotient(
      ConfidenceInterval n, ConfidenceInterval d, boolean nonNegative) {
    if (d.lower() > 0 || d.upper() < 0) {
      double[] corners = {
        n.lower() / d.lower(), n.lower() / d.upper(), n.upper() / d.lower(), n.upper() / d.upper()
      };
      double low = Double.POSITIVE_INFINITY;
      double high = Double.NEGATIVE_INFINITY;
      for (double c : corners) {
        // An infinite end over an infinite end says nothing: leave the side open.
        if (Double.isNaN(c)) {
          return open(nonNegative);
        }
        low = Math.min(low, c);
        high = Math.max(high, c);
      }
      low = Math.nextDown(low);
      high = Math.nextUp(high);
      return new ConfidenceInterval(nonNegative ? Math.max(0, low) : low, high);
    }
    if (nonNegative) {
      // 0 < d <= d.upper() and n >= n.lower() >= 0, so n/d >= n.lower()/d.upper().
      double low = d.upper() > 0 ? Math.max(0, Math.nextDown(n.lower() / d.upper())) : 0;
      return new ConfidenceInterval(low, Double.POSITIVE_INFINITY);
    }
    return open(false);
  }

  private static ConfidenceInterval open(boolean nonNegative) {
    return new ConfidenceInterval(
        nonNegative ? 0 : Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);
  }

  /** {@code ci} cut to what aggregate {@code a} can be: at least 0 if it cannot be negative. */
  private static ConfidenceInterval domain(Plan plan, int a, ConfidenceInterval ci) {
    if (!nonNegative(plan, a)) {
      return ci;
    }
    return new ConfidenceInterval(Math.max(0, ci.lower()), Math.max(0, ci.upper()));
  }

  /** Whether aggregate {@code a}'s true value is at least 0 whatever the data. */
  static boolean nonNegative(Plan plan, int a) {
    Plan.AggregatePlan ap = plan.aggregates().get(a);
    return switch (ap.aggregate().function()) {
      case COUNT, COUNT_DISTINCT_USERS -> true;
      default -> ap.groupBounds() != null && ap.groupBounds().lower() >= 0;
    };
  }

  private static int index(Plan plan, String alias) {
    for (int a = 0; a < plan.aggregates().size(); a++) {
      Plan.AggregatePlan ap = plan.aggregates().get(a);
      if (ap.aggregate().alias().equals(alias)) {
        AggregateFunction f = ap.aggregate().function();
        if (f != AggregateFunction.COUNT
            && f != AggregateFunction.COUNT_DISTINCT_USERS
            && f != AggregateFunction.SUM) {
          break;
        }
        return a;
      }
    }
    throw new IllegalStateException("a ratio names an aggregate the plan does not have");
  }

  /** Group values compared as numbers where both are numbers (a whole 1 equals 1.0). */
  private static boolean same(Object a, Object b) {
    return normalize(a).equals(normalize(b));
  }

  private static List<Object> normalized(List<Object> key) {
    List<Object> out = new ArrayList<>(key.size());
    for (Object v : key) {
      out.add(normalize(v));
    }
    return out;
  }

  private static Object normalize(Object v) {
    if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 0x1p62) {
      return (long) (double) d;
    }
    return v;
  }
}
