package dev.cleanroom.internal.room;

import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.Dataset;
import dev.cleanroom.Param;
import dev.cleanroom.Policy;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.QueryTemplate;
import dev.cleanroom.Schema;
import dev.cleanroom.SecretKey;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.budget.BudgetStores;
import dev.cleanroom.query.QuerySpec;
import dev.cleanroom.query.Result;
import dev.cleanroom.source.CsvSource;
import dev.cleanroom.spi.StateStore;
import dev.cleanroom.state.StateStores;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A room restarted with every store on disk keeps its templates, approvals, stored answers and the
 * history of difference checks: a differencing attack split across the restart is still stopped.
 */
class RestartTest {
  private static final SecretKey KEY =
      SecretKey.of("restart-test-key-0123456789abcdef".getBytes(UTF_8));
  private static final Schema SCHEMA = Schema.of(Column.string("uid"), Column.string("region"));

  @TempDir Path dir;

  /** Ten people in the east and one in the west. */
  private Path csv() throws Exception {
    Path file = dir.resolve("visits.csv");
    if (!Files.exists(file)) {
      StringBuilder b = new StringBuilder("uid,region\n");
      for (int i = 0; i < 10; i++) {
        b.append("p").append(i).append(",east\n");
      }
      b.append("w0,west\n");
      Files.writeString(file, b.toString());
    }
    return file;
  }

  private Dataset dataset(boolean dp) throws Exception {
    Policy.Builder p = Policy.builder().allowAnalysts("analyst").minDistinctUsers(5);
    if (dp) {
      p.differentialPrivacy(PrivacyBudget.epsilon(10), 1.0);
    }
    return Dataset.builder("pub", dp ? "dpvisits" : "visits")
        .source(CsvSource.of(csv(), SCHEMA))
        .userId("uid", UserIdFormat.RAW)
        .dimension("region")
        .policy(p.build())
        .build();
  }

  /** Runs {@code session} on a room over the journals in {@link #dir}, then closes it. */
  private void session(boolean durableState, Consumer<CleanRoom> session) throws Exception {
    StateStore state =
        durableState ? StateStores.journal(dir.resolve("state.journal")) : StateStores.inMemory();
    try (CleanRoom room =
        CleanRoom.builder()
            .secretKey(KEY)
            .auditSink(e -> {})
            .budgetStore(BudgetStores.journal(dir.resolve("budget.journal")))
            .stateStore(state)
            .build()) {
      room.register(dataset(false));
      room.register(dataset(true));
      session.accept(room);
    }
  }

  private static Result all(CleanRoom room) {
    return room.as("analyst").from("pub.visits").select(countDistinctUsers()).run();
  }

  private static Result east(CleanRoom room) {
    return room.as("analyst")
        .from("pub.visits")
        .where(col("region").eq("east"))
        .select(countDistinctUsers())
        .run();
  }

  @Test
  void differencingAttackSplitAcrossARestart_isStillStopped() throws Exception {
    session(true, room -> assertEquals(11, all(room).rows().get(0).getLong("distinct_users")));
    // The east-only count differs from the released total by one person: suppressed.
    session(true, room -> assertEquals(0, east(room).size()));
  }

  @Test
  void withoutADurableStateStore_theSameAttackSucceeds_soTheTestAboveCanFail() throws Exception {
    session(false, room -> assertEquals(1, all(room).size()));
    session(false, room -> assertEquals(1, east(room).size()));
  }

  @Test
  void templatesApprovalsAndStoredAnswers_surviveARestart() throws Exception {
    Result[] first = new Result[1];
    session(
        true,
        room -> {
          QuerySpec q =
              room.as("analyst")
                  .from("pub.visits")
                  .where(col("region").eq(dev.cleanroom.query.Dsl.param("region")))
                  .select(countDistinctUsers())
                  .spec();
          QueryTemplate t =
              QueryTemplate.of("by_region", q, Param.textParam("region", Set.of("east", "west")));
          room.registerTemplate(t);
          room.approveTemplate("pub", t.id(), t.contentHash());
          first[0] =
              room.as("analyst").from("pub.dpvisits").select(countDistinctUsers()).epsilon(1).run();
        });
    session(
        true,
        room -> {
          assertTrue(room.template("by_region").isPresent());
          // Approved before the restart: it runs without a new approval.
          Result r = room.as("analyst").template("by_region").with("region", "east").run();
          assertEquals(10, r.rows().get(0).getLong("distinct_users"));
          Result again =
              room.as("analyst").from("pub.dpvisits").select(countDistinctUsers()).epsilon(1).run();
          assertTrue(again.privacy().repeated());
          assertEquals(first[0].rows(), again.rows());
          assertEquals(first[0].queryId(), again.queryId());
          // Nothing charged the second time: 1 of 10 spent.
          assertEquals(0, new BigDecimal(9).compareTo(room.budgets("analyst").get(0).left()));
        });
  }
}
