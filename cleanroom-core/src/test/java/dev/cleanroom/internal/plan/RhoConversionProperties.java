package dev.cleanroom.internal.plan;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The ρ of a Gaussian part implies at most its ε at its δ: ρ + 2·√(ρ·ln(1/δ)) ≤ ε, checked in 40
 * digits against ln(1/δ) = k·ln 10 for δ = 10^-k (independent of the code's double logarithm), and
 * gives up at most a relative 1e-5 of it. For ε far below ln(1/δ) the old difference of two square
 * roots lost its digits, and ρ implied more than ε (at ε = 1e-12, 3e-4 more).
 */
class RhoConversionProperties {
  private static final BigDecimal LN10 =
      new BigDecimal("2.302585092994045684017991454684364207601");
  private static final MathContext MC = new MathContext(40, RoundingMode.HALF_EVEN);

  @Property(tries = 400)
  void rho_impliesAtMostEpsilon_andLittleLess(
      @ForAll @IntRange(min = -13, max = 1) int epsilonExponent,
      @ForAll @IntRange(min = 1, max = 99) int epsilonDigits,
      @ForAll @IntRange(min = 1, max = 15) int deltaExponent) {
    BigDecimal epsilon = BigDecimal.valueOf(epsilonDigits).scaleByPowerOfTen(epsilonExponent);
    BigDecimal delta = BigDecimal.ONE.scaleByPowerOfTen(-deltaExponent);
    BigDecimal rho = NoisePlan.rho(epsilon, delta);
    BigDecimal ln = LN10.multiply(BigDecimal.valueOf(deltaExponent), MC);
    BigDecimal implied = rho.add(rho.multiply(ln, MC).sqrt(MC).multiply(BigDecimal.valueOf(2)), MC);
    assertTrue(
        implied.compareTo(epsilon) <= 0, () -> "ε " + epsilon + " δ " + delta + ": " + implied);
    BigDecimal lost = epsilon.subtract(implied).divide(epsilon, MC);
    assertTrue(lost.compareTo(new BigDecimal("1e-5")) < 0, () -> "ε " + epsilon + " lost " + lost);
  }
}
