package dev.cleanroom.internal.release;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * A people set is its hashes sorted without repeats, whatever their spread: small sets sorted in
 * place, large ones through buckets by their top bits, against a plain sort.
 */
class PeopleSetProperties {
  /** Sorted and without repeats, by a plain sort: the reference. */
  private static long[] reference(long[] hashes, int count) {
    return Arrays.stream(hashes, 0, count).sorted().distinct().toArray();
  }

  @Property(tries = 300)
  void anySpread_isTheSortedDistinctHashes(
      @ForAll("spreads") int spread,
      @ForAll @IntRange(min = 0, max = 5_000) int count,
      @ForAll @IntRange(min = 0, max = 64) int unused,
      @ForAll long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    long[] hashes = new long[count + unused];
    for (int i = 0; i < hashes.length; i++) {
      hashes[i] = value(random, spread, i);
    }
    long[] expected = reference(hashes, count);
    long[] tail = Arrays.copyOfRange(hashes, count, hashes.length);
    assertArrayEquals(expected, DifferenceChecks.peopleSet(hashes, count));
    // The slots beyond count are not the set's and stay as they were.
    assertArrayEquals(tail, Arrays.copyOfRange(hashes, count, hashes.length));
  }

  @Example
  void largeSetWithoutRepeats_isReturnedWhole() {
    long[] hashes = new SplittableRandom(7).longs(10_000).toArray();
    long[] set = DifferenceChecks.peopleSet(hashes.clone(), hashes.length);
    assertArrayEquals(reference(hashes, hashes.length), set);
  }

  @Example
  void extremes_keepTheirSignedOrder() {
    long[] hashes = new long[2_000];
    for (int i = 0; i < hashes.length; i++) {
      hashes[i] =
          switch (i % 5) {
            case 0 -> Long.MIN_VALUE + i;
            case 1 -> Long.MAX_VALUE - i;
            case 2 -> -i;
            case 3 -> i;
            default -> 0;
          };
    }
    assertArrayEquals(
        reference(hashes, hashes.length), DifferenceChecks.peopleSet(hashes, hashes.length));
  }

  /**
   * How the hashes spread: 0 evenly over all longs (keyed hashes), 1 with many repeats, 2 all in
   * one narrow range (one bucket), 3 in a few clusters near the extremes and zero.
   */
  @Provide
  Arbitrary<Integer> spreads() {
    return Arbitraries.integers().between(0, 3);
  }

  private static long value(SplittableRandom random, int spread, int i) {
    return switch (spread) {
      case 0 -> random.nextLong();
      case 1 -> random.nextLong(Math.max(1, i / 3 + 1));
      case 2 -> 0x1234_5678_0000_0000L + random.nextLong(1_000);
      default -> {
        long[] centres = {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE - 500};
        yield centres[random.nextInt(centres.length)] + random.nextLong(500);
      }
    };
  }
}
