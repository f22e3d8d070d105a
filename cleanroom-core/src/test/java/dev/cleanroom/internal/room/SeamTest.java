package dev.cleanroom.internal.room;

import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.sum;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.BudgetExhaustedException;
import dev.cleanroom.BudgetPeriod;
import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.Dataset;
import dev.cleanroom.InvalidQueryException;
import dev.cleanroom.Policy;
import dev.cleanroom.PolicyRule;
import dev.cleanroom.PolicyViolationException;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.Schema;
import dev.cleanroom.SecretKey;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.budget.BudgetStores;
import dev.cleanroom.internal.execution.PushdownDatabases;
import dev.cleanroom.jdbc.JdbcSource;
import dev.cleanroom.query.ExecutionPath;
import dev.cleanroom.query.Explanation;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.Result;
import dev.cleanroom.query.ResultRow;
import dev.cleanroom.source.ColumnarSource;
import dev.cleanroom.source.CsvSource;
import dev.cleanroom.source.InMemorySource;
import dev.cleanroom.spi.DataSource;
import dev.cleanroom.state.StateStores;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One test per seam between the execution paths that leaked before the engine had one path
 * decision, one bounder and one release stage. Each names the principle that decides it.
 */
class SeamTest {
  private static final String ANALYST = "analyst";
  private static final SecretKey KEY =
      SecretKey.of("seam-test-key-0123456789abcdef!!".getBytes(UTF_8));
  private static final Schema SCHEMA =
      Schema.of(Column.string("uid"), Column.string("region"), Column.float64("spend"));

  private final CleanRoom room = CleanRoom.builder().secretKey(KEY).auditSink(e -> {}).build();

  /** People p00..p{n-1}; region "east" for the first {@code east}, "west" for the rest. */
  private static InMemorySource people(String name, int n, int east) {
    InMemorySource.Builder b = InMemorySource.builder(name, SCHEMA);
    for (int i = 0; i < n; i++) {
      b.addRow(String.format("p%02d", i), i < east ? "east" : "west", 1.0 + i);
    }
    return b.build();
  }

  private static Policy.Builder policy() {
    return Policy.builder().allowAnalysts(ANALYST).allowJoinOn("uid").minDistinctUsers(5);
  }

  private static Dataset dataset(
      String owner, String name, InMemorySource source, UnaryOperator<Policy.Builder> policy) {
    return Dataset.builder(owner, name)
        .source(source)
        .userId("uid", UserIdFormat.RAW)
        .dimension("region")
        .metric("spend", 0, 100)
        .policy(policy.apply(policy()).build())
        .build();
  }

  // Principle: a data owner's guarantee never depends on another owner's settings.
  @Test
  void dpDataset_isNotJoinedWithAThresholdOnlyOne_whateverTheEpsilon() {
    room.register(
        dataset(
            "pub",
            "imps",
            people("imps", 30, 10),
            p -> p.differentialPrivacy(PrivacyBudget.epsilon(10), 1.0)));
    room.register(dataset("adv", "convs", people("convs", 30, 10), p -> p));
    PolicyViolationException e =
        assertThrows(
            PolicyViolationException.class,
            () ->
                room.as(ANALYST)
                    .from("pub.imps")
                    .join("adv.convs")
                    .onUserId()
                    .groupBy("imps.region")
                    .select(countDistinctUsers())
                    .epsilon(1.0)
                    .run());
    assertEquals(PolicyRule.DIFFERENTIAL_PRIVACY_REQUIRED, e.rule());
    assertEquals("pub.imps", e.dataset());
  }

  // Principle: an analyst cannot weaken a rule by what they ask for.
  @Test
  void epsilonOnAThresholdOnlyDataset_keepsItsDifferenceChecks() {
    room.register(dataset("adv", "convs", people("convs", 20, 1), p -> p));
    // The complement attack: everyone, then everyone but the one person of "east".
    Result all = room.as(ANALYST).from("adv.convs").select(countDistinctUsers()).epsilon(1e9).run();
    assertEquals(1, all.size());
    Result allButOne =
        room.as(ANALYST)
            .from("adv.convs")
            .where(col("region").eq("west"))
            .select(countDistinctUsers())
            .epsilon(1e9)
            .run();
    assertEquals(0, allButOne.size(), "the second release differs by one person: suppressed");
  }

  // Principle: same question, same answer; a re-run never trips the checks on itself.
  @Test
  void identicalThresholdQuery_givesTheIdenticalAnswer_andIsNotSuppressedByItself() {
    // Each person has rows in three regions; L0 = 1 keeps one of them per person.
    Schema schema = SCHEMA;
    InMemorySource.Builder b = InMemorySource.builder("multi", schema);
    for (int i = 0; i < 60; i++) {
      for (String region : List.of("north", "south", "east")) {
        b.addRow(String.format("p%02d", i), region, 2.0);
      }
    }
    room.register(dataset("adv", "multi", b.build(), p -> p.maxGroupsPerUser(1)));
    List<List<Object>> first = rows(regionCounts());
    List<List<Object>> second = rows(regionCounts());
    assertFalse(first.isEmpty());
    assertEquals(first, second);
  }

  private Result regionCounts() {
    return room.as(ANALYST)
        .from("adv.multi")
        .groupBy("region")
        .select(countDistinctUsers().as("people"))
        .run();
  }

  private static List<List<Object>> rows(Result r) {
    List<List<Object>> out = new ArrayList<>();
    for (ResultRow row : r.rows()) {
      out.add(row.values());
    }
    return out;
  }

  // Principle: a budget belongs to the data, not to the name it was registered under.
  @Test
  void sameSourceUnderASecondName_sharesItsBudget() {
    InMemorySource source = people("imps", 40, 20);
    UnaryOperator<Policy.Builder> dp = p -> p.differentialPrivacy(PrivacyBudget.epsilon(1), 1.0);
    room.register(dataset("pub", "imps", source, dp));
    room.register(dataset("pub", "imps_again", source, dp));
    room.as(ANALYST).from("pub.imps").select(countDistinctUsers()).epsilon(1.0).run();
    assertThrows(
        BudgetExhaustedException.class,
        () ->
            room.as(ANALYST)
                .from("pub.imps_again")
                .where(col("region").eq("east"))
                .select(countDistinctUsers())
                .epsilon(1.0)
                .run());
  }

  // Principle: a data owner's guarantee never depends on another owner's settings.
  @Test
  void dataRegisteredByOneOwner_isRefusedToAnother(@TempDir Path dir) throws Exception {
    Path file = peopleCsv(dir);
    UnaryOperator<Policy.Builder> dp = p -> p.differentialPrivacy(PrivacyBudget.epsilon(1), 1.0);
    InMemorySource source = people("imps", 40, 20);
    room.register(dataset("pub", "imps", source, dp));
    room.register(csvDataset("file", CsvSource.of(file, SCHEMA), dp));
    // Another owner, without DP, over the same data: the source object, the file loaded.
    List<Dataset> others =
        List.of(
            dataset("adv", "imps", source, p -> p),
            Dataset.builder("adv", "file")
                .source(ColumnarSource.readCsv("people", file, SCHEMA))
                .userId("uid", UserIdFormat.RAW)
                .dimension("region")
                .policy(policy().build())
                .build());
    for (Dataset other : others) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> room.register(other));
      assertEquals(
          "the source of "
              + other.qualifiedName()
              + " reads data registered by another owner; one piece of data has one owner, whose"
              + " rules alone protect it",
          e.getMessage());
    }
    // Retired, the data still has its owner; a new version of another owner's data is refused.
    room.retire("pub.imps");
    assertThrows(IllegalArgumentException.class, () -> room.register(others.get(0)));
    room.register(dataset("adv", "own", people("own", 40, 20), p -> p));
    assertThrows(IllegalArgumentException.class, () -> room.replaceData("adv.own", source));
    // The owner may register its data again, under another name.
    room.register(dataset("pub", "imps_again", source, dp));
    assertEquals(List.of("adv.own", "pub.file", "pub.imps_again"), List.copyOf(room.datasets()));
  }

  // Principle: a budget belongs to the data, not to the name it was registered under.
  @Test
  void budgetAndOwnerOfAFile_surviveARestart_underAnotherName(@TempDir Path dir) throws Exception {
    Path file = peopleCsv(dir);
    Path journal = dir.resolve("budget.journal");
    UnaryOperator<Policy.Builder> dp = p -> p.differentialPrivacy(PrivacyBudget.epsilon(1), 1.0);
    try (CleanRoom first = journaled(journal)) {
      first.register(csvDataset("people", CsvSource.of(file, SCHEMA), dp));
      first.as(ANALYST).from("pub.people").select(countDistinctUsers()).epsilon(0.75).run();
    }
    // Restarted: the file alone under a new name, loaded instead of streamed.
    try (CleanRoom second = journaled(journal)) {
      Dataset other =
          Dataset.builder("adv", "people")
              .source(CsvSource.of(file, SCHEMA))
              .userId("uid", UserIdFormat.RAW)
              .dimension("region")
              .policy(policy().build())
              .build();
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> second.register(other));
      assertTrue(e.getMessage().contains("registered by another owner"), e.getMessage());
      second.register(csvDataset("people_v2", ColumnarSource.readCsv("people", file, SCHEMA), dp));
      FinalStage half =
          second.as(ANALYST).from("pub.people_v2").select(countDistinctUsers()).epsilon(0.5);
      assertEquals("pub.people/analyst/lifetime", half.explain().ledgers().get(0).ledger());
      assertThrows(BudgetExhaustedException.class, half::run);
      second.as(ANALYST).from("pub.people_v2").select(countDistinctUsers()).epsilon(0.25).run();
    }
  }

  // Principle: a data owner's guarantee never depends on what the analyst asks (or when).
  @Test
  void tightenedPolicy_survivesARestart_thatRegistersTheOriginal(@TempDir Path dir)
      throws Exception {
    Path file = peopleCsv(dir);
    Path state = dir.resolve("state.journal");
    String tightened;
    try (CleanRoom first = withState(state)) {
      first.register(people(file, 5));
      first.tightenPolicy("pub.people", peoplePolicy(45));
      tightened = first.version("pub.people").policyHash();
    }
    try (CleanRoom second = withState(state)) {
      // The host registers the policy it was built with: k = 5, looser than the owner's 45.
      second.register(people(file, 5));
      assertEquals(tightened, second.version("pub.people").policyHash());
      assertEquals(
          0, second.as(ANALYST).from("pub.people").select(countDistinctUsers()).run().size());
      // A stricter registration is kept, and recorded for the next start.
      second.retire("pub.people");
      second.register(people(file, 50));
    }
    try (CleanRoom third = withState(state)) {
      third.register(people(file, 5));
      FinalStage q = third.as(ANALYST).from("pub.people").select(countDistinctUsers());
      assertEquals(50, q.explain().minDistinctUsers());
    }
  }

  private static Policy peoplePolicy(int k) {
    return Policy.builder().allowAnalysts(ANALYST).minDistinctUsers(k).build();
  }

  /** The people file as pub.people, with k = {@code k}. */
  private static Dataset people(Path file, int k) {
    return Dataset.builder("pub", "people")
        .source(CsvSource.of(file, SCHEMA))
        .userId("uid", UserIdFormat.RAW)
        .dimension("region")
        .policy(peoplePolicy(k))
        .build();
  }

  /** A room with the test's key, as {@code stores} makes it durable. */
  private static CleanRoom room(UnaryOperator<CleanRoom.Builder> stores) {
    return stores.apply(CleanRoom.builder().secretKey(KEY).auditSink(e -> {})).build();
  }

  private static CleanRoom withState(Path state) {
    return room(b -> b.stateStore(StateStores.journal(state)));
  }

  private static CleanRoom journaled(Path journal) {
    return room(b -> b.budgetStore(BudgetStores.journal(journal)));
  }

  /** pub.imps with only "region" declared: "spend" is in the schema but blocked. */
  // Principle: a budget belongs to the data, not to the name it was registered under.
  @Test
  void twoSourceObjectsOverOneFileOrTable_shareTheirBudget(@TempDir Path dir) throws Exception {
    Path file = peopleCsv(dir);
    UnaryOperator<Policy.Builder> dp = p -> p.differentialPrivacy(PrivacyBudget.epsilon(1), 1.0);
    room.register(csvDataset("csv_a", CsvSource.of(file, SCHEMA), dp));
    // Another object, reached through another spelling of the path.
    Path again = dir.resolve(".").resolve("people.csv");
    room.register(csvDataset("csv_b", CsvSource.of(again, SCHEMA), dp));
    room.as(ANALYST).from("pub.csv_a").select(countDistinctUsers()).epsilon(1.0).run();
    assertThrows(
        BudgetExhaustedException.class,
        () -> room.as(ANALYST).from("pub.csv_b").select(countDistinctUsers()).epsilon(1.0).run());

    try (PushdownDatabases.Db db = PushdownDatabases.h2()) {
      db.execute("CREATE TABLE people (uid VARCHAR(64), region VARCHAR(16))");
      List<Object[]> rows = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        rows.add(new Object[] {"p" + i, i < 20 ? "east" : "west"});
      }
      db.insert("people", rows);
      // Two javax.sql.DataSource objects over one database and table.
      JdbcSource one = JdbcSource.builder(db.dataSource(), "PEOPLE").build();
      JdbcSource two =
          JdbcSource.builder(new PushdownDatabases.Tracking(db.dataSource()), "PEOPLE").build();
      for (String name : List.of("t1", "t2")) {
        room.register(
            Dataset.builder("pub", name)
                .source(name.equals("t1") ? one : two)
                .userId("UID", UserIdFormat.RAW)
                .dimension("REGION")
                .policy(
                    Policy.builder()
                        .allowAnalysts(ANALYST)
                        .minDistinctUsers(5)
                        .differentialPrivacy(PrivacyBudget.epsilon(1), 1.0)
                        .build())
                .build());
      }
      room.as(ANALYST).from("pub.t1").select(countDistinctUsers()).epsilon(1.0).run();
      assertThrows(
          BudgetExhaustedException.class,
          () -> room.as(ANALYST).from("pub.t2").select(countDistinctUsers()).epsilon(1.0).run());
    }
  }

  // Principle: a budget belongs to the data, not to the name it was registered under.
  @Test
  void sourcesLoadedFromOneFile_shareItsBudget(@TempDir Path dir) throws Exception {
    Path file = peopleCsv(dir);
    UnaryOperator<Policy.Builder> dp = p -> p.differentialPrivacy(PrivacyBudget.epsilon(1), 1.0);
    // Two loads of the file, and the file streamed: one piece of data, one budget.
    room.register(csvDataset("loaded", ColumnarSource.readCsv("people", file, SCHEMA), dp));
    room.register(
        csvDataset(
            "loaded_again",
            ColumnarSource.readCsv("people", dir.resolve(".").resolve("people.csv"), SCHEMA),
            dp));
    room.register(csvDataset("streamed", CsvSource.of(file, SCHEMA), dp));
    room.as(ANALYST).from("pub.loaded").select(countDistinctUsers()).epsilon(1.0).run();
    for (String other : List.of("pub.loaded_again", "pub.streamed")) {
      assertThrows(
          BudgetExhaustedException.class,
          () -> room.as(ANALYST).from(other).select(countDistinctUsers()).epsilon(1.0).run(),
          other);
    }
  }

  /** Writes people.csv: p00..p39, the first 20 in region east, the others west. */
  private static Path peopleCsv(Path dir) throws IOException {
    Path file = dir.resolve("people.csv");
    StringBuilder csv = new StringBuilder("uid,region,spend\n");
    for (int i = 0; i < 40; i++) {
      csv.append(String.format("p%02d,%s,1.0%n", i, i < 20 ? "east" : "west"));
    }
    Files.writeString(file, csv);
    return file;
  }

  private static Dataset csvDataset(
      String name, DataSource source, UnaryOperator<Policy.Builder> policy) {
    return Dataset.builder("pub", name)
        .source(source)
        .userId("uid", UserIdFormat.RAW)
        .dimension("region")
        .metric("spend", 0, 100)
        .policy(policy.apply(policy()).build())
        .build();
  }

  private void registerRegionsOnly(Policy policy) {
    room.register(
        Dataset.builder("pub", "imps")
            .source(people("imps", 10, 5))
            .userId("uid", UserIdFormat.RAW)
            .dimension("region")
            .policy(policy)
            .build());
  }

  // Principle: an analyst not allowed on a dataset learns nothing of it.
  @Test
  void analystNotAllowed_learnsNoColumnNames() {
    registerRegionsOnly(Policy.builder().allowAnalysts("someone_else").minDistinctUsers(5).build());
    PolicyViolationException e =
        assertThrows(
            PolicyViolationException.class,
            () ->
                room.as(ANALYST)
                    .from("pub.imps")
                    .groupBy("no_such_column")
                    .select(countDistinctUsers())
                    .run());
    assertEquals(PolicyRule.ANALYST_ALLOWED, e.rule());
    for (String column : List.of("uid", "region", "spend")) {
      assertFalse(e.getMessage().contains(column), e.getMessage());
    }
  }

  @Test
  void unknownColumn_listsNoBlockedColumn() {
    // "spend" is in the schema but not declared: blocked.
    registerRegionsOnly(policy().build());
    InvalidQueryException e =
        assertThrows(
            InvalidQueryException.class,
            () ->
                room.as(ANALYST)
                    .from("pub.imps")
                    .groupBy("nope")
                    .select(countDistinctUsers())
                    .run());
    assertTrue(e.getMessage().contains("region"), e.getMessage());
    assertFalse(e.getMessage().contains("spend"), e.getMessage());
  }

  // Principle: whether a query errors never depends on one person's data.
  @Test
  void malformedIdBehindTheFilter_isDroppedNotAnError() {
    InMemorySource.Builder b = InMemorySource.builder("convs", SCHEMA);
    for (int i = 0; i < 10; i++) {
      b.addRow(String.format("p%02d@example.com", i), "west", 1.0);
    }
    b.addRow("not an e-mail address", "east", 1.0);
    room.register(
        Dataset.builder("adv", "convs")
            .source(b.build())
            .userId("uid", UserIdFormat.EMAIL)
            .dimension("region")
            .policy(
                Policy.builder()
                    .allowAnalysts(ANALYST)
                    .minDistinctUsers(2)
                    .withoutDifferenceChecks()
                    .build())
            .build());
    Result east =
        room.as(ANALYST)
            .from("adv.convs")
            .where(col("region").eq("east"))
            .select(countDistinctUsers().as("people"))
            .run();
    // The one row behind the filter belongs to no person: no people, no error.
    assertTrue(east.size() == 0 || east.rows().get(0).getLong("people") == 0);
    Result all = room.as(ANALYST).from("adv.convs").select(countDistinctUsers().as("people")).run();
    assertEquals(10, all.rows().get(0).getLong("people"));
  }

  // Principle: exact means exact; a released number is never silently wrong.
  @Test
  void thresholdSum_isExact_whateverTheOrderOfAPersonsRows_inTheEngineAndInTheDatabase()
      throws Exception {
    // One person's rows 2^53, 1, 1 in one group: added in double in this order they make 2^53.
    double big = 0x1p53;
    Object[][] rows = {{"p00", "east", big}, {"p00", "east", 1.0}, {"p00", "east", 1.0}};
    List<Double> released = new ArrayList<>();
    for (boolean reversed : List.of(false, true)) {
      InMemorySource.Builder b = InMemorySource.builder("spend", SCHEMA);
      for (int i = 0; i < rows.length; i++) {
        Object[] r = rows[reversed ? rows.length - 1 - i : i];
        b.addRow(r[0], r[1], r[2]);
      }
      for (int i = 1; i < 5; i++) {
        b.addRow(String.format("p%02d", i), "east", 0.0);
      }
      CleanRoom r = CleanRoom.builder().secretKey(KEY).auditSink(e -> {}).build();
      r.register(
          Dataset.builder("pub", "spend")
              .source(b.build())
              .userId("uid", UserIdFormat.RAW)
              .dimension("region")
              .metric("spend", 0, 0x1p60)
              .policy(policy().withoutDifferenceChecks().build())
              .build());
      Result res =
          r.as(ANALYST).from("pub.spend").groupBy("region").select(sum("spend").as("s")).run();
      released.add(res.rows().get(0).getDouble("s"));
    }
    assertEquals(List.of(big + 2, big + 2), released);

    // The database adds the same whole units of the sum's fine quantum: the same exact answer.
    try (PushdownDatabases.Db db = PushdownDatabases.h2()) {
      db.execute(
          "CREATE TABLE spend (uid VARCHAR(64), region VARCHAR(16), spend DOUBLE PRECISION)");
      List<Object[]> table = new ArrayList<>(List.of(rows));
      for (int i = 1; i < 5; i++) {
        table.add(new Object[] {String.format("p%02d", i), "east", 0.0});
      }
      db.insert("spend", table);
      room.register(
          Dataset.builder("pub", "spend")
              .source(JdbcSource.builder(db.dataSource(), "SPEND").build())
              .userId("UID", UserIdFormat.RAW)
              .dimension("REGION")
              .metric("SPEND", 0, 0x1p60)
              .policy(
                  Policy.builder()
                      .allowAnalysts(ANALYST)
                      .minDistinctUsers(5)
                      .withoutDifferenceChecks()
                      .build())
              .build());
      FinalStage q =
          room.as(ANALYST).from("pub.spend").groupBy("REGION").select(sum("SPEND").as("s"));
      ExecutionPath path = q.explain().path().orElseThrow();
      assertEquals(ExecutionPath.Kind.PUSHED_DOWN, path.kind(), path::toString);
      assertEquals(big + 2, q.run().rows().get(0).getDouble("s"));
    }
  }

  // Principle: whether a query errors or is refused never depends on one person's data.
  @Test
  void nullNumericUserId_isDroppedOnEveryPath() throws Exception {
    try (PushdownDatabases.Db db = PushdownDatabases.h2()) {
      db.execute("CREATE TABLE ids (uid BIGINT, region VARCHAR(16))");
      List<Object[]> rows = new ArrayList<>();
      for (long i = 0; i < 7; i++) {
        rows.add(new Object[] {i, "east"});
      }
      rows.add(new Object[] {null, "east"});
      db.insert("ids", rows);
      JdbcSource table = JdbcSource.builder(db.dataSource(), "IDS").build();
      List<Long> people = new ArrayList<>();
      for (dev.cleanroom.spi.DataSource source :
          List.of(table, PushdownDatabases.streamed(table))) {
        CleanRoom r = CleanRoom.builder().secretKey(KEY).auditSink(e -> {}).build();
        r.register(
            Dataset.builder("pub", "ids")
                .source(source)
                .userId("UID", UserIdFormat.RAW)
                .dimension("REGION")
                .policy(
                    Policy.builder()
                        .allowAnalysts(ANALYST)
                        .minDistinctUsers(5)
                        .withoutDifferenceChecks()
                        .build())
                .build());
        Result res =
            r.as(ANALYST).from("pub.ids").groupBy("REGION").select(countDistinctUsers()).run();
        people.add(res.rows().get(0).getLong("distinct_users"));
      }
      assertEquals(List.of(7L, 7L), people);
    }
  }

  // Principle: explain() says exactly what will run, and execution obeys it.
  @Test
  void decimalFilter_explainsThatTheQueryStreams() throws Exception {
    try (PushdownDatabases.Db db = PushdownDatabases.h2()) {
      db.execute(
          "CREATE TABLE imps (uid VARCHAR(64), region VARCHAR(16), price DECIMAL(10,2))",
          "CREATE TABLE convs (uid VARCHAR(64), spend DOUBLE PRECISION)");
      List<Object[]> imps = new ArrayList<>();
      List<Object[]> convs = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        imps.add(new Object[] {"p" + i, i % 2 == 0 ? "east" : "west", 1.5 + i});
        convs.add(new Object[] {"p" + i, 2.0});
      }
      db.insert("imps", imps);
      db.insert("convs", convs);
      Policy openJoin =
          Policy.builder()
              .allowAnalysts(ANALYST)
              .allowJoinOn("UID")
              .minDistinctUsers(2)
              .withoutDifferenceChecks()
              .build();
      room.register(
          Dataset.builder("pub", "imps")
              .source(JdbcSource.builder(db.dataSource(), "IMPS").build())
              .userId("UID", UserIdFormat.RAW)
              .dimensions("REGION", "PRICE")
              .policy(openJoin)
              .build());
      room.register(
          Dataset.builder("adv", "convs")
              .source(JdbcSource.builder(db.dataSource(), "CONVS").build())
              .userId("UID", UserIdFormat.RAW)
              .metric("SPEND", 0, 10)
              .policy(openJoin)
              .build());
      Explanation plain =
          room.as(ANALYST)
              .from("pub.imps")
              .join("adv.convs")
              .onUserId()
              .groupBy("REGION")
              .select(countDistinctUsers(), count())
              .explain();
      assertEquals(ExecutionPath.Kind.PUSHED_DOWN, plain.path().orElseThrow().kind());
      Explanation decimal =
          room.as(ANALYST)
              .from("pub.imps")
              .join("adv.convs")
              .onUserId()
              .where(col("PRICE").gt(3.0))
              .groupBy("REGION")
              .select(countDistinctUsers(), count())
              .explain();
      ExecutionPath path = decimal.path().orElseThrow();
      assertEquals(ExecutionPath.Kind.STREAMED, path.kind());
      assertTrue(path.reason().contains("[PRICE]"), path.reason());
      for (String step : decimal.plan()) {
        assertFalse(step.contains("never leaves the database"), step);
        assertFalse(step.startsWith("in the database"), step);
      }
      assertTrue(decimal.toString().contains("Execution path: STREAMED"));
    }
  }

  // Principle: one release stage for queries and cohorts, with its query limits and its refusals.
  @Test
  void cohortActivation_countsAgainstTheQueryLimit() {
    room.register(
        dataset(
            "adv",
            "convs",
            people("convs", 30, 10),
            p -> p.maxQueries(1, BudgetPeriod.NONE).allowCohortRelease("adv").minCohortSize(5)));
    room.registerCohortSink("adv", (activation, ids) -> {});
    room.as(ANALYST).from("adv.convs").select(countDistinctUsers()).run();
    PolicyViolationException e =
        assertThrows(
            PolicyViolationException.class,
            () -> room.as(ANALYST).from("adv.convs").cohort().activateFor("adv"));
    assertEquals(PolicyRule.QUERY_LIMIT, e.rule());
  }

  @Test
  void cohortOnATemplateOnlyDataset_isRefusedNotAnInternalError() {
    room.register(
        dataset(
            "adv",
            "convs",
            people("convs", 30, 10),
            p -> p.requireApprovedTemplates().allowCohortRelease("adv").minCohortSize(5)));
    room.registerCohortSink("adv", (activation, ids) -> {});
    PolicyViolationException e =
        assertThrows(
            PolicyViolationException.class,
            () -> room.as(ANALYST).from("adv.convs").cohort().activateFor("adv"));
    assertEquals(PolicyRule.TEMPLATE_APPROVED, e.rule());
  }
}
