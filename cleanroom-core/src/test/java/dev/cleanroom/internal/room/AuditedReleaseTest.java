package dev.cleanroom.internal.room;

import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.BudgetPeriod;
import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.Schema;
import dev.cleanroom.SecretKey;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.budget.BudgetStores;
import dev.cleanroom.query.Result;
import dev.cleanroom.source.InMemorySource;
import dev.cleanroom.spi.AuditEvent;
import dev.cleanroom.spi.BudgetStore;
import dev.cleanroom.spi.LedgerCharge;
import dev.cleanroom.spi.StateRecord;
import dev.cleanroom.spi.StateStore;
import dev.cleanroom.state.StateStores;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing leaves unaudited, and every run is audited once and truly: a cohort's ids reach the
 * receiver only after its ACCEPTED event is written; a charge the budget store fails is audited
 * FAILED for a cohort as for a query; a DP answer the state store fails to keep is audited FAILED
 * with its charge, not ACCEPTED; and a journal state store keeps a release of 140,000 people (its
 * records were capped at 1 MiB, about 98,000 people).
 */
class AuditedReleaseTest {
  private static final SecretKey KEY =
      SecretKey.of("audited-release-key-0123456789ab".getBytes(UTF_8));
  private static final Schema SCHEMA = Schema.of(Column.string("uid"), Column.string("region"));

  @TempDir Path dir;

  private static Dataset visits(int people, Policy.Builder policy) {
    InMemorySource.Builder b = InMemorySource.builder("visits", SCHEMA);
    for (int i = 0; i < people; i++) {
      b.addRow("p" + i, i % 2 == 0 ? "east" : "west");
    }
    return Dataset.builder("pub", "visits")
        .source(b.build())
        .userId("uid", UserIdFormat.RAW)
        .dimension("region")
        .policy(policy.build())
        .build();
  }

  private static Policy.Builder cohorts() {
    return Policy.builder()
        .allowAnalysts("adv")
        .minDistinctUsers(5)
        .allowCohortRelease("pub")
        .minCohortSize(2)
        .maxQueries(100, BudgetPeriod.NONE);
  }

  @Test
  void aCohortWhoseAuditRecordFails_releasesNoId() {
    List<Set<String>> received = Collections.synchronizedList(new ArrayList<>());
    CleanRoom room =
        CleanRoom.builder()
            .secretKey(KEY)
            .auditSink(
                e -> {
                  if (e.outcome() == AuditEvent.Outcome.ACCEPTED) {
                    throw new IllegalStateException("the audit disk is full");
                  }
                })
            .build();
    room.register(visits(40, cohorts()));
    room.registerCohortSink("pub", (a, ids) -> received.add(ids));
    assertThrows(
        RuntimeException.class,
        () ->
            room.as("adv")
                .from("pub.visits")
                .where(col("region").eq("east"))
                .cohort()
                .activateFor("pub"));
    assertEquals(List.of(), received);
  }

  /** A budget store whose charge fails, as a database gone away. */
  private static final class FailingCharges implements BudgetStore {
    private final BudgetStore inner = BudgetStores.inMemory();

    @Override
    public List<LedgerCharge.Spent> charge(List<LedgerCharge> charges) {
      throw new UncheckedIOException(new IOException("the database is gone"));
    }

    @Override
    public LedgerCharge.Spent spent(String ledger) {
      return inner.spent(ledger);
    }

    @Override
    public String bind(String key, String value) {
      return inner.bind(key, value);
    }

    @Override
    public void close() {
      inner.close();
    }
  }

  @Test
  void aChargeTheBudgetStoreFails_isAuditedOnce_forACohortAsForAQuery() {
    List<AuditEvent> events = Collections.synchronizedList(new ArrayList<>());
    CleanRoom room =
        CleanRoom.builder()
            .secretKey(KEY)
            .auditSink(events::add)
            .budgetStore(new FailingCharges())
            .build();
    room.register(visits(40, cohorts()));
    room.registerCohortSink("pub", (a, ids) -> {});
    assertThrows(
        UncheckedIOException.class,
        () -> room.as("adv").from("pub.visits").select(countDistinctUsers()).run());
    assertThrows(
        UncheckedIOException.class,
        () ->
            room.as("adv")
                .from("pub.visits")
                .where(col("region").eq("east"))
                .cohort()
                .activateFor("pub"));
    assertEquals(2, events.size(), events::toString);
    for (AuditEvent e : events) {
      assertEquals(AuditEvent.Outcome.FAILED, e.outcome());
      assertEquals("the charge failed (UncheckedIOException)", e.reason());
    }
  }

  /** A state store that fails to keep stored answers. */
  private static final class NoAnswers implements StateStore {
    private final StateStore inner = StateStores.inMemory();

    @Override
    public void append(StateRecord record) {
      if (record.kind().equals("answer")) {
        throw new UncheckedIOException(new IOException("the disk is full"));
      }
      inner.append(record);
    }

    @Override
    public List<StateRecord> records() {
      return inner.records();
    }

    @Override
    public void close() {
      inner.close();
    }
  }

  @Test
  void aDpAnswerTheStateStoreFailsToKeep_isAuditedFailed_withItsCharge() {
    List<AuditEvent> events = Collections.synchronizedList(new ArrayList<>());
    CleanRoom room =
        CleanRoom.builder()
            .secretKey(KEY)
            .auditSink(events::add)
            .stateStore(new NoAnswers())
            .build();
    room.register(
        visits(
            40,
            Policy.builder()
                .allowAnalysts("adv")
                .minDistinctUsers(5)
                .differentialPrivacy(PrivacyBudget.epsilon(3), 1.0)));
    assertThrows(
        RuntimeException.class,
        () ->
            room.as("adv")
                .from("pub.visits")
                .groupBy("region")
                .select(countDistinctUsers())
                .epsilon(1)
                .publicGroupValues("east", "west")
                .run());
    assertEquals(1, events.size(), events::toString);
    assertEquals(AuditEvent.Outcome.FAILED, events.get(0).outcome());
    assertFalse(events.get(0).charges().isEmpty(), "the charge stands and is audited");
  }

  @Test
  void aJournalStateStore_keepsAThresholdReleaseOf140000People() {
    try (CleanRoom room =
        CleanRoom.builder()
            .secretKey(KEY)
            .auditSink(e -> {})
            .stateStore(StateStores.journal(dir.resolve("state.journal")))
            .build()) {
      room.register(visits(140_000, Policy.builder().allowAnalysts("adv").minDistinctUsers(5)));
      Result r = room.as("adv").from("pub.visits").select(countDistinctUsers()).run();
      assertEquals(1, r.size());
      assertTrue(r.rows().get(0).values().contains(140_000L), r.rows()::toString);
    }
  }
}
