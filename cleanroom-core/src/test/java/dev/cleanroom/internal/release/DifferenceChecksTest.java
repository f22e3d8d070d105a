package dev.cleanroom.internal.release;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class DifferenceChecksTest {
  private static final Instant NOW = Instant.parse("2024-05-01T12:00:00Z");
  private static final Duration DAY = Duration.ofDays(1);
  private static final List<String> SALES = List.of("retailer.sales");

  private static long[] range(long from, long toExclusive) {
    return LongStream.range(from, toExclusive).toArray();
  }

  @Test
  void peopleSet_sortsAndDropsRepeats() {
    long[] raw = {5, -3, 5, 9, -3, 0, 42};
    assertArrayEquals(new long[] {-3, 0, 5, 9}, DifferenceChecks.peopleSet(raw, 6));
  }

  @Test
  void difference_isTheSymmetricDifference_cappedAtTheLimit() {
    assertEquals(0, DifferenceChecks.difference(range(0, 10), range(0, 10), 5));
    assertEquals(1, DifferenceChecks.difference(range(0, 10), range(1, 10), 5));
    assertEquals(2, DifferenceChecks.difference(range(0, 10), range(1, 11), 5));
    assertEquals(5, DifferenceChecks.difference(range(0, 10), range(20, 30), 5));
    assertEquals(3, DifferenceChecks.difference(new long[0], range(0, 3), 5));
  }

  @Test
  void release_suppressesNearRows_keepsIdenticalAndFarOnes() {
    DifferenceChecks checks = new DifferenceChecks();
    boolean[] keep =
        checks.release(
            "a",
            SALES,
            3,
            DAY,
            NOW,
            List.of(range(0, 10), range(0, 10), range(0, 9), range(0, 7), range(100, 101)));
    // identical: kept; 1 away: suppressed; 3 away (= k): kept; disjoint: kept.
    assertArrayEquals(new boolean[] {true, true, false, true, true}, keep);
    // The identical set is remembered once.
    assertEquals(3, checks.remembered("a", "retailer.sales"));
  }

  @Test
  void storesAreKeptPerAnalyst() {
    DifferenceChecks checks = new DifferenceChecks();
    checks.release("a", SALES, 3, DAY, NOW, List.of(range(0, 10)));
    assertArrayEquals(
        new boolean[] {true}, checks.release("b", SALES, 3, DAY, NOW, List.of(range(0, 9))));
    assertArrayEquals(
        new boolean[] {false}, checks.release("a", SALES, 3, DAY, NOW, List.of(range(0, 9))));
  }

  @Test
  void cap_dropsTheOldestRowFirst() {
    DifferenceChecks checks = new DifferenceChecks(2);
    checks.release("a", SALES, 3, DAY, NOW, List.of(range(0, 10)));
    checks.release("a", SALES, 3, DAY, NOW, List.of(range(100, 110)));
    checks.release("a", SALES, 3, DAY, NOW, List.of(range(200, 210)));
    assertEquals(2, checks.remembered("a", "retailer.sales"));
    // The first row was dropped: a row one person away from it is released (the documented cost).
    assertArrayEquals(
        new boolean[] {true}, checks.release("a", SALES, 3, DAY, NOW, List.of(range(0, 9))));
    // The third is still remembered.
    assertArrayEquals(
        new boolean[] {false}, checks.release("a", SALES, 3, DAY, NOW, List.of(range(200, 209))));
  }

  @Test
  void expiredRows_areForgotten() {
    DifferenceChecks checks = new DifferenceChecks();
    checks.release("a", SALES, 3, DAY, NOW, List.of(range(0, 10)));
    assertArrayEquals(
        new boolean[] {false},
        checks.release("a", SALES, 3, DAY, NOW.plus(DAY).minusNanos(1), List.of(range(0, 9))));
    assertArrayEquals(
        new boolean[] {true},
        checks.release("a", SALES, 3, DAY, NOW.plus(DAY), List.of(range(0, 9))));
    assertEquals(1, checks.remembered("a", "retailer.sales"));
  }

  @Test
  void hash_isKeyedPerInstance() {
    DifferenceChecks one = new DifferenceChecks();
    DifferenceChecks two = new DifferenceChecks();
    assertEquals(one.hash("pseudonym"), one.hash("pseudonym"));
    // Two independent 64-bit keys agree on a value with probability 2^-64.
    assertNotEquals(one.hash("pseudonym"), two.hash("pseudonym"));
  }

  @Test
  void maxRows_belowOne_isRejected() {
    assertThrows(IllegalArgumentException.class, () -> new DifferenceChecks(0));
  }
}
