package dev.cleanroom;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Objects;

/**
 * An amount of differential privacy: pure ε, approximate (ε, δ), or zero-concentrated ρ (zCDP).
 * Amounts are exact decimals ({@link BigDecimal}, made from a {@code double} by its shortest
 * decimal text, so {@code 0.1} is exactly one tenth); they are never accumulated in floating point.
 * Where a conversion must round, it rounds against the analyst (more ε spent, less left).
 */
public sealed interface PrivacyBudget
    permits PrivacyBudget.PureDp, PrivacyBudget.ApproxDp, PrivacyBudget.Zcdp {

  /** The smallest accepted ε or ρ, 2^-50; smaller values would make noise unbounded in practice. */
  double MIN_PARAMETER = 0x1p-50;

  /** Conversions round up with this many significant digits. */
  MathContext ROUND_UP = new MathContext(34, RoundingMode.CEILING);

  /**
   * Pure ε-differential privacy.
   *
   * @param epsilon ε, positive
   * @return the budget
   * @throws IllegalArgumentException if ε is not finite or smaller than {@link #MIN_PARAMETER}
   */
  static PureDp epsilon(double epsilon) {
    return new PureDp(Amounts.parameter("epsilon", epsilon));
  }

  /**
   * Approximate (ε, δ)-differential privacy.
   *
   * @param epsilon ε, positive
   * @param delta δ, in [0, 1)
   * @return the budget
   * @throws IllegalArgumentException if ε is not finite or smaller than {@link #MIN_PARAMETER}, or
   *     δ is not in [0, 1)
   */
  static ApproxDp epsilonDelta(double epsilon, double delta) {
    return new ApproxDp(Amounts.parameter("epsilon", epsilon), Amounts.delta(delta));
  }

  /**
   * ρ-zero-concentrated differential privacy.
   *
   * @param rho ρ, positive
   * @return the budget
   * @throws IllegalArgumentException if ρ is not finite or smaller than {@link #MIN_PARAMETER}
   */
  static Zcdp zcdp(double rho) {
    return new Zcdp(Amounts.parameter("rho", rho));
  }

  /**
   * ε of this budget in (ε, δ) terms; for zCDP use {@link Zcdp#toApproxDp(double)}.
   *
   * @return the amount
   */
  BigDecimal epsilon();

  /**
   * δ of this budget in (ε, δ) terms (zero for pure ε).
   *
   * @return the amount
   */
  BigDecimal delta();

  /**
   * Pure ε-differential privacy.
   *
   * @param epsilon ε, positive
   */
  record PureDp(BigDecimal epsilon) implements PrivacyBudget {
    /**
     * @param epsilon ε, positive
     * @throws IllegalArgumentException if ε is not positive
     */
    public PureDp {
      Amounts.positive("epsilon", epsilon);
    }

    @Override
    public BigDecimal delta() {
      return BigDecimal.ZERO;
    }

    @Override
    public String toString() {
      return "ε=" + epsilon.toPlainString();
    }
  }

  /**
   * Approximate (ε, δ)-differential privacy.
   *
   * @param epsilon ε, positive
   * @param delta δ, in [0, 1)
   */
  record ApproxDp(BigDecimal epsilon, BigDecimal delta) implements PrivacyBudget {
    /**
     * @param epsilon ε, positive
     * @param delta δ, in [0, 1)
     * @throws IllegalArgumentException if ε is not positive or δ is not in [0, 1)
     */
    public ApproxDp {
      Amounts.positive("epsilon", epsilon);
      Objects.requireNonNull(delta, "delta");
      if (delta.signum() < 0 || delta.compareTo(BigDecimal.ONE) >= 0) {
        throw new IllegalArgumentException("delta must be in [0, 1); provided value: " + delta);
      }
    }

    @Override
    public String toString() {
      return "ε=" + epsilon.toPlainString() + ", δ=" + delta.toPlainString();
    }
  }

  /**
   * ρ-zero-concentrated differential privacy, the natural currency of Gaussian noise.
   *
   * @param rho ρ, positive
   */
  record Zcdp(BigDecimal rho) implements PrivacyBudget {
    /**
     * @param rho ρ, positive
     * @throws IllegalArgumentException if ρ is not positive
     */
    public Zcdp {
      Amounts.positive("rho", rho);
    }

    /**
     * The (ε, δ) guarantee that ρ-zCDP implies (Bun and Steinke 2016): ε = ρ + 2·sqrt(ρ·ln(1/δ)),
     * rounded up.
     *
     * @param delta δ, in [0, 1)
     * @return the (ε, δ) guarantee that ρ-zCDP implies (Bun and Steinke 2016): ε = ρ +
     *     2·sqrt(ρ·ln(1/δ)), rounded up
     * @throws IllegalArgumentException if δ is not in (0, 1)
     */
    public ApproxDp toApproxDp(double delta) {
      if (!(delta > 0 && delta < 1)) {
        throw new IllegalArgumentException("delta must be in (0, 1); provided value: " + delta);
      }
      double r = rho.doubleValue();
      double eps = r + 2 * Math.sqrt(r * Math.log(1 / delta));
      // Pad by a relative 1e-12, far above the few ulps of float error, so that the error never
      // favours the analyst.
      BigDecimal e = new BigDecimal(Math.nextUp(eps * (1 + 1e-12))).round(ROUND_UP);
      return new ApproxDp(e, Amounts.delta(delta));
    }

    /** Not defined without a δ: use {@link #toApproxDp(double)}. */
    @Override
    public BigDecimal epsilon() {
      throw new UnsupportedOperationException("zCDP has no ε of its own; use toApproxDp(delta)");
    }

    /** Not defined without a conversion: use {@link #toApproxDp(double)}. */
    @Override
    public BigDecimal delta() {
      throw new UnsupportedOperationException("zCDP has no δ of its own; use toApproxDp(delta)");
    }

    @Override
    public String toString() {
      return "ρ=" + rho.toPlainString();
    }
  }
}
