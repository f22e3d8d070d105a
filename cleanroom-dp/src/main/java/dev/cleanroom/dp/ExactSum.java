package dev.cleanroom.dp;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Objects;

/**
 * An exact sum of finite doubles: {@link #value()} is the exact real sum of every value added,
 * rounded once to the nearest double (ties to even). The result therefore depends neither on the
 * order of the additions nor on how the values were split over accumulators merged with {@link
 * #addAll(ExactSum)}, so every execution path releases the same number for the same input, and no
 * floating-point accumulation error can carry information about the order of the rows.
 *
 * <p>The sum is kept as Shewchuk's non-overlapping partials ("Adaptive Precision Floating-Point
 * Arithmetic and Fast Robust Geometric Predicates", 1997), as Python's {@code math.fsum} does:
 * doubles of increasing magnitude whose bits do not overlap and whose exact sum is the sum so far.
 * Each addition is a chain of error-free transformations (Knuth's and Dekker's two-sum), costing a
 * few floating-point operations per partial. Sums of values of similar magnitude need one to three
 * partials; more appear only for values whose bits lie far apart (such as 1 and 2^-100), never more
 * than the number of values added. {@link #value()} rounds the partials once, with {@code fsum}'s
 * correction for half-way cases. Unlike {@code fsum}, an intermediate overflow is not an error: the
 * overflowing part moves to an exact {@link BigInteger}, and the result is exact whenever it lies
 * in the double range (so {@code MAX_VALUE + MAX_VALUE - MAX_VALUE} is {@code MAX_VALUE}).
 *
 * <p>An empty accumulator, or one whose values cancel exactly, has the value {@code +0.0}: a zero
 * sum never comes out as {@code -0.0}.
 *
 * <p>Instances are mutable and not thread-safe; use one per thread and merge them with {@link
 * #addAll(ExactSum)}. {@link #toString()} does not show the sum, which is data before noise.
 */
public final class ExactSum {
  private static final double[] NONE = {};

  /** Every sum of doubles is an exact multiple of 2^-1074, the smallest positive double. */
  private static final int MIN_EXPONENT = FixedPoint.MIN_EXPONENT;

  /**
   * Non-overlapping partials in increasing magnitude, none of them zero, in {@code partials[0,
   * size)}. The sum of the partials and of {@link #overflow} is the exact sum.
   */
  private double[] partials = NONE;

  private int size;

  /**
   * The exact sum of the values that left the partials because adding them overflowed, an integer
   * (every double of magnitude 2^53 or more is one); null if none did.
   */
  private BigInteger overflow;

  /** An empty sum, with the value 0. */
  public ExactSum() {}

  /**
   * Adds {@code v} exactly.
   *
   * @param v the value to add; callers drop NaN values before aggregating and clamp infinities to
   *     their bounds
   * @throws IllegalArgumentException if {@code v} is NaN or infinite
   */
  public void add(double v) {
    if (!Double.isFinite(v)) {
      throw new IllegalArgumentException("v must be finite; provided value: " + v);
    }
    if (v != 0) {
      grow(v);
    }
  }

  /**
   * Adds the exact sum of {@code other} to this one; {@code other} is unchanged (unless it is this
   * accumulator, whose sum then doubles exactly).
   *
   * @throws NullPointerException if {@code other} is null
   */
  public void addAll(ExactSum other) {
    Objects.requireNonNull(other, "other");
    double[] theirs = other == this ? partials.clone() : other.partials;
    int count = other.size;
    BigInteger theirOverflow = other.overflow;
    for (int j = 0; j < count; j++) {
      grow(theirs[j]);
    }
    if (theirOverflow != null) {
      addOverflow(theirOverflow);
    }
  }

  /**
   * The exact sum, rounded once to the nearest double (ties to even); {@code +0.0} if the sum is
   * zero.
   *
   * <p>Sums of values clamped to bounds of magnitude below 10^290 never overflow: at most 2^31 such
   * values, for example one clamped total per person, sum to less than 2^31·10^290 &lt; 10^300, far
   * inside the double range (about 1.8·10^308).
   *
   * @throws ArithmeticException if the exact sum is beyond the double range, that is if its
   *     magnitude is at least {@link Double#MAX_VALUE} plus half an ulp of it (2^1024 - 2^970),
   *     which rounds to infinity: rather than releasing a wrong number, the caller must refuse
   */
  public double value() {
    if (overflow != null) {
      return exactValue();
    }
    int n = size;
    if (n == 0) {
      return 0.0;
    }
    double[] p = partials;
    // Add from the top while the additions are exact; stop at the first rounding error lo.
    double hi = p[--n];
    double lo = 0;
    while (n > 0) {
      double x = hi;
      double y = p[--n];
      hi = x + y;
      if (Double.isInfinite(hi)) {
        return exactValue(); // the sum is near the end of the double range: decide exactly
      }
      lo = y - (hi - x);
      if (lo != 0) {
        break;
      }
    }
    // hi + lo is exact, and the partials below sum to less in magnitude than the lowest set bit
    // of the last partial added, a unit that lo is a multiple of.
    // They matter only when lo is exactly half-way between hi and its neighbour, and the rounding
    // went to even on the side opposite to them: then the sum lies beyond the half-way point, and
    // rounds to the neighbour hi + 2·lo.
    if (n > 0 && ((lo < 0 && p[n - 1] < 0) || (lo > 0 && p[n - 1] > 0))) {
      double y = lo * 2;
      double x = hi + y;
      if (Double.isInfinite(x)) {
        return exactValue();
      }
      if (x - hi == y) {
        hi = x;
      }
    }
    return hi;
  }

  /**
   * The exact sum. Its scale (number of decimal places) is whatever the exact sum of the binary
   * fractions needs; compare values with {@link BigDecimal#compareTo}.
   */
  public BigDecimal exact() {
    BigDecimal sum = overflow == null ? BigDecimal.ZERO : new BigDecimal(overflow);
    for (int i = 0; i < size; i++) {
      sum = sum.add(new BigDecimal(partials[i]));
    }
    return sum;
  }

  /** Whether the exact sum is zero (also after values that cancelled exactly). */
  public boolean isZero() {
    // Non-overlapping non-zero partials never sum to zero: the largest one outweighs the others.
    return overflow == null ? size == 0 : exactUnits().signum() == 0;
  }

  /** Empties the sum, keeping its storage for reuse. */
  public void reset() {
    size = 0;
    overflow = null;
  }

  /** Shows the class name only: the sum is data before noise. */
  @Override
  public String toString() {
    return "ExactSum[not shown]";
  }

  /**
   * Adds a finite non-zero {@code v} to the partials (Shewchuk's grow-expansion with the partials
   * kept in place, as {@code msum} in Python's {@code fsum}).
   */
  private void grow(double v) {
    double x = v;
    double[] p = partials;
    int n = size;
    int i = 0;
    for (int j = 0; j < n; j++) {
      double y = p[j];
      if (Math.abs(x) < Math.abs(y)) {
        double t = x;
        x = y;
        y = t;
      }
      // Fast two-sum: |x| >= |y|, so hi + lo = x + y exactly, unless hi overflows.
      double hi = x + y;
      if (Double.isInfinite(hi)) {
        spill(x, y, j + 1, n);
        size = i;
        return;
      }
      double lo = y - (hi - x);
      if (lo != 0) {
        p[i++] = lo;
      }
      x = hi;
    }
    if (x != 0) {
      if (i == p.length) {
        p = Arrays.copyOf(p, Math.max(4, 2 * p.length));
        partials = p;
      }
      p[i++] = x;
    }
    size = i;
  }

  /**
   * Moves {@code x}, {@code y} and the partials {@code [from, to)} to {@link #overflow}. They are
   * integers: x + y overflowed, so |x| >= |y| >= 2^970, and the partials after y are larger.
   */
  private void spill(double x, double y, int from, int to) {
    BigInteger big = integer(x).add(integer(y));
    for (int j = from; j < to; j++) {
      big = big.add(integer(partials[j]));
    }
    addOverflow(big);
  }

  private void addOverflow(BigInteger big) {
    BigInteger sum = overflow == null ? big : overflow.add(big);
    overflow = sum.signum() == 0 ? null : sum;
  }

  /** The exact sum rounded once to the nearest double, from exact integer arithmetic. */
  private double exactValue() {
    return FixedPoint.toDouble(exactUnits(), MIN_EXPONENT);
  }

  /** The exact sum in units of 2^-1074, the smallest positive double. */
  private BigInteger exactUnits() {
    BigInteger units = overflow == null ? BigInteger.ZERO : overflow.shiftLeft(-MIN_EXPONENT);
    for (int i = 0; i < size; i++) {
      units = units.add(units(partials[i]));
    }
    return units;
  }

  /** A finite double in units of 2^-1074: an exact integer. */
  private static BigInteger units(double d) {
    long bits = Double.doubleToRawLongBits(d);
    int biased = (int) (bits >>> 52) & 0x7ff;
    long significand = bits & 0x000F_FFFF_FFFF_FFFFL;
    BigInteger units =
        biased == 0
            ? BigInteger.valueOf(significand)
            : BigInteger.valueOf(significand | (1L << 52)).shiftLeft(biased - 1);
    return d < 0 ? units.negate() : units;
  }

  /** A double of magnitude 2^53 or more, as the integer it is. */
  private static BigInteger integer(double d) {
    return new BigDecimal(d).toBigIntegerExact();
  }
}
