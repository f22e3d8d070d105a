package dev.cleanroom.internal.room;

import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.Dataset;
import dev.cleanroom.InvalidQueryException;
import dev.cleanroom.Policy;
import dev.cleanroom.Schema;
import dev.cleanroom.query.Result;
import dev.cleanroom.query.ResultColumn;
import dev.cleanroom.source.InMemorySource;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Regression tests for engine bugs found in review. */
class EngineRegressionTest {
  /** Six people; country DE for three, FR for three; score 0.0 or -0.0 alternately. */
  private static Dataset events(String owner) {
    InMemorySource.Builder b =
        InMemorySource.builder(
            "events",
            Schema.of(Column.string("uid"), Column.string("country"), Column.float64("score")));
    for (int i = 0; i < 6; i++) {
      b.addRow("p" + i, i < 3 ? "DE" : "FR", i % 2 == 0 ? 0.0 : -0.0);
    }
    return Dataset.builder(owner, "events")
        .source(b.build())
        .userId("uid")
        .dimensions("country", "score")
        .policy(
            Policy.builder()
                .allowAnalysts("a")
                .allowJoinOn("uid")
                .minDistinctUsers(2)
                .maxGroupsPerUser(5)
                .build())
        .build();
  }

  private static CleanRoom room() {
    CleanRoom room = CleanRoom.builder().auditSink(e -> {}).build();
    room.register(events("p"));
    room.register(events("q"));
    return room;
  }

  @Test
  void doubleDimension_negativeZero_isTheSameGroupAndMatchesEqZero() {
    CleanRoom room = room();
    Result grouped =
        room.as("a").from("p.events").groupBy("score").select(countDistinctUsers()).run();
    assertEquals(1, grouped.size(), grouped.toString());
    Result filtered =
        room.as("a")
            .from("p.events")
            .where(col("score").eq(0.0))
            .select(countDistinctUsers())
            .run();
    assertEquals(6L, filtered.rows().get(0).getLong("distinct_users"));
  }

  @Test
  void groupColumns_ofDatasetsWithTheSameName_getDistinctNames() {
    Result r =
        room()
            .as("a")
            .from("p.events")
            .join("q.events")
            .onUserId()
            .groupBy("p.events.country", "q.events.country")
            .select(countDistinctUsers())
            .run();
    List<String> names = r.columns().stream().map(ResultColumn::name).toList();
    assertEquals(List.of("p_events_country", "q_events_country", "distinct_users"), names);
  }

  @Test
  void groupingTheSameColumnTwice_isInvalid() {
    assertThrows(
        InvalidQueryException.class,
        () ->
            room()
                .as("a")
                .from("p.events")
                .groupBy("country", "events.country")
                .select(countDistinctUsers())
                .run());
  }
}
