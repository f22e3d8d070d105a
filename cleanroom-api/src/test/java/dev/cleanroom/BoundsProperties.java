package dev.cleanroom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class BoundsProperties {
  @Provide
  Arbitrary<Double> anyDouble() {
    return Arbitraries.oneOf(
        Arbitraries.doubles().withStandardSpecialValues(),
        Arbitraries.of(
            Double.NaN,
            Double.POSITIVE_INFINITY,
            Double.NEGATIVE_INFINITY,
            -Double.MAX_VALUE,
            Double.MAX_VALUE,
            0.0,
            -0.0));
  }

  @Provide
  Arbitrary<Double> finite() {
    return Arbitraries.doubles().between(-1e12, 1e12);
  }

  @Property
  void bounds_areAcceptedIffFiniteAndOrdered(
      @ForAll("anyDouble") double lower, @ForAll("anyDouble") double upper) {
    boolean expected = Double.isFinite(lower) && Double.isFinite(upper) && lower <= upper;
    if (expected) {
      Bounds b = Bounds.of(lower, upper);
      assertEquals(lower, b.lower());
      assertEquals(upper, b.upper());
    } else {
      assertThrows(IllegalArgumentException.class, () -> Bounds.of(lower, upper));
    }
  }

  @Property
  void maxAbs_coversBothEnds(@ForAll("finite") double a, @ForAll("finite") double b) {
    Bounds bounds = Bounds.of(Math.min(a, b), Math.max(a, b));
    assertTrue(bounds.maxAbs() >= Math.abs(a));
    assertTrue(bounds.maxAbs() >= Math.abs(b));
    assertTrue(bounds.maxAbs() == Math.abs(a) || bounds.maxAbs() == Math.abs(b));
  }

  @Property
  void contains_matchesTheIntervalOrder(
      @ForAll("finite") double a,
      @ForAll("finite") double b,
      @ForAll("finite") double c,
      @ForAll("finite") double d) {
    Bounds outer = Bounds.of(Math.min(a, b), Math.max(a, b));
    Bounds inner = Bounds.of(Math.min(c, d), Math.max(c, d));
    boolean expected = outer.lower() <= inner.lower() && inner.upper() <= outer.upper();
    assertEquals(expected, outer.contains(inner));
    assertTrue(outer.contains(outer));
  }

  @Property
  void contains_ofNestedIntervals_holds(@ForAll("sixFinite") List<Double> values) {
    List<Double> v = values.stream().sorted().toList();
    Bounds x = Bounds.of(v.get(0), v.get(5));
    Bounds y = Bounds.of(v.get(1), v.get(4));
    Bounds z = Bounds.of(v.get(2), v.get(3));
    assertTrue(x.contains(y));
    assertTrue(y.contains(z));
    assertTrue(x.contains(z));
    assertEquals(x.lower() == z.lower() && x.upper() == z.upper(), z.contains(x));
  }

  @Provide
  Arbitrary<List<Double>> sixFinite() {
    return finite().list().ofSize(6);
  }
}
