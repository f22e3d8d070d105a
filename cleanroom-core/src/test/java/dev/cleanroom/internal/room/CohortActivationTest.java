package dev.cleanroom.internal.room;

import static dev.cleanroom.internal.room.CollabFixture.ANALYST;
import static dev.cleanroom.internal.room.CollabFixture.BASKETS;
import static dev.cleanroom.internal.room.CollabFixture.CONVERSIONS;
import static dev.cleanroom.internal.room.CollabFixture.IMPRESSIONS;
import static dev.cleanroom.query.Dsl.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.InvalidQueryException;
import dev.cleanroom.Policy;
import dev.cleanroom.PolicyRule;
import dev.cleanroom.PolicyViolationException;
import dev.cleanroom.query.Activation;
import dev.cleanroom.spi.AuditEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class CohortActivationTest {
  private static final List<Integer> CONVERTERS = List.of(0, 2, 4, 6, 8, 10, 1, 3);

  private static UnaryOperator<Policy.Builder> release(int min, String... receivers) {
    return b -> b.allowCohortRelease(receivers).minCohortSize(min);
  }

  private static CollabFixture world(List<Integer> converters) {
    return new CollabFixture(
            converters,
            release(5, "publisher", "advertiser"),
            release(3, "publisher", "advertiser"),
            release(2, "publisher"))
        .cohortSink("publisher")
        .cohortSink("advertiser");
  }

  private static Set<String> pubIds(int... users) {
    Set<String> out = new TreeSet<>();
    for (int u : users) {
      out.add(CollabFixture.pubId(u));
    }
    return out;
  }

  @Test
  void receiverGetsItsOwnRawIdsOfTheCohort_analystOnlyTheActivation() {
    CollabFixture f = world(CONVERTERS);
    Activation a = f.campaign7().activateFor("publisher");

    assertEquals(ANALYST, a.analyst());
    assertEquals("publisher", a.receiver());
    assertEquals(IMPRESSIONS, a.dataset());
    assertEquals(List.of(a), f.activations.get("publisher"));
    assertEquals(List.of(pubIds(0, 2, 4, 6, 8, 10)), f.cohorts.get("publisher"));
    assertTrue(f.received("advertiser").isEmpty(), "another party received ids");
    assertEquals(
        "Activation[activationId="
            + a.activationId()
            + ", analyst=advertiser,"
            + " receiver=publisher, dataset=publisher.impressions]",
        a.toString());

    AuditEvent e = f.lastEvent();
    assertEquals(AuditEvent.Outcome.ACCEPTED, e.outcome());
    assertEquals(a.activationId(), e.queryId());
    assertEquals(List.of(IMPRESSIONS, CONVERSIONS), e.datasets());
    assertFalse(e.toString().contains("@"), "an id reached the audit trail: " + e);
    assertFalse(e.reason().matches(".*\\d.*"), "a number reached the audit reason: " + e);
  }

  @Test
  void otherReceiverGetsItsOwnFormOfTheSamePeople() {
    CollabFixture f = world(CONVERTERS);
    Activation a = f.campaign7().activateFor("advertiser");
    assertEquals(CONVERSIONS, a.dataset());
    Set<String> expected = new TreeSet<>();
    for (int u : List.of(0, 2, 4, 6, 8, 10)) {
      expected.add(CollabFixture.advId(u));
    }
    assertEquals(List.of(expected), f.cohorts.get("advertiser"));
    assertTrue(f.received("publisher").isEmpty());
  }

  @Test
  void deliveredIdsAreUnmodifiable() {
    CollabFixture f = world(CONVERTERS);
    f.campaign7().activateFor("publisher");
    Set<String> ids = f.cohorts.get("publisher").get(0);
    assertThrows(UnsupportedOperationException.class, () -> ids.add("x"));
  }

  @Test
  void receiverOwningNoDatasetOfTheCohort_isInvalidBeforeAnyScan() {
    CollabFixture f = world(CONVERTERS).cohortSink("retailer");
    InvalidQueryException e =
        assertThrows(InvalidQueryException.class, () -> f.campaign7().activateFor("retailer"));
    assertTrue(e.getMessage().contains("owns no dataset"), e.getMessage());
    assertEquals(0, f.scans());
    assertEquals(AuditEvent.Outcome.INVALID, f.lastEvent().outcome());
    assertTrue(f.received("retailer").isEmpty());
  }

  @Test
  void oneDatasetNotAllowingTheReceiver_isRefusedBeforeAnyScan() {
    CollabFixture f = world(CONVERTERS);
    // The retailer's policy releases cohorts to the publisher only.
    PolicyViolationException e =
        assertThrows(
            PolicyViolationException.class,
            () ->
                f.room
                    .as(ANALYST)
                    .from(CONVERSIONS)
                    .join(BASKETS)
                    .onUserId()
                    .cohort()
                    .activateFor("advertiser"));
    assertEquals(PolicyRule.COHORT_RELEASE_ALLOWED, e.rule());
    assertEquals(BASKETS, e.dataset());
    assertEquals("retailer", e.owner());
    assertEquals(0, f.scans());
    AuditEvent event = f.lastEvent();
    assertEquals(AuditEvent.Outcome.REFUSED, event.outcome());
    assertEquals(Optional.of(PolicyRule.COHORT_RELEASE_ALLOWED), event.rule());
    assertTrue(f.received("advertiser").isEmpty());
  }

  @Test
  void datasetWithoutCohortRelease_refusesEveryReceiver() {
    CollabFixture f =
        new CollabFixture(CONVERTERS, release(2, "publisher"), UnaryOperator.identity(), b -> b)
            .cohortSink("publisher");
    PolicyViolationException e =
        assertThrows(PolicyViolationException.class, () -> f.campaign7().activateFor("publisher"));
    assertEquals(PolicyRule.COHORT_RELEASE_ALLOWED, e.rule());
    assertEquals(CONVERSIONS, e.dataset());
    assertEquals(0, f.scans());
  }

  @Test
  void analystNotAllowed_isRefusedBeforeAnyScan() {
    CollabFixture f = world(CONVERTERS);
    PolicyViolationException e =
        assertThrows(
            PolicyViolationException.class,
            () -> f.room.as("stranger").from(IMPRESSIONS).cohort().activateFor("publisher"));
    assertEquals(PolicyRule.ANALYST_ALLOWED, e.rule());
    assertEquals(0, f.scans());
  }

  @Test
  void filterOnTheUserId_isRefused() {
    CollabFixture f = world(CONVERTERS);
    PolicyViolationException e =
        assertThrows(
            PolicyViolationException.class,
            () ->
                f.room
                    .as(ANALYST)
                    .from(IMPRESSIONS)
                    .where(col("user_id").eq("x"))
                    .cohort()
                    .activateFor("publisher"));
    assertEquals(PolicyRule.USER_ID_NOT_EXPOSED, e.rule());
    assertEquals(0, f.scans());
  }

  @Test
  void receiverWithoutSink_isRefusedBeforeAnyScan() {
    CollabFixture f =
        new CollabFixture(
            CONVERTERS, release(2, "publisher"), release(2, "publisher"), release(2, "publisher"));
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> f.campaign7().activateFor("publisher"));
    assertTrue(e.getMessage().contains("no registered cohort sink"), e.getMessage());
    assertEquals(0, f.scans());
  }

  @Test
  void differentialPrivacyDatasetReleasesCohortsWithoutCharging() {
    CollabFixture f =
        new CollabFixture(
                CONVERTERS,
                b -> CollabFixture.dp(b).allowCohortRelease("publisher").minCohortSize(2),
                release(2, "publisher"),
                b -> b)
            .cohortSink("publisher");
    f.campaign7().activateFor("publisher");
    assertEquals(List.of(pubIds(0, 2, 4, 6, 8, 10)), f.cohorts.get("publisher"));
  }

  @Test
  void sizeAtTheLargestMinimum_isReleased_oneBelow_isRefused() {
    // publisher min 5, advertiser 3: the publisher's 5 applies.
    CollabFixture exact = world(List.of(0, 2, 4, 6, 8));
    exact.campaign7().activateFor("publisher");
    assertEquals(List.of(pubIds(0, 2, 4, 6, 8)), exact.cohorts.get("publisher"));

    CollabFixture below = world(List.of(0, 2, 4, 6, 1, 3, 5));
    PolicyViolationException e =
        assertThrows(
            PolicyViolationException.class, () -> below.campaign7().activateFor("publisher"));
    assertEquals(PolicyRule.COHORT_MIN_SIZE, e.rule());
    assertEquals(IMPRESSIONS, e.dataset());
    assertTrue(e.getMessage().contains("minimum of 5 people"), e.getMessage());
    assertTrue(below.received("publisher").isEmpty());
  }

  @Test
  void crossDatasetConditionsShapeTheCohort() {
    CollabFixture f =
        new CollabFixture(
                List.of(0, 2, 4, 6, 8, 10, 12, 14),
                release(2, "publisher"),
                release(2, "publisher"),
                release(2, "publisher"))
            .cohortSink("publisher");
    f.room
        .as(ANALYST)
        .from(IMPRESSIONS)
        .join(CONVERSIONS)
        .onUserId()
        .join(BASKETS)
        .onUserId()
        .where(col("campaign").eq(7L).and(col("store").eq("north")))
        .cohort()
        .activateFor("publisher");
    assertEquals(List.of(pubIds(0, 2, 4, 6, 8)), f.cohorts.get("publisher"));
  }

  /**
   * Sizes 0, 1 and min−1 are refused alike: same exception type, message, dataset, owner and rule,
   * and the same audit record apart from the random activation id.
   */
  @Test
  void belowMinimum_isRefusedIdenticallyForSizes0And1AndMinMinus1() {
    List<List<Integer>> worlds = List.of(List.of(1, 3, 5), List.of(4, 1, 3), List.of(0, 2, 4, 6));
    List<PolicyViolationException> refusals = new ArrayList<>();
    List<AuditEvent> events = new ArrayList<>();
    for (List<Integer> converters : worlds) {
      CollabFixture f = world(converters);
      refusals.add(
          assertThrows(
              PolicyViolationException.class, () -> f.campaign7().activateFor("publisher")));
      AuditEvent e = f.lastEvent();
      events.add(
          new AuditEvent(
              e.time(),
              "",
              e.analyst(),
              e.datasets(),
              e.fingerprint(),
              e.outcome(),
              e.rule(),
              e.reason()));
      assertTrue(f.received("publisher").isEmpty());
      assertEquals(2, f.scans(), "the size check comes after the scans");
    }
    PolicyViolationException first = refusals.get(0);
    assertEquals(PolicyRule.COHORT_MIN_SIZE, first.rule());
    assertEquals(AuditEvent.Outcome.REFUSED, events.get(0).outcome());
    assertEquals(Optional.of(PolicyRule.COHORT_MIN_SIZE), events.get(0).rule());
    assertEquals(first.getMessage(), events.get(0).reason());
    for (int i = 1; i < refusals.size(); i++) {
      PolicyViolationException e = refusals.get(i);
      assertEquals(first.getClass(), e.getClass());
      assertEquals(first.getMessage(), e.getMessage());
      assertEquals(first.dataset(), e.dataset());
      assertEquals(first.owner(), e.owner());
      assertEquals(first.rule(), e.rule());
      assertNull(e.getCause());
      assertEquals(0, e.getSuppressed().length);
      assertEquals(events.get(0), events.get(i));
    }
  }
}
