package dev.cleanroom.spi;

/**
 * Receives one {@link AuditEvent} per query, accepted or not. Implementations must be safe to call
 * from several threads; an exception thrown here fails the query.
 */
@FunctionalInterface
public interface AuditSink {
  /**
   * Records {@code event}.
   *
   * @param event the event to record
   */
  void record(AuditEvent event);
}
