package dev.cleanroom.dp;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;

/**
 * An exact non-negative rational number {@code num / den} in lowest terms, used to derive noise
 * parameters without floating-point rounding.
 */
final class Rational implements Comparable<Rational> {
  static final Rational ZERO = new Rational(BigInteger.ZERO, BigInteger.ONE);
  static final Rational ONE = new Rational(BigInteger.ONE, BigInteger.ONE);

  private final BigInteger num;
  private final BigInteger den;

  private Rational(BigInteger num, BigInteger den) {
    this.num = num;
    this.den = den;
  }

  /** {@code num / den}, reduced. */
  static Rational of(BigInteger num, BigInteger den) {
    if (den.signum() <= 0 || num.signum() < 0) {
      throw new ArithmeticException("rational must be non-negative with a positive denominator");
    }
    BigInteger g = num.gcd(den);
    if (g.signum() == 0 || g.equals(BigInteger.ONE)) {
      return new Rational(num, den);
    }
    return new Rational(num.divide(g), den.divide(g));
  }

  static Rational of(long num, long den) {
    return of(BigInteger.valueOf(num), BigInteger.valueOf(den));
  }

  /** The exact value of a non-negative decimal. */
  static Rational of(BigDecimal value) {
    BigInteger unscaled = value.unscaledValue();
    int scale = value.scale();
    if (scale >= 0) {
      return of(unscaled, BigInteger.TEN.pow(scale));
    }
    return of(unscaled.multiply(BigInteger.TEN.pow(-scale)), BigInteger.ONE);
  }

  /** The exact value of a finite, non-negative double. */
  static Rational of(double value) {
    if (!(value >= 0 && value < Double.POSITIVE_INFINITY)) {
      throw new ArithmeticException("not a finite non-negative double: " + value);
    }
    if (value == 0) {
      return ZERO;
    }
    // value = significand · 2^exponent with an integer significand.
    long bits = Double.doubleToRawLongBits(value);
    int biased = (int) (bits >>> 52);
    long significand = bits & 0x000F_FFFF_FFFF_FFFFL;
    int exponent;
    if (biased == 0) {
      exponent = -1074; // subnormal
    } else {
      significand |= 1L << 52;
      exponent = biased - 1075;
    }
    return of(BigInteger.valueOf(significand), BigInteger.ONE).scaleByPowerOfTwo(exponent);
  }

  /** {@code 2^k}, for any integer k. */
  static Rational powerOfTwo(int k) {
    return k >= 0
        ? new Rational(BigInteger.ONE.shiftLeft(k), BigInteger.ONE)
        : new Rational(BigInteger.ONE, BigInteger.ONE.shiftLeft(-k));
  }

  BigInteger num() {
    return num;
  }

  BigInteger den() {
    return den;
  }

  boolean isZero() {
    return num.signum() == 0;
  }

  Rational add(Rational o) {
    return of(num.multiply(o.den).add(o.num.multiply(den)), den.multiply(o.den));
  }

  Rational multiply(Rational o) {
    return of(num.multiply(o.num), den.multiply(o.den));
  }

  Rational multiply(long k) {
    return of(num.multiply(BigInteger.valueOf(k)), den);
  }

  Rational divide(Rational o) {
    if (o.isZero()) {
      throw new ArithmeticException("division by zero");
    }
    return of(num.multiply(o.den), den.multiply(o.num));
  }

  /** This times {@code 2^k}. */
  Rational scaleByPowerOfTwo(int k) {
    return multiply(powerOfTwo(k));
  }

  /** The largest integer not above this. */
  BigInteger floor() {
    return num.divide(den);
  }

  /** The smallest k with {@code 2^k >= this}; this must be positive. */
  int ceilLog2() {
    if (num.signum() <= 0) {
      throw new ArithmeticException("ceilLog2 of a non-positive number");
    }
    // 2^(b-1) < num/den < 2^(b+1), so the answer is b, b + 1 or (at most) b + 1.
    int k = num.bitLength() - den.bitLength() - 1;
    while (compareTo(powerOfTwo(k)) > 0) {
      k++;
    }
    return k;
  }

  /**
   * The smallest number of the form {@code m / 2^j} that is {@code >= this}, where {@code m} has at
   * most {@code numBits} bits if this is below {@code 2^numBits}, and {@code 0 <= j <= maxDenBits}.
   * Used to keep sampler parameters within 64-bit arithmetic while only ever rounding a noise
   * parameter up. Returns this unchanged when it already fits.
   */
  Rational roundUp(int numBits, int maxDenBits) {
    if (num.bitLength() <= numBits && den.bitLength() <= maxDenBits + 1) {
      return this;
    }
    int j = numBits - (num.bitLength() - den.bitLength()) - 1;
    j = Math.max(0, Math.min(maxDenBits, j));
    BigInteger[] qr = num.shiftLeft(j).divideAndRemainder(den);
    BigInteger m = qr[1].signum() == 0 ? qr[0] : qr[0].add(BigInteger.ONE);
    return of(m, BigInteger.ONE.shiftLeft(j));
  }

  /** The nearest double (for display and for floating-point error estimates only). */
  double doubleValue() {
    return new BigDecimal(num).divide(new BigDecimal(den), MathContext.DECIMAL64).doubleValue();
  }

  @Override
  public int compareTo(Rational o) {
    return num.multiply(o.den).compareTo(o.num.multiply(den));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Rational r && num.equals(r.num) && den.equals(r.den);
  }

  @Override
  public int hashCode() {
    return 31 * num.hashCode() + den.hashCode();
  }

  @Override
  public String toString() {
    return num + "/" + den;
  }
}
