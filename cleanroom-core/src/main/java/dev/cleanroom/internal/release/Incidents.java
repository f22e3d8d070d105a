package dev.cleanroom.internal.release;

import dev.cleanroom.Dataset;
import dev.cleanroom.QueryFailedException;
import dev.cleanroom.spi.AuditEvent;
import dev.cleanroom.spi.AuditSink;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Failures whose details depend on data (a file, a line, an SQL state): the analyst gets only an
 * incident id, the owner of the failing source gets the details under the same id.
 */
public final class Incidents {
  private final AuditSink room;
  private final Map<String, AuditSink> owners;

  public Incidents(AuditSink room, Map<String, AuditSink> owners) {
    this.room = room;
    this.owners = owners;
  }

  /**
   * Records {@code failed} (an event whose reason holds the details) under a new incident id: the
   * room's sink gets the event with the generic message, and the details go to the audit sink of
   * the owner of the failing source, or to the room's sink when that owner registered none or the
   * source is not one dataset's. Returns what the analyst sees.
   *
   * @param failed the failure, with the details as its reason
   * @param touched the datasets of the query
   * @param source the name of the failing source, or the empty string if unknown
   */
  QueryFailedException report(AuditEvent failed, List<Dataset> touched, String source) {
    String incidentId = UUID.randomUUID().toString();
    QueryFailedException failure = new QueryFailedException(incidentId);
    Set<String> owning = new TreeSet<>();
    for (Dataset d : touched) {
      if (d.source().name().equals(source)) {
        owning.add(d.owner());
      }
    }
    AuditSink ownerSink = owning.size() == 1 ? owners.get(owning.iterator().next()) : null;
    if (ownerSink == null) {
      room.record(withIncident(failed, failed.reason(), incidentId));
    } else {
      room.record(withIncident(failed, failure.getMessage(), incidentId));
      ownerSink.record(withIncident(failed, failed.reason(), incidentId));
    }
    return failure;
  }

  private static AuditEvent withIncident(AuditEvent e, String reason, String incidentId) {
    return new AuditEvent(
        e.time(),
        e.queryId(),
        e.analyst(),
        e.datasets(),
        e.fingerprint(),
        e.outcome(),
        e.rule(),
        reason,
        e.charges(),
        Optional.of(incidentId),
        e.policyVersions());
  }
}
