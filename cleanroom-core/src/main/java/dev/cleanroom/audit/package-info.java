/**
 * Audit sinks and trails: {@link dev.cleanroom.audit.AuditSinks#slf4j()} (the default, one log line
 * per query) and {@link dev.cleanroom.audit.AuditTrails} (in memory or journaled to a file, each
 * event chained to the previous one with SHA-256, verifiable).
 */
package dev.cleanroom.audit;
