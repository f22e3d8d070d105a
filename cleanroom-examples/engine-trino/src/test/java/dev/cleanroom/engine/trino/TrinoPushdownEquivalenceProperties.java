package dev.cleanroom.engine.trino;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.internal.execution.PushdownScenarios;
import dev.cleanroom.internal.execution.PushdownScenarios.Model;
import dev.cleanroom.internal.execution.PushdownScenarios.Row;
import dev.cleanroom.internal.execution.PushdownScenarios.Scenario;
import dev.cleanroom.jdbc.JdbcSource;
import dev.cleanroom.query.ExecutionPath;
import dev.cleanroom.query.Result;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The pushdown scenarios of the core module's equivalence properties (random data, filters across
 * both tables, grouping, limits and bounds; {@code PushdownScenarios}) on a distributed Trino: the
 * one statement that Trino runs over its workers answers exactly as the same query over the same
 * rows in memory, and as the scenarios' reference model, whenever no person has more than L0
 * groups; with a binding L0 (each person's groups ranked by Trino's SHA-256), every group keeps at
 * least k people and each person counts in exactly min(L0, groups) of them.
 */
class TrinoPushdownEquivalenceProperties {
  private static final AtomicInteger TABLES = new AtomicInteger();
  private static TrinoCluster trino;

  @BeforeContainer
  static void start() {
    trino = TrinoCluster.get();
  }

  @Provide
  Arbitrary<Scenario> scenarios() {
    return PushdownScenarios.scenarios(false, false);
  }

  @Provide
  Arbitrary<Scenario> bound() {
    return PushdownScenarios.boundScenarios(false);
  }

  /**
   * Counts push down (unless a filter orders text); sums stream; all equal the in-memory answer.
   */
  @Property(tries = 12)
  void trinoPushdown_equalsInMemory(@ForAll("scenarios") Scenario sc) throws SQLException {
    List<String> tables = create(sc);
    try {
      JdbcSource a = JdbcSource.builder(trino.jdbc(), tables.get(0)).build();
      JdbcSource b = JdbcSource.builder(trino.jdbc(), tables.get(1)).build();
      CleanRoom onTrino = PushdownScenarios.room(PushdownScenarios.datasets(sc, a, b));
      CleanRoom inMemory =
          PushdownScenarios.room(
              PushdownScenarios.datasets(
                  sc, PushdownScenarios.inMemory(sc, 0), PushdownScenarios.inMemory(sc, 1)));
      ExecutionPath path =
          PushdownScenarios.query(onTrino, sc, false).explain().path().orElseThrow();
      if (!PushdownScenarios.ordersText(sc)) {
        assertEquals(ExecutionPath.Kind.PUSHED_DOWN, path.kind(), () -> path + "\n" + sc);
      }
      Result counts = PushdownScenarios.query(onTrino, sc, false).run();
      Result full = PushdownScenarios.query(onTrino, sc).run();
      Result expected = PushdownScenarios.query(inMemory, sc).run();
      Model model = new Model(sc);
      List<List<Object>> fullRows = PushdownScenarios.values(full.rows());
      List<List<Object>> countRows = PushdownScenarios.values(counts.rows());
      List<List<Object>> memoryRows = PushdownScenarios.values(expected.rows());
      int keys = sc.groupBy().size();
      if (model.maxGroupsOfAPerson() <= sc.maxGroups()) {
        assertTrue(
            PushdownScenarios.sameRows(memoryRows, fullRows),
            () -> "in memory " + memoryRows + "\nTrino " + fullRows + "\n" + sc);
        assertTrue(
            PushdownScenarios.sameRows(model.expectedRows(), fullRows),
            () -> "model " + model.expectedRows() + "\nTrino " + fullRows + "\n" + sc);
        List<List<Object>> memoryCounts = new ArrayList<>();
        memoryRows.forEach(r -> memoryCounts.add(r.subList(0, keys + 2)));
        assertTrue(
            PushdownScenarios.sameRows(memoryCounts, countRows),
            () -> "in memory " + memoryCounts + "\nTrino counts " + countRows + "\n" + sc);
      }
      for (List<Object> row : countRows) {
        assertTrue((Long) row.get(keys) >= sc.k(), () -> "fewer than k users in " + row);
      }
    } finally {
      drop(tables);
    }
  }

  /** L0 binds, yet no group can fall below k: every person counts in exactly min(L0, groups). */
  @Property(tries = 5)
  void trinoPushdown_bindingL0_keepsL0GroupsPerPerson(@ForAll("bound") Scenario sc)
      throws SQLException {
    Model model = new Model(sc);
    assertTrue(model.maxGroupsOfAPerson() > sc.maxGroups(), () -> "L0 must bind: " + sc);
    List<String> tables = create(sc);
    try {
      JdbcSource a = JdbcSource.builder(trino.jdbc(), tables.get(0)).build();
      CleanRoom onTrino = PushdownScenarios.room(PushdownScenarios.datasets(sc, a, a));
      assertEquals(
          ExecutionPath.Kind.PUSHED_DOWN,
          PushdownScenarios.query(onTrino, sc, false).explain().path().orElseThrow().kind());
      List<List<Object>> rows =
          PushdownScenarios.values(PushdownScenarios.query(onTrino, sc, false).run().rows());
      Map<List<Object>, Integer> people = model.trueUsers();
      assertEquals(people.size(), rows.size(), () -> rows + "\n" + sc);
      long users = 0;
      for (List<Object> row : rows) {
        long u = (Long) row.get(1);
        assertTrue(u >= sc.k() && u <= people.get(row.subList(0, 1)), () -> row + "\n" + sc);
        users += u;
      }
      assertEquals(model.boundedUserSum(), users, () -> rows + "\n" + sc);
    } finally {
      drop(tables);
    }
  }

  /** Creates the scenario's two tables in Trino's memory catalog under fresh names. */
  private static List<String> create(Scenario sc) throws SQLException {
    int n = TABLES.incrementAndGet();
    List<String> names = List.of("pd" + n + "_a", "pd" + n + "_b");
    for (int i = 0; i < 2; i++) {
      String table = "memory.\"default\"." + names.get(i);
      trino.execute(
          "CREATE TABLE "
              + table
              + " (uid VARCHAR, s"
              + i
              + " VARCHAR, l"
              + i
              + " BIGINT, m"
              + i
              + " DOUBLE)");
      List<Object[]> rows = new ArrayList<>();
      for (Row r : i == 0 ? sc.t0() : sc.t1()) {
        rows.add(new Object[] {PushdownScenarios.userId(r.user()), r.s(), r.l(), r.m()});
      }
      trino.insert(table, rows);
    }
    return names;
  }

  private static void drop(List<String> tables) throws SQLException {
    for (String t : tables) {
      trino.execute("DROP TABLE IF EXISTS memory.\"default\"." + t);
    }
  }
}
