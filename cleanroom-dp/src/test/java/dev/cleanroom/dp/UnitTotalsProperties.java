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

  /**
   * Any sequence of additions (of longs, of floors of doubles up to 2^200, of other totals), clears
   * and growths, over several totals at once, against one {@link BigInteger} per total: each total
   * stays exact whether the totals are one word each, two, or beyond, and a total never reaches its
   * neighbours.
   */
  @Property(tries = 400)
  void everyTotalOfASequenceOfOperationsIsExact(
      @ForAll("operations") List<Tuple.Tuple3<Integer, Integer, Long>> ops) {
    int n = 3;
    UnitTotals t = new UnitTotals(n);
    UnitTotals other = new UnitTotals(2);
    BigInteger[] exact = new BigInteger[n];
    BigInteger[] otherExact = {BigInteger.ZERO, BigInteger.ZERO};
    java.util.Arrays.fill(exact, BigInteger.ZERO);
    for (Tuple.Tuple3<Integer, Integer, Long> op : ops) {
      int i = Math.floorMod(op.get2(), n);
      long v = op.get3();
      switch (op.get1()) {
        case 0 -> {
          t.add(i, v);
          exact[i] = exact[i].add(BigInteger.valueOf(v));
        }
        case 1 -> {
          // A double of any size up to 2^200, its floor added.
          double d = Math.scalb((double) (v >> 11), Math.floorMod(v, 190));
          t.addFloor(i, d);
          exact[i] = exact[i].add(new java.math.BigDecimal(Math.floor(d)).toBigIntegerExact());
        }
        case 2 -> {
          int j = Math.floorMod(v, 2);
          other.add(j, v);
          otherExact[j] = otherExact[j].add(BigInteger.valueOf(v));
          t.addTotal(i, other, j);
          exact[i] = exact[i].add(otherExact[j]);
        }
        case 3 -> {
          t.clear(i);
          exact[i] = BigInteger.ZERO;
        }
        default -> {
          int more = t.capacity() + Math.floorMod(v, 3);
          t.ensureCapacity(more);
          exact = java.util.Arrays.copyOf(exact, t.capacity());
          for (int k = n; k < exact.length; k++) {
            exact[k] = BigInteger.ZERO;
          }
          n = t.capacity();
        }
      }
    }
    // The widest bounds of units: a total beyond them (from the doubles up to 2^200) is clamped.
    BigInteger far = BigInteger.TWO.pow(127).subtract(BigInteger.ONE);
    UnitBounds wide = new UnitBounds(far.negate(), far);
    for (int i = 0; i < n; i++) {
      UnitSum sum = new UnitSum();
      t.addClampedTo(i, wide, sum);
      assertEquals(exact[i].max(far.negate()).min(far), sum.units(), "total " + i);
      assertEquals(clamp(exact[i], -1_000_000, 1_000_000), t.clamped(i, -1_000_000, 1_000_000));
    }
  }

  @Provide
  Arbitrary<List<Tuple.Tuple3<Integer, Integer, Long>>> operations() {
    Arbitrary<Long> values =
        Arbitraries.frequencyOf(
            Tuple.of(3, Arbitraries.longs().between(-1000, 1000)),
            Tuple.of(2, Arbitraries.longs()),
            Tuple.of(1, Arbitraries.of(Long.MAX_VALUE, Long.MIN_VALUE)));
    return Arbitraries.integers()
        .between(0, 4)
        .flatMap(
            kind ->
                Arbitraries.integers()
                    .between(0, 7)
                    .flatMap(i -> values.map(v -> Tuple.of(kind, i, v))))
        .list()
        .ofMaxSize(40);
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
