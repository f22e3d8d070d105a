package dev.cleanroom.query;

import dev.cleanroom.PolicyRule;
import java.util.Objects;

/**
 * The outcome of one policy rule of one touched dataset.
 *
 * @param dataset the dataset's qualified name
 * @param owner the dataset's owner
 * @param rule the rule checked
 * @param passed whether the query satisfies the rule
 * @param detail what was checked, without data values
 */
public record PolicyCheck(
    String dataset, String owner, PolicyRule rule, boolean passed, String detail) {
  /**
   * @param dataset the dataset's qualified name
   * @param owner the dataset's owner
   * @param rule the rule checked
   * @param passed whether the query satisfies the rule
   * @param detail what was checked, without data values
   * @throws NullPointerException if an argument is null
   */
  public PolicyCheck {
    Objects.requireNonNull(dataset, "dataset");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(rule, "rule");
    Objects.requireNonNull(detail, "detail");
  }

  @Override
  public String toString() {
    return (passed ? "PASS " : "FAIL ") + dataset + " (" + owner + ") " + rule + ": " + detail;
  }
}
