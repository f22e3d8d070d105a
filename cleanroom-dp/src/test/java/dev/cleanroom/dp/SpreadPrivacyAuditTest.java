package dev.cleanroom.dp;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Empirical privacy audit (see {@link PrivacyAudit}) of the two noisy sums of a released variance,
 * built as the engine builds them: values within [0, 10] in whole units of the centered sum's
 * granularity g, centered on the whole unit c = ⌊(L + U)/2⌋; the centered sum Σ(x − c) noised in
 * units of g by discrete Laplace noise calibrated for L∞ = (upper − lower)/2 (a person moves it by
 * at most R = max|x − c| units, which is at most L∞/g + 1: the mechanism's calibration for L∞ + g);
 * the sum of squares Σ(x − c)², exact in units of g², rounded once to its own granularity and
 * noised by discrete Laplace noise calibrated for L∞ = (R·g)². Each part claims ε/3 of ε = 1.
 * Neighbouring inputs: 50 people with assorted values, and the same plus one person at the upper
 * bound (the largest |x − c|).
 *
 * <p>N = 200,000 outcomes per input. <b>False-failure rate</b>: each audit spends 2e-10 over its
 * 4·(2T + 2) confidence bounds (T thresholds), so each test fails falsely with probability at most
 * 2e-10, both together with at most 4e-10.
 */
class SpreadPrivacyAuditTest {
  private static final int N = 200_000;
  private static final double PER_AUDIT = 2e-10;
  private static final BigDecimal THIRD = new BigDecimal("0.3333333333");
  private static final double LOWER = 0;
  private static final double UPPER = 10;

  /** The centered sum's mechanism, as the engine plans it for one group (L0 = 1). */
  private static final LaplaceMechanism SUM =
      LaplaceMechanism.forReals(THIRD, Sensitivity.of(1, (UPPER - LOWER) / 2));

  private static final double G = SUM.granularity();
  private static final long LU = UnitSum.unitsOf(LOWER, G);
  private static final long UU = UnitSum.unitsOf(UPPER, G);
  private static final long C = Math.floorDiv(LU + UU, 2);
  private static final long R = Math.max(C - LU, UU - C);

  private static final LaplaceMechanism SQUARES =
      LaplaceMechanism.forReals(THIRD, Sensitivity.of(1, roundedUp(R, G)));

  /** (r·g)², rounded up to a double. */
  private static double roundedUp(long r, double g) {
    BigDecimal exact = new BigDecimal(BigInteger.valueOf(r).pow(2)).multiply(new BigDecimal(g * g));
    double d = exact.doubleValue();
    return new BigDecimal(d).compareTo(exact) < 0 ? Math.nextUp(d) : d;
  }

  /** The people's values in units: 50 of them spread over the bounds. */
  private static long[] people(boolean withExtra) {
    long[] x = new long[withExtra ? 51 : 50];
    for (int i = 0; i < 50; i++) {
      x[i] = UnitSum.unitsOf((i * 7 % 11) * (UPPER - LOWER) / 10 + LOWER, G);
    }
    if (withExtra) {
      x[50] = UU;
    }
    return x;
  }

  private static BigInteger centered(long[] x) {
    BigInteger s = BigInteger.ZERO;
    for (long v : x) {
      s = s.add(BigInteger.valueOf(v - C));
    }
    return s;
  }

  /** Σ(x − c)² in units of the squares mechanism's granularity, rounded once (ties to even). */
  private static BigInteger squares(long[] x) {
    BigInteger s = BigInteger.ZERO;
    for (long v : x) {
      s = s.add(BigInteger.valueOf(v - C).pow(2));
    }
    BigDecimal value = new BigDecimal(s).multiply(new BigDecimal(G * G));
    return value
        .divide(new BigDecimal(SQUARES.granularity()), MathContext.UNLIMITED)
        .setScale(0, java.math.RoundingMode.HALF_EVEN)
        .toBigIntegerExact();
  }

  @Test
  void centeredSum_passesAudit() {
    BigInteger a = centered(people(false));
    BigInteger b = centered(people(true));
    assertTrue(b.subtract(a).longValueExact() == R, "the extra person must move the sum by R");
    double center = a.doubleValue() * G;
    double scale = SUM.scale();
    PrivacyAudit audit =
        new PrivacyAudit(
            PrivacyAudit.grid(center - 3 * scale, center + R * G + 3 * scale, scale / 4));
    PrivacyAudit.Result r =
        audit.run(outcomes(SUM, a), outcomes(SUM, b), 0, PER_AUDIT / audit.bounds());
    report("variance: centered sum, correct", r);
    assertTrue(r.epsilonLowerBound() <= THIRD.doubleValue(), r.describe());
  }

  @Test
  void sumOfSquares_passesAudit() {
    BigInteger a = squares(people(false));
    BigInteger b = squares(people(true));
    double center = a.doubleValue() * SQUARES.granularity();
    double scale = SQUARES.scale();
    double step = (double) R * R * G * G;
    PrivacyAudit audit =
        new PrivacyAudit(
            PrivacyAudit.grid(center - 3 * scale, center + step + 3 * scale, scale / 4));
    PrivacyAudit.Result r =
        audit.run(outcomes(SQUARES, a), outcomes(SQUARES, b), 0, PER_AUDIT / audit.bounds());
    report("variance: sum of squares, correct", r);
    assertTrue(r.epsilonLowerBound() <= THIRD.doubleValue(), r.describe());
  }

  private static PrivacyAudit.Outcomes outcomes(NoiseMechanism m, BigInteger units) {
    PrivacyAudit.Outcomes o = new PrivacyAudit.Outcomes(N);
    for (int i = 0; i < N; i++) {
      double v = m.addNoiseToUnits(units);
      o.set(i, v, v);
    }
    return o;
  }

  private static void report(String name, PrivacyAudit.Result r) {
    System.out.printf(
        Locale.ROOT,
        "AUDIT %-52s claimed ε=%.4f δ=0: estimated %s%n",
        name,
        THIRD.doubleValue(),
        r.describe());
  }
}
