package dev.cleanroom.dp;

import dev.cleanroom.Bounds;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.Objects;

/**
 * Many running totals of finite doubles (one per person and group, say), each exact whatever the
 * order of its additions: the per-person companion of {@link ExactSum}.
 *
 * <p>A total stays a plain double while every addition to it is exact, which an error-free two-sum
 * checks at the cost of a few floating-point operations; at the first addition that a double cannot
 * hold exactly (a value near 2^53 plus a small one, or an overflow), that total moves to an {@link
 * ExactSum}. Totals of similar values, by far the common case, never leave the plain doubles. A
 * total is read clamped to bounds, exactly: {@link #clamped} rounds the exact clamped total once,
 * and {@link #addClampedTo} adds the exact clamped total to a group's sum, so that a released
 * threshold sum is the exact sum of every person's exactly clamped total.
 *
 * <p>Instances are mutable and not thread-safe. {@link #toString()} does not show the totals, which
 * are data before noise.
 */
public final class ExactTotals {
  private double[] fast;

  /** The totals that left {@link #fast}, by index; null until one did. */
  private ExactSum[] slow;

  /**
   * Zero totals at indices {@code [0, capacity)}.
   *
   * @throws IllegalArgumentException if {@code capacity} is negative
   */
  public ExactTotals(int capacity) {
    if (capacity < 0) {
      throw new IllegalArgumentException("capacity must be >= 0; provided value: " + capacity);
    }
    fast = new double[capacity];
  }

  /** The number of totals. */
  public int capacity() {
    return fast.length;
  }

  /**
   * Makes room for at least {@code capacity} totals, keeping the present ones; new totals are zero.
   */
  public void ensureCapacity(int capacity) {
    if (capacity > fast.length) {
      int n = Math.max(capacity, 2 * fast.length);
      fast = Arrays.copyOf(fast, n);
      if (slow != null) {
        slow = Arrays.copyOf(slow, n);
      }
    }
  }

  /**
   * Adds {@code v} to total {@code i} exactly.
   *
   * @throws IllegalArgumentException if {@code v} is NaN or infinite (callers drop NaN values and
   *     clamp infinities to their bounds before adding)
   */
  public void add(int i, double v) {
    if (slow != null && slow[i] != null) {
      slow[i].add(v);
      return;
    }
    double a = fast[i];
    double s = a + v;
    // Knuth's two-sum: s + err is exactly a + v; err is NaN when s overflowed.
    double bv = s - a;
    double err = (a - (s - bv)) + (v - bv);
    if (err == 0 && Double.isFinite(s)) {
      fast[i] = s;
    } else {
      if (!Double.isFinite(v)) {
        throw new IllegalArgumentException("v must be finite; provided value: " + v);
      }
      ExactSum e = new ExactSum();
      e.add(a);
      e.add(v);
      slowTotals()[i] = e;
    }
  }

  /** Adds total {@code j} of {@code from} to total {@code i} of this one, exactly. */
  public void addTotal(int i, ExactTotals from, int j) {
    Objects.requireNonNull(from, "from");
    ExactSum theirs = from.slow == null ? null : from.slow[j];
    if (theirs == null) {
      add(i, from.fast[j]);
      return;
    }
    ExactSum mine = slow == null ? null : slow[i];
    if (mine == null) {
      mine = new ExactSum();
      mine.add(fast[i]);
      slowTotals()[i] = mine;
    }
    mine.addAll(theirs);
  }

  /** Sets total {@code i} to zero. */
  public void clear(int i) {
    fast[i] = 0;
    if (slow != null) {
      slow[i] = null;
    }
  }

  /**
   * Total {@code i} clamped into {@code bounds}, rounded once to the nearest double; a zero is
   * {@code +0.0}.
   */
  public double clamped(int i, Bounds bounds) {
    ExactSum e = slow == null ? null : slow[i];
    if (e == null) {
      return ContributionBounding.clamp(fast[i], bounds) + 0.0;
    }
    int side = side(e, bounds);
    return (side < 0 ? bounds.lower() : side > 0 ? bounds.upper() : e.value()) + 0.0;
  }

  /** Adds total {@code i} clamped into {@code bounds} to {@code target}, exactly. */
  public void addClampedTo(int i, Bounds bounds, ExactSum target) {
    ExactSum e = slow == null ? null : slow[i];
    if (e == null) {
      target.add(ContributionBounding.clamp(fast[i], bounds));
      return;
    }
    int side = side(e, bounds);
    if (side < 0) {
      target.add(bounds.lower());
    } else if (side > 0) {
      target.add(bounds.upper());
    } else {
      target.addAll(e);
    }
  }

  /** -1 below the lower bound, 1 above the upper one, 0 inside. */
  private static int side(ExactSum e, Bounds bounds) {
    BigDecimal exact = e.exact();
    if (exact.compareTo(new BigDecimal(bounds.lower())) < 0) {
      return -1;
    }
    return exact.compareTo(new BigDecimal(bounds.upper())) > 0 ? 1 : 0;
  }

  private ExactSum[] slowTotals() {
    if (slow == null) {
      slow = new ExactSum[fast.length];
    }
    return slow;
  }

  /** Shows the class name and capacity only: the totals are data before noise. */
  @Override
  public String toString() {
    return "ExactTotals[" + fast.length + " totals, not shown]";
  }
}
