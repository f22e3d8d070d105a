/**
 * Policy documents: a dataset's roles and its owner's policy as a YAML or JSON document that can be
 * reviewed, versioned, diffed and signed off. {@link dev.cleanroom.policy.PolicyDocument} reads a
 * document (every error a {@link dev.cleanroom.policy.PolicyDocumentException} naming the line,
 * column and field), writes its canonical form and hashes it; the hash is the {@code policyHash} of
 * the dataset's {@link dev.cleanroom.DatasetVersion} and is recorded in the audit trail for each
 * query. The README's section "Policy documents" describes the schema.
 *
 * <p>{@link dev.cleanroom.policy.AwsAnalysisRules} imports AWS Clean Rooms analysis rules into a
 * policy, with a report of every field mapped, tightened or not representable, and exports a policy
 * into that shape where AWS can express it.
 */
package dev.cleanroom.policy;
