package dev.cleanroom.dp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.Bounds;
import org.junit.jupiter.api.Test;

class ContributionBoundingTest {
  private static final Bounds B = Bounds.of(-2, 5);

  @Test
  void clamp_infinities_goToTheBounds() {
    assertEquals(5, ContributionBounding.clamp(Double.POSITIVE_INFINITY, B));
    assertEquals(-2, ContributionBounding.clamp(Double.NEGATIVE_INFINITY, B));
  }

  @Test
  void clamp_nan_staysNanForTheCallerToDrop() {
    assertTrue(Double.isNaN(ContributionBounding.clamp(Double.NaN, B)));
  }

  @Test
  void clamp_insideValue_isUnchanged() {
    assertEquals(3.25, ContributionBounding.clamp(3.25, B));
  }

  @Test
  void clampCount_badArguments_areRejected() {
    assertThrows(IllegalArgumentException.class, () -> ContributionBounding.clampCount(-1, 3));
    assertThrows(IllegalArgumentException.class, () -> ContributionBounding.clampCount(1, 0));
    assertEquals(3, ContributionBounding.clampCount(10, 3));
    assertEquals(2, ContributionBounding.clampCount(2, 3));
  }

  @Test
  void selectPartitions_keepsTheSmallestRanks() {
    assertArrayEquals(
        new int[] {1, 3}, ContributionBounding.selectPartitions(new long[] {9, 1, 7, 2}, 2));
    assertArrayEquals(
        new int[] {0, 1}, ContributionBounding.selectPartitions(new long[] {9, 1}, 5));
    assertThrows(
        IllegalArgumentException.class,
        () -> ContributionBounding.selectPartitions(new long[] {1}, 0));
  }

  /**
   * With a fresh random salt per person, each of 4 partitions is kept (L0 = 1) with probability
   * 1/4. Over n = 40,000 people a count is Binomial(n, 1/4) with standard deviation 86.6; the test
   * fails if any of the 4 counts is more than 6.5 standard deviations off, which happens by chance
   * with probability below 4 × 8.1e-11 < 1e-9.
   */
  @Test
  void keyedRank_choosesUniformly() {
    int n = 40_000;
    int[] kept = new int[4];
    String[] partitions = new String[4];
    for (int i = 0; i < 4; i++) {
      partitions[i] = "campaign-" + i;
    }
    for (int p = 0; p < n; p++) {
      KeyedRank rank = KeyedRank.random();
      String person = "person" + p;
      long[] ranks = new long[4];
      for (int i = 0; i < 4; i++) {
        ranks[i] = rank.rank(person, partitions[i]);
      }
      kept[ContributionBounding.selectPartitions(ranks, 1)[0]]++;
    }
    double sd = Math.sqrt(n * 0.25 * 0.75);
    for (int c : kept) {
      assertTrue(Math.abs(c - n / 4.0) < 6.5 * sd, "counts " + java.util.Arrays.toString(kept));
    }
  }

  @Test
  void keyedRank_ordersLikeTheHexDigestADatabaseComputes() throws Exception {
    KeyedRank rank = KeyedRank.forTestingWithSalt(new byte[] {(byte) 0xab, 1});
    java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
    String[] groups = {"1", "2", "DE|7", "é"};
    for (String a : groups) {
      for (String b : groups) {
        String ha =
            java.util.HexFormat.of()
                .formatHex(
                    md.digest(("ab01|p|" + a).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        String hb =
            java.util.HexFormat.of()
                .formatHex(
                    md.digest(("ab01|p|" + b).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertEquals(
            Integer.signum(ha.compareTo(hb)),
            Integer.signum(Long.compare(rank.rank("p", a), rank.rank("p", b))));
      }
    }
  }

  @Test
  void keyedRank_isRepeatableForOneSaltAndDiffersAcrossSalts() {
    String person = "p1";
    String partition = "g4";
    KeyedRank a = KeyedRank.forTestingWithSalt(new byte[] {7});
    KeyedRank b = KeyedRank.forTestingWithSalt(new byte[] {7});
    KeyedRank c = KeyedRank.forTestingWithSalt(new byte[] {8});
    assertEquals(a.rank(person, partition), b.rank(person, partition));
    assertTrue(a.rank(person, partition) != c.rank(person, partition));
    assertTrue(!a.toString().contains("07"));
    assertEquals("07", a.saltHex());
  }
}
