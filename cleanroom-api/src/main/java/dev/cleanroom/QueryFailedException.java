package dev.cleanroom;

import java.util.Objects;

/**
 * A query failed while it ran, e.g. because a data source failed. What the analyst sees is only
 * {@code "query failed; incident <id>"}: the details (source, file, line, column, SQL state) depend
 * on data, so they go, under the same incident id, to the audit sink of the party that owns the
 * failing dataset, or to the room's audit sink when that party registered none.
 */
public final class QueryFailedException extends CleanRoomException {
  private static final long serialVersionUID = 1L;

  /** The identifier under which the failure's details were recorded for the data owner. */
  private final String incidentId;

  /**
   * A failure known under {@code incidentId}.
   *
   * @param incidentId the identifier under which the details were recorded; not blank
   * @throws NullPointerException if {@code incidentId} is null
   * @throws IllegalArgumentException if {@code incidentId} is blank
   */
  public QueryFailedException(String incidentId) {
    super("query failed; incident " + check(incidentId));
    this.incidentId = incidentId;
  }

  private static String check(String incidentId) {
    Objects.requireNonNull(incidentId, "incidentId");
    if (incidentId.isBlank()) {
      throw new IllegalArgumentException("incidentId must not be blank");
    }
    return incidentId;
  }

  /**
   * The identifier under which the failure's details were recorded for the data owner.
   *
   * @return the incident id, not blank; the same id appears in the owner's audit event
   */
  public String incidentId() {
    return incidentId;
  }
}
