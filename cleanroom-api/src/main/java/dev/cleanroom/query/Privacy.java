package dev.cleanroom.query;

import dev.cleanroom.PrivacyBudget;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** How a query protects its answer: by the k threshold alone, or with differential privacy. */
public sealed interface Privacy permits Privacy.ThresholdOnly, Privacy.Differential {
  /** Threshold mode: exact aggregates over at least k distinct people. */
  ThresholdOnly THRESHOLD_ONLY = new ThresholdOnly();

  /** Threshold mode: exact aggregates over at least k distinct people. */
  record ThresholdOnly() implements Privacy {}

  /**
   * Differential privacy with a budget for the whole query.
   *
   * @param budget pure ε or (ε, δ); split evenly over the query's noisy parts
   * @param noise the noise distribution
   * @param publicGroups the group keys to release whatever the data holds (each with one value per
   *     grouped dimension), or empty to select groups privately, which needs δ > 0
   */
  record Differential(
      PrivacyBudget budget, NoiseKind noise, Optional<List<List<Object>>> publicGroups)
      implements Privacy {
    /**
     * @param budget pure ε or (ε, δ); split evenly over the query's noisy parts
     * @param noise the noise distribution
     * @param publicGroups the group keys to release whatever the data holds (each with one value
     *     per grouped dimension), or empty to select groups privately, which needs δ > 0
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the budget is zCDP, Gaussian noise lacks δ, or a public
     *     group holds an unsupported value
     */
    public Differential {
      Objects.requireNonNull(budget, "budget");
      Objects.requireNonNull(noise, "noise");
      Objects.requireNonNull(publicGroups, "publicGroups");
      if (budget instanceof PrivacyBudget.Zcdp) {
        throw new IllegalArgumentException(
            "a query budget is ε or (ε, δ); for Gaussian noise use noise(NoiseKind.GAUSSIAN)");
      }
      if (noise == NoiseKind.GAUSSIAN && budget.delta().signum() == 0) {
        throw new IllegalArgumentException("Gaussian noise needs a budget with δ > 0");
      }
      publicGroups =
          publicGroups.map(
              groups -> {
                List<List<Object>> copy = new ArrayList<>();
                for (List<Object> key : groups) {
                  List<Object> k = new ArrayList<>();
                  for (Object v : key) {
                    try {
                      k.add(Literals.check(v));
                    } catch (IllegalArgumentException | NullPointerException e) {
                      throw new IllegalArgumentException(
                          "a public group value must be a String, a whole number or a finite"
                              + " floating-point number",
                          e);
                    }
                  }
                  copy.add(List.copyOf(k));
                }
                return List.copyOf(copy);
              });
    }

    @Override
    public String toString() {
      return "Differential["
          + budget
          + ", "
          + noise
          + ", "
          + publicGroups.map(g -> g.size() + " public groups").orElse("private groups")
          + "]";
    }
  }
}
