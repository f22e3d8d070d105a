/**
 * Policies as documents: the import and export of AWS Clean Rooms analysis rules ({@link
 * dev.cleanroom.policy.AwsAnalysisRules}).
 */
package dev.cleanroom.policy;
