package dev.cleanroom.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What an import or export of an AWS Clean Rooms analysis rule did with each field: one {@link
 * Entry} per field, in the order the fields are read. It names fields and columns, never data
 * values.
 *
 * @param entries the entries, in order
 */
public record AwsMappingReport(List<Entry> entries) {
  /**
   * @param entries the entries, in the order the fields are read; copied
   * @throws NullPointerException if {@code entries} or an entry is null
   */
  public AwsMappingReport {
    entries = List.copyOf(entries);
  }

  /** How a field was carried over. */
  public enum Outcome {
    /** Carried over with the same meaning. */
    MAPPED,
    /**
     * Carried over as a stricter rule: the target allows less than the source (on import, our
     * policy allows less than the AWS rule; on export, the AWS rule allows less than our policy).
     */
    TIGHTENED,
    /**
     * The target cannot say it. On import, a restriction that cannot be said is made up for by a
     * stricter setting (the entry's reason says which), so that the policy is never looser; on
     * export, the entry says what the AWS rule does not enforce.
     */
    NOT_REPRESENTABLE
  }

  /**
   * One field and what became of it.
   *
   * @param awsField the AWS field path, e.g. {@code v1.aggregation.outputConstraints[0]}, or a
   *     phrase in parentheses for what the AWS document implies without a field
   * @param outcome how it was carried over
   * @param ourField our policy's rule or setting, e.g. {@code minDistinctUsers}
   * @param reason why, in one sentence
   */
  public record Entry(String awsField, Outcome outcome, String ourField, String reason) {
    /**
     * @param awsField the AWS field path
     * @param outcome how it was carried over
     * @param ourField our policy's rule or setting
     * @param reason why, in one sentence
     * @throws NullPointerException if an argument is null
     */
    public Entry {
      Objects.requireNonNull(awsField, "awsField");
      Objects.requireNonNull(outcome, "outcome");
      Objects.requireNonNull(ourField, "ourField");
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * The entries with {@code outcome}.
   *
   * @param outcome the outcome
   * @return the entries with that outcome, in order
   */
  public List<Entry> entries(Outcome outcome) {
    Objects.requireNonNull(outcome, "outcome");
    List<Entry> out = new ArrayList<>();
    for (Entry e : entries) {
      if (e.outcome() == outcome) {
        out.add(e);
      }
    }
    return List.copyOf(out);
  }

  /**
   * The entry for {@code awsField}, if there is one.
   *
   * @param awsField the AWS field path
   * @return the first entry for that field
   */
  public java.util.Optional<Entry> entry(String awsField) {
    Objects.requireNonNull(awsField, "awsField");
    return entries.stream().filter(e -> e.awsField().equals(awsField)).findFirst();
  }

  /**
   * The report as text: one line per entry, {@code OUTCOME aws field -> our field: reason}.
   *
   * @return the report as text
   */
  public String render() {
    StringBuilder out = new StringBuilder();
    int width = 0;
    for (Entry e : entries) {
      width = Math.max(width, e.awsField().length());
    }
    for (Entry e : entries) {
      out.append(String.format(java.util.Locale.ROOT, "%-17s ", e.outcome()))
          .append(e.awsField())
          .append(" ".repeat(width - e.awsField().length()))
          .append(" -> ")
          .append(e.ourField())
          .append(": ")
          .append(e.reason())
          .append('\n');
    }
    return out.toString();
  }

  @Override
  public String toString() {
    return render();
  }
}
