package dev.cleanroom.policy;

import dev.cleanroom.ColumnRole;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The result of importing an AWS Clean Rooms analysis rule: our policy, the column roles the rule
 * implies, and the report of every field.
 *
 * <p>The policy is never looser than the AWS rule on what both can say: where ours cannot say a
 * restriction of the rule, the import sets a stricter rule instead (most often {@link
 * Policy#requiresApprovedTemplates()}), and the {@link #report()} says so.
 *
 * @param policy the policy
 * @param userIdColumn the user id column
 * @param roles the roles of the columns the rule names, in order: the user id, dimensions, metrics
 *     and blocked columns; columns not in it are blocked unless declared otherwise
 * @param report what became of each field
 */
public record AwsImport(
    Policy policy, String userIdColumn, Map<String, ColumnRole> roles, AwsMappingReport report) {
  /**
   * @param policy the policy
   * @param userIdColumn the user id column
   * @param roles the roles of the columns the rule names; copied
   * @param report what became of each field
   * @throws NullPointerException if an argument is null
   */
  public AwsImport {
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(userIdColumn, "userIdColumn");
    roles = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(roles));
    Objects.requireNonNull(report, "report");
  }

  /**
   * A dataset builder with the user id, the dimensions, the blocked columns and the policy set; the
   * caller adds the source and declares each metric of {@link #metrics()} with its clamp bounds
   * (which AWS rules do not have), then builds.
   *
   * @param owner the owning party
   * @param name the dataset's name
   * @return the builder
   */
  public Dataset.Builder datasetBuilder(String owner, String name) {
    Dataset.Builder b = Dataset.builder(owner, name).userId(userIdColumn);
    roles.forEach(
        (column, role) -> {
          if (role == ColumnRole.DIMENSION) {
            b.dimension(column);
          } else if (role == ColumnRole.BLOCKED) {
            b.blocked(column);
          }
        });
    return b.policy(policy);
  }

  /**
   * The columns the rule lets be aggregated, which the dataset must declare as metrics with clamp
   * bounds.
   *
   * @return the metric columns, in order
   */
  public List<String> metrics() {
    List<String> out = new ArrayList<>();
    roles.forEach(
        (column, role) -> {
          if (role == ColumnRole.METRIC) {
            out.add(column);
          }
        });
    return List.copyOf(out);
  }
}
