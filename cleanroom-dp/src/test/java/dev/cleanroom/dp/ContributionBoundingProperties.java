package dev.cleanroom.dp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.Bounds;
import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;

class ContributionBoundingProperties {
  @Property
  void clamping_staysInBounds(
      @ForAll double value,
      @ForAll @DoubleRange(min = -1e6, max = 1e6) double a,
      @ForAll @DoubleRange(min = -1e6, max = 1e6) double b) {
    Bounds bounds = Bounds.of(Math.min(a, b), Math.max(a, b));
    double c = ContributionBounding.clamp(value, bounds);
    if (Double.isNaN(value)) {
      assertTrue(Double.isNaN(c));
    } else {
      assertTrue(c >= bounds.lower() && c <= bounds.upper());
      if (value >= bounds.lower() && value <= bounds.upper()) {
        assertEquals(value, c);
      }
    }
  }

  @Property
  void selectPartitions_keepsAtMostMaxDistinctSortedIndices(
      @ForAll long[] ranks, @ForAll @IntRange(min = 1, max = 20) int max) {
    int[] kept = ContributionBounding.selectPartitions(ranks, max);
    assertEquals(Math.min(max, ranks.length), kept.length);
    for (int i = 1; i < kept.length; i++) {
      assertTrue(kept[i - 1] < kept[i]);
    }
    // Every dropped partition ranks no lower than every kept one.
    long worstKept = Long.MIN_VALUE;
    for (int k : kept) {
      worstKept = Math.max(worstKept, ranks[k]);
    }
    for (int i = 0; i < ranks.length; i++) {
      if (Arrays.binarySearch(kept, i) < 0) {
        assertTrue(ranks[i] >= worstKept);
      }
    }
  }
}
