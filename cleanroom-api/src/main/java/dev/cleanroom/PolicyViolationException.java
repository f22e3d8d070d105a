package dev.cleanroom;

import java.util.Objects;

/**
 * A query was refused because it breaks a rule of a touched dataset's policy. The message names the
 * dataset, its owner and the rule; it never contains a data value.
 */
public final class PolicyViolationException extends CleanRoomException {
  private static final long serialVersionUID = 1L;

  /** The dataset whose policy refused the query. */
  private final String dataset;

  /** The dataset's owner. */
  private final String owner;

  /** The rule that refused the query. */
  private final PolicyRule rule;

  /**
   * A refusal.
   *
   * @param dataset the qualified name of the dataset whose policy refuses ({@code owner.name})
   * @param owner the dataset's owner
   * @param rule the rule that refuses
   * @param reason what breaks the rule, without data values
   */
  public PolicyViolationException(String dataset, String owner, PolicyRule rule, String reason) {
    super(
        "refused by the policy of "
            + Objects.requireNonNull(dataset, "dataset")
            + " (owner "
            + Objects.requireNonNull(owner, "owner")
            + "), rule "
            + Objects.requireNonNull(rule, "rule")
            + ": "
            + Objects.requireNonNull(reason, "reason"));
    this.dataset = dataset;
    this.owner = owner;
    this.rule = rule;
  }

  /**
   * The qualified name of the dataset whose policy refused the query.
   *
   * @return the qualified name of the dataset whose policy refused the query
   */
  public String dataset() {
    return dataset;
  }

  /**
   * The owner of that dataset.
   *
   * @return the owner of that dataset
   */
  public String owner() {
    return owner;
  }

  /**
   * The rule that refused the query.
   *
   * @return the rule that refused the query
   */
  public PolicyRule rule() {
    return rule;
  }
}
