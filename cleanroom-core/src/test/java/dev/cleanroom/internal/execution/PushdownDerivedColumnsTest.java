package dev.cleanroom.internal.execution;

import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.lift;
import static dev.cleanroom.query.Dsl.ratio;
import static dev.cleanroom.query.Dsl.sum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.Schema;
import dev.cleanroom.SecretKey;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.internal.execution.PushdownDatabases.Db;
import dev.cleanroom.jdbc.JdbcSource;
import dev.cleanroom.query.CellNoise;
import dev.cleanroom.query.ExecutionPath;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.Result;
import dev.cleanroom.query.ResultRow;
import dev.cleanroom.source.InMemorySource;
import dev.cleanroom.spi.DataSource;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Derived columns ({@code ratio}, {@code lift}) and narrowed bounds ({@code bounds}) on tables in
 * H2 and DuckDB: the query is pushed down, and in threshold mode it releases exactly what the same
 * query releases from in-memory copies of the tables; in differential-privacy mode the noise of a
 * sum whose bounds are narrowed to a quarter of the owner's is a quarter as large, as the README
 * ("Ratios, lift and utility control") says, on the database as in memory.
 */
class PushdownDerivedColumnsTest {
  private static final Schema MEMBERS = Schema.of(Column.string("uid"), Column.string("arm"));
  private static final Schema SALES =
      Schema.of(Column.string("uid"), Column.float64("promoted"), Column.float64("amount"));

  /** The owner's per-person bounds of the amount per group, and the analyst's narrower ones. */
  private static final double OWNER_UPPER = 150;

  private static final double NARROW_UPPER = 37.5;

  private static PushdownDatabases.Opened dbs;

  @BeforeAll
  static void open() throws Exception {
    dbs = PushdownDatabases.Opened.open();
    for (Db db : List.of(dbs.h2(), dbs.duckdb())) {
      db.execute(
          "CREATE TABLE "
              + db.quote("dc_members")
              + " ("
              + db.quote("uid")
              + " VARCHAR(40), "
              + db.quote("arm")
              + " VARCHAR(20))",
          "CREATE TABLE "
              + db.quote("dc_sales")
              + " ("
              + db.quote("uid")
              + " VARCHAR(40), "
              + db.quote("promoted")
              + " DOUBLE PRECISION, "
              + db.quote("amount")
              + " DOUBLE PRECISION)");
      db.insert(db.quote("dc_members"), memberRows());
      db.insert(db.quote("dc_sales"), saleRows());
    }
  }

  @AfterAll
  static void close() throws Exception {
    dbs.close();
  }

  /** 600 members: two in three exposed, the others in the holdout. */
  private static List<Object[]> memberRows() {
    List<Object[]> rows = new ArrayList<>();
    for (int u = 0; u < 600; u++) {
      rows.add(new Object[] {"u" + u + "@example.com", u % 3 == 0 ? "holdout" : "exposed"});
    }
    return rows;
  }

  /**
   * Receipt lines of 500 of them: 60% of the exposed buy the promoted brand, 40% of the holdout;
   * some spend far more than the narrowed bounds, so that narrowing changes the sums.
   */
  private static List<Object[]> saleRows() {
    List<Object[]> rows = new ArrayList<>();
    for (int u = 0; u < 500; u++) {
      boolean exposed = u % 3 != 0;
      int lines = 1 + u % 4;
      for (int l = 0; l < lines; l++) {
        double promoted = l == 0 && u % 5 < (exposed ? 3 : 2) ? 1.0 : 0.0;
        double amount = ((u * 37 + l * 11) % 180) + 0.25 * (l % 3);
        rows.add(new Object[] {"u" + u + "@example.com", promoted, amount});
      }
    }
    return rows;
  }

  private static CleanRoom room(DataSource members, DataSource sales) {
    Policy brand =
        Policy.builder()
            .allowAnalysts("brand")
            .allowJoinOn("uid")
            .minDistinctUsers(20)
            .withoutDifferenceChecks()
            .build();
    Policy retailer =
        Policy.builder()
            .allowAnalysts("brand")
            .allowJoinOn("uid")
            .minDistinctUsers(20)
            .clampPerGroup("amount", 0, OWNER_UPPER)
            .withoutDifferenceChecks()
            .build();
    CleanRoom room = CleanRoom.builder().secretKey(SecretKey.random()).auditSink(e -> {}).build();
    room.register(
        Dataset.builder("brand", "members")
            .source(members)
            .userId("uid", UserIdFormat.EMAIL)
            .dimension("arm")
            .policy(brand)
            .build());
    room.register(
        Dataset.builder("retailer", "sales")
            .source(sales)
            .userId("uid", UserIdFormat.EMAIL)
            .metric("promoted", 0, 1)
            .metric("amount", 0, 200)
            .policy(retailer)
            .build());
    return room;
  }

  private static CleanRoom databaseRoom(Db db) {
    return room(
        JdbcSource.builder(db.dataSource(), "dc_members").build(),
        JdbcSource.builder(db.dataSource(), "dc_sales").build());
  }

  private static CleanRoom inMemoryRoom() {
    InMemorySource.Builder members = InMemorySource.builder("dc_members", MEMBERS);
    memberRows().forEach(members::addRow);
    InMemorySource.Builder sales = InMemorySource.builder("dc_sales", SALES);
    saleRows().forEach(sales::addRow);
    return room(members.build(), sales.build());
  }

  /** Arm sizes, buyers and spend; the rate, spend per member and the exposed arm's lift. */
  private static FinalStage query(CleanRoom room) {
    return room.as("brand")
        .from("brand.members")
        .join("retailer.sales")
        .onUserId()
        .groupBy("arm")
        .select(
            countDistinctUsers().as("members"),
            sum("promoted").as("buyers"),
            sum("amount").as("spend"))
        .derive(
            ratio("conv_rate", "buyers", "members"),
            ratio("spend_per_member", "spend", "members"),
            lift("lift", "conv_rate", "arm", "exposed", "holdout"),
            lift("spend_lift", "spend_per_member", "arm", "exposed", "holdout"));
  }

  private static Result run(FinalStage q, ExecutionPath.Kind expected, String where) {
    assertEquals(expected, q.explain().path().orElseThrow().kind(), where);
    return q.run();
  }

  @Test
  void thresholdMode_pushedDown_releasesExactlyTheInMemoryValues() throws SQLException {
    List<UnaryOperator<FinalStage>> variants =
        List.of(q -> q, q -> q.bounds("amount", 0, NARROW_UPPER), q -> q.bounds("amount", 5, 60));
    for (UnaryOperator<FinalStage> variant : variants) {
      Result expected;
      try (CleanRoom memory = inMemoryRoom()) {
        FinalStage q = variant.apply(query(memory));
        expected = q.run();
        assertNotEquals(ExecutionPath.Kind.PUSHED_DOWN, q.explain().path().orElseThrow().kind());
      }
      assertEquals(2, expected.size());
      assertTrue(Double.isNaN(expected.rows().get(1).getDouble("lift")), "none on the holdout");
      assertTrue(expected.rows().get(0).getDouble("lift") > 0, "exposed people buy more");
      for (Db db : List.of(dbs.h2(), dbs.duckdb())) {
        try (CleanRoom room = databaseRoom(db)) {
          Result got = run(variant.apply(query(room)), ExecutionPath.Kind.PUSHED_DOWN, db.label());
          assertEquals(expected.columns(), got.columns(), db.label());
          // The same values, down to the bits of every double (NaN included).
          assertEquals(expected.rows(), got.rows(), db.label());
        }
      }
    }
  }

  @Test
  void thresholdMode_narrowedBounds_clampEachPersonsTotal() {
    try (CleanRoom memory = inMemoryRoom()) {
      Result owner = query(memory).run();
      Result narrow = query(memory).bounds("amount", 0, NARROW_UPPER).run();
      for (int i = 0; i < 2; i++) {
        ResultRow o = owner.rows().get(i);
        ResultRow n = narrow.rows().get(i);
        assertEquals(o.getLong("members"), n.getLong("members"));
        assertEquals(o.getDouble("buyers"), n.getDouble("buyers"));
        assertTrue(n.getDouble("spend") < o.getDouble("spend"), "some spend more than 37.5");
        assertTrue(n.getDouble("spend") <= NARROW_UPPER * n.getLong("members"));
      }
    }
  }

  private static Result dp(FinalStage q, ExecutionPath.Kind expected, String where) {
    return run(
        q.budget(PrivacyBudget.epsilon(1)).publicGroupValues("exposed", "holdout"),
        expected,
        where);
  }

  @Test
  void dpMode_boundsAQuarterOfTheOwners_giveAQuarterOfTheNoise_pushedDownAsInMemory()
      throws SQLException {
    List<Double> memoryScales = new ArrayList<>();
    try (CleanRoom memory = inMemoryRoom()) {
      for (boolean narrow : new boolean[] {false, true}) {
        FinalStage q = query(memory);
        Result r =
            dp(narrow ? q.bounds("amount", 0, NARROW_UPPER) : q, ExecutionPath.Kind.COLUMNAR, "");
        memoryScales.add(r.rows().get(0).noise("spend").orElseThrow().scale());
      }
    }
    assertEquals(0.25, memoryScales.get(1) / memoryScales.get(0), 1e-12, memoryScales.toString());
    for (Db db : List.of(dbs.h2(), dbs.duckdb())) {
      try (CleanRoom room = databaseRoom(db)) {
        Result owner = dp(query(room), ExecutionPath.Kind.PUSHED_DOWN, db.label());
        Result narrow =
            dp(
                query(room).bounds("amount", 0, NARROW_UPPER),
                ExecutionPath.Kind.PUSHED_DOWN,
                db.label());
        for (int i = 0; i < 2; i++) {
          CellNoise o = owner.rows().get(i).noise("spend").orElseThrow();
          CellNoise n = narrow.rows().get(i).noise("spend").orElseThrow();
          assertEquals(memoryScales.get(0), o.scale(), db.label());
          assertEquals(memoryScales.get(1), n.scale(), db.label());
          // The count's noise does not depend on the amount's bounds.
          assertEquals(
              owner.rows().get(i).noise("members").orElseThrow().scale(),
              narrow.rows().get(i).noise("members").orElseThrow().scale());
          // The interval half-width shrinks alike.
          assertEquals(0.25, (n.upper() - n.lower()) / (o.upper() - o.lower()), 0.01, db.label());
        }
        // The derived columns have intervals and add no noise of their own.
        CellNoise rate = narrow.rows().get(0).noise("conv_rate").orElseThrow();
        assertEquals(0, rate.scale());
        assertTrue(narrow.rows().get(0).noise("spend_lift").isPresent());
      }
    }
  }
}
