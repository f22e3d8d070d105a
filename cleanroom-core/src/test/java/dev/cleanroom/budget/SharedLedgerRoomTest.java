package dev.cleanroom.budget;

import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.BudgetBalance;
import dev.cleanroom.BudgetExhaustedException;
import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.Schema;
import dev.cleanroom.SecretKey;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.audit.AuditTrails;
import dev.cleanroom.query.Result;
import dev.cleanroom.source.CsvSource;
import dev.cleanroom.spi.AuditEvent;
import dev.cleanroom.spi.AuditTrail;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Two rooms with the same key, as two hosts would run them, share one ledger and one audit chain in
 * a database: each sees the other's spending and top-ups, and their records form one chain.
 */
class SharedLedgerRoomTest {
  private static final SecretKey KEY =
      SecretKey.of("shared-ledger-key-0123456789abcdef".getBytes(UTF_8));
  private static final Schema SCHEMA = Schema.of(Column.string("uid"), Column.string("region"));

  @TempDir Path dir;

  private CleanRoom room(SharedDatabase db) throws Exception {
    CleanRoom room = host(db);
    register(room, "pub", "visits");
    return room;
  }

  /** A room over the shared ledger and chain, as one host runs it, without datasets. */
  private static CleanRoom host(SharedDatabase db) {
    return CleanRoom.builder()
        .secretKey(KEY)
        .budgetStore(BudgetStores.jdbc(db.dataSource()))
        .auditSink(AuditTrails.jdbc(db.dataSource()))
        .build();
  }

  /** Registers the visits file as {@code owner.name}. */
  private void register(CleanRoom room, String owner, String name) throws Exception {
    Path csv = dir.resolve("visits.csv");
    if (!Files.exists(csv)) {
      StringBuilder b = new StringBuilder("uid,region\n");
      for (int i = 0; i < 40; i++) {
        b.append("p").append(i).append(i % 2 == 0 ? ",east\n" : ",west\n");
      }
      Files.writeString(csv, b.toString());
    }
    room.register(
        Dataset.builder(owner, name)
            .source(CsvSource.of(csv, SCHEMA))
            .userId("uid", UserIdFormat.RAW)
            .dimension("region")
            .policy(
                Policy.builder()
                    .allowAnalysts("analyst")
                    .minDistinctUsers(5)
                    .differentialPrivacy(PrivacyBudget.epsilon(2), 2.0)
                    .build())
            .build());
  }

  private static Result count(CleanRoom room, double epsilon) {
    return count(room, "pub.visits", epsilon);
  }

  private static Result count(CleanRoom room, String dataset, double epsilon) {
    return room.as("analyst").from(dataset).select(countDistinctUsers()).epsilon(epsilon).run();
  }

  private static BigDecimal spent(CleanRoom room) {
    BudgetBalance b = room.budgets("analyst").get(0);
    return b.spent();
  }

  @ParameterizedTest
  @EnumSource(SharedDatabase.Kind.class)
  void twoRoomsOnOneLedger_seeEachOthersSpending_andWriteOneChain(SharedDatabase.Kind kind)
      throws Exception {
    try (SharedDatabase db = kind.open();
        CleanRoom first = room(db);
        CleanRoom second = room(db)) {
      Result a = count(first, 1.5);
      assertEquals(0, new BigDecimal("1.5").compareTo(spent(second)));
      // 1.5 of 2 spent through the first room: the second may not spend 1 more.
      assertThrows(BudgetExhaustedException.class, () -> count(second, 1));
      Result b = count(second, 0.5);
      assertEquals(0, new BigDecimal("2.0").compareTo(spent(first)));
      assertThrows(BudgetExhaustedException.class, () -> count(first, 0.1));
      // A top-up granted through one room counts in the other.
      second.grantTopUp("pub.visits", "analyst", PrivacyBudget.epsilon(1));
      Result c = count(first, 1);
      assertEquals(0, BigDecimal.ZERO.compareTo(first.budgets("analyst").get(0).left()));

      try (AuditTrail trail = AuditTrails.jdbc(db.dataSource())) {
        AuditTrail.Verification v = trail.verify();
        assertTrue(v.ok(), v::toString);
        List<AuditEvent> events = trail.records().stream().map(r -> r.event()).toList();
        Set<String> queryIds = events.stream().map(AuditEvent::queryId).collect(Collectors.toSet());
        assertTrue(queryIds.containsAll(List.of(a.queryId(), b.queryId(), c.queryId())));
        assertEquals(
            2,
            events.stream().filter(e -> e.outcome() == AuditEvent.Outcome.REFUSED).count(),
            events::toString);
        AuditTrail.Charged charged = trail.epsilonCharged("pub").get(0);
        assertEquals(0, new BigDecimal("3.0").compareTo(charged.epsilon()));
        assertEquals(3, charged.queries());
      }
    }
  }

  // Principle: a budget belongs to the data, not to the name it was registered under.
  @ParameterizedTest
  @EnumSource(SharedDatabase.Kind.class)
  void oneFileUnderTwoNamesOnTwoHosts_hasOneBudgetAndOneOwner(SharedDatabase.Kind kind)
      throws Exception {
    try (SharedDatabase db = kind.open();
        CleanRoom first = host(db);
        CleanRoom second = host(db);
        CleanRoom third = host(db)) {
      register(first, "pub", "visits");
      register(second, "pub", "visits_renamed");
      count(first, 1.5);
      // The second host's name for the file charges the ledger of the first one's.
      assertThrows(BudgetExhaustedException.class, () -> count(second, "pub.visits_renamed", 1));
      count(second, "pub.visits_renamed", 0.5);
      BudgetBalance b = second.budgets("analyst").get(0);
      assertEquals("pub.visits_renamed", b.dataset());
      assertEquals("pub.visits/analyst/lifetime", b.ledger());
      assertEquals(0, new BigDecimal("2.0").compareTo(b.spent()));
      // Another owner on a third host cannot register the file.
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> register(third, "adv", "visits"));
      assertTrue(e.getMessage().contains("registered by another owner"), e.getMessage());
    }
  }
}
