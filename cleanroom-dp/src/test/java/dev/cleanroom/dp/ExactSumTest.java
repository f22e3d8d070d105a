package dev.cleanroom.dp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Worked examples of {@link ExactSum}: the exact sum, rounded once, in any order. */
class ExactSumTest {
  private static final double MAX = Double.MAX_VALUE;
  private static final double TINY = Double.MIN_VALUE;

  static ExactSum sumOf(double... values) {
    ExactSum s = new ExactSum();
    for (double v : values) {
      s.add(v);
    }
    return s;
  }

  /** Every order of {@code values} gives {@code expected}. */
  static void assertSumInEveryOrder(double expected, double... values) {
    for (List<Double> order : permutations(values)) {
      ExactSum s = new ExactSum();
      order.forEach(s::add);
      assertEquals(expected, s.value(), "order " + order);
    }
  }

  private static List<List<Double>> permutations(double... values) {
    List<List<Double>> out = new ArrayList<>();
    permute(new ArrayList<>(), new boolean[values.length], values, out);
    return out;
  }

  private static void permute(
      List<Double> prefix, boolean[] used, double[] values, List<List<Double>> out) {
    if (prefix.size() == values.length) {
      out.add(new ArrayList<>(prefix));
      return;
    }
    for (int i = 0; i < values.length; i++) {
      if (!used[i]) {
        used[i] = true;
        prefix.add(values[i]);
        permute(prefix, used, values, out);
        prefix.remove(prefix.size() - 1);
        used[i] = false;
      }
    }
  }

  @Test
  void tenthsAddUpToTheNearestDoubleOfTheExactSum_inEveryOrder() {
    // In double arithmetic (0.1 + 0.2) + 0.3 is 0.6000000000000001, but 0.1 + (0.2 + 0.3) is 0.6.
    assertNotEquals((0.1 + 0.2) + 0.3, 0.1 + (0.2 + 0.3));
    // The exact sum of the three doubles, 0.60000000000000000555..., is nearest to the double 0.6.
    BigDecimal exact =
        new BigDecimal("0.1000000000000000055511151231257827021181583404541015625")
            .add(new BigDecimal("0.200000000000000011102230246251565404236316680908203125"))
            .add(new BigDecimal("0.299999999999999988897769753748434595763683319091796875"));
    assertEquals(0, exact.compareTo(sumOf(0.1, 0.2, 0.3).exact()));
    assertEquals(0.6, exact.doubleValue());
    assertSumInEveryOrder(0.6, 0.1, 0.2, 0.3);
  }

  @Test
  void smallValuesNextToLargeOnes_areNotLost() {
    assertSumInEveryOrder(1.0, 1e16, 1.0, -1e16);
    assertSumInEveryOrder(2.0, 1e16, 1.0, 1.0, -1e16);
    // The 1e-16 makes 1e16 + 1 lie just above a half-way point: it rounds up (Python's fsum test).
    assertSumInEveryOrder(10000000000000002.0, 1e16, 1.0, 1e-16);
  }

  @Test
  void halfWayCases_roundToEven_unlessSmallerPartsTipTheBalance() {
    double p53 = 0x1p53;
    assertSumInEveryOrder(p53, p53, 1.0); // exact half-way: to even
    assertSumInEveryOrder(p53 + 2, p53, 1.0, 0x1p-100); // just above half-way
    assertSumInEveryOrder(p53, p53, 1.0, -0x1p-100); // just below half-way
    assertSumInEveryOrder(p53 - 1, p53, -0.5, -0x1p-54);
    assertSumInEveryOrder(p53 + 12, p53 + 10, 1.0, 0x1p-100);
    assertSumInEveryOrder(p53 - 3, p53 - 4, 0.5, 0x1p-54);
  }

  @Test
  void exactCancellation_givesPositiveZero() {
    assertSumInEveryOrder(0.0, 1e16 - 2, 1 - 0x1p-53, -(1e16 - 2), -(1 - 0x1p-53));
    ExactSum s = sumOf(0.1, -0.1, 1e300, -1e300);
    assertTrue(s.isZero());
    assertEquals(0, Double.compare(0.0, s.value()), "+0.0, not -0.0");
    assertEquals(0, Double.compare(0.0, sumOf(-0.0, -0.0).value()), "+0.0, not -0.0");
    assertEquals(0, Double.compare(0.0, new ExactSum().value()));
    assertTrue(new ExactSum().isZero());
    assertFalse(sumOf(TINY).isZero());
  }

  @Test
  void longAlternatingSeries_matchPythonsFsum() {
    // Reference values from CPython's test_math (fsum).
    double[] harmonic = new double[1000];
    double[] alternating = new double[1000];
    for (int n = 1; n <= 1000; n++) {
      harmonic[n - 1] = 1.0 / n;
      alternating[n - 1] = (n % 2 == 0 ? 1.0 : -1.0) / n;
    }
    assertEquals(Double.parseDouble("0x1.df11f45f4e61ap+2"), sumOf(harmonic).value());
    assertEquals(Double.parseDouble("-0x1.62a2af1bd3624p-1"), sumOf(alternating).value());
    // Telescoping powers of 1.7: everything cancels except -1.
    double[] telescoping = new double[1001];
    for (int i = 0; i < 1000; i++) {
      telescoping[i] = Math.pow(1.7, i + 1) - Math.pow(1.7, i);
    }
    telescoping[1000] = -Math.pow(1.7, 1000);
    BigDecimal exact = BigDecimal.ZERO;
    for (double v : telescoping) {
      exact = exact.add(new BigDecimal(v));
    }
    assertEquals(exact.doubleValue(), sumOf(telescoping).value());
  }

  @Test
  void subnormals_addExactly() {
    assertSumInEveryOrder(3 * TINY, TINY, TINY, TINY);
    double minNormal = Double.MIN_NORMAL;
    assertSumInEveryOrder(minNormal, minNormal - TINY, TINY);
    assertSumInEveryOrder(TINY, 1.0, TINY, -1.0);
    assertSumInEveryOrder(-TINY, 1e300, -TINY, -1e300);
    assertEquals(
        new BigDecimal(TINY).multiply(BigDecimal.valueOf(5)),
        sumOf(TINY, 2 * TINY, 2 * TINY).exact());
  }

  @Test
  void maxValues_cancelDespiteIntermediateOverflow() {
    assertSumInEveryOrder(0.0, MAX, -MAX);
    assertSumInEveryOrder(MAX, MAX, MAX, -MAX);
    assertSumInEveryOrder(1e308, 1e308, 1e308, -1e308); // an OverflowError in Python's fsum
    assertSumInEveryOrder(1.0, MAX, MAX, -MAX, -MAX, 1.0);
    assertSumInEveryOrder(0x1p-1074, MAX, MAX, 0x1p-1074, -MAX, -MAX);
    assertSumInEveryOrder(-MAX, -MAX, -MAX, 0.5, MAX);
    ExactSum s = sumOf(MAX, MAX, MAX, -MAX, -MAX);
    assertEquals(MAX, s.value());
    assertEquals(new BigDecimal(MAX), s.exact());
    assertFalse(s.isZero());
    s.add(-MAX);
    assertTrue(s.isZero());
    assertEquals(0.0, s.value());
  }

  @Test
  void sumsBeyondTheDoubleRange_areRefused() {
    double halfUlp = 0x1p970; // MAX + halfUlp is the half-way point to 2^1024
    assertThrows(ArithmeticException.class, () -> sumOf(MAX, MAX).value());
    assertThrows(ArithmeticException.class, () -> sumOf(-MAX, -1e300, -MAX, MAX).value());
    assertThrows(ArithmeticException.class, () -> sumOf(MAX, halfUlp).value()); // ties to 2^1024
    // Just below the half-way point, the sum rounds to MAX_VALUE, whatever the order.
    assertSumInEveryOrder(MAX, MAX, halfUlp, -1.0);
    assertSumInEveryOrder(MAX, MAX, halfUlp, -TINY);
    assertSumInEveryOrder(-MAX, -MAX, -halfUlp, TINY);
    ArithmeticException e = assertThrows(ArithmeticException.class, () -> sumOf(MAX, MAX).value());
    assertTrue(e.getMessage().contains("beyond the double range"), e.getMessage());
    // The exact sum is still available.
    assertEquals(new BigDecimal(MAX).multiply(BigDecimal.valueOf(2)), sumOf(MAX, MAX).exact());
  }

  @Test
  void nonFiniteValues_areRejectedWithTheParameterName() {
    ExactSum s = sumOf(1.0);
    for (double v : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.add(v));
      assertTrue(e.getMessage().startsWith("v must be finite"), e.getMessage());
      assertTrue(e.getMessage().contains(String.valueOf(v)), e.getMessage());
    }
    assertEquals(1.0, s.value(), "a rejected value leaves the sum unchanged");
    assertThrows(NullPointerException.class, () -> s.addAll(null));
  }

  @Test
  void addAll_mergesExactly_includingItself() {
    ExactSum a = sumOf(1e16, 0.1);
    ExactSum b = sumOf(1.0, -1e16, 0.2);
    a.addAll(b);
    assertEquals(sumOf(1e16, 0.1, 1.0, -1e16, 0.2).value(), a.value());
    assertEquals(sumOf(1.0, -1e16, 0.2).exact(), b.exact(), "the other sum is unchanged");
    ExactSum c = sumOf(0.1, 1e300, MAX);
    c.addAll(c);
    assertEquals(sumOf(0.1, 1e300, MAX, 0.1, 1e300, MAX).exact().compareTo(c.exact()), 0);
    assertThrows(ArithmeticException.class, c::value);
    ExactSum d = sumOf(MAX, MAX); // holds an overflowed part
    d.addAll(sumOf(-MAX, -MAX, 3.0));
    assertEquals(3.0, d.value());
  }

  @Test
  void reset_empties() {
    ExactSum s = sumOf(MAX, MAX, 0.1);
    s.reset();
    assertTrue(s.isZero());
    assertEquals(0.0, s.value());
    s.add(2.5);
    assertEquals(2.5, s.value());
  }

  @Test
  void manyPartials_growAndStayExact() {
    // Values whose bits do not overlap need one partial each.
    ExactSum s = new ExactSum();
    BigDecimal exact = BigDecimal.ZERO;
    for (int e = -1074; e <= 1023; e += 53) {
      double v = Math.scalb(1.0, e);
      s.add(v);
      exact = exact.add(new BigDecimal(v));
    }
    assertEquals(0, exact.compareTo(s.exact()));
    assertEquals(exact.doubleValue(), s.value());
  }

  @Test
  void toString_hidesTheSum() {
    assertEquals("ExactSum[not shown]", sumOf(12345.0).toString());
  }
}
