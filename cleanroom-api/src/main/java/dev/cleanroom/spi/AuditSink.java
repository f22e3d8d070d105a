package dev.cleanroom.spi;

/**
 * Receives one {@link AuditEvent} per query, accepted or not. Implementations must be safe to call
 * from several threads; an exception thrown here fails the query.
 */
@FunctionalInterface
public interface AuditSink {
  /** Records {@code event}. */
  void record(AuditEvent event);
}
