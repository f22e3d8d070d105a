package dev.cleanroom.dp;

import java.math.BigInteger;

/** 128-bit two's-complement integers held in two {@code long} words (high, low read unsigned). */
final class Int128 {
  private Int128() {}

  /** The number high·2^64 + low, low read unsigned. */
  static BigInteger toBig(long high, long low) {
    byte[] b = new byte[16];
    for (int i = 0; i < 8; i++) {
      b[i] = (byte) (high >>> (56 - 8 * i));
      b[8 + i] = (byte) (low >>> (56 - 8 * i));
    }
    return new BigInteger(b);
  }

  /** The high word of {@code v}, which must fit 128 bits. */
  static long high(BigInteger v) {
    return v.shiftRight(64).longValueExact();
  }

  /** The low word of {@code v}. */
  static long low(BigInteger v) {
    return v.longValue();
  }

  /** Compares high1·2^64 + low1 with high2·2^64 + low2. */
  static int compare(long high1, long low1, long high2, long low2) {
    return high1 != high2 ? Long.compare(high1, high2) : Long.compareUnsigned(low1, low2);
  }
}
