package dev.cleanroom.dp;

import static dev.cleanroom.dp.MechanismTest.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.Bounds;
import org.junit.jupiter.api.Test;

class BoundedMeanTest {
  private static final Bounds BOUNDS = Bounds.of(0, 20);

  @Test
  void mean_isSumOverCount_withIntervalFromTheCorners() {
    BoundedMean m =
        BoundedMean.of(
            100, new ConfidenceInterval(90, 110), 10, new ConfidenceInterval(8, 12), BOUNDS);
    assertEquals(10.0, m.mean());
    // [90/12, 110/8] = [7.5, 13.75], rounded outwards by one ulp.
    assertEquals(Math.nextDown(7.5), m.interval().lower());
    assertEquals(Math.nextUp(13.75), m.interval().upper());
  }

  @Test
  void mean_isClampedToBounds_andIntervalTooWhenCornersLeaveThem() {
    BoundedMean high =
        BoundedMean.of(
            500, new ConfidenceInterval(400, 600), 5, new ConfidenceInterval(1, 9), BOUNDS);
    assertEquals(20.0, high.mean());
    // Every corner (400/9 at the least) is above the upper bound.
    assertEquals(new ConfidenceInterval(20, 20), high.interval());
    BoundedMean negativeSum =
        BoundedMean.of(
            -50, new ConfidenceInterval(-80, -20), 10, new ConfidenceInterval(5, 15), BOUNDS);
    assertEquals(0.0, negativeSum.mean());
    assertEquals(new ConfidenceInterval(0, 0), negativeSum.interval());
  }

  @Test
  void countBelowOne_isRaisedToOne() {
    BoundedMean m =
        BoundedMean.of(7, new ConfidenceInterval(5, 9), -3, new ConfidenceInterval(-10, 4), BOUNDS);
    assertEquals(7.0, m.mean());
    // Counts in [1, 4]: corners 5/1, 5/4, 9/1, 9/4 -> [1.25, 9].
    assertEquals(Math.nextDown(1.25), m.interval().lower());
    assertEquals(Math.nextUp(9.0), m.interval().upper());
  }

  @Test
  void infiniteIntervalEnds_fallBackToTheBounds() {
    BoundedMean m =
        BoundedMean.of(
            10,
            new ConfidenceInterval(Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY),
            2,
            new ConfidenceInterval(1, Double.POSITIVE_INFINITY),
            BOUNDS);
    assertEquals(5.0, m.mean());
    assertEquals(new ConfidenceInterval(0, 20), m.interval());
  }

  @Test
  void badArguments_areRejected() {
    ConfidenceInterval ci = new ConfidenceInterval(0, 1);
    assertRejected("noisySum", "", () -> BoundedMean.of(Double.NaN, ci, 1, ci, BOUNDS));
    assertRejected("noisyCount", "", () -> BoundedMean.of(1, ci, Double.NaN, ci, BOUNDS));
    assertThrows(NullPointerException.class, () -> BoundedMean.of(1, null, 1, ci, BOUNDS));
    assertThrows(NullPointerException.class, () -> BoundedMean.of(1, ci, 1, ci, null));
    assertRejected("mean must lie", "", () -> new BoundedMean(5, ci));
    assertRejected("NaN", "", () -> new ConfidenceInterval(Double.NaN, 1));
    assertRejected("lower end", "2.0 > 1.0", () -> new ConfidenceInterval(2, 1));
    assertTrue(ci.contains(0.5));
    assertEquals(1.0, ci.width());
  }
}
