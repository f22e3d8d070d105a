package dev.cleanroom.dp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/**
 * Tests of {@link RandomBits}. Statistical checks state their false-failure rate; the bound for
 * "two secure sources differ" is 2^-6400 (100 words of 64 bits would have to coincide).
 */
class RandomBitsTest {

  @Test
  void seededForTestingOnly_sameSeed_repeatsTheSequence() {
    RandomBits a = RandomBits.seededForTestingOnly(42);
    RandomBits b = RandomBits.seededForTestingOnly(42);
    assertArrayEquals(words(a, 100), words(b, 100));
    // Mixed draw sizes consume the same stream in the same way.
    RandomBits c = RandomBits.seededForTestingOnly(7);
    RandomBits d = RandomBits.seededForTestingOnly(7);
    for (int i = 0; i < 1000; i++) {
      int bits = 1 + (i * 37) % 64;
      assertEquals(c.nextBits(bits), d.nextBits(bits));
      assertEquals(c.uniform(1000 + i), d.uniform(1000 + i));
    }
  }

  @Test
  void seededForTestingOnly_knownAnswer_isStableAcrossPlatforms() {
    // SHA-256("cleanroom RandomBits.seededForTestingOnly v1" || seed || counter), big-endian words;
    // computed independently (Python hashlib) so that seeded test data never silently changes.
    RandomBits a = RandomBits.seededForTestingOnly(0);
    assertEquals(3352568638497473986L, a.nextLong());
    assertEquals(1614814140062825773L, a.nextLong());
  }

  @Test
  void seededForTestingOnly_differentSeeds_differ() {
    assertFalse(
        java.util.Arrays.equals(
            words(RandomBits.seededForTestingOnly(1), 100),
            words(RandomBits.seededForTestingOnly(2), 100)));
  }

  @Test
  void secure_twoSources_differ() {
    assertFalse(
        java.util.Arrays.equals(words(RandomBits.secure(), 100), words(RandomBits.secure(), 100)));
    // Nor does one source repeat itself.
    RandomBits s = RandomBits.secure();
    assertFalse(java.util.Arrays.equals(words(s, 100), words(s, 100)));
  }

  @Test
  void toString_revealsNoSeed() {
    String s = RandomBits.seededForTestingOnly(123456789).toString();
    assertFalse(s.contains("123456789"), s);
    assertTrue(s.contains("seededForTestingOnly"), s);
    assertTrue(RandomBits.secure().toString().startsWith("RandomBits.secure("));
  }

  @Test
  void uniform_staysInRange_includingEdges() {
    RandomBits r = RandomBits.secure();
    for (int i = 0; i < 10_000; i++) {
      assertEquals(0, r.uniform(1));
      long x = r.uniform(Long.MAX_VALUE);
      assertTrue(x >= 0 && x < Long.MAX_VALUE);
      long y = r.uniform((1L << 62) + 1);
      assertTrue(y >= 0 && y <= (1L << 62));
      long z = r.uniform(3);
      assertTrue(z >= 0 && z < 3);
      BigInteger n = BigInteger.ONE.shiftLeft(100).add(BigInteger.ONE);
      BigInteger w = r.uniform(n);
      assertTrue(w.signum() >= 0 && w.compareTo(n) < 0);
      assertEquals(BigInteger.ZERO, r.uniform(BigInteger.ONE));
    }
  }

  @Test
  void nextBits_staysInRange() {
    RandomBits[] sources = {RandomBits.secure(), RandomBits.seededForTestingOnly(3)};
    for (RandomBits r : sources) {
      for (int bits = 1; bits < 64; bits++) {
        for (int i = 0; i < 100; i++) {
          long x = r.nextBits(bits);
          assertTrue((x >>> bits) == 0, bits + " bits gave " + x);
        }
      }
    }
  }

  @Test
  void badArguments_areRejected() {
    RandomBits r = RandomBits.secure();
    assertThrows(IllegalArgumentException.class, () -> r.uniform(0));
    assertThrows(IllegalArgumentException.class, () -> r.uniform(-5));
    assertThrows(IllegalArgumentException.class, () -> r.uniform(BigInteger.ZERO));
    assertThrows(IllegalArgumentException.class, () -> r.nextBits(0));
    assertThrows(IllegalArgumentException.class, () -> r.nextBits(65));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> r.uniform(BigInteger.valueOf(-3)));
    assertTrue(e.getMessage().contains("-3"), e.getMessage());
  }

  /**
   * Each of the 3 values of uniform(3), each of 5 residues of uniform(2^64 + 5) mod 5 is hit with
   * frequency 1/3 resp. close to 1/5, and single bits are fair: two-sided Chernoff bounds, 300,000
   * draws each, failure 2·5e-11 per checked frequency, 3 + 5 + 1 = 9 frequencies: false-failure
   * rate at most 9e-10.
   */
  @Test
  void uniform_isUnbiased() {
    RandomBits r = RandomBits.secure();
    int n = 300_000;
    long[] counts = new long[3];
    for (int i = 0; i < n; i++) {
      counts[(int) r.uniform(3)]++;
    }
    for (long c : counts) {
      assertFrequency(c, n, 1.0 / 3);
    }
    // uniform(2^64 + 5) mod 5: values 0..2^64+4; residue 0 has one extra value out of 2^64+5.
    BigInteger big = BigInteger.ONE.shiftLeft(64).add(BigInteger.valueOf(5));
    long[] residues = new long[5];
    for (int i = 0; i < n; i++) {
      residues[r.uniform(big).mod(BigInteger.valueOf(5)).intValue()]++;
    }
    for (long c : residues) {
      assertFrequency(c, n, 0.2);
    }
    long ones = 0;
    for (int i = 0; i < n; i++) {
      ones += r.nextBoolean() ? 1 : 0;
    }
    assertFrequency(ones, n, 0.5);
  }

  private static void assertFrequency(long count, int n, double p) {
    double f = (double) count / n;
    // p differs from the exact probability by < 2^-60 for the big modulus, far below the bounds.
    assertTrue(
        f >= Stats.chernoffLow(p, n, 5e-11) && f <= Stats.chernoffHigh(p, n, 5e-11),
        "frequency " + f + " vs " + p);
  }

  private static long[] words(RandomBits r, int n) {
    long[] w = new long[n];
    for (int i = 0; i < n; i++) {
      w[i] = r.nextLong();
    }
    return w;
  }
}
