package dev.cleanroom.dp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigInteger;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.junit.jupiter.api.Test;

/**
 * {@link UnitTotals} against {@link BigInteger} arithmetic: totals widen past the long range
 * instead of wrapping, merge exactly, and read clamped to their bounds.
 */
class UnitTotalsProperties {
  private static long clamp(BigInteger exact, long lower, long upper) {
    if (exact.compareTo(BigInteger.valueOf(lower)) < 0) {
      return lower;
    }
    return exact.compareTo(BigInteger.valueOf(upper)) > 0 ? upper : exact.longValue();
  }

  @Property(tries = 500)
  void aTotalReadClampedIsTheExactClampedSum(
      @ForAll("units") List<Long> left,
      @ForAll("units") List<Long> right,
      @ForAll long a,
      @ForAll long b) {
    long lower = Math.min(a, b);
    long upper = Math.max(a, b);
    UnitTotals x = new UnitTotals(2);
    UnitTotals y = new UnitTotals(1);
    BigInteger exact = BigInteger.ZERO;
    for (long v : left) {
      x.add(1, v);
      exact = exact.add(BigInteger.valueOf(v));
    }
    for (long v : right) {
      y.add(0, v);
      exact = exact.add(BigInteger.valueOf(v));
    }
    x.addTotal(1, y, 0);
    assertEquals(clamp(exact, lower, upper), x.clamped(1, lower, upper));
    assertEquals(0, x.clamped(0, -1, 1), "a neighbour stays zero");
  }

  @Test
  void aTotalBeyondTheLongRangeComesBack() {
    UnitTotals t = new UnitTotals(1);
    t.add(0, Long.MAX_VALUE);
    t.add(0, Long.MAX_VALUE); // 2^64 - 2: wider than a long
    assertEquals(Long.MAX_VALUE, t.clamped(0, Long.MIN_VALUE, Long.MAX_VALUE));
    t.add(0, -Long.MAX_VALUE);
    t.add(0, -5);
    assertEquals(Long.MAX_VALUE - 5, t.clamped(0, Long.MIN_VALUE, Long.MAX_VALUE));
    t.clear(0);
    assertEquals(0, t.clamped(0, -1, 1));
    t.ensureCapacity(10);
    assertEquals(10, t.capacity());
    assertThrows(IllegalArgumentException.class, () -> t.clamped(0, 1, 0));
  }

  @Provide
  Arbitrary<List<Long>> units() {
    return Arbitraries.frequencyOf(
            Tuple.of(3, Arbitraries.longs().between(-1000, 1000)),
            Tuple.of(2, Arbitraries.longs()),
            Tuple.of(1, Arbitraries.of(Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE - 1)))
        .list()
        .ofMaxSize(20);
  }
}
