package dev.cleanroom.internal.room;

import static dev.cleanroom.internal.room.CollabFixture.ANALYST;
import static dev.cleanroom.internal.room.CollabFixture.BASKETS;
import static dev.cleanroom.internal.room.CollabFixture.CONVERSIONS;
import static dev.cleanroom.internal.room.CollabFixture.IMPRESSIONS;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.Policy;
import dev.cleanroom.PolicyRule;
import dev.cleanroom.PolicyViolationException;
import dev.cleanroom.query.Explanation;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.QueryId;
import dev.cleanroom.query.Result;
import dev.cleanroom.spi.AuditEvent;
import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class ResultReceiversTest {
  private static final List<Integer> CONVERTERS = List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);

  private static CollabFixture world(
      UnaryOperator<Policy.Builder> publisher,
      UnaryOperator<Policy.Builder> advertiser,
      UnaryOperator<Policy.Builder> retailer) {
    return new CollabFixture(CONVERTERS, publisher, advertiser, retailer);
  }

  private static FinalStage twoParty(CollabFixture f) {
    return f.room
        .as(ANALYST)
        .from(IMPRESSIONS)
        .join(CONVERSIONS)
        .onUserId()
        .groupBy("product")
        .select(countDistinctUsers().as("people"));
  }

  private static FinalStage threeParty(CollabFixture f) {
    return f.room
        .as(ANALYST)
        .from(IMPRESSIONS)
        .join(CONVERSIONS)
        .onUserId()
        .join(BASKETS)
        .onUserId()
        .groupBy("store")
        .select(countDistinctUsers().as("people"));
  }

  @Test
  void byDefaultTheAnalystsAreTheReceivers() {
    CollabFixture f = world(b -> b, b -> b, b -> b);
    Result r = twoParty(f).run();
    assertEquals(1, r.size());
    assertEquals(10L, r.rows().get(0).get("people"));
    assertTrue(twoParty(f).explain().allowed());
  }

  @Test
  void analystWhoIsNotAReceiver_runIsRefusedBeforeAnyScanOrCharge() {
    CollabFixture f =
        world(b -> CollabFixture.dp(b).allowReceivers("publisher"), CollabFixture::dp, b -> b);
    FinalStage query =
        f.room
            .as(ANALYST)
            .from(IMPRESSIONS)
            .join(CONVERSIONS)
            .onUserId()
            .select(countDistinctUsers())
            .epsilon(0.5);
    PolicyViolationException e = assertThrows(PolicyViolationException.class, query::run);
    assertEquals(PolicyRule.RESULT_RECEIVER_ALLOWED, e.rule());
    assertEquals(IMPRESSIONS, e.dataset());
    assertEquals("publisher", e.owner());
    assertTrue(e.getMessage().contains("result receiver advertiser"), e.getMessage());
    assertEquals(0, f.scans());
    AuditEvent event = f.lastEvent();
    assertEquals(AuditEvent.Outcome.REFUSED, event.outcome());
    assertEquals(Optional.of(PolicyRule.RESULT_RECEIVER_ALLOWED), event.rule());

    Explanation x = query.explain();
    assertFalse(x.allowed());
    assertTrue(
        x.failures().stream()
            .anyMatch(
                c ->
                    c.rule() == PolicyRule.RESULT_RECEIVER_ALLOWED
                        && c.dataset().equals(IMPRESSIONS)),
        x.toString());
    // Nothing was charged: explain() shows each ledger left with its budget minus this query only.
    assertEquals(2, x.ledgers().size());
    x.ledgers()
        .forEach(
            l ->
                assertEquals(
                    0, l.epsilonRemaining().compareTo(new BigDecimal("9.5")), l.toString()));
  }

  @Test
  void submitDeliversToTheReceiversAndReturnsOnlyTheQueryId() {
    CollabFixture f =
        world(
                b -> b.allowReceivers("publisher", "agency"),
                b -> b.allowReceivers("publisher", "agency", ANALYST),
                b -> b)
            .resultSink("publisher")
            .resultSink("agency")
            .resultSink(ANALYST);
    QueryId id = twoParty(f).submit("publisher", "agency");
    List<Result> toPublisher = f.results.get("publisher");
    assertEquals(1, toPublisher.size());
    assertEquals(id.value(), toPublisher.get(0).queryId());
    assertEquals(10L, toPublisher.get(0).rows().get(0).get("people"));
    assertEquals(toPublisher, f.results.get("agency"));
    assertTrue(f.received(ANALYST).isEmpty(), "the analyst received a result");
    AuditEvent event = f.lastEvent();
    assertEquals(AuditEvent.Outcome.ACCEPTED, event.outcome());
    assertEquals(id.value(), event.queryId());
  }

  @Test
  void threeDatasetsOneDenyingAReceiver_isRefusedNamingThatDataset() {
    CollabFixture f =
        world(
                b -> b.allowReceivers(ANALYST, "publisher"),
                b -> b.allowReceivers(ANALYST, "publisher"),
                b -> b.allowReceivers(ANALYST))
            .resultSink("publisher");
    PolicyViolationException e =
        assertThrows(PolicyViolationException.class, () -> threeParty(f).submit("publisher"));
    assertEquals(PolicyRule.RESULT_RECEIVER_ALLOWED, e.rule());
    assertEquals(BASKETS, e.dataset());
    assertEquals("retailer", e.owner());
    assertEquals(0, f.scans());
    assertTrue(f.received("publisher").isEmpty());

    // The analyst is a receiver of all three: the same query runs for it.
    Result r = threeParty(f).run();
    assertEquals(List.of("north"), r.rows().stream().map(row -> row.get("store")).toList());
  }

  @Test
  void threePartyQueryEndToEnd_submittedToAReceiverOfAllThree() {
    CollabFixture f =
        world(
                b -> b.allowReceivers("agency"),
                b -> b.allowReceivers("agency"),
                b -> b.allowReceivers("agency"))
            .resultSink("agency");
    QueryId id = threeParty(f).submit("agency");
    Result r = f.results.get("agency").get(0);
    assertEquals(id.value(), r.queryId());
    assertEquals(List.of(10L), r.rows().stream().map(row -> row.get("people")).toList());
    assertEquals(3, f.scans());
  }

  @Test
  void receiverWithoutSink_isRefusedBeforeAnyScan() {
    CollabFixture f = world(b -> b, b -> b, b -> b);
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> twoParty(f).submit(ANALYST));
    assertTrue(e.getMessage().contains("no registered result sink"), e.getMessage());
    assertEquals(0, f.scans());
    assertEquals(AuditEvent.Outcome.INVALID, f.lastEvent().outcome());
  }

  @Test
  void submitWithoutReceiversOrWithARepeatedOne_isACallerMistake() {
    CollabFixture f = world(b -> b, b -> b, b -> b).resultSink(ANALYST);
    assertThrows(IllegalArgumentException.class, () -> twoParty(f).submit());
    assertThrows(IllegalArgumentException.class, () -> twoParty(f).submit(ANALYST, ANALYST));
    assertThrows(IllegalArgumentException.class, () -> twoParty(f).submit("not a name"));
    assertThrows(NullPointerException.class, () -> twoParty(f).submit((String) null));
    assertEquals(0, f.scans());
  }

  @Test
  void aFailingSinkDoesNotStopDeliveryToTheOthers() {
    CollabFixture f =
        world(
            b -> b.allowReceivers("agency", "publisher"),
            b -> b.allowReceivers("agency", "publisher"),
            b -> b);
    f.room.registerResultSink(
        "agency",
        r -> {
          throw new IllegalStateException("secret value xyz");
        });
    f.resultSink("publisher");
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> twoParty(f).submit("agency", "publisher"));
    assertFalse(e.getMessage().contains("xyz"), e.getMessage());
    assertTrue(e.getMessage().contains("agency"), e.getMessage());
    assertEquals(1, f.results.get("publisher").size());
  }

  @Test
  void sinksAreRegisteredOncePerParty() {
    CollabFixture f = world(b -> b, b -> b, b -> b).resultSink("agency").cohortSink("agency");
    assertThrows(
        IllegalArgumentException.class, () -> f.room.registerResultSink("agency", r -> {}));
    assertThrows(
        IllegalArgumentException.class, () -> f.room.registerCohortSink("agency", (a, ids) -> {}));
    assertThrows(IllegalArgumentException.class, () -> f.room.registerResultSink("a b", r -> {}));
    assertThrows(NullPointerException.class, () -> f.room.registerResultSink("other", null));
  }
}
