package dev.cleanroom.internal.execution;

import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.sum;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.Schema;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.dp.KeyedRank;
import dev.cleanroom.internal.room.Room;
import dev.cleanroom.jdbc.JdbcSource;
import dev.cleanroom.query.Result;
import dev.cleanroom.spi.DataSource;
import dev.cleanroom.spi.Scan;
import dev.cleanroom.spi.ScanRequest;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.HexFormat;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

/**
 * With the same salt, the database and the in-memory engine choose the same L0 groups for each
 * person, so pushed-down and streamed results are identical even when L0 binds.
 */
class PushdownRankTest {
  private static DataSource streamed(JdbcSource s) {
    return new DataSource() {
      @Override
      public String name() {
        return s.name();
      }

      @Override
      public Schema schema() {
        return s.schema();
      }

      @Override
      public Scan scan(ScanRequest request) {
        return s.scan(request);
      }
    };
  }

  private static CleanRoom room(DataSource source, byte[] salt) {
    Room room = (Room) CleanRoom.builder().auditSink(e -> {}).build();
    room.useRanksForTesting(() -> KeyedRank.forTestingWithSalt(salt));
    room.register(
        Dataset.builder("pub", "visits")
            .source(source)
            .userId("UID", UserIdFormat.PSEUDONYMIZED)
            .dimensions("CAMPAIGN", "COUNTRY")
            .metric("SPEND", 0, 10)
            .policy(
                Policy.builder()
                    .withoutDifferenceChecks()
                    .allowAnalysts("a")
                    .minDistinctUsers(2)
                    .maxGroupsPerUser(1)
                    .maxContributionsPerGroup(2)
                    .build())
            .build());
    return room;
  }

  @Test
  void bindingL0_choosesTheSameGroupsInTheDatabaseAndInMemory() throws Exception {
    JdbcDataSource h2 = new JdbcDataSource();
    h2.setURL("jdbc:h2:mem:rank;DB_CLOSE_DELAY=-1");
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    try (Connection c = h2.getConnection()) {
      try (Statement s = c.createStatement()) {
        s.execute(
            "CREATE TABLE visits (uid VARCHAR(64) NOT NULL, campaign BIGINT NOT NULL,"
                + " country VARCHAR(4) NOT NULL, spend DOUBLE)");
      }
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO visits VALUES (?, ?, ?, ?)")) {
        for (int p = 0; p < 400; p++) {
          String uid =
              HexFormat.of()
                  .formatHex(
                      md.digest(("person" + p).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
          for (int g = 0; g < 6; g++) {
            ps.setString(1, uid);
            ps.setLong(2, (p + g) % 6);
            ps.setString(3, g % 2 == 0 ? "DE" : "FR");
            ps.setDouble(4, (p * 7 + g) % 13);
            ps.addBatch();
          }
        }
        ps.executeBatch();
      }
    }
    JdbcSource visits = JdbcSource.builder(h2, "VISITS").build();
    for (int round = 0; round < 5; round++) {
      byte[] salt = {(byte) round, 42};
      Result pushed =
          room(visits, salt)
              .as("a")
              .from("pub.visits")
              .groupBy("CAMPAIGN", "COUNTRY")
              .select(countDistinctUsers(), count(), sum("SPEND"))
              .run();
      Result inMemory =
          room(streamed(visits), salt)
              .as("a")
              .from("pub.visits")
              .groupBy("CAMPAIGN", "COUNTRY")
              .select(countDistinctUsers(), count(), sum("SPEND"))
              .run();
      assertEquals(inMemory.rows(), pushed.rows());
      long users = pushed.rows().stream().mapToLong(r -> r.getLong("distinct_users")).sum();
      assertEquals(400, users, "each person in exactly one group");
    }
  }
}
