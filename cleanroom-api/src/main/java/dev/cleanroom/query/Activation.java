package dev.cleanroom.query;

import java.util.Objects;

/**
 * A released cohort, as the analyst sees it: which activation, for whom, from which dataset; never
 * the cohort's ids or its size.
 *
 * @param activationId an identifier of this activation, also recorded in the audit trail and passed
 *     to the receiver's {@link dev.cleanroom.spi.CohortSink}
 * @param analyst the party that activated the cohort
 * @param receiver the party that received the ids of its own users
 * @param dataset the qualified name of the receiver's dataset whose ids were released
 */
public record Activation(String activationId, String analyst, String receiver, String dataset) {
  /**
   * @param activationId an identifier of this activation, also recorded in the audit trail and
   *     passed to the receiver's {@link dev.cleanroom.spi.CohortSink}
   * @param analyst the party that activated the cohort
   * @param receiver the party that received the ids of its own users
   * @param dataset the qualified name of the receiver's dataset whose ids were released
   * @throws NullPointerException if an argument is null
   */
  public Activation {
    Objects.requireNonNull(activationId, "activationId");
    Objects.requireNonNull(analyst, "analyst");
    Objects.requireNonNull(receiver, "receiver");
    Objects.requireNonNull(dataset, "dataset");
  }
}
