package dev.cleanroom.dp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import net.jqwik.api.constraints.IntRange;

/**
 * {@link ExactSum} against exact {@link BigDecimal} arithmetic, for values of every magnitude from
 * subnormal to {@link Double#MAX_VALUE}, and its independence of order and of merging.
 */
class ExactSumProperties {
  /**
   * The smallest magnitude that rounds to infinity: MAX_VALUE plus half its ulp, 2^1024 - 2^970.
   */
  private static final BigDecimal OVERFLOW =
      new BigDecimal(Double.MAX_VALUE).add(new BigDecimal(Math.ulp(Double.MAX_VALUE) / 2));

  /** The exact sum rounded once to the nearest double, or null if it rounds to infinity. */
  static Double reference(List<Double> values) {
    BigDecimal exact = exact(values);
    if (exact.abs().compareTo(OVERFLOW) >= 0) {
      return null;
    }
    double d = exact.doubleValue();
    assertTrue(Double.isFinite(d), "BigDecimal rounds " + exact + " to " + d);
    return d + 0.0; // +0.0 for a zero sum
  }

  static BigDecimal exact(List<Double> values) {
    BigDecimal exact = BigDecimal.ZERO;
    for (double v : values) {
      exact = exact.add(new BigDecimal(v));
    }
    return exact;
  }

  static ExactSum sumOf(List<Double> values) {
    ExactSum s = new ExactSum();
    values.forEach(s::add);
    return s;
  }

  /** The value, or null if it is refused as beyond the double range. */
  static Double valueOrNull(ExactSum s) {
    try {
      return s.value();
    } catch (ArithmeticException e) {
      return null;
    }
  }

  @Property(tries = 500)
  void value_isTheExactSumRoundedOnce(@ForAll("lists") List<Double> values) {
    ExactSum s = sumOf(values);
    assertEquals(0, exact(values).compareTo(s.exact()), "exact()");
    Double expected = reference(values);
    if (expected == null) {
      assertThrows(ArithmeticException.class, s::value);
    } else {
      assertEquals(0, Double.compare(expected, s.value()), values.toString());
    }
    assertEquals(exact(values).signum() == 0, s.isZero());
  }

  /**
   * An oracle independent of BigDecimal.doubleValue: no double is nearer to the exact sum than the
   * value, and at a tie the value's last significand bit is 0.
   */
  @Property(tries = 1000)
  void value_isNearest_tiesToEven(@ForAll("lists") List<Double> values) {
    BigDecimal exact = exact(values);
    Double v = valueOrNull(sumOf(values));
    if (v == null) {
      assertTrue(exact.abs().compareTo(OVERFLOW) >= 0, "refused " + exact);
      return;
    }
    BigDecimal error = new BigDecimal(v).subtract(exact).abs();
    for (double neighbour : new double[] {Math.nextUp(v), Math.nextDown(v)}) {
      if (Double.isFinite(neighbour)) {
        int c = error.compareTo(new BigDecimal(neighbour).subtract(exact).abs());
        assertTrue(c <= 0, v + " is farther from " + exact + " than " + neighbour);
        if (c == 0) {
          assertEquals(0, Double.doubleToRawLongBits(v) & 1, "tie not to even: " + v);
        }
      }
    }
  }

  /**
   * Half-way cases across partials: a, half an ulp of a, and a much smaller value of either sign
   * that decides the rounding.
   */
  @Property(tries = 2000)
  void halfWayCases_areRoundedCorrectly(
      @ForAll("finite") double a,
      @ForAll @IntRange(min = 1, max = 200) int below,
      @ForAll boolean up,
      @ForAll boolean tip,
      @ForAll Random random) {
    double half = Math.ulp(a) / 2;
    List<Double> values = new ArrayList<>(List.of(a, up ? half : -half));
    if (tip) {
      double tiny = Math.max(Double.MIN_VALUE, Math.scalb(half, -below));
      values.add(random.nextBoolean() ? tiny : -tiny);
    }
    Collections.shuffle(values, random);
    assertEquals(reference(values), valueOrNull(sumOf(values)), values.toString());
  }

  /**
   * Any order and any split into partial sums merged in any order give the identical value (or all
   * refuse it).
   */
  @Property(tries = 1000)
  void value_doesNotDependOnOrderOrMerging(
      @ForAll("lists") List<Double> values, @ForAll Random random) {
    Double sequential = valueOrNull(sumOf(values));
    List<Double> shuffled = new ArrayList<>(values);
    Collections.shuffle(shuffled, random);
    assertEquals(sequential, valueOrNull(sumOf(shuffled)), "permuted");

    // Split the shuffled values into parts, then merge the parts pairwise in a random order.
    List<ExactSum> parts = new ArrayList<>();
    ExactSum current = new ExactSum();
    for (double v : shuffled) {
      current.add(v);
      if (random.nextInt(4) == 0) {
        parts.add(current);
        current = new ExactSum();
      }
    }
    parts.add(current);
    while (parts.size() > 1) {
      ExactSum into = parts.remove(random.nextInt(parts.size()));
      ExactSum from = parts.remove(random.nextInt(parts.size()));
      into.addAll(from);
      parts.add(into);
    }
    ExactSum merged = parts.get(0);
    assertEquals(sequential, valueOrNull(merged), "merged");
    assertEquals(0, exact(values).compareTo(merged.exact()), "merged exact()");
  }

  /** A sum and its negation cancel to +0.0 in any interleaving. */
  @Property(tries = 500)
  void valuesAndTheirNegations_cancelExactly(
      @ForAll("lists") List<Double> values, @ForAll Random random) {
    List<Double> all = new ArrayList<>(values);
    values.forEach(v -> all.add(-v));
    Collections.shuffle(all, random);
    ExactSum s = sumOf(all);
    assertTrue(s.isZero());
    assertEquals(0, Double.compare(0.0, s.value()));
  }

  @Provide
  Arbitrary<List<Double>> lists() {
    return Arbitraries.frequencyOf(
            Tuple.of(3, finite()),
            Tuple.of(3, Arbitraries.doubles().between(-1e6, 1e6)),
            Tuple.of(2, sameMagnitude()),
            Tuple.of(1, huge()),
            Tuple.of(1, tiny()),
            Tuple.of(1, special()))
        .list()
        .ofMaxSize(30);
  }

  /** Every finite double, with every exponent equally likely. */
  @Provide
  Arbitrary<Double> finite() {
    return Arbitraries.longs().map(Double::longBitsToDouble).filter(Double::isFinite);
  }

  /** Values within a few binades of one another around a random scale: much cancellation. */
  private static Arbitrary<Double> sameMagnitude() {
    return Arbitraries.integers()
        .between(-4, 4)
        .flatMap(
            e ->
                Arbitraries.doubles()
                    .between(-1, 1)
                    .map(m -> Math.scalb(m, e * 240))
                    .filter(Double::isFinite));
  }

  private static Arbitrary<Double> huge() {
    return Arbitraries.doubles()
        .between(1, 2)
        .flatMap(
            m ->
                Arbitraries.integers()
                    .between(1000, 1023)
                    .flatMap(e -> Arbitraries.of(Math.scalb(m, e), -Math.scalb(m, e))))
        .filter(Double::isFinite);
  }

  private static Arbitrary<Double> tiny() {
    return Arbitraries.longs()
        .between(-(1L << 54), 1L << 54)
        .map(m -> Math.scalb((double) m, -1074));
  }

  private static Arbitrary<Double> special() {
    return Arbitraries.of(
        Double.MAX_VALUE,
        -Double.MAX_VALUE,
        0x1p970,
        -0x1p970,
        Double.MIN_VALUE,
        -Double.MIN_VALUE,
        Double.MIN_NORMAL,
        0.0,
        -0.0,
        1.0,
        0.1,
        1e16,
        -1e16);
  }
}
