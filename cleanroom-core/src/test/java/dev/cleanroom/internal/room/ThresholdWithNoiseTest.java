package dev.cleanroom.internal.room;

import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.sum;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.query.Result;
import dev.cleanroom.source.InMemorySource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ThresholdWithNoiseTest {
  public record Row(String email, String country, double spend) {}

  @Test
  void analystChosenEpsilon_onThresholdOnlyDataset_releasesAGroupOfOne() {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      rows.add(new Row("p" + i + "@example.com", "DE", 10));
    }
    rows.add(new Row("target@example.com", "XX", 73.5)); // the only person in XX
    CleanRoom room = CleanRoom.builder().auditSink(e -> {}).build();
    room.register(
        Dataset.builder("pub", "people")
            .source(InMemorySource.ofRecords("people", Row.class, rows))
            .userId("email", UserIdFormat.EMAIL)
            .dimension("country")
            .metric("spend", 0, 100)
            .policy(Policy.builder().allowAnalysts("analyst").minDistinctUsers(20).build())
            .build());
    Result grouped =
        room.as("analyst")
            .from("pub.people")
            .groupBy("country")
            .select(countDistinctUsers(), sum("spend"))
            .epsilon(50)
            .publicGroupValues("XX")
            .run();

    Result total =
        room.as("analyst")
            .from("pub.people")
            .where(col("country").eq("XX"))
            .select(countDistinctUsers(), sum("spend"))
            .epsilon(50)
            .run();

    // k = 20, and the group holds one person: nothing may be released.
    assertEquals(0, total.size());
    assertEquals(0, grouped.size());
  }
}
