package dev.cleanroom.internal.room;

import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import java.util.List;

/** Opens {@link PolicyChanges#loosenings} to tests of other packages. */
public final class PolicyComparison {
  private PolicyComparison() {}

  /**
   * The rules in which {@code next} is looser than {@code current} on {@code dataset}.
   *
   * @param dataset the dataset whose roles the policies refer to
   * @param current the policy compared against
   * @param next the policy that must not be looser
   * @return the loosened rules; empty if {@code next} is as strict or stricter everywhere
   */
  public static List<String> loosenings(Dataset dataset, Policy current, Policy next) {
    return PolicyChanges.loosenings(dataset, current, next);
  }
}
