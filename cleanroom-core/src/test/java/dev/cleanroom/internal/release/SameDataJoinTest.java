package dev.cleanroom.internal.release;

import static dev.cleanroom.internal.release.DpTesting.ANALYST;
import static dev.cleanroom.internal.release.DpTesting.dataset;
import static dev.cleanroom.internal.release.DpTesting.dpPolicy;
import static dev.cleanroom.internal.release.DpTesting.memory;
import static dev.cleanroom.internal.release.DpTesting.people;
import static dev.cleanroom.internal.release.DpTesting.sizes;
import static dev.cleanroom.query.Dsl.count;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.internal.release.DpTesting.RecordingAudit;
import dev.cleanroom.internal.release.DpTesting.TestSource;
import dev.cleanroom.query.Result;
import dev.cleanroom.spi.AuditEvent;
import dev.cleanroom.spi.BudgetStore;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Two dataset names over one data share its ledgers; a query that joins them reads each person's
 * data once (bounded per person over the join) and is charged once. It named the ledger twice, and
 * the charge failed with a raw exception that no audit event recorded.
 */
class SameDataJoinTest {
  // Principle: a budget belongs to the data, not to the name it was registered under.
  @Test
  void aJoinOfTwoNamesOverOneData_isChargedOnce_andAudited() {
    BudgetStore store = memory();
    RecordingAudit audit = new RecordingAudit();
    CleanRoom room = DpTesting.room(store, Clock.fixed(DpTesting.NOW, ZoneOffset.UTC), audit);
    TestSource src = TestSource.versioned(people("v", "u", sizes("DE", 30)));
    room.register(dataset("pub", "a", src, dpPolicy(10, 1.0)));
    room.register(dataset("pub", "b", src, dpPolicy(10, 1.0)));
    int before = audit.events().size();

    Result r =
        room.as(ANALYST)
            .from("pub.a")
            .join("pub.b")
            .onUserId()
            .groupBy("a.country")
            .select(count())
            .epsilon(0.5)
            .publicGroupValues("DE")
            .run();

    assertEquals(1, r.size());
    assertEquals(
        0,
        new BigDecimal("0.5").compareTo(store.spent("pub.a/" + ANALYST + "/lifetime").epsilon()));
    List<AuditEvent> events = audit.events().subList(before, audit.events().size());
    assertEquals(AuditEvent.Outcome.ACCEPTED, events.get(events.size() - 1).outcome());
  }
}
