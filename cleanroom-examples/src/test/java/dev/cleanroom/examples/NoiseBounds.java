package dev.cleanroom.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.query.CellNoise;

/**
 * Checks released noisy values against the true ones with a stated false-failure rate.
 *
 * <p>The noise is discrete Laplace, whose tails are geometric: if |noise| exceeds the 95%
 * half-width h with probability at most 0.05, it exceeds {@value #WIDEN} h with probability at most
 * about 0.05^{@value #WIDEN} ≈ 2e-12 (a factor below 2^8 covers the discrete start of the tail,
 * giving at most 5e-10 per cell). A test checks at most a few dozen cells, so it fails by chance
 * with probability below 1e-7. Sums are also rounded to a granularity of scale × 2^-40 per person,
 * covered by a slack of 1e-6 × scale.
 */
final class NoiseBounds {
  /** How many 95% half-widths a released value may be from the true one. */
  static final int WIDEN = 9;

  private NoiseBounds() {}

  /** The largest distance between a released value and the true one that the test accepts. */
  static double margin(CellNoise noise) {
    return WIDEN * (noise.upper() - noise.lower()) / 2 + 1e-6 * noise.scale();
  }

  /** Asserts that the true value lies in [low, high] widened by the noise margin. */
  static void assertNear(String what, double released, CellNoise noise, double low, double high) {
    double m = margin(noise);
    assertTrue(
        released >= low - m && released <= high + m,
        what + ": released " + released + ", true value in [" + low + ", " + high + "] ± " + m);
  }

  /** Asserts that {@code truth} is within the noise margin of {@code released}. */
  static void assertNear(String what, double released, CellNoise noise, double truth) {
    assertNear(what, released, noise, truth, truth);
  }
}
