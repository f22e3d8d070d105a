package dev.cleanroom.internal.execution;

import dev.cleanroom.AggregateFunction;
import dev.cleanroom.Bounds;
import dev.cleanroom.dp.FineUnits;
import dev.cleanroom.dp.UnitSum;
import dev.cleanroom.dp.UnitTotals;
import dev.cleanroom.internal.plan.Plan;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The sums of one dataset in whole units: one slot per aggregate over a metric of the dataset. Each
 * row's clamped value becomes whole units before a person's rows are added, so that a person's
 * total is an exact integer on every path: the engine adds longs (128-bit words where needed), a
 * database adds exact integers, and neither depends on the order of the rows. For a noisy plan the
 * units are those of the aggregate's granularity ({@link UnitSum#unitsOf}, half to even); for a
 * threshold-mode plan those of the sum's {@link FineUnits} quantum (the floor of the value times
 * 2^k), fine enough that every value down to about 2^-27 of the sum's largest bound is exact. A
 * quantile's slot has {@link FineUnits} in every plan: its people's totals are not noised, only
 * counted in the leaves of a tree, so they are kept exact.
 */
final class RowUnits {
  private final int[] aggregate;
  private final int[] metric;
  private final double[] granularity;
  private final int[] slotOf;

  /** Per slot, whether its units are {@link FineUnits} (a threshold-mode plan or a quantile). */
  private final boolean[] fineSlot;

  private RowUnits(
      int[] aggregate, int[] metric, double[] granularity, int aggregates, boolean[] fineSlot) {
    this.fineSlot = fineSlot;
    this.aggregate = aggregate;
    this.metric = metric;
    this.granularity = granularity;
    this.slotOf = new int[aggregates];
    Arrays.fill(slotOf, -1);
    for (int s = 0; s < aggregate.length; s++) {
      slotOf[aggregate[s]] = s;
    }
  }

  /** The unit slots of dataset {@code dataset} of {@code plan}: none without a dataset. */
  static RowUnits of(Plan plan, int dataset) {
    int n = plan.aggregates().size();
    boolean fine = plan.noise().isEmpty();
    if (dataset < 0) {
      return new RowUnits(new int[0], new int[0], new double[0], n, new boolean[0]);
    }
    double[] g = fine ? null : plan.noise().get().granularities();
    List<Integer> aggs = new ArrayList<>();
    for (int a = 0; a < n; a++) {
      if (plan.aggregates().get(a).dataset() == dataset) {
        aggs.add(a);
      }
    }
    int[] aggregate = new int[aggs.size()];
    int[] metric = new int[aggs.size()];
    double[] granularity = new double[aggs.size()];
    boolean[] fineSlot = new boolean[aggs.size()];
    for (int s = 0; s < aggregate.length; s++) {
      aggregate[s] = aggs.get(s);
      metric[s] = plan.aggregates().get(aggregate[s]).metricIndex();
      fineSlot[s] = fine || fineUnits(plan, aggregate[s]);
      granularity[s] = fineSlot[s] ? scale(plan, aggregate[s]) : g[aggregate[s]];
    }
    return new RowUnits(aggregate, metric, granularity, n, fineSlot);
  }

  /**
   * Whether aggregate {@code a} of {@code plan} has {@link FineUnits}: in a threshold-mode plan
   * every aggregate, in a noisy plan the quantiles.
   */
  static boolean fineUnits(Plan plan, int a) {
    return plan.noise().isEmpty()
        || plan.aggregates().get(a).aggregate().function() == AggregateFunction.QUANTILE;
  }

  /**
   * The {@link FineUnits#scale} of threshold-mode aggregate {@code a} of {@code plan}, from its
   * metric's row bounds and its group bounds.
   */
  static double scale(Plan plan, int a) {
    Plan.AggregatePlan ap = plan.aggregates().get(a);
    Bounds row = plan.datasets().get(ap.dataset()).valueBounds().get(ap.metricIndex());
    Bounds group = ap.groupBounds();
    return FineUnits.scale(row.lower(), row.upper(), group.lower(), group.upper());
  }

  /**
   * Whether slot {@code s} has {@link FineUnits}: every slot of a threshold-mode plan, a quantile's
   * slot in a noisy one.
   */
  boolean fine(int s) {
    return fineSlot[s];
  }

  /** The number of slots. */
  int size() {
    return aggregate.length;
  }

  /** The aggregate of slot {@code s}. */
  int aggregate(int s) {
    return aggregate[s];
  }

  /** The metric (index in the dataset's metrics) of slot {@code s}. */
  int metric(int s) {
    return metric[s];
  }

  /**
   * The granularity of slot {@code s} of a noisy plan; for a threshold-mode plan the scale 2^k of
   * its {@link FineUnits}.
   */
  double granularity(int s) {
    return granularity[s];
  }

  /** The slot of aggregate {@code a}, or -1 if it has none here. */
  int slotOf(int a) {
    return slotOf[a];
  }

  /** Adds a row's clamped value of slot {@code s}'s metric, in whole units, to total {@code i}. */
  void add(UnitTotals totals, int i, int s, double clamped) {
    if (fineSlot[s]) {
      totals.addFloor(i, clamped * granularity[s]);
    } else {
      totals.add(i, UnitSum.unitsOf(clamped, granularity[s]));
    }
  }
}
