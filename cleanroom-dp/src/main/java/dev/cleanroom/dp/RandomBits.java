package dev.cleanroom.dp;

import java.math.BigInteger;
import java.security.SecureRandom;

/**
 * The single source of randomness of every noise sampler: uniformly random 64-bit words, and
 * uniform integers in {@code [0, n)} drawn from them by rejection sampling (no modulo bias).
 *
 * <p>Production code uses {@link #secure()}, which draws from {@link SecureRandom}. The only other
 * factory, {@link #seededForTestingOnly(long)}, makes a repeatable sequence; it must never be used
 * to release data, because anyone who knows or guesses the seed can subtract the noise.
 *
 * <p>Implementations must be safe for use by several threads at once.
 */
public interface RandomBits {

  /** Returns 64 uniformly random bits. */
  long nextLong();

  /**
   * Returns a uniformly random integer in {@code [0, 2^bits)}. Implementations may keep unused bits
   * of earlier draws for later calls.
   *
   * @throws IllegalArgumentException if {@code bits} is not in [1, 64]
   */
  default long nextBits(int bits) {
    if (bits < 1 || bits > Long.SIZE) {
      throw new IllegalArgumentException("bits must be in [1, 64]; provided value: " + bits);
    }
    return nextLong() >>> (Long.SIZE - bits);
  }

  /** Returns a uniformly random bit. */
  default boolean nextBoolean() {
    return nextBits(1) != 0;
  }

  /**
   * Returns a uniformly random integer in {@code [0, n)}. Draws as many bits as {@code n - 1} has
   * and rejects results {@code >= n}, so every value is exactly equally likely; fewer than two
   * draws are needed on average.
   *
   * @throws IllegalArgumentException if {@code n} is not positive
   */
  default long uniform(long n) {
    if (n <= 0) {
      throw new IllegalArgumentException("n must be positive; provided value: " + n);
    }
    if (n == 1) {
      return 0;
    }
    int bits = Long.SIZE - Long.numberOfLeadingZeros(n - 1);
    while (true) {
      long x = nextBits(bits);
      if (x < n) {
        return x;
      }
    }
  }

  /**
   * Returns a uniformly random integer in {@code [0, n)}, by rejection sampling as {@link
   * #uniform(long)}.
   *
   * @throws IllegalArgumentException if {@code n} is not positive
   */
  default BigInteger uniform(BigInteger n) {
    if (n.signum() <= 0) {
      throw new IllegalArgumentException("n must be positive; provided value: " + n);
    }
    if (n.bitLength() < Long.SIZE) {
      return BigInteger.valueOf(uniform(n.longValueExact()));
    }
    int bits = n.subtract(BigInteger.ONE).bitLength();
    int bytes = (bits + 7) / 8;
    byte[] buffer = new byte[bytes];
    int topBits = bits - 8 * (bytes - 1);
    while (true) {
      for (int i = 0; i < bytes; i += 8) {
        long word = nextLong();
        for (int j = 0; j < 8 && i + j < bytes; j++) {
          buffer[i + j] = (byte) (word >>> (8 * j));
        }
      }
      buffer[0] &= (byte) ((1 << topBits) - 1);
      BigInteger x = new BigInteger(1, buffer);
      if (x.compareTo(n) < 0) {
        return x;
      }
    }
  }

  /**
   * Randomness from a new {@link SecureRandom}: the platform's NIST SP 800-90A {@code DRBG}
   * (Hash_DRBG with SHA-256 at 256-bit strength, seeded by the operating system's entropy source),
   * or the platform default {@code new SecureRandom()} where no DRBG is available. This is the
   * default of every mechanism. The DRBG is preferred for speed: on Linux the default {@code
   * NativePRNG} is about five times slower per byte.
   */
  static RandomBits secure() {
    return new SecureRandomBits(SecureRandomBits.strongest());
  }

  /**
   * A repeatable stream for tests: SHA-256 in counter mode over {@code seed}. The same seed always
   * yields the same sequence, on every platform.
   *
   * <p><strong>Never use this to release data:</strong> noise from a known seed can be subtracted.
   */
  static RandomBits seededForTestingOnly(long seed) {
    return new CounterModeRandomBits(seed);
  }
}
