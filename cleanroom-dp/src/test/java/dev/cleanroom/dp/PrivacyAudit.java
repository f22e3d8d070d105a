package dev.cleanroom.dp;

import java.util.Arrays;
import java.util.Locale;

/**
 * An empirical privacy audit: from n outcomes of a mechanism on each of two neighbouring inputs, a
 * statistically valid lower bound on the ε that the mechanism can satisfy.
 *
 * <p>An outcome is a pair (low, high) of released values, or NaN for "nothing released"; for a
 * single released value low = high. The events are {low >= t} and {high <= t} for every threshold t
 * of a grid, {released} and {not released}. For each event E and each input, the probability is
 * bracketed by Chernoff (KL) confidence bounds at level 1 - α each; for both orders (P, Q) of the
 * two inputs, ln((lower(P[E]) - δ) / upper(Q[E])) is a lower bound on ε whenever all bounds hold,
 * since (ε, δ)-DP requires P[E] <= exp(ε)·Q[E] + δ. The audit reports the largest such bound over
 * all events and both orders. All 4·(2·T + 2) bounds hold together with probability at least 1 -
 * 4·(2·T + 2)·α (union bound), so a mechanism that does satisfy (ε, δ)-DP is reported above ε with
 * at most that probability.
 */
final class PrivacyAudit {
  private final double[] thresholds;

  PrivacyAudit(double[] thresholds) {
    this.thresholds = thresholds.clone();
  }

  /** The thresholds lo, lo + step, ..., up to and including hi. */
  static double[] grid(double lo, double hi, double step) {
    int n = (int) Math.floor((hi - lo) / step + 1e-9) + 1;
    double[] g = new double[n];
    for (int i = 0; i < n; i++) {
      g[i] = lo + i * step;
    }
    return g;
  }

  /** The number of events. */
  int events() {
    return 2 * thresholds.length + 2;
  }

  /** The number of confidence bounds one audit relies on: lower and upper, per event and input. */
  int bounds() {
    return 4 * events();
  }

  /** Outcomes of n runs on one input. */
  static final class Outcomes {
    final double[] low;
    final double[] high;

    Outcomes(int n) {
      low = new double[n];
      high = new double[n];
    }

    void set(int i, double lo, double hi) {
      low[i] = lo;
      high[i] = hi;
    }

    void suppressed(int i) {
      low[i] = Double.NaN;
      high[i] = Double.NaN;
    }

    int size() {
      return low.length;
    }
  }

  /** The result: the largest lower bound on ε and the event that attains it. */
  record Result(double epsilonLowerBound, String witness, double pHat, double qHat) {
    String describe() {
      return String.format(
          Locale.ROOT,
          "ε >= %.4f (event %s: %.5f vs %.5f)",
          epsilonLowerBound,
          witness,
          pHat,
          qHat);
    }
  }

  /** Event counts of a set of outcomes. */
  private final class Counts {
    final long[] atLeast = new long[thresholds.length];
    final long[] atMost = new long[thresholds.length];
    long released;
    final long n;

    Counts(Outcomes o) {
      n = o.size();
      double[] lows = Arrays.stream(o.low).filter(x -> !Double.isNaN(x)).sorted().toArray();
      double[] highs = Arrays.stream(o.high).filter(x -> !Double.isNaN(x)).sorted().toArray();
      released = lows.length;
      for (int i = 0; i < thresholds.length; i++) {
        atLeast[i] = (long) lows.length - firstAtLeast(lows, thresholds[i]);
        atMost[i] = firstAbove(highs, thresholds[i]);
      }
    }

    long count(int event) {
      int t = thresholds.length;
      if (event < t) {
        return atLeast[event];
      } else if (event < 2 * t) {
        return atMost[event - t];
      } else if (event == 2 * t) {
        return released;
      }
      return n - released;
    }
  }

  String eventName(int event) {
    int t = thresholds.length;
    if (event < t) {
      return "{low >= " + thresholds[event] + "}";
    } else if (event < 2 * t) {
      return "{high <= " + thresholds[event - t] + "}";
    }
    return event == 2 * t ? "{released}" : "{not released}";
  }

  /**
   * The largest ln((lower(P[E]) - δ)/upper(Q[E])) over all events and both orders of the inputs,
   * with every bound at level 1 - α.
   */
  Result run(Outcomes first, Outcomes second, double delta, double alpha) {
    Counts a = new Counts(first);
    Counts b = new Counts(second);
    double best = Double.NEGATIVE_INFINITY;
    String witness = "none";
    double pHat = 0;
    double qHat = 0;
    for (int e = 0; e < events(); e++) {
      for (int order = 0; order < 2; order++) {
        Counts p = order == 0 ? b : a;
        Counts q = order == 0 ? a : b;
        double pLow = Stats.lower(p.count(e), p.n, alpha) - delta;
        if (pLow <= 0) {
          continue;
        }
        double bound = Math.log(pLow / Stats.upper(q.count(e), q.n, alpha));
        if (bound > best) {
          best = bound;
          witness = eventName(e) + (order == 0 ? " second vs first" : " first vs second");
          pHat = (double) p.count(e) / p.n;
          qHat = (double) q.count(e) / q.n;
        }
      }
    }
    return new Result(best, witness, pHat, qHat);
  }

  /**
   * The statistic this audit computes for one event whose true probabilities are p (on the input
   * with the larger probability) and q, in the worst case over all samples in which neither
   * empirical frequency deviates beyond its one-sided Chernoff bound at failure probability {@code
   * failure} each. If this exceeds a claimed ε, the audit flags the mechanism except with
   * probability at most 2·failure.
   */
  static double guaranteedStatistic(
      double p, double q, double delta, int n, double alpha, double failure) {
    long kp = (long) Math.floor(Stats.chernoffLow(p, n, failure) * n);
    long kq = (long) Math.ceil(Stats.chernoffHigh(q, n, failure) * n);
    double pLow = Stats.lower(kp, n, alpha) - delta;
    return pLow <= 0
        ? Double.NEGATIVE_INFINITY
        : Math.log(pLow / Stats.upper(Math.min(kq, n), n, alpha));
  }

  /** Index of the first element >= x in a sorted array. */
  private static int firstAtLeast(double[] sorted, double x) {
    int lo = 0;
    int hi = sorted.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (sorted[mid] < x) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** Index of the first element > x in a sorted array. */
  private static int firstAbove(double[] sorted, double x) {
    int lo = 0;
    int hi = sorted.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (sorted[mid] <= x) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
