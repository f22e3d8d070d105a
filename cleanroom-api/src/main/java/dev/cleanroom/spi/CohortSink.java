package dev.cleanroom.spi;

import dev.cleanroom.query.Activation;
import java.util.Set;

/**
 * Where a party gets the cohorts activated for it: the ids of its own users only, exactly as its
 * own dataset holds them. Implementations must be safe to call from several threads.
 */
@FunctionalInterface
public interface CohortSink {
  /**
   * Receives one cohort.
   *
   * @param activation which activation, for whom, from which dataset
   * @param userIds the ids of the receiver's users in the cohort, as its dataset holds them (a
   *     person written in several forms appears in each); unmodifiable
   */
  void receive(Activation activation, Set<String> userIds);
}
