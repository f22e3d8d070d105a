package dev.cleanroom.dp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.PrivacyBudget;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Calibration, validation, saturation and confidence intervals of the noise mechanisms. */
class MechanismTest {
  private static final BigDecimal ONE = BigDecimal.ONE;
  private static final BigDecimal HALF = new BigDecimal("0.5");
  private final RandomBits random = RandomBits.secure();

  // ---------------------------------------------------------------- calibration

  @Test
  void laplaceIntegers_scaleIsL1OverEpsilon_exactly() {
    LaplaceMechanism m = LaplaceMechanism.forIntegers(HALF, Sensitivity.of(3, 2), random);
    assertEquals(Rational.of(12, 1), m.unitScale());
    assertEquals(12.0, m.scale());
    assertEquals(1.0, m.granularity());
    assertTrue(m.integerValued());
    assertEquals(
        Rational.of(10, 3),
        LaplaceMechanism.forIntegers(new BigDecimal("0.3"), Sensitivity.of(1, 1), random)
            .unitScale());
    assertEquals(
        Rational.of(10, 1),
        LaplaceMechanism.forIntegers(new BigDecimal("0.1"), Sensitivity.of(1, 1), random)
            .unitScale());
  }

  @Test
  void laplaceReals_granularityIsSmallestPowerOfTwoAboveScaleOver2To40() {
    // L1/ε = 1: g = 2^-40 exactly; t = (1 + g)/g = 2^40 + 1.
    LaplaceMechanism a = LaplaceMechanism.forReals(ONE, Sensitivity.of(1, 1), random);
    assertEquals(0x1p-40, a.granularity());
    assertEquals(Rational.of((1L << 40) + 1, 1), a.unitScale());
    // L1/ε = 15: 15/2^40 lies in (2^-37, 2^-36], so g = 2^-36; t = 3·(2.5 + g)/(0.5·g).
    LaplaceMechanism b = LaplaceMechanism.forReals(HALF, Sensitivity.of(3, 2.5), random);
    assertEquals(0x1p-36, b.granularity());
    assertEquals(Rational.of(15L * (1L << 36) + 6, 1), b.unitScale());
    assertEquals(15.0, b.scale(), 1e-9);
    // A scale just above a power of two moves g up by one step.
    LaplaceMechanism c =
        LaplaceMechanism.forReals(ONE, Sensitivity.of(1, Math.nextUp(1.0)), random);
    assertEquals(0x1p-39, c.granularity());
  }

  @Test
  void gaussian_varianceIsL2SquaredOverTwoRho_exactly() {
    GaussianMechanism a = GaussianMechanism.forIntegers(HALF, Sensitivity.of(1, 10), random);
    assertEquals(Rational.of(100, 1), a.unitVariance());
    assertEquals(10.0, a.scale());
    GaussianMechanism b =
        GaussianMechanism.forIntegers(new BigDecimal("0.25"), Sensitivity.of(4, 3), random);
    assertEquals(Rational.of(72, 1), b.unitVariance());
    // Reals: σ = 1, g = 2^-40, σ² in units = ((1 + g)/g)² = (2^40 + 1)².
    GaussianMechanism c = GaussianMechanism.forReals(HALF, Sensitivity.of(1, 1), random);
    assertEquals(0x1p-40, c.granularity());
    BigInteger u = BigInteger.ONE.shiftLeft(40).add(BigInteger.ONE);
    assertEquals(Rational.of(u.multiply(u), BigInteger.ONE), c.unitVariance());
    // σ² = 2 (L0 = 2): σ = √2, so g = 2^-39 (√2/2^40 lies in (2^-40, 2^-39]).
    GaussianMechanism d = GaussianMechanism.forReals(HALF, Sensitivity.of(2, 1), random);
    assertEquals(0x1p-39, d.granularity());
  }

  // ---------------------------------------------------------------- validation

  @Test
  void epsilon_badValues_areRejectedByPrivacyBudget() {
    for (double eps :
        new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY, Double.MIN_VALUE}) {
      assertThrows(IllegalArgumentException.class, () -> PrivacyBudget.epsilon(eps), "ε=" + eps);
      assertThrows(IllegalArgumentException.class, () -> PrivacyBudget.zcdp(eps), "ρ=" + eps);
    }
  }

  @Test
  void epsilon_notPositive_isRejectedWithNameAndValue() {
    Sensitivity s = Sensitivity.of(1, 1);
    for (String eps : List.of("0", "-1", "0.000")) {
      BigDecimal e = new BigDecimal(eps);
      assertRejected("epsilon", e.toPlainString(), () -> LaplaceMechanism.forIntegers(e, s));
      assertRejected("epsilon", e.toPlainString(), () -> LaplaceMechanism.forReals(e, s));
      assertRejected("rho", e.toPlainString(), () -> GaussianMechanism.forIntegers(e, s));
      assertRejected("rho", e.toPlainString(), () -> GaussianMechanism.forReals(e, s));
      assertRejected(
          "epsilon", e.toPlainString(), () -> PartitionSelection.of(e, new BigDecimal("1e-6"), 1));
    }
  }

  @Test
  void epsilon_tinyPositive_isRejectedAsTooMuchNoise() {
    // Double.MIN_VALUE is positive, but the noise would exceed 2^52 units.
    BigDecimal tiny = new BigDecimal(Double.MIN_VALUE);
    Sensitivity s = Sensitivity.of(1, 1);
    assertRejected("too large", "", () -> LaplaceMechanism.forIntegers(tiny, s));
    assertRejected("too large", "", () -> LaplaceMechanism.forReals(tiny, s));
    assertRejected("too large", "", () -> GaussianMechanism.forIntegers(tiny, s));
    assertRejected("too large", "", () -> GaussianMechanism.forReals(tiny, s));
  }

  @Test
  void nullArguments_areRejected() {
    Sensitivity s = Sensitivity.of(1, 1);
    assertThrows(NullPointerException.class, () -> LaplaceMechanism.forIntegers(null, s));
    assertThrows(NullPointerException.class, () -> LaplaceMechanism.forReals(ONE, null));
    assertThrows(NullPointerException.class, () -> GaussianMechanism.forReals(ONE, s, null));
    assertThrows(NullPointerException.class, () -> GaussianMechanism.forIntegers(null, s));
    assertThrows(NullPointerException.class, () -> PartitionSelection.of(ONE, null, 1));
  }

  @Test
  void sensitivity_badBounds_areRejectedWithNameAndValue() {
    for (int l0 : new int[] {0, -1, Integer.MIN_VALUE}) {
      assertRejected("maxGroups (L0)", String.valueOf(l0), () -> Sensitivity.of(l0, 1));
    }
    for (double linf :
        new double[] {
          0, -0.0, -1, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY
        }) {
      assertRejected("maxPerGroup (Linf)", String.valueOf(linf), () -> Sensitivity.of(1, linf));
    }
    Sensitivity s = Sensitivity.of(4, 2.5);
    assertEquals(10.0, s.l1());
    assertEquals(5.0, s.l2());
  }

  @Test
  void confidenceLevel_outOfRange_isRejectedWithValue() {
    NoiseMechanism[] ms = {
      LaplaceMechanism.forIntegers(ONE, Sensitivity.of(1, 1), random),
      LaplaceMechanism.forReals(ONE, Sensitivity.of(1, 1), random),
      GaussianMechanism.forIntegers(ONE, Sensitivity.of(1, 1), random),
      GaussianMechanism.forReals(ONE, Sensitivity.of(1, 1), random)
    };
    for (NoiseMechanism m : ms) {
      for (double level : new double[] {0, 1, -0.5, 1.5, Double.NaN, Double.POSITIVE_INFINITY}) {
        assertRejected("confidence level", String.valueOf(level), () -> m.halfWidth(level));
        assertRejected(
            "confidence level", String.valueOf(level), () -> m.confidenceInterval(3, level));
      }
      assertRejected("released", "", () -> m.confidenceInterval(Double.NaN, 0.95));
    }
  }

  @Test
  void wrongDomainAndNaN_areRejected() {
    NoiseMechanism ints = LaplaceMechanism.forIntegers(ONE, Sensitivity.of(1, 1), random);
    NoiseMechanism reals = GaussianMechanism.forReals(ONE, Sensitivity.of(1, 1), random);
    assertThrows(IllegalStateException.class, () -> ints.addNoise(1.0));
    assertThrows(IllegalStateException.class, () -> reals.addNoise(1L));
    assertThrows(
        IllegalStateException.class,
        () -> GaussianMechanism.forIntegers(ONE, Sensitivity.of(1, 1), random).addNoise(1.0));
    assertThrows(
        IllegalStateException.class,
        () -> LaplaceMechanism.forReals(ONE, Sensitivity.of(1, 1), random).addNoise(1L));
    assertRejected("NaN", "", () -> reals.addNoise(Double.NaN));
    assertRejected(
        "NaN",
        "",
        () -> LaplaceMechanism.forReals(ONE, Sensitivity.of(1, 1), random).addNoise(Double.NaN));
  }

  // ---------------------------------------------------------------- saturation

  @Test
  void integerNoise_saturatesInsteadOfWrappingAround() {
    LaplaceMechanism lap = LaplaceMechanism.forIntegers(ONE, Sensitivity.of(1, 1000), random);
    GaussianMechanism gau = GaussianMechanism.forIntegers(ONE, Sensitivity.of(1, 1000), random);
    for (int i = 0; i < 2000; i++) {
      assertTrue(lap.addNoise(Long.MAX_VALUE) > Long.MAX_VALUE - 1_000_000);
      assertTrue(lap.addNoise(Long.MIN_VALUE) < Long.MIN_VALUE + 1_000_000);
      assertTrue(gau.addNoise(Long.MAX_VALUE) > Long.MAX_VALUE - 1_000_000);
      assertTrue(gau.addNoise(Long.MIN_VALUE) < Long.MIN_VALUE + 1_000_000);
    }
  }

  @Test
  void realNoise_hugeAndInfiniteValues_saturateAtMaxValue() {
    NoiseMechanism[] ms = {
      LaplaceMechanism.forReals(ONE, Sensitivity.of(1, 1), random),
      GaussianMechanism.forReals(ONE, Sensitivity.of(1, 1), random),
      LaplaceMechanism.forReals(ONE, Sensitivity.of(10, 1e300), random)
    };
    for (NoiseMechanism m : ms) {
      for (int i = 0; i < 500; i++) {
        for (double v : new double[] {Double.MAX_VALUE, Double.POSITIVE_INFINITY}) {
          double out = m.addNoise(v);
          assertTrue(out > 0.5 * Double.MAX_VALUE && out <= Double.MAX_VALUE, m + ": " + out);
          double neg = m.addNoise(-v);
          assertTrue(neg < -0.5 * Double.MAX_VALUE && neg >= -Double.MAX_VALUE, m + ": " + neg);
        }
        // Far beyond the long fixed-point range of g = 2^-40, yet no wrap-around.
        double big = m.addNoise(1e30);
        assertTrue(Math.abs(big - 1e30) < 1e30 * 1e-6 || m.scale() > 1e20, m + ": " + big);
      }
    }
  }

  @Test
  void fixedPoint_longOverflow_fallsBackToExactArithmetic() {
    int k = -40;
    double g = 0x1p-40;
    double value = 0x1p22 - g; // (2^62 - 1) units of g
    double out = FixedPoint.addNoise(value, k, Long.MAX_VALUE);
    BigDecimal exact =
        new BigDecimal(BigInteger.ONE.shiftLeft(62).subtract(BigInteger.ONE))
            .add(new BigDecimal(Long.MAX_VALUE))
            .multiply(new BigDecimal(g));
    assertEquals(exact.doubleValue(), out);
    assertEquals(-Double.MAX_VALUE, FixedPoint.addNoise(-Double.MAX_VALUE, 971, Long.MIN_VALUE));
    assertEquals(Double.MAX_VALUE, FixedPoint.addNoise(Double.MAX_VALUE, 971, Long.MAX_VALUE));
    // Rounding to the nearest multiple of g = 2, ties to even.
    assertEquals(2.0, FixedPoint.addNoise(2.5, 1, 0));
    assertEquals(0.0, FixedPoint.addNoise(0.75, 1, 0));
    assertEquals(0.0, FixedPoint.addNoise(1.0, 1, 0)); // 0.5 units -> 0 (even)
    assertEquals(4.0, FixedPoint.addNoise(3.0, 1, 0)); // 1.5 units -> 2 (even)
    assertEquals(6.0, FixedPoint.addNoise(1.0e-300, 1, 3));
  }

  // ---------------------------------------------------------------- confidence intervals

  /** The discrete Laplace half-width is the narrowest one, from the exact tail 2q^(m+1)/(1+q). */
  @Test
  void laplaceHalfWidth_isNarrowestExactInterval() {
    for (long t : new long[] {1, 2, 5, 10, 1000}) {
      LaplaceMechanism m = LaplaceMechanism.forIntegers(ONE, Sensitivity.of(1, (double) t), random);
      for (double level : new double[] {0.5, 0.9, 0.95, 0.99, 0.999999}) {
        long h = (long) m.halfWidth(level);
        double q = Math.exp(-1.0 / t);
        double alpha = 1 - level;
        assertTrue(2 * Math.pow(q, (double) (h + 1)) / (1 + q) <= alpha * (1 + 1e-9), "t=" + t);
        if (h > 0) {
          assertTrue(
              2 * Math.pow(q, (double) h) / (1 + q) > alpha * (1 - 1e-9), "not narrowest, t=" + t);
        }
      }
    }
  }

  /**
   * The discrete Gaussian half-width covers the noise with the stated probability (tail summed from
   * the pmf) and is at most two units wider than the exact narrowest interval.
   */
  @Test
  void gaussianHalfWidth_coversAndIsNearlyNarrowest() {
    for (String variance : List.of("0.25", "1", "6.25", "100", "2500")) {
      double sigma2 = Double.parseDouble(variance);
      // ρ = 1/(2σ²) with L∞ = 1 gives σ² exactly.
      BigDecimal rho =
          BigDecimal.ONE.divide(new BigDecimal(variance).multiply(BigDecimal.valueOf(2)));
      GaussianMechanism m = GaussianMechanism.forIntegers(rho, Sensitivity.of(1, 1), random);
      assertEquals(Rational.of(new BigDecimal(variance)), m.unitVariance());
      double[] pmf = ExactSamplersTest.gaussianPmf(sigma2, 2000);
      for (double level : new double[] {0.5, 0.9, 0.95, 0.99, 0.999999}) {
        long h = (long) m.halfWidth(level);
        assertTrue(tail(pmf, h) <= 1 - level, variance + " at " + level);
        if (h >= 2) {
          assertTrue(tail(pmf, h - 2) > 1 - level, "too wide: " + variance + " at " + level);
        }
      }
    }
  }

  private static double tail(double[] pmf, long m) {
    int r = pmf.length / 2;
    double s = 0;
    for (int k = (int) m + 1; k <= r; k++) {
      s += pmf[r + k] + pmf[r - k];
    }
    return s;
  }

  @Test
  void erfc_matchesReferenceValues() {
    double[][] ref = {
      {0, 1.0},
      {0.1, 0.8875370839817152},
      {0.5, 0.4795001221869535},
      {1, 0.15729920705028513},
      {2, 0.004677734981047266},
      {2.4999, 0.00040716990033345094},
      {2.5, 0.0004069520174449589},
      {3, 2.209049699858544e-05},
      {4.5, 1.9661604415428876e-10},
      {5, 1.537459794428035e-12},
      {10, 2.088487583762545e-45},
      {20, 5.395865611607901e-176}
    };
    for (double[] r : ref) {
      assertEquals(r[1], NoiseTails.erfc(r[0]), r[1] * 1e-11, "erfc(" + r[0] + ")");
    }
  }

  @Test
  void confidenceInterval_isReleasedPlusMinusHalfWidth_roundedOutwards() {
    NoiseMechanism m = LaplaceMechanism.forReals(ONE, Sensitivity.of(1, 0.1), random);
    double h = m.halfWidth(0.95);
    assertEquals(0, h % m.granularity());
    for (double x : new double[] {0.1, -3.7, 1e10, 12345.678}) {
      ConfidenceInterval ci = m.confidenceInterval(x, 0.95);
      BigDecimal bx = new BigDecimal(x);
      BigDecimal bh = new BigDecimal(h);
      assertTrue(new BigDecimal(ci.lower()).compareTo(bx.subtract(bh)) <= 0);
      assertTrue(new BigDecimal(ci.upper()).compareTo(bx.add(bh)) >= 0);
      assertTrue(ci.upper() - ci.lower() <= 2 * h + 4 * Math.ulp(x) + 4 * Math.ulp(h));
      assertTrue(ci.contains(x));
    }
    // Integer counts: exact.
    NoiseMechanism c = LaplaceMechanism.forIntegers(ONE, Sensitivity.of(1, 1), random);
    double hc = c.halfWidth(0.95);
    assertEquals(new ConfidenceInterval(100 - hc, 100 + hc), c.confidenceInterval(100, 0.95));
    // Wider at higher confidence.
    assertTrue(c.halfWidth(0.99) > c.halfWidth(0.9));
  }

  /**
   * Coverage of the real-valued mechanisms end to end (granularity, rounding, noise): the noise
   * leaves the 95% interval in at most 5% of 100,000 draws, up to the one-sided Chernoff bound at
   * 5e-10 per mechanism; false-failure rate at most 1e-9.
   */
  @Test
  void confidenceInterval_coversTheTrueValue() {
    NoiseMechanism[] ms = {
      LaplaceMechanism.forReals(HALF, Sensitivity.of(3, 2.5), random),
      GaussianMechanism.forReals(HALF, Sensitivity.of(3, 2.5), random)
    };
    int n = 100_000;
    for (NoiseMechanism m : ms) {
      double truth = 1234.5678; // a multiple of no g in play: rounding is included
      long misses = 0;
      for (int i = 0; i < n; i++) {
        if (!m.confidenceInterval(m.addNoise(truth), 0.95).contains(truth)) {
          misses++;
        }
      }
      // The interval has one extra unit for the rounding of the true value, so it misses only
      // when the integer noise exceeds the half-width in units.
      assertTrue(
          (double) misses / n <= Stats.chernoffHigh(0.05, n, 5e-10),
          m + " missed " + misses + " of " + n);
    }
  }

  // ---------------------------------------------------------------- exact sums of units

  /**
   * Ten million people contributing 1.0 each, at the granularity 2^-40 of ε = 1 and L∞ = 1: the sum
   * is 10^7·2^40 units, beyond the long range (saturated, it was released as 2^63·2^-40 =
   * 8,388,608). Released exactly, it lies within the noise interval, which contains the truth. Each
   * check fails only if the noise exceeds the half-width at level 1 - 10^-10, so the false-failure
   * rate is at most 2·10^-10.
   */
  @Test
  void tenMillionPeople_areReleasedWithinAnIntervalThatContainsTheTruth() {
    NoiseMechanism[] ms = {
      LaplaceMechanism.forReals(ONE, Sensitivity.of(1, 1), random),
      GaussianMechanism.forReals(ONE, Sensitivity.of(1, 1), random)
    };
    UnitSum sum = new UnitSum();
    long perPerson = UnitSum.unitsOf(1.0, 0x1p-40);
    for (int i = 0; i < 10_000_000; i++) {
      sum.add(perPerson);
    }
    assertFalse(sum.fitsLong());
    double level = 1 - 1e-10;
    for (NoiseMechanism m : ms) {
      assertEquals(0x1p-40, m.granularity(), m.toString());
      double released = m.addNoiseToUnits(sum.units());
      double halfWidth = m.halfWidth(level);
      assertTrue(halfWidth < 100, m + ": half-width " + halfWidth);
      assertTrue(
          Math.abs(released - 1e7) <= halfWidth + Math.ulp(1e7), m + " released " + released);
      ConfidenceInterval ci = m.confidenceInterval(released, level);
      assertTrue(ci.contains(1e7), m + ": " + ci);
    }
  }

  @Test
  void addNoiseToUnits_smallSums_areMultiplesOfTheGranularity_nearTheTruth() {
    NoiseMechanism m = LaplaceMechanism.forReals(ONE, Sensitivity.of(1, 1), random);
    double g = m.granularity();
    for (long units : new long[] {0, 1, -7, 12_345_678_901L, Long.MAX_VALUE, Long.MIN_VALUE}) {
      double released = m.addNoiseToUnits(BigInteger.valueOf(units));
      assertTrue(released % g == 0, released + " is not a multiple of " + g);
      // Noise of scale about 1 exceeds 10^6 with probability below exp(-10^6).
      assertTrue(Math.abs(released - units * g) <= 1e6, units + " -> " + released);
    }
  }

  @Test
  void addNoiseToUnits_nearTheEndOfTheDoubleRange_roundsOrRefuses() {
    NoiseMechanism m = LaplaceMechanism.forReals(ONE, Sensitivity.of(1, 1), random);
    // MAX_VALUE = (2^53 - 1)·2^971 in units of 2^-40; noise of about 2^40 units cannot move it by
    // half an ulp (2^970), so it is released as MAX_VALUE.
    BigInteger maxUnits = BigInteger.ONE.shiftLeft(53).subtract(BigInteger.ONE).shiftLeft(1011);
    assertEquals(Double.MAX_VALUE, m.addNoiseToUnits(maxUnits));
    assertEquals(-Double.MAX_VALUE, m.addNoiseToUnits(maxUnits.negate()));
    // 2^1024 (in units, 2^1064) is beyond the double range: refused, never saturated.
    BigInteger beyond = BigInteger.ONE.shiftLeft(1064);
    ArithmeticException e =
        assertThrows(ArithmeticException.class, () -> m.addNoiseToUnits(beyond));
    assertTrue(e.getMessage().contains("beyond the double range"), e.getMessage());
    assertThrows(ArithmeticException.class, () -> m.addNoiseToUnits(beyond.negate()));
  }

  @Test
  void addNoiseToUnits_wrongDomainAndNull_areRejected() {
    NoiseMechanism ints = LaplaceMechanism.forIntegers(ONE, Sensitivity.of(1, 1), random);
    NoiseMechanism reals = GaussianMechanism.forReals(ONE, Sensitivity.of(1, 1), random);
    assertThrows(IllegalStateException.class, () -> ints.addNoiseToUnits(BigInteger.ONE));
    NullPointerException e =
        assertThrows(NullPointerException.class, () -> reals.addNoiseToUnits(null));
    assertEquals("units", e.getMessage());
  }

  /**
   * At 2^53 units or more a released value may have been rounded by up to half an ulp: the interval
   * widens by that much there, and only there.
   */
  @Test
  void confidenceInterval_coversTheRoundingOfLargeReleasedValues() {
    NoiseMechanism m = LaplaceMechanism.forReals(ONE, Sensitivity.of(1, 1), random);
    double h = m.halfWidth(0.95);
    // Below 2^53 units (2^13 at g = 2^-40): exactly the released value ± h, rounded outwards.
    assertEquals(ConfidenceInterval.around(100, h), m.confidenceInterval(100, 0.95));
    for (double released : new double[] {0x1p13, 1e7, -1e7, 1e300}) {
      ConfidenceInterval ci = m.confidenceInterval(released, 0.95);
      BigDecimal r = new BigDecimal(released);
      BigDecimal m2 = new BigDecimal(h).add(new BigDecimal(Math.ulp(released) / 2));
      assertTrue(new BigDecimal(ci.lower()).compareTo(r.subtract(m2)) <= 0, released + ": " + ci);
      assertTrue(new BigDecimal(ci.upper()).compareTo(r.add(m2)) >= 0, released + ": " + ci);
    }
  }

  /**
   * A count beyond 2^53 is rounded when converted to a double, here by 127 while the doubles near
   * 2^60 are 256 apart: with noise of exactly the half-width m = 256, the interval still contains
   * the truth. (Without the extra half ulp, the interval would end 127 short of it: its ends are
   * exact, being multiples of 256.)
   */
  @Test
  void confidenceInterval_containsTheTruth_afterTheReleasedValueWasRounded() {
    NoiseMechanism c =
        LaplaceMechanism.forIntegers(new BigDecimal("0.0117"), Sensitivity.of(1, 1), random);
    long m = (long) c.halfWidth(0.95);
    assertEquals(256, m);
    long base = (1L << 60) + 1024;
    long truthBelow = base + 129 - m; // noise +m: released as base + 256, rounded up by 127
    double releasedUp = (double) (truthBelow + m);
    assertEquals((double) (base + 256), releasedUp);
    ConfidenceInterval up = c.confidenceInterval(releasedUp, 0.95);
    assertTrue(
        new BigDecimal(up.lower()).compareTo(BigDecimal.valueOf(truthBelow)) <= 0, up.toString());
    long truthAbove = base + 127 + m; // noise -m: released as base, rounded down by 127
    double releasedDown = (double) (truthAbove - m);
    assertEquals((double) base, releasedDown);
    ConfidenceInterval down = c.confidenceInterval(releasedDown, 0.95);
    assertTrue(
        new BigDecimal(down.upper()).compareTo(BigDecimal.valueOf(truthAbove)) >= 0,
        down.toString());
  }

  @Test
  void toString_namesTheMechanism() {
    assertTrue(
        LaplaceMechanism.forReals(ONE, Sensitivity.of(1, 1), random)
            .toString()
            .startsWith("discrete Laplace[ε=1"));
    assertTrue(
        GaussianMechanism.forIntegers(ONE, Sensitivity.of(1, 1), random)
            .toString()
            .startsWith("discrete Gaussian[ρ=1"));
    assertEquals(
        LaplaceMechanism.NAME, LaplaceMechanism.forIntegers(ONE, Sensitivity.of(1, 1)).name());
    assertEquals(
        GaussianMechanism.NAME, GaussianMechanism.forIntegers(ONE, Sensitivity.of(1, 1)).name());
  }

  static void assertRejected(String name, String value, Executable call) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
    assertTrue(e.getMessage().contains(name), e.getMessage());
    assertTrue(e.getMessage().contains(value), e.getMessage());
  }
}
