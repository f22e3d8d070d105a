/**
 * Policy documents: a dataset's roles and its owner's policy as a YAML or JSON document that can be
 * reviewed, versioned, diffed and signed off. {@link dev.cleanroom.policy.PolicyDocument} reads a
 * document (every error a {@link dev.cleanroom.policy.PolicyDocumentException} naming the line,
 * column and field), writes its canonical form and hashes it; the hash is the {@code policyHash} of
 * the dataset's {@link dev.cleanroom.DatasetVersion} and is recorded in the audit trail for each
 * query. The README's section "Policy documents" describes the schema.
 */
package dev.cleanroom.policy;
