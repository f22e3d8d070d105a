package dev.cleanroom.policy;

import java.util.Objects;
import java.util.Optional;

/**
 * The result of exporting a policy as an AWS Clean Rooms analysis rule.
 *
 * @param analysisRulePolicy the rule as AWS's {@code analysisRulePolicy} JSON, {@code {"v1":
 *     {"aggregation" | "custom": {...}}}}
 * @param privacyBudgetTemplate for a policy that requires differential privacy, the collaboration's
 *     privacy budget template as the JSON body of AWS's CreatePrivacyBudgetTemplate request
 *     (without the membership identifier)
 * @param report what became of each rule of the policy
 */
public record AwsExport(
    String analysisRulePolicy, Optional<String> privacyBudgetTemplate, AwsMappingReport report) {
  /**
   * @param analysisRulePolicy the rule as JSON
   * @param privacyBudgetTemplate the budget template as JSON, if any
   * @param report what became of each rule of the policy
   * @throws NullPointerException if an argument is null
   */
  public AwsExport {
    Objects.requireNonNull(analysisRulePolicy, "analysisRulePolicy");
    Objects.requireNonNull(privacyBudgetTemplate, "privacyBudgetTemplate");
    Objects.requireNonNull(report, "report");
  }
}
