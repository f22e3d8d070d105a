package dev.cleanroom.dp;

import java.math.BigInteger;
import java.util.Objects;

/**
 * An exact sum of whole numbers of units of a noise mechanism's granularity: the fixed-point
 * accumulator of a noisy sum, and of a threshold-mode sum in units of its {@link FineUnits}
 * quantum. It holds a 128-bit integer in two {@code long} words and widens to a {@link BigInteger}
 * when the sum leaves that range (and narrows back when it returns), so it never saturates and
 * never wraps around: at a granularity of 2^-40, ten million people contributing 1.0 each sum to
 * about 1.1·10^19 units, beyond {@link Long#MAX_VALUE}, and still come out exact.
 *
 * <p>Release the sum with {@link NoiseMechanism#addNoiseToUnits(BigInteger)}; convert each person's
 * clamped total to units with {@link #unitsOf(double, double)}.
 *
 * <p>Instances are mutable and not thread-safe; use one per thread and merge them with {@link
 * #addAll(UnitSum)}. {@link #toString()} does not show the sum, which is data before noise.
 */
public final class UnitSum {
  private static final long SIGNIFICAND_MASK = 0x000F_FFFF_FFFF_FFFFL;
  private static final double TWO_POW_63 = 0x1p63;

  /**
   * The low word of the sum while {@link #wide} is null (the sum is {@link #high}·2^64 + narrow,
   * narrow read unsigned: a 128-bit two's-complement number).
   */
  private long narrow;

  /** The high word of the sum while {@link #wide} is null. */
  private long high;

  /** The sum when it does not fit in 128 bits; null otherwise. */
  private BigInteger wide;

  /** An empty sum, 0 units. */
  public UnitSum() {}

  /**
   * {@code value / granularity} rounded to the nearest whole number of units, ties to even, exactly
   * (dividing by a power of two is exact, and a quotient too small to be exact is far below one
   * half, so it rounds to 0 either way). This is the rounding of {@link
   * NoiseMechanism#addNoise(double)}.
   *
   * @param value a person's clamped total, finite
   * @param granularity the mechanism's {@link NoiseMechanism#granularity()}: a positive finite
   *     power of two
   * @throws IllegalArgumentException if {@code value} is not finite, or {@code granularity} is not
   *     a positive finite power of two
   * @throws ArithmeticException if the rounded quotient is 2^63 or more in magnitude, which cannot
   *     be a {@code long}: the privacy parameter is then too large for the bounds of the value (a
   *     fine granularity), and the caller must refuse the query rather than saturate
   */
  public static long unitsOf(double value, double granularity) {
    if (!isPowerOfTwo(granularity)) {
      throw new IllegalArgumentException(
          "granularity must be a positive finite power of two; provided value: " + granularity);
    }
    if (!Double.isFinite(value)) {
      throw new IllegalArgumentException("value must be finite; provided value: " + value);
    }
    double scaled = value / granularity;
    if (!(Math.abs(scaled) < TWO_POW_63)) {
      // The value itself stays out of the message: it is data before noise.
      throw new ArithmeticException(
          "the value is 2^63 or more units of the granularity "
              + granularity
              + ", beyond the long range: the privacy parameter is too large for the value's"
              + " bounds");
    }
    return (long) Math.rint(scaled);
  }

  private static boolean isPowerOfTwo(double g) {
    if (!(g > 0 && g < Double.POSITIVE_INFINITY)) {
      return false;
    }
    long bits = Double.doubleToRawLongBits(g);
    return g >= Double.MIN_NORMAL ? (bits & SIGNIFICAND_MASK) == 0 : Long.bitCount(bits) == 1;
  }

  /** Adds {@code units} exactly. */
  public void add(long units) {
    add128(units >> 63, units);
  }

  /**
   * Adds {@code units}² exactly (a square below 2^126, held in 128 bits): one person's term of a
   * sum of squares, for a variance.
   */
  public void addSquare(long units) {
    // |units|² < 2^126: the unsigned 128-bit product of the magnitudes is the square, and positive.
    long m = Math.abs(units);
    if (m == Long.MIN_VALUE) {
      add(BigInteger.valueOf(units).multiply(BigInteger.valueOf(units)));
      return;
    }
    add128(Math.multiplyHigh(m, m), m * m);
  }

  /**
   * Adds {@code units}² exactly, for a square beyond a {@code long}'s reach.
   *
   * @throws NullPointerException if {@code units} is null
   */
  public void addSquare(BigInteger units) {
    Objects.requireNonNull(units, "units");
    add(units.multiply(units));
  }

  /**
   * Adds the 128-bit two's-complement number {@code high}·2^64 + {@code low} (low read unsigned)
   * exactly: in two {@code long} words while the sum fits 128 bits, in a {@link BigInteger} beyond.
   */
  void add128(long high, long low) {
    if (wide != null) {
      set(wide.add(Int128.toBig(high, low)));
      return;
    }
    long sumLow = narrow + low;
    long carry = Long.compareUnsigned(sumLow, narrow) < 0 ? 1 : 0;
    long t = this.high + high;
    long sumHigh = t + carry;
    // Overflow of the high word iff either addition overflowed.
    if (((this.high ^ t) & (high ^ t)) < 0 || ((t ^ sumHigh) & (carry ^ sumHigh)) < 0) {
      wide = Int128.toBig(this.high, narrow).add(Int128.toBig(high, low));
      return;
    }
    narrow = sumLow;
    this.high = sumHigh;
  }

  /** Adds {@code units} exactly. */
  void add(BigInteger units) {
    set(units().add(units));
  }

  /**
   * Adds the sum of {@code other} to this one exactly; {@code other} is unchanged (unless it is
   * this accumulator, whose sum then doubles).
   *
   * @throws NullPointerException if {@code other} is null
   */
  public void addAll(UnitSum other) {
    Objects.requireNonNull(other, "other");
    if (other.wide == null) {
      add128(other.high, other.narrow);
    } else {
      set(units().add(other.wide));
    }
  }

  /** The exact sum, in units. */
  public BigInteger units() {
    if (wide != null) {
      return wide;
    }
    return high == (narrow >> 63) ? BigInteger.valueOf(narrow) : Int128.toBig(high, narrow);
  }

  /** Whether the sum fits in a {@code long}, so that {@link #longValue()} returns it. */
  public boolean fitsLong() {
    return wide == null && high == (narrow >> 63);
  }

  /**
   * The sum, in units.
   *
   * @throws ArithmeticException if it does not fit in a {@code long} (see {@link #fitsLong()})
   */
  public long longValue() {
    if (!fitsLong()) {
      throw new ArithmeticException("the sum of units does not fit in a long; use units()");
    }
    return narrow;
  }

  /** Shows the class name only: the sum is data before noise. */
  @Override
  public String toString() {
    return "UnitSum[not shown]";
  }

  private void set(BigInteger sum) {
    if (sum.bitLength() < 128) {
      narrow = sum.longValue();
      high = sum.shiftRight(64).longValue();
      wide = null;
    } else {
      wide = sum;
    }
  }
}
