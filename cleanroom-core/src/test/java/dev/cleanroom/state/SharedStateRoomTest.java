package dev.cleanroom.state;

import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.param;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.Dataset;
import dev.cleanroom.InvalidQueryException;
import dev.cleanroom.Param;
import dev.cleanroom.Policy;
import dev.cleanroom.QueryTemplate;
import dev.cleanroom.Schema;
import dev.cleanroom.SecretKey;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.budget.BudgetStores;
import dev.cleanroom.budget.SharedDatabase;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.QuerySpec;
import dev.cleanroom.query.Result;
import dev.cleanroom.source.CsvSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Rooms on several hosts that share one state store ({@link StateStores#jdbc}) check each threshold
 * release against the rows that every host released: a differencing attack split across hosts is
 * stopped as it is within one room, also when the two queries run at the same instant.
 */
class SharedStateRoomTest {
  // Principle: a data owner's guarantee never depends on what the analyst asks, or where.
  private static final SecretKey KEY =
      SecretKey.of("shared-state-key-0123456789abcdef".getBytes(UTF_8));
  private static final Schema SCHEMA = Schema.of(Column.string("uid"), Column.string("region"));
  private static final int ANALYSTS = 12;

  @TempDir Path dir;

  /** A host's room over the shared stores, with the visits file: p0 alone in "east". */
  private CleanRoom host(SharedDatabase db) throws Exception {
    Path csv = dir.resolve("visits.csv");
    if (!Files.exists(csv)) {
      StringBuilder b = new StringBuilder("uid,region\n");
      for (int i = 0; i < 40; i++) {
        b.append("p").append(i).append(i == 0 ? ",east\n" : ",west\n");
      }
      Files.writeString(csv, b.toString());
    }
    CleanRoom room =
        CleanRoom.builder()
            .secretKey(KEY)
            .budgetStore(BudgetStores.jdbc(db.dataSource()))
            .stateStore(StateStores.jdbc(db.dataSource()))
            .auditSink(e -> {})
            .build();
    room.register(
        Dataset.builder("pub", "visits")
            .source(CsvSource.of(csv, SCHEMA))
            .userId("uid", UserIdFormat.RAW)
            .dimension("region")
            .policy(policy(5))
            .build());
    return room;
  }

  /** Everyone: 40 people. */
  private static FinalStage everyone(CleanRoom room, String analyst) {
    return room.as(analyst).from("pub.visits").select(countDistinctUsers());
  }

  /** Everyone but p0: 39 people, one fewer than {@link #everyone}. */
  private static FinalStage allButOne(CleanRoom room, String analyst) {
    return room.as(analyst)
        .from("pub.visits")
        .where(col("region").eq("west"))
        .select(countDistinctUsers());
  }

  @ParameterizedTest
  @EnumSource(SharedDatabase.Kind.class)
  void differencingAcrossTwoHosts_isSuppressed(SharedDatabase.Kind kind) throws Exception {
    try (SharedDatabase db = kind.open();
        CleanRoom first = host(db);
        CleanRoom second = host(db)) {
      assertEquals(1, everyone(first, "a0").run().size());
      Result complement = allButOne(second, "a0").run();
      assertEquals(0, complement.size(), complement::toString);
      // The other way round, and for another analyst, whose releases are its own.
      assertEquals(1, allButOne(second, "a1").run().size());
      assertEquals(0, everyone(first, "a1").run().size());
      // A host started later knows every earlier release.
      try (CleanRoom third = host(db)) {
        assertEquals(0, everyone(third, "a1").run().size());
        assertEquals(1, everyone(third, "a2").run().size());
      }
      assertEquals(0, allButOne(first, "a2").run().size());
    }
  }

  @ParameterizedTest
  @EnumSource(SharedDatabase.Kind.class)
  void differencingQueriesRacingOnTwoHosts_releaseOneOfThePairAtMost(SharedDatabase.Kind kind)
      throws Exception {
    try (SharedDatabase db = kind.open();
        CleanRoom first = host(db);
        CleanRoom second = host(db)) {
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        for (int i = 0; i < ANALYSTS; i++) {
          String analyst = "a" + i;
          CyclicBarrier start = new CyclicBarrier(2);
          List<Callable<Integer>> pair = new ArrayList<>();
          pair.add(
              () -> {
                start.await(30, TimeUnit.SECONDS);
                return everyone(first, analyst).run().size();
              });
          pair.add(
              () -> {
                start.await(30, TimeUnit.SECONDS);
                return allButOne(second, analyst).run().size();
              });
          int released = 0;
          for (Future<Integer> f : pool.invokeAll(pair, 120, TimeUnit.SECONDS)) {
            released += f.get();
          }
          assertEquals(1, released, "analyst " + analyst + ": exactly one of the pair");
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @ParameterizedTest
  @EnumSource(SharedDatabase.Kind.class)
  void templateRegisteredAndApprovedOnOneHost_runsOnAnother(SharedDatabase.Kind kind)
      throws Exception {
    try (SharedDatabase db = kind.open();
        CleanRoom first = host(db);
        CleanRoom second = host(db)) {
      QuerySpec query =
          first
              .as("a3")
              .from("pub.visits")
              .where(col("region").eq(param("region")))
              .select(countDistinctUsers())
              .spec();
      QueryTemplate t =
          QueryTemplate.of("by_region", query, Param.textParam("region", Set.of("east", "west")));
      first.registerTemplate(t);
      first.approveTemplate("pub", t.id(), t.contentHash());
      Result west = second.as("a3").template("by_region").with("region", "west").run();
      assertEquals(1, west.size());
    }
  }

  /** The visits dataset's policy with k = {@code k}. */
  private static Policy policy(int k) {
    String[] analysts = new String[ANALYSTS];
    for (int i = 0; i < ANALYSTS; i++) {
      analysts[i] = "a" + i;
    }
    return Policy.builder().allowAnalysts(analysts).minDistinctUsers(k).build();
  }

  // Principle: a data owner's guarantee never depends on what the analyst asks, or where.
  @ParameterizedTest
  @EnumSource(SharedDatabase.Kind.class)
  void policyTightenedOrDatasetRetiredOnOneHost_holdsOnEveryHost(SharedDatabase.Kind kind)
      throws Exception {
    try (SharedDatabase db = kind.open();
        CleanRoom first = host(db);
        CleanRoom second = host(db)) {
      assertEquals(1, everyone(second, "a4").run().size());
      // The owner raises k above the 40 visitors through the first host.
      first.tightenPolicy("pub.visits", policy(45));
      assertEquals(0, everyone(second, "a5").run().size());
      assertEquals(
          first.version("pub.visits").policyHash(), second.version("pub.visits").policyHash());
      // A host started later registers the original policy and gets the tightened one.
      try (CleanRoom third = host(db)) {
        assertEquals(
            first.version("pub.visits").policyHash(), third.version("pub.visits").policyHash());
        assertEquals(0, everyone(third, "a6").run().size());
        // Only an explicit loosening loosens it, on every host.
        third.loosenPolicy("pub.visits", policy(5));
        assertEquals(1, everyone(first, "a7").run().size());
      }
      first.retire("pub.visits");
      assertThrows(InvalidQueryException.class, () -> everyone(second, "a8").run());
      assertEquals(Set.of(), second.datasets());
    }
  }
}
