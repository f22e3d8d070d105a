package dev.cleanroom.dp;

/** Conversions from units of a power-of-two granularity to values. */
final class Units {
  private Units() {}

  /** {@code m · 2^k}, rounded up if {@code m} has more than 53 significant bits. */
  static double toValue(long m, int k) {
    double d = m;
    if ((long) d < m) {
      d = Math.nextUp(d);
    }
    return Math.scalb(d, k);
  }
}
