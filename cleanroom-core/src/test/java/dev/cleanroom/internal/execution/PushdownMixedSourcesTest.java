package dev.cleanroom.internal.execution;

import static dev.cleanroom.internal.execution.PushdownScenarios.sameRows;
import static dev.cleanroom.internal.execution.PushdownScenarios.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.Bounds;
import dev.cleanroom.CleanRoom;
import dev.cleanroom.internal.execution.PushdownDatabases.Db;
import dev.cleanroom.internal.execution.PushdownScenarios.Cmp;
import dev.cleanroom.internal.execution.PushdownScenarios.OrC;
import dev.cleanroom.internal.execution.PushdownScenarios.Policies;
import dev.cleanroom.internal.execution.PushdownScenarios.Row;
import dev.cleanroom.internal.execution.PushdownScenarios.Scenario;
import dev.cleanroom.internal.execution.PushdownScenarios.Tables;
import dev.cleanroom.jdbc.JdbcSource;
import dev.cleanroom.query.Condition;
import dev.cleanroom.query.Explanation;
import dev.cleanroom.query.Result;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Datasets in different places (a database and memory, two databases, or two data source objects
 * over one database) are not pushed down: each streams into the in-memory engine, and the answer
 * equals the one of all data in memory and the one pushed down when both tables share a source.
 */
class PushdownMixedSourcesTest {
  private static Db h2;
  private static Db duckdb;

  @BeforeAll
  static void open() throws Exception {
    h2 = PushdownDatabases.h2();
    duckdb = PushdownDatabases.duckdb();
  }

  @AfterAll
  static void close() throws Exception {
    h2.close();
    duckdb.close();
  }

  /**
   * Twelve people in both tables, grouped by a.s0 and b.l1, filtered across the tables; nobody has
   * more than two groups, so L0 = 3 never binds and every run must agree exactly.
   */
  private static Scenario scenario() {
    List<Row> t0 = new ArrayList<>();
    List<Row> t1 = new ArrayList<>();
    for (int u = 0; u < 12; u++) {
      t0.add(new Row(u, u % 3 == 0 ? "a" : "b", u % 2, u % 5 == 0 ? null : 1.5 * u));
      t0.add(new Row(u, u % 3 == 0 ? "a" : "b", 7, 250.0));
      t1.add(new Row(u, "x", u % 2 == 0 ? 1 : 2, u % 4 == 0 ? null : -1.0 + u));
      if (u % 3 == 1) {
        t1.add(new Row(u, "y", 1, 2.25));
      }
    }
    Bounds b = Bounds.of(-2, 10);
    Policies p =
        new Policies(
            2, 3, 3, 4, 2, 3, b, Bounds.of(0, 3), Optional.of(Bounds.of(0, 15)), Optional.empty());
    var where =
        List.<PushdownScenarios.Cond>of(
            new OrC(new Cmp(0, Condition.Op.EQ, "a", 1), new Cmp(2, Condition.Op.NE, "y", 2)),
            new Cmp(1, Condition.Op.LE, 1L, 0));
    return new Scenario(12, true, t0, t1, p, where, List.of(0, 3), 0, 1);
  }

  private static boolean pushedDown(Explanation e) {
    return e.plan().stream().anyMatch(step -> step.contains("WITH d0 AS ("));
  }

  private static Result run(CleanRoom room, Scenario sc, boolean expectPushdown) {
    return run(room, sc, expectPushdown, true);
  }

  /** The scenario's query, with sums or (the part that pushes down in threshold mode) without. */
  private static Result run(CleanRoom room, Scenario sc, boolean expectPushdown, boolean sums) {
    Explanation e = PushdownScenarios.query(room, sc, sums).explain();
    assertEquals(expectPushdown, pushedDown(e), () -> e.plan().toString());
    return PushdownScenarios.query(room, sc, sums).run();
  }

  @Test
  void databaseAndMemory_streamBoth_andEqualAllInMemory() throws Exception {
    Scenario sc = scenario();
    Tables t = PushdownScenarios.create(h2, sc);
    try {
      JdbcSource a = PushdownScenarios.sources(t, h2.dataSource()).get(0);
      Result mixed =
          run(
              PushdownScenarios.room(
                  PushdownScenarios.datasets(sc, a, PushdownScenarios.inMemory(sc, 1))),
              sc,
              false);
      Result memory = allInMemory(sc);
      List<List<Object>> expected = new PushdownScenarios.Model(sc).expectedRows();
      assertTrue(expected.size() >= 2, expected::toString);
      assertTrue(sameRows(expected, values(memory.rows())), () -> memory + " vs " + expected);
      assertTrue(sameRows(values(memory.rows()), values(mixed.rows())), () -> mixed.toTable());
    } finally {
      t.drop();
    }
  }

  @Test
  void twoDatabases_streamBoth_andEqualAllInMemory() throws Exception {
    Scenario sc = scenario();
    Tables inH2 = PushdownScenarios.create(h2, sc);
    Tables inDuck = PushdownScenarios.create(duckdb, sc);
    try {
      JdbcSource a = PushdownScenarios.sources(inH2, h2.dataSource()).get(0);
      JdbcSource b = PushdownScenarios.sources(inDuck, duckdb.dataSource()).get(1);
      Result two = run(PushdownScenarios.room(PushdownScenarios.datasets(sc, a, b)), sc, false);
      Result memory = allInMemory(sc);
      assertTrue(sameRows(values(memory.rows()), values(two.rows())), () -> two.toTable());
    } finally {
      inH2.drop();
      inDuck.drop();
    }
  }

  @Test
  void twoDataSourceObjects_overOneDatabase_areNotPushedDown_butAgree() throws Exception {
    Scenario sc = scenario();
    Tables t = PushdownScenarios.create(h2, sc);
    try {
      List<JdbcSource> same = PushdownScenarios.sources(t, h2.dataSource());
      JdbcSource otherB =
          PushdownScenarios.sources(t, new PushdownDatabases.Tracking(h2.dataSource())).get(1);
      Result pushed =
          run(
              PushdownScenarios.room(PushdownScenarios.datasets(sc, same.get(0), same.get(1))),
              sc,
              true,
              false);
      Result apart =
          run(
              PushdownScenarios.room(PushdownScenarios.datasets(sc, same.get(0), otherB)),
              sc,
              false,
              false);
      assertFalse(pushed.rows().isEmpty());
      assertTrue(sameRows(values(pushed.rows()), values(apart.rows())), () -> apart.toTable());
      assertTrue(sameRows(values(allInMemory(sc, false).rows()), values(pushed.rows())));
    } finally {
      t.drop();
    }
  }

  private static Result allInMemory(Scenario sc) {
    return allInMemory(sc, true);
  }

  private static Result allInMemory(Scenario sc, boolean sums) {
    return run(
        PushdownScenarios.room(
            PushdownScenarios.datasets(
                sc, PushdownScenarios.inMemory(sc, 0), PushdownScenarios.inMemory(sc, 1))),
        sc,
        false,
        sums);
  }
}
