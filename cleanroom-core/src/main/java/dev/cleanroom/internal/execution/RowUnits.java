package dev.cleanroom.internal.execution;

import dev.cleanroom.dp.UnitSum;
import dev.cleanroom.internal.plan.Plan;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * For a noisy plan, the sums of one dataset in whole units: one slot per aggregate over a metric of
 * the dataset. Each row's clamped value becomes whole units of its aggregate's granularity ({@link
 * UnitSum#unitsOf}, half to even) before a person's rows are added, so that a person's total is an
 * exact integer on every path: the engine adds longs, a database adds BIGINTs, and neither depends
 * on the order of the rows. Empty for a plan without noise, whose sums stay exact real numbers in
 * the engine.
 */
final class RowUnits {
  private final int[] aggregate;
  private final int[] metric;
  private final double[] granularity;
  private final int[] slotOf;

  private RowUnits(int[] aggregate, int[] metric, double[] granularity, int aggregates) {
    this.aggregate = aggregate;
    this.metric = metric;
    this.granularity = granularity;
    this.slotOf = new int[aggregates];
    Arrays.fill(slotOf, -1);
    for (int s = 0; s < aggregate.length; s++) {
      slotOf[aggregate[s]] = s;
    }
  }

  /** The unit slots of dataset {@code dataset} of {@code plan}: none without noise or dataset. */
  static RowUnits of(Plan plan, int dataset) {
    int n = plan.aggregates().size();
    if (plan.noise().isEmpty() || dataset < 0) {
      return new RowUnits(new int[0], new int[0], new double[0], n);
    }
    double[] g = plan.noise().get().granularities();
    List<Integer> aggs = new ArrayList<>();
    for (int a = 0; a < n; a++) {
      if (plan.aggregates().get(a).dataset() == dataset) {
        aggs.add(a);
      }
    }
    int[] aggregate = new int[aggs.size()];
    int[] metric = new int[aggs.size()];
    double[] granularity = new double[aggs.size()];
    for (int s = 0; s < aggregate.length; s++) {
      aggregate[s] = aggs.get(s);
      metric[s] = plan.aggregates().get(aggregate[s]).metricIndex();
      granularity[s] = g[aggregate[s]];
    }
    return new RowUnits(aggregate, metric, granularity, n);
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

  /** The granularity of slot {@code s}. */
  double granularity(int s) {
    return granularity[s];
  }

  /** The slot of aggregate {@code a}, or -1 if it has none here. */
  int slotOf(int a) {
    return slotOf[a];
  }

  /** A row's clamped value of slot {@code s}'s metric in whole units of its granularity. */
  long units(int s, double clamped) {
    return UnitSum.unitsOf(clamped, granularity[s]);
  }
}
