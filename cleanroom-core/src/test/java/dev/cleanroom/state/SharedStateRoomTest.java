package dev.cleanroom.state;

import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.param;
import static dev.cleanroom.state.SharedStateRooms.ANALYSTS;
import static dev.cleanroom.state.SharedStateRooms.allButOne;
import static dev.cleanroom.state.SharedStateRooms.everyone;
import static dev.cleanroom.state.SharedStateRooms.policy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.InvalidQueryException;
import dev.cleanroom.Param;
import dev.cleanroom.Policy;
import dev.cleanroom.PolicyViolationException;
import dev.cleanroom.QueryTemplate;
import dev.cleanroom.budget.SharedDatabase;
import dev.cleanroom.query.QuerySpec;
import dev.cleanroom.query.Result;
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
  @TempDir Path dir;

  private CleanRoom host(SharedDatabase db) throws Exception {
    return SharedStateRooms.host(db.dataSource(), SharedStateRooms.visits(dir));
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

  // Principle: explain() says exactly what will run, on every host; and a data owner's guarantee
  // never depends on which call the analyst makes there.
  @ParameterizedTest
  @EnumSource(SharedDatabase.Kind.class)
  void policyTightenedOnOneHost_holdsForExplainSubmitAndActivateOnAnother(SharedDatabase.Kind kind)
      throws Exception {
    Path csv = SharedStateRooms.visits(dir);
    // The owner analyses its own visits and receives cohorts of them.
    Policy cohorts =
        Policy.builder()
            .allowAnalysts("pub")
            .minDistinctUsers(5)
            .minCohortSize(10)
            .allowCohortRelease("pub")
            .build();
    try (SharedDatabase db = kind.open();
        CleanRoom first = SharedStateRooms.host(db.dataSource(), csv, cohorts);
        CleanRoom second = SharedStateRooms.host(db.dataSource(), csv, cohorts)) {
      List<Result> delivered = new ArrayList<>();
      second.registerResultSink("pub", delivered::add);
      List<Integer> activated = new ArrayList<>();
      second.registerCohortSink("pub", (activation, ids) -> activated.add(ids.size()));
      assertEquals(5, everyone(second, "pub").explain().minDistinctUsers());
      second.as("pub").from("pub.visits").cohort().activateFor("pub");
      assertEquals(List.of(40), activated);
      // Through the first host the owner raises k above the 40 visitors and stops cohorts.
      first.tightenPolicy(
          "pub.visits",
          Policy.builder().allowAnalysts("pub").minDistinctUsers(45).minCohortSize(10).build());
      assertEquals(45, everyone(second, "pub").explain().minDistinctUsers());
      everyone(second, "pub").submit("pub");
      assertEquals(1, delivered.size());
      assertEquals(0, delivered.get(0).size());
      assertThrows(
          PolicyViolationException.class,
          () -> second.as("pub").from("pub.visits").cohort().activateFor("pub"));
      assertEquals(List.of(40), activated);
    }
  }
}
