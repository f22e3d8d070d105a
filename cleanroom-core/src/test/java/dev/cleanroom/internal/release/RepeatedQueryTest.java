package dev.cleanroom.internal.release;

import static dev.cleanroom.internal.release.DpTesting.ANALYST;
import static dev.cleanroom.internal.release.DpTesting.NOW;
import static dev.cleanroom.internal.release.DpTesting.assertAmount;
import static dev.cleanroom.internal.release.DpTesting.dataset;
import static dev.cleanroom.internal.release.DpTesting.ledger;
import static dev.cleanroom.internal.release.DpTesting.memory;
import static dev.cleanroom.internal.release.DpTesting.people;
import static dev.cleanroom.internal.release.DpTesting.sizes;
import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.sum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.BudgetExhaustedException;
import dev.cleanroom.BudgetPeriod;
import dev.cleanroom.CleanRoom;
import dev.cleanroom.Policy;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.internal.release.DpTesting.RecordingAudit;
import dev.cleanroom.internal.release.DpTesting.TestSource;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.Result;
import dev.cleanroom.spi.AuditEvent;
import dev.cleanroom.spi.BudgetStore;
import dev.cleanroom.spi.DataSource;
import java.time.Clock;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/**
 * Repeated differentially private queries: an identical query on unchanged sources gets the stored
 * answer of the first run, without a new charge or scan, so averaging repeats gains nothing; any
 * difference in the query, or a source without a version, makes a fresh, charged run.
 */
class RepeatedQueryTest {
  private static final String VISITS = "pub.visits";
  private static final String LEDGER = ledger(VISITS, "lifetime");
  private static final String OTHER = "other";

  private final BudgetStore store = memory();
  private final RecordingAudit audit = new RecordingAudit();
  private final CleanRoom room = DpTesting.room(store, Clock.fixed(NOW, ZoneOffset.UTC), audit);

  private TestSource register(TestSource source, double total) {
    Policy policy =
        Policy.builder()
            .allowAnalysts(ANALYST, OTHER)
            .minDistinctUsers(2)
            .differentialPrivacy(PrivacyBudget.epsilon(total), total)
            .budgetPeriod(BudgetPeriod.NONE)
            .build();
    room.register(dataset("pub", "visits", source, policy));
    return source;
  }

  private static DataSource data() {
    return people("visits", "u", sizes("DE", 40, "FR", 30));
  }

  private FinalStage query(String analyst, long literal, double epsilon) {
    return room.as(analyst)
        .from(VISITS)
        .where(col("day").ne(literal))
        .groupBy("country")
        .select(count(), sum("spend"))
        .epsilon(epsilon)
        .publicGroupValues("DE", "FR", "ES");
  }

  @Test
  void identicalQuery_onAnUnchangedSource_returnsTheStoredAnswer_withoutCharge() {
    TestSource source = register(TestSource.versioned(data()), 1.0);

    Result first = query(ANALYST, 0, 0.5).run();
    Result second = query(ANALYST, 0, 0.5).run();
    Result third = query(ANALYST, 0, 0.5).run();

    assertFalse(first.privacy().repeated());
    assertTrue(second.privacy().repeated());
    assertTrue(third.privacy().repeated());
    assertEquals(first.columns(), second.columns());
    assertEquals(first.rows(), second.rows());
    assertEquals(first.rows(), third.rows());
    assertEquals(first.queryId(), second.queryId());
    assertEquals(first.privacy().split(), second.privacy().split());
    // A repeated answer charges nothing and reports each ledger as it is now.
    assertAmount("0", second.privacy().ledgers().get(0).epsilonCharged());
    assertEquals(
        first.privacy().ledgers().get(0).epsilonRemaining(),
        second.privacy().ledgers().get(0).epsilonRemaining());
    assertAmount("0.5", second.privacy().epsilon());
    assertAmount("0.5", store.spent(LEDGER).epsilon());
    assertEquals(1, source.scans());
    assertEquals(3, audit.count(AuditEvent.Outcome.ACCEPTED));
    assertEquals(1, audit.events().stream().map(AuditEvent::fingerprint).distinct().count());
  }

  @Test
  void identicalQuery_isAnsweredEvenWhenTheBudgetIsSpent() {
    TestSource source = register(TestSource.versioned(data()), 0.5);
    Result first = query(ANALYST, 0, 0.5).run();
    assertThrows(BudgetExhaustedException.class, () -> query(ANALYST, 1, 0.5).run());

    Result again = query(ANALYST, 0, 0.5).run();

    assertTrue(again.privacy().repeated());
    assertEquals(first.rows(), again.rows());
    assertAmount("0.5", store.spent(LEDGER).epsilon());
    assertEquals(1, source.scans());
  }

  @Test
  void differentLiteral_isChargedAndScannedAgain() {
    TestSource source = register(TestSource.versioned(data()), 1.0);

    query(ANALYST, 0, 0.5).run();
    Result other = query(ANALYST, 1, 0.5).run();

    assertFalse(other.privacy().repeated());
    assertAmount("1.0", store.spent(LEDGER).epsilon());
    assertEquals(2, source.scans());
  }

  @Test
  void sameQuery_byAnotherAnalyst_isChargedToTheirOwnLedger() {
    TestSource source = register(TestSource.versioned(data()), 1.0);

    query(ANALYST, 0, 0.5).run();
    Result theirs = query(OTHER, 0, 0.5).run();

    assertFalse(theirs.privacy().repeated());
    assertEquals(VISITS + "/" + OTHER + "/lifetime", theirs.privacy().ledgers().get(0).ledger());
    assertAmount("0.5", store.spent(LEDGER).epsilon());
    assertAmount("0.5", store.spent(VISITS + "/" + OTHER + "/lifetime").epsilon());
    assertEquals(2, source.scans());
  }

  @Test
  void sourceWithoutVersion_isChargedAndScannedEveryTime() {
    TestSource source = register(TestSource.unversioned(data()), 1.0);

    for (int i = 1; i <= 4; i++) {
      Result r = query(ANALYST, 0, 0.25).run();
      assertFalse(r.privacy().repeated(), "run " + i);
      assertAmount(String.valueOf(0.25 * i), store.spent(LEDGER).epsilon());
      assertEquals(i, source.scans());
    }
    assertThrows(BudgetExhaustedException.class, () -> query(ANALYST, 0, 0.25).run());
    assertEquals(4, source.scans());
  }
}
