package dev.cleanroom.dp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cleanroom.Bounds;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.junit.jupiter.api.Test;

/**
 * {@link ExactTotals} against exact {@link BigDecimal} arithmetic: every total, read clamped, is
 * the exact clamped sum whatever the order of its additions and however they were split over totals
 * merged with {@link ExactTotals#addTotal}.
 */
class ExactTotalsProperties {
  private final ExactSumProperties values = new ExactSumProperties();

  /** The exact sum clamped into {@code b}. */
  private static BigDecimal clampedExact(List<Double> values, Bounds b) {
    BigDecimal exact = ExactSumProperties.exact(values);
    BigDecimal lo = new BigDecimal(b.lower());
    BigDecimal hi = new BigDecimal(b.upper());
    return exact.compareTo(lo) < 0 ? lo : exact.compareTo(hi) > 0 ? hi : exact;
  }

  @Property(tries = 500)
  void aTotalReadClampedIsTheExactClampedSum(
      @ForAll("lists") List<Double> values, @ForAll("bounds") Bounds b, @ForAll long seed) {
    List<Double> shuffled = new ArrayList<>(values);
    Collections.shuffle(shuffled, new Random(seed));
    ExactTotals t = new ExactTotals(3);
    t.add(0, 1.0); // a neighbour that must not be disturbed
    for (double v : shuffled) {
      t.add(1, v);
    }
    BigDecimal expected = clampedExact(values, b);
    ExactSum target = new ExactSum();
    t.addClampedTo(1, b, target);
    assertEquals(0, expected.compareTo(target.exact()), "addClampedTo");
    assertEquals(expected.doubleValue(), t.clamped(1, b), "clamped");
    assertEquals(1.0, t.clamped(0, Bounds.of(-10, 10)));
    assertEquals(0.0, t.clamped(2, Bounds.of(-10, 10)));
  }

  @Property(tries = 300)
  void mergingTotalsIsExact(
      @ForAll("lists") List<Double> left, @ForAll("lists") List<Double> right) {
    ExactTotals a = new ExactTotals(1);
    ExactTotals b = new ExactTotals(2);
    left.forEach(v -> a.add(0, v));
    right.forEach(v -> b.add(1, v));
    a.addTotal(0, b, 1);
    List<Double> all = new ArrayList<>(left);
    all.addAll(right);
    Bounds wide = Bounds.of(-Double.MAX_VALUE, Double.MAX_VALUE);
    ExactSum target = new ExactSum();
    a.addClampedTo(0, wide, target);
    assertEquals(0, clampedExact(all, wide).compareTo(target.exact()));
  }

  @Test
  void aTotalThatADoubleCannotHoldStaysExact() {
    ExactTotals t = new ExactTotals(1);
    t.add(0, 0x1p53);
    t.add(0, 1.0);
    t.add(0, 1.0);
    Bounds wide = Bounds.of(-0x1p60, 0x1p60);
    assertEquals(0x1p53 + 2, t.clamped(0, wide)); // the double sum, in this order, is 2^53
    t.clear(0);
    assertEquals(0.0, t.clamped(0, wide));
    t.add(0, Double.MAX_VALUE);
    t.add(0, Double.MAX_VALUE);
    t.add(0, -Double.MAX_VALUE);
    assertEquals(Double.MAX_VALUE, t.clamped(0, Bounds.of(0, Double.MAX_VALUE)));
    assertThrows(IllegalArgumentException.class, () -> t.add(0, Double.NaN));
    t.ensureCapacity(40);
    assertEquals(40, t.capacity(), "grown at least to the asked capacity");
    assertEquals(Double.MAX_VALUE, t.clamped(0, Bounds.of(0, Double.MAX_VALUE)), "kept");
  }

  @Provide
  Arbitrary<List<Double>> lists() {
    return values.lists().map(l -> l.stream().filter(Double::isFinite).toList());
  }

  @Provide
  Arbitrary<Bounds> bounds() {
    return Arbitraries.frequencyOf(
        Tuple.of(1, Arbitraries.just(Bounds.of(-Double.MAX_VALUE, Double.MAX_VALUE))),
        Tuple.of(
            3,
            values
                .finite()
                .list()
                .ofSize(2)
                .map(p -> Bounds.of(Math.min(p.get(0), p.get(1)), Math.max(p.get(0), p.get(1))))));
  }
}
