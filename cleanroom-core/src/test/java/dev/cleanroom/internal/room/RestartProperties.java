package dev.cleanroom.internal.room;

import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.Schema;
import dev.cleanroom.SecretKey;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.query.Result;
import dev.cleanroom.source.InMemorySource;
import dev.cleanroom.spi.StateStore;
import dev.cleanroom.state.StateStores;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Difference checks decide the same with a restart in the middle as without one: a room restarted
 * with its state journal suppresses exactly the rows an uninterrupted room suppresses.
 */
class RestartProperties {
  private static final SecretKey KEY =
      SecretKey.of("restart-properties-key-0123456789".getBytes(UTF_8));
  private static final List<String> REGIONS = List.of("a", "b", "c");
  private static final List<String> TIERS = List.of("1", "2", "3");

  /** One query: the regions and tiers it keeps. */
  record Query(Set<String> regions, Set<String> tiers) {}

  /**
   * 30 people over the regions and tiers, fixed; tier 3 has two people, so differences of 1 abound.
   */
  private static InMemorySource data() {
    InMemorySource.Builder b =
        InMemorySource.builder(
            "people",
            Schema.of(Column.string("uid"), Column.string("region"), Column.string("tier")));
    for (int i = 0; i < 30; i++) {
      b.addRow("u" + i, REGIONS.get(i % 3), TIERS.get(i < 14 ? 0 : i < 28 ? 1 : 2));
    }
    return b.build();
  }

  private static final InMemorySource DATA = data();

  private static Dataset dataset() {
    return Dataset.builder("own", "people")
        .source(DATA)
        .userId("uid", UserIdFormat.RAW)
        .dimensions("region", "tier")
        .policy(Policy.builder().allowAnalysts("analyst").minDistinctUsers(3).build())
        .build();
  }

  private static CleanRoom room(StateStore state) {
    CleanRoom room =
        CleanRoom.builder().secretKey(KEY).auditSink(e -> {}).stateStore(state).build();
    room.register(dataset());
    return room;
  }

  private static String answer(CleanRoom room, Query q) {
    Result r =
        room.as("analyst")
            .from("own.people")
            .where(
                col("region")
                    .in(q.regions().toArray(String[]::new))
                    .and(col("tier").in(q.tiers().toArray(String[]::new))))
            .groupBy("region")
            .select(countDistinctUsers())
            .run();
    return r.rows().toString();
  }

  @Provide
  Arbitrary<List<Query>> queries() {
    Arbitrary<Set<String>> regions = Arbitraries.of(REGIONS).set().ofMinSize(1);
    Arbitrary<Set<String>> tiers = Arbitraries.of(TIERS).set().ofMinSize(1);
    return Combinators.combine(regions, tiers).as(Query::new).list().ofMinSize(2).ofMaxSize(8);
  }

  @Property(tries = 40)
  void restartInTheMiddle_suppressesExactlyAsAnUninterruptedRoom(
      @ForAll("queries") List<Query> queries, @ForAll @IntRange(min = 0, max = 8) int restartAt)
      throws IOException {
    List<String> uninterrupted = new ArrayList<>();
    try (CleanRoom room = room(StateStores.inMemory())) {
      for (Query q : queries) {
        uninterrupted.add(answer(room, q));
      }
    }
    Path dir = Files.createTempDirectory("restart-property");
    Path journal = dir.resolve("state.journal");
    List<String> restarted = new ArrayList<>();
    try {
      int cut = Math.min(restartAt, queries.size());
      try (CleanRoom room = room(StateStores.journal(journal))) {
        for (Query q : queries.subList(0, cut)) {
          restarted.add(answer(room, q));
        }
      }
      try (CleanRoom room = room(StateStores.journal(journal))) {
        for (Query q : queries.subList(cut, queries.size())) {
          restarted.add(answer(room, q));
        }
      }
    } finally {
      try (var files = Files.list(dir)) {
        files.forEach(
            f -> {
              try {
                Files.delete(f);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
      }
      Files.delete(dir);
    }
    assertEquals(uninterrupted, restarted);
  }
}
