package dev.cleanroom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BoundsTest {
  @Test
  void lower_nan_isRejected() {
    assertThrows(IllegalArgumentException.class, () -> Bounds.of(Double.NaN, 1));
  }

  @Test
  void upper_nan_isRejected() {
    assertThrows(IllegalArgumentException.class, () -> Bounds.of(0, Double.NaN));
  }

  @ParameterizedTest
  @ValueSource(doubles = {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
  void lower_infinite_isRejected(double lower) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Bounds.of(lower, 1));
    assertTrue(e.getMessage().contains("lower"), e.getMessage());
    assertTrue(e.getMessage().contains(Double.toString(lower)), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(doubles = {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
  void upper_infinite_isRejected(double upper) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Bounds.of(0, upper));
    assertTrue(e.getMessage().contains("upper"), e.getMessage());
  }

  @Test
  void lowerAboveUpper_isRejected() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new Bounds(2.5, 1.5));
    assertTrue(e.getMessage().contains("2.5"), e.getMessage());
    assertTrue(e.getMessage().contains("1.5"), e.getMessage());
  }

  @Test
  void equalBounds_areAccepted() {
    Bounds b = Bounds.of(3, 3);
    assertEquals(3, b.lower());
    assertEquals(3, b.upper());
  }

  @Test
  void extremeFiniteBounds_areAccepted() {
    Bounds b = Bounds.of(-Double.MAX_VALUE, Double.MAX_VALUE);
    assertEquals(Double.MAX_VALUE, b.maxAbs());
  }

  @Test
  void of_equalsConstructor() {
    assertEquals(new Bounds(-1, 2), Bounds.of(-1, 2));
  }

  @Test
  void maxAbs_isTheLargerMagnitude() {
    assertEquals(5, Bounds.of(-5, 3).maxAbs());
    assertEquals(7, Bounds.of(-2, 7).maxAbs());
    assertEquals(9, Bounds.of(-9, -4).maxAbs());
  }

  @Test
  void contains_isInclusive() {
    Bounds outer = Bounds.of(0, 10);
    assertTrue(outer.contains(outer));
    assertTrue(outer.contains(Bounds.of(0, 5)));
    assertTrue(outer.contains(Bounds.of(5, 10)));
    assertFalse(outer.contains(Bounds.of(-1, 5)));
    assertFalse(outer.contains(Bounds.of(5, 10.5)));
    assertFalse(Bounds.of(2, 3).contains(outer));
  }
}
