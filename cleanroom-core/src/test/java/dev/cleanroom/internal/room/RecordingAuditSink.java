package dev.cleanroom.internal.room;

import dev.cleanroom.spi.AuditEvent;
import dev.cleanroom.spi.AuditSink;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** An {@link AuditSink} that keeps every event, safe for several threads. */
final class RecordingAuditSink implements AuditSink {
  private final List<AuditEvent> events = new CopyOnWriteArrayList<>();
  private final List<AuditEvent> changes = new CopyOnWriteArrayList<>();

  @Override
  public void record(AuditEvent event) {
    (event.outcome() == AuditEvent.Outcome.CHANGED ? changes : events).add(event);
  }

  /** The changes to the room (registrations, versions, retirements, grants) so far, in order. */
  List<AuditEvent> changes() {
    return List.copyOf(changes);
  }

  /** The events of queries and activations recorded so far, in order. */
  List<AuditEvent> events() {
    return List.copyOf(events);
  }

  /** The last event recorded. */
  AuditEvent last() {
    return events.get(events.size() - 1);
  }

  /** How many events have {@code outcome}. */
  long count(AuditEvent.Outcome outcome) {
    return events.stream().filter(e -> e.outcome() == outcome).count();
  }
}
