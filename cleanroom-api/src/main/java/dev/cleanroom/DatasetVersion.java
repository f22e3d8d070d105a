package dev.cleanroom;

import java.util.Objects;

/**
 * The version of a registered dataset: its data and its policy are numbered separately, from 1 at
 * registration, and each {@link CleanRoom#replaceData}, {@link CleanRoom#tightenPolicy} or {@link
 * CleanRoom#loosenPolicy} adds one.
 *
 * @param dataset the dataset's qualified name
 * @param data the data version
 * @param policy the policy version
 * @param policyHash SHA-256 (lower-case hex) of the canonical form of the dataset's policy document
 *     (its owner and name, declared columns with types and roles, and policy: {@code
 *     dev.cleanroom.policy.PolicyDocument#hash()} in the core module), so that an owner can check
 *     which rules a version holds against the document it signed off
 */
public record DatasetVersion(String dataset, int data, int policy, String policyHash) {
  /**
   * @param dataset the dataset's qualified name
   * @param data the data version, at least 1
   * @param policy the policy version, at least 1
   * @param policyHash SHA-256 of the canonical form of the dataset's policy document
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if a version is below 1
   */
  public DatasetVersion {
    Objects.requireNonNull(dataset, "dataset");
    Objects.requireNonNull(policyHash, "policyHash");
    if (data < 1 || policy < 1) {
      throw new IllegalArgumentException(
          "versions start at 1; provided values: data " + data + ", policy " + policy);
    }
  }
}
