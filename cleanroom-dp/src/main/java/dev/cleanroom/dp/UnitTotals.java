package dev.cleanroom.dp;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.Objects;

/**
 * Many running totals of whole units (one per person and group, say), each exact: a total stays a
 * {@code long} while it fits and widens to a {@link BigInteger} at the first addition that would
 * overflow, never saturating. A total is read clamped to bounds of units, which always fit a {@code
 * long}. The per-person companion of {@link UnitSum}: a noisy sum converts each row's clamped value
 * to units ({@link UnitSum#unitsOf}) and adds them here, exactly, so that every execution path, a
 * database's included, computes the same totals in any order.
 *
 * <p>Instances are mutable and not thread-safe. {@link #toString()} does not show the totals, which
 * are data before noise.
 */
public final class UnitTotals {
  private long[] fast;

  /** The totals that left {@link #fast}, by index; null until one did. */
  private BigInteger[] slow;

  /**
   * Zero totals at indices {@code [0, capacity)}.
   *
   * @throws IllegalArgumentException if {@code capacity} is negative
   */
  public UnitTotals(int capacity) {
    if (capacity < 0) {
      throw new IllegalArgumentException("capacity must be >= 0; provided value: " + capacity);
    }
    fast = new long[capacity];
  }

  /** The number of totals. */
  public int capacity() {
    return fast.length;
  }

  /** Makes room for at least {@code capacity} totals, keeping the present ones; new ones are 0. */
  public void ensureCapacity(int capacity) {
    if (capacity > fast.length) {
      int n = Math.max(capacity, 2 * fast.length);
      fast = Arrays.copyOf(fast, n);
      if (slow != null) {
        slow = Arrays.copyOf(slow, n);
      }
    }
  }

  /** Adds {@code units} to total {@code i}, exactly. */
  public void add(int i, long units) {
    if (slow != null && slow[i] != null) {
      slow[i] = slow[i].add(BigInteger.valueOf(units));
      return;
    }
    long a = fast[i];
    long s = a + units;
    if (((a ^ s) & (units ^ s)) < 0) {
      slowTotals()[i] = BigInteger.valueOf(a).add(BigInteger.valueOf(units));
    } else {
      fast[i] = s;
    }
  }

  /** Adds total {@code j} of {@code from} to total {@code i} of this one, exactly. */
  public void addTotal(int i, UnitTotals from, int j) {
    Objects.requireNonNull(from, "from");
    BigInteger theirs = from.slow == null ? null : from.slow[j];
    if (theirs == null) {
      add(i, from.fast[j]);
      return;
    }
    slowTotals()[i] = total(i).add(theirs);
  }

  /** Sets total {@code i} to zero. */
  public void clear(int i) {
    fast[i] = 0;
    if (slow != null) {
      slow[i] = null;
    }
  }

  /**
   * Total {@code i} clamped into {@code [lower, upper]}.
   *
   * @throws IllegalArgumentException if {@code lower > upper}
   */
  public long clamped(int i, long lower, long upper) {
    if (lower > upper) {
      throw new IllegalArgumentException("lower bound must not exceed upper bound");
    }
    BigInteger big = slow == null ? null : slow[i];
    long total;
    if (big == null) {
      total = fast[i];
    } else if (big.bitLength() < 64) {
      total = big.longValue();
    } else {
      // A total beyond the long range lies beyond every bound of units.
      return big.signum() < 0 ? lower : upper;
    }
    return Math.min(upper, Math.max(lower, total));
  }

  private BigInteger total(int i) {
    BigInteger big = slow == null ? null : slow[i];
    return big != null ? big : BigInteger.valueOf(fast[i]);
  }

  private BigInteger[] slowTotals() {
    if (slow == null) {
      slow = new BigInteger[fast.length];
    }
    return slow;
  }

  /** Shows the class name and capacity only: the totals are data before noise. */
  @Override
  public String toString() {
    return "UnitTotals[" + fast.length + " totals, not shown]";
  }
}
