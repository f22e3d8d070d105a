package dev.cleanroom.dp;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.Objects;

/**
 * Many running totals of whole units (one per person and group, say), each exact: a total stays a
 * {@code long} while it fits, is held in 128 bits (two words) from the first addition that would
 * overflow a {@code long} or that adds more than 64 bits ({@link #addFloor}), and widens to a
 * {@link BigInteger} beyond, never saturating. A total is read clamped to bounds of units, which
 * always fit a {@code long}. The per-person companion of {@link UnitSum}: a noisy sum converts each
 * row's clamped value to units ({@link UnitSum#unitsOf}) and adds them here, exactly, so that every
 * execution path, a database's included, computes the same totals in any order.
 *
 * <p>Instances are mutable and not thread-safe. {@link #toString()} does not show the totals, which
 * are data before noise.
 */
public final class UnitTotals {
  private static final long SIGNIFICAND_MASK = 0x000F_FFFF_FFFF_FFFFL;

  /** Each total, or its low word once {@link #high} exists. */
  private long[] fast;

  /**
   * The high words of 128-bit totals (the total is high·2^64 + fast, fast read unsigned); null
   * until a total needed more than 64 bits.
   */
  private long[] high;

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
      if (high != null) {
        high = Arrays.copyOf(high, n);
      }
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
    if (high != null) {
      add128(i, units >> 63, units);
      return;
    }
    long a = fast[i];
    long s = a + units;
    if (((a ^ s) & (units ^ s)) < 0) {
      widen();
      add128(i, units >> 63, units);
    } else {
      fast[i] = s;
    }
  }

  /**
   * Adds ⌊{@code scaled}⌋ to total {@code i}, exactly, however large: a row's value in units of a
   * {@link FineUnits} quantum, {@code scaled} being the value times the quantum's scale.
   *
   * @throws IllegalArgumentException if {@code scaled} is not finite
   */
  public void addFloor(int i, double scaled) {
    double f = Math.floor(scaled);
    if (f >= -0x1p63 && f < 0x1p63) {
      add(i, (long) f);
      return;
    }
    if (!Double.isFinite(f)) {
      throw new IllegalArgumentException("a value in units must be finite");
    }
    int shift = Math.getExponent(f) - 52; // at least 11: |f| >= 2^63
    if (shift >= 74) {
      // Beyond 2^126: out of every 128-bit total's reach, exactly in a BigInteger.
      BigInteger big = new java.math.BigDecimal(f).toBigIntegerExact();
      slowTotals()[i] = total(i).add(big);
      return;
    }
    long m = (Double.doubleToRawLongBits(f) & SIGNIFICAND_MASK) | (1L << 52);
    long lo;
    long hi;
    if (shift < 64) {
      lo = m << shift;
      hi = m >>> (64 - shift);
    } else {
      lo = 0;
      hi = m << (shift - 64);
    }
    if (f < 0) {
      lo = -lo;
      hi = ~hi + (lo == 0 ? 1 : 0);
    }
    add128(i, hi, lo);
  }

  /** Adds the 128-bit number hi·2^64 + lo (lo unsigned) to total {@code i}, exactly. */
  private void add128(int i, long hi, long lo) {
    if (slow != null && slow[i] != null) {
      slow[i] = slow[i].add(Int128.toBig(hi, lo));
      return;
    }
    if (high == null) {
      widen();
    }
    long aLow = fast[i];
    long aHigh = high[i];
    long sumLow = aLow + lo;
    long carry = Long.compareUnsigned(sumLow, aLow) < 0 ? 1 : 0;
    long t = aHigh + hi;
    long sumHigh = t + carry;
    if (((aHigh ^ t) & (hi ^ t)) < 0 || ((t ^ sumHigh) & (carry ^ sumHigh)) < 0) {
      slowTotals()[i] = Int128.toBig(aHigh, aLow).add(Int128.toBig(hi, lo));
      return;
    }
    fast[i] = sumLow;
    high[i] = sumHigh;
  }

  /** Keeps every total in 128 bits from now on. */
  private void widen() {
    high = new long[fast.length];
    for (int j = 0; j < fast.length; j++) {
      high[j] = fast[j] >> 63;
    }
  }

  /** Adds total {@code j} of {@code from} to total {@code i} of this one, exactly. */
  public void addTotal(int i, UnitTotals from, int j) {
    Objects.requireNonNull(from, "from");
    BigInteger theirs = from.slow == null ? null : from.slow[j];
    if (theirs != null) {
      slowTotals()[i] = total(i).add(theirs);
    } else if (from.high == null) {
      add(i, from.fast[j]);
    } else {
      add128(i, from.high[j], from.fast[j]);
    }
  }

  /**
   * Adds total {@code i}, clamped into {@code bounds}, to {@code into}, exactly.
   *
   * @throws NullPointerException if {@code bounds} or {@code into} is null
   */
  public void addClampedTo(int i, UnitBounds bounds, UnitSum into) {
    BigInteger big = slow == null ? null : slow[i];
    if (big != null) {
      if (big.compareTo(bounds.lower) < 0) {
        into.add128(bounds.lowerHigh, bounds.lowerLow);
      } else if (big.compareTo(bounds.upper) > 0) {
        into.add128(bounds.upperHigh, bounds.upperLow);
      } else {
        into.add(big);
      }
      return;
    }
    long lo = fast[i];
    long hi = high == null ? lo >> 63 : high[i];
    if (Int128.compare(hi, lo, bounds.lowerHigh, bounds.lowerLow) < 0) {
      into.add128(bounds.lowerHigh, bounds.lowerLow);
    } else if (Int128.compare(hi, lo, bounds.upperHigh, bounds.upperLow) > 0) {
      into.add128(bounds.upperHigh, bounds.upperLow);
    } else {
      into.add128(hi, lo);
    }
  }

  /**
   * Adds the square of total {@code i}, clamped into {@code bounds}, to {@code into}, exactly: a
   * person's term of a threshold-mode sum of squares (up to 2^162 units², so summed beyond 128
   * bits).
   *
   * @throws NullPointerException if {@code bounds} or {@code into} is null
   */
  public void addClampedSquareTo(int i, UnitBounds bounds, UnitSum into) {
    BigInteger t = total(i);
    if (t.compareTo(bounds.lower) < 0) {
      t = bounds.lower;
    } else if (t.compareTo(bounds.upper) > 0) {
      t = bounds.upper;
    }
    into.addSquare(t);
  }

  /** Sets total {@code i} to zero. */
  public void clear(int i) {
    fast[i] = 0;
    if (high != null) {
      high[i] = 0;
    }
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
    if (big == null && high != null && high[i] != (fast[i] >> 63)) {
      big = Int128.toBig(high[i], fast[i]);
    }
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
    if (big != null) {
      return big;
    }
    return high == null ? BigInteger.valueOf(fast[i]) : Int128.toBig(high[i], fast[i]);
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
