package dev.cleanroom.query;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * The noise of a differentially private query stated by its effect instead of its ε; the engine
 * computes the ε from it ({@link FinalStage#noiseTarget}). The ε follows from the query's shape
 * alone (its aggregates, bounds, groups and the owners' contribution limits), never from the data.
 */
public sealed interface NoiseTarget permits NoiseTarget.HidePeople, NoiseTarget.HalfWidth {
  /**
   * The δ of the query's budget (0: pure ε).
   *
   * @return the δ of the query's budget
   */
  BigDecimal delta();

  /**
   * This target with a budget δ, needed to select groups privately or for Gaussian noise.
   *
   * @param delta the δ, in [0, 1)
   * @return this target with a budget δ
   * @throws IllegalArgumentException if δ is not in [0, 1)
   */
  NoiseTarget withDelta(double delta);

  /**
   * Noise that hides the presence of {@code people} people: the largest ε at which the 95% interval
   * half-width of every noisy aggregate is at least what that many people can change it (one each
   * for a count of people, the owners' row cap each for a count of rows, the largest absolute
   * per-person bound each for a sum).
   *
   * @param people how many people the noise hides, at least 1
   * @return the target
   * @throws IllegalArgumentException if {@code people} is below 1
   */
  static NoiseTarget hidingPeople(int people) {
    return new HidePeople(people, BigDecimal.ZERO);
  }

  /**
   * Noise whose 95% interval half-width on the aggregate {@code alias} (a count or sum) is at most
   * {@code halfWidth}: the smallest ε that achieves it.
   *
   * @param alias the aggregate's output column
   * @param halfWidth the largest acceptable half-width, positive
   * @return the target
   * @throws IllegalArgumentException if {@code halfWidth} is not positive and finite
   */
  static NoiseTarget halfWidth(String alias, double halfWidth) {
    return new HalfWidth(alias, halfWidth, BigDecimal.ZERO);
  }

  /**
   * Noise that hides {@code people} people; see {@link NoiseTarget#hidingPeople}.
   *
   * @param people how many people the noise hides, at least 1
   * @param delta the δ of the query's budget
   */
  record HidePeople(int people, BigDecimal delta) implements NoiseTarget {
    /**
     * @param people how many people the noise hides, at least 1
     * @param delta the δ of the query's budget, in [0, 1)
     * @throws IllegalArgumentException if a value is out of range
     */
    public HidePeople {
      if (people < 1) {
        throw new IllegalArgumentException("people must be >= 1; provided value: " + people);
      }
      checkDelta(delta);
    }

    @Override
    public NoiseTarget withDelta(double delta) {
      return new HidePeople(people, decimal(delta));
    }
  }

  /**
   * Noise with a 95% half-width of at most {@code halfWidth} on one aggregate; see {@link
   * NoiseTarget#halfWidth}.
   *
   * @param alias the aggregate's output column
   * @param halfWidth the largest acceptable half-width
   * @param delta the δ of the query's budget
   */
  record HalfWidth(String alias, double halfWidth, BigDecimal delta) implements NoiseTarget {
    /**
     * @param alias the aggregate's output column
     * @param halfWidth the largest acceptable half-width, positive and finite
     * @param delta the δ of the query's budget, in [0, 1)
     * @throws NullPointerException if {@code alias} is null
     * @throws IllegalArgumentException if a value is out of range
     */
    public HalfWidth {
      Objects.requireNonNull(alias, "alias");
      if (!(halfWidth > 0) || Double.isInfinite(halfWidth)) {
        throw new IllegalArgumentException(
            "halfWidth must be positive and finite; provided value: " + halfWidth);
      }
      checkDelta(delta);
    }

    @Override
    public NoiseTarget withDelta(double delta) {
      return new HalfWidth(alias, halfWidth, decimal(delta));
    }
  }

  private static BigDecimal decimal(double delta) {
    if (!Double.isFinite(delta)) {
      throw new IllegalArgumentException("delta must be in [0, 1); provided value: " + delta);
    }
    return new BigDecimal(Double.toString(delta));
  }

  private static void checkDelta(BigDecimal delta) {
    Objects.requireNonNull(delta, "delta");
    if (delta.signum() < 0 || delta.compareTo(BigDecimal.ONE) >= 0) {
      throw new IllegalArgumentException("delta must be in [0, 1); provided value: " + delta);
    }
  }
}
