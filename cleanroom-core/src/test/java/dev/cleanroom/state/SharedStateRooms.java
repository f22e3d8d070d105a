package dev.cleanroom.state;

import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static java.nio.charset.StandardCharsets.UTF_8;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.Schema;
import dev.cleanroom.SecretKey;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.budget.BudgetStores;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.source.CsvSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.sql.DataSource;

/**
 * The rooms of the shared-state tests, as each host builds them: the same key, budget and state
 * stores in one database, and the visits file, where p0 alone is in "east".
 */
final class SharedStateRooms {
  static final SecretKey KEY = SecretKey.of("shared-state-key-0123456789abcdef".getBytes(UTF_8));
  static final Schema SCHEMA = Schema.of(Column.string("uid"), Column.string("region"));

  /** The analysts a0 .. a{ANALYSTS - 1}, each allowed on the visits. */
  static final int ANALYSTS = 12;

  private SharedStateRooms() {}

  /** Writes the visits file into {@code dir} unless it is there: 40 people, p0 alone in "east". */
  static Path visits(Path dir) throws IOException {
    Path csv = dir.resolve("visits.csv");
    if (!Files.exists(csv)) {
      StringBuilder b = new StringBuilder("uid,region\n");
      for (int i = 0; i < 40; i++) {
        b.append("p").append(i).append(i == 0 ? ",east\n" : ",west\n");
      }
      Files.writeString(csv, b.toString());
    }
    return csv;
  }

  /** A host's room over the stores in {@code db}, with the visits of {@code csv} at k = 5. */
  static CleanRoom host(DataSource db, Path csv) {
    return host(db, csv, policy(5));
  }

  /**
   * A host's room over the stores in {@code db}, with the visits of {@code csv} under {@code p}.
   */
  static CleanRoom host(DataSource db, Path csv, Policy p) {
    CleanRoom room =
        CleanRoom.builder()
            .secretKey(KEY)
            .budgetStore(BudgetStores.jdbc(db))
            .stateStore(StateStores.jdbc(db))
            .auditSink(e -> {})
            .build();
    room.register(
        Dataset.builder("pub", "visits")
            .source(CsvSource.of(csv, SCHEMA))
            .userId("uid", UserIdFormat.RAW)
            .dimension("region")
            .policy(p)
            .build());
    return room;
  }

  /** The visits dataset's policy with k = {@code k}. */
  static Policy policy(int k) {
    String[] analysts = new String[ANALYSTS];
    for (int i = 0; i < ANALYSTS; i++) {
      analysts[i] = "a" + i;
    }
    return Policy.builder().allowAnalysts(analysts).minDistinctUsers(k).build();
  }

  /** Everyone: 40 people. */
  static FinalStage everyone(CleanRoom room, String analyst) {
    return room.as(analyst).from("pub.visits").select(countDistinctUsers());
  }

  /** Everyone but p0: 39 people, one fewer than {@link #everyone}. */
  static FinalStage allButOne(CleanRoom room, String analyst) {
    return room.as(analyst)
        .from("pub.visits")
        .where(col("region").eq("west"))
        .select(countDistinctUsers());
  }
}
