/**
 * Audit sinks and trails: {@link dev.cleanroom.audit.AuditSinks#slf4j()} (the default, one log line
 * per query) and {@link dev.cleanroom.audit.AuditTrails} (in memory, journaled to a file, or in
 * database tables that several hosts share; each event chained to the previous one with SHA-256,
 * verifiable).
 */
package dev.cleanroom.audit;
