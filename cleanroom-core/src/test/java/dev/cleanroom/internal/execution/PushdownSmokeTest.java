package dev.cleanroom.internal.execution;

import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.Schema;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.jdbc.JdbcSource;
import dev.cleanroom.query.Explanation;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.Result;
import dev.cleanroom.spi.DataSource;
import dev.cleanroom.spi.Scan;
import dev.cleanroom.spi.ScanRequest;
import java.sql.Connection;
import java.sql.Statement;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

/** A first end-to-end check that a pushed-down query equals the streamed one on H2. */
class PushdownSmokeTest {
  /** Hides a JdbcSource behind the plain SPI, so the engine streams it instead of pushing down. */
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

  @Test
  void pushdown_equalsStreaming() throws Exception {
    JdbcDataSource h2 = new JdbcDataSource();
    h2.setURL("jdbc:h2:mem:smoke;DB_CLOSE_DELAY=-1");
    try (Connection c = h2.getConnection();
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE imps (email VARCHAR(100) NOT NULL, campaign BIGINT, country"
              + " VARCHAR(10))");
      s.execute(
          "CREATE TABLE convs (email VARCHAR(100) NOT NULL, amount DOUBLE, channel VARCHAR(10))");
      for (int i = 0; i < 300; i++) {
        s.execute(
            "INSERT INTO imps VALUES ('p"
                + i
                + "@x.com', "
                + (i % 4)
                + ", '"
                + (i % 3 == 0 ? "DE" : "FR")
                + "')");
        s.execute("INSERT INTO imps VALUES ('p" + i + "@x.com', " + ((i + 1) % 4) + ", 'DE')");
        if (i % 2 == 0) {
          s.execute(
              "INSERT INTO convs VALUES (' P"
                  + i
                  + "@X.com', "
                  + (i % 50)
                  + ", '"
                  + (i % 4 == 0 ? "web" : "store")
                  + "')");
        }
      }
    }
    JdbcSource imps = JdbcSource.builder(h2, "IMPS").build();
    JdbcSource convs = JdbcSource.builder(h2, "CONVS").build();
    CleanRoom pushed = room(imps, convs);
    CleanRoom streamedRoom = room(streamed(imps), streamed(convs));
    FinalStage q1 = query(pushed);
    Explanation e = q1.explain();
    assertTrue(e.plan().get(e.plan().size() - 1).contains("SELECT"), e.toString());
    Result a = q1.run();
    Result b = query(streamedRoom).run();
    assertEquals(b.rows(), a.rows());
    assertTrue(a.size() > 0);
  }

  private static FinalStage query(CleanRoom room) {
    return room.as("a")
        .from("pub.imps")
        .join("adv.convs")
        .onUserId()
        .where(col("COUNTRY").eq("DE").or(col("CHANNEL").eq("web")))
        .groupBy("CAMPAIGN")
        .select(countDistinctUsers(), count()); // counts push down; a threshold sum streams
  }

  private static CleanRoom room(DataSource imps, DataSource convs) {
    CleanRoom room = CleanRoom.builder().auditSink(e -> {}).build();
    Policy p =
        Policy.builder()
            .withoutDifferenceChecks()
            .allowAnalysts("a")
            .allowJoinOn("EMAIL")
            .minDistinctUsers(5)
            .maxGroupsPerUser(10)
            .maxContributionsPerGroup(3)
            .build();
    room.register(
        Dataset.builder("pub", "imps")
            .source(imps)
            .userId("EMAIL", UserIdFormat.EMAIL)
            .dimensions("CAMPAIGN", "COUNTRY")
            .policy(p)
            .build());
    room.register(
        Dataset.builder("adv", "convs")
            .source(convs)
            .userId("EMAIL", UserIdFormat.EMAIL)
            .metric("AMOUNT", 0, 40)
            .dimension("CHANNEL")
            .policy(p)
            .build());
    return room;
  }
}
