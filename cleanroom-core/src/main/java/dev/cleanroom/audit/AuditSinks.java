package dev.cleanroom.audit;

import dev.cleanroom.spi.AuditSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Built-in {@link AuditSink}s. */
public final class AuditSinks {
  /** The name of the SLF4J logger that {@link #slf4j()} writes to. */
  public static final String LOGGER_NAME = "dev.cleanroom.audit";

  private AuditSinks() {}

  /**
   * A sink that writes one INFO line per query to the logger {@value #LOGGER_NAME}: query id,
   * analyst, datasets, fingerprint, outcome, refusing rule, incident id and reason (why a query was
   * refused or failed; for an incident whose owner registered no audit sink of its own, its
   * details: source, line, column or SQL state). Events never hold data values, so neither do these
   * lines.
   */
  public static AuditSink slf4j() {
    Logger log = LoggerFactory.getLogger(LOGGER_NAME);
    return e ->
        log.info(
            "query {} by {} on {} fingerprint {}: {}{}{}{}",
            e.queryId(),
            e.analyst(),
            e.datasets(),
            e.fingerprint(),
            e.outcome(),
            e.rule().map(r -> " (" + r + ")").orElse(""),
            e.incidentId().map(id -> " incident " + id).orElse(""),
            e.reason().isEmpty() ? "" : " - " + e.reason());
  }
}
