package dev.cleanroom.query;

/** The noise distribution of a differentially private query. */
public enum NoiseKind {
  /** Discrete Laplace noise, for pure ε or (ε, δ) budgets. The default. */
  LAPLACE,
  /**
   * Discrete Gaussian noise; needs δ > 0. Each aggregate's (ε, δ) share is turned into the largest
   * ρ whose zCDP guarantee implies it.
   */
  GAUSSIAN
}
