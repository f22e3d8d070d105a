package dev.cleanroom.dp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BoundedVarianceTest {
  private static ConfidenceInterval ci(double lower, double upper) {
    return new ConfidenceInterval(lower, upper);
  }

  @Test
  void variance_isMeanOfSquaresMinusSquaredMean_withAConservativeInterval() {
    // n = 10, Σ(x − c) = 10, Σ(x − c)² = 50: mean 1, mean of squares 5, variance 4.
    BoundedVariance v = BoundedVariance.of(10, ci(9, 11), 10, ci(5, 15), 50, ci(40, 60), 5, 25);
    assertEquals(4.0, v.variance());
    // Means in [5/11, 15/9], squares' means in [40/11, 60/9]:
    // variance in [40/11 − (15/9)², 60/9 − (5/11)²].
    assertTrue(v.interval().lower() <= 40.0 / 11 - (15.0 / 9) * (15.0 / 9));
    assertTrue(v.interval().lower() > 40.0 / 11 - (15.0 / 9) * (15.0 / 9) - 1e-9);
    assertTrue(v.interval().upper() >= 60.0 / 9 - (5.0 / 11) * (5.0 / 11));
    assertTrue(v.interval().upper() < 60.0 / 9 - (5.0 / 11) * (5.0 / 11) + 1e-9);
  }

  @Test
  void variance_isClampedToItsBounds() {
    BoundedVariance negative =
        BoundedVariance.of(10, ci(9, 11), 40, ci(30, 50), 5, ci(0, 10), 5, 25);
    assertEquals(0.0, negative.variance());
    assertTrue(negative.interval().lower() >= 0);
    BoundedVariance huge = BoundedVariance.of(1, ci(0, 2), 0, ci(-1, 1), 1e6, ci(9e5, 2e6), 5, 25);
    assertEquals(25.0, huge.variance());
    assertTrue(huge.interval().upper() <= 25.0);
  }

  @Test
  void countBelowOne_isRaisedToOne() {
    BoundedVariance v = BoundedVariance.of(-3, ci(-8, 2), 1, ci(0, 2), 4, ci(3, 5), 5, 25);
    assertEquals(3.0, v.variance());
  }

  @Test
  void sqrt_takesTheRootOfTheValueAndTheEnds() {
    BoundedVariance v = BoundedVariance.of(10, ci(9, 11), 10, ci(5, 15), 50, ci(40, 60), 5, 25);
    BoundedVariance s = v.sqrt();
    assertEquals(2.0, s.variance());
    assertTrue(s.interval().lower() <= Math.sqrt(v.interval().lower()));
    assertTrue(s.interval().upper() >= Math.sqrt(v.interval().upper()));
  }

  @Test
  void nanOrBadBounds_areRejected() {
    assertThrows(
        IllegalArgumentException.class,
        () -> BoundedVariance.of(Double.NaN, ci(0, 1), 0, ci(0, 1), 0, ci(0, 1), 1, 1));
    assertThrows(
        IllegalArgumentException.class,
        () -> BoundedVariance.of(1, ci(0, 1), 0, ci(0, 1), 0, ci(0, 1), 0, 1));
    assertThrows(
        IllegalArgumentException.class,
        () -> BoundedVariance.of(1, ci(0, 1), 0, ci(0, 1), 0, ci(0, 1), 1, -1));
  }
}
