package dev.cleanroom.engine.trino;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The cluster the Trino tests run on is distributed: a coordinator and two worker JVMs. */
class TrinoClusterTest {
  @Test
  void coordinatorAndTwoWorkers_inSeparateJvms() throws SQLException {
    TrinoCluster trino = TrinoCluster.get();
    assertEquals(TrinoCluster.WORKERS + 1, trino.activeNodes());
    assertEquals(TrinoCluster.WORKERS, trino.workerPids().size());
    Set<Long> pids = new HashSet<>(trino.workerPids());
    assertEquals(TrinoCluster.WORKERS, pids.size());
    for (long pid : pids) {
      assertNotEquals(ProcessHandle.current().pid(), pid);
      assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    }
    try (Connection c = trino.jdbc().getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT count(*), count_if(coordinator) FROM system.runtime.nodes"
                    + " WHERE state = 'active'")) {
      assertTrue(rs.next());
      assertEquals(TrinoCluster.WORKERS + 1, rs.getLong(1));
      assertEquals(1, rs.getLong(2));
    }
  }

  /** A query's tasks (scan, aggregation, output) run on the workers, not on the coordinator. */
  @Test
  void scansRunOnTheWorkers() throws SQLException {
    TrinoCluster trino = TrinoCluster.get();
    trino.execute(
        "CREATE TABLE memory.\"default\".spread AS SELECT x FROM UNNEST(sequence(1, 5000)) t(x)");
    try (Connection c = trino.jdbc().getConnection();
        Statement s = c.createStatement()) {
      String queryId;
      try (ResultSet rs = s.executeQuery("SELECT sum(x) FROM memory.\"default\".spread")) {
        assertTrue(rs.next());
        assertEquals(5000L * 5001 / 2, rs.getLong(1));
        queryId = rs.unwrap(io.trino.jdbc.TrinoResultSet.class).getQueryId();
      }
      Set<String> nodes = new HashSet<>();
      String coordinator;
      try (ResultSet rs =
          s.executeQuery("SELECT node_id FROM system.runtime.nodes WHERE coordinator")) {
        assertTrue(rs.next());
        coordinator = rs.getString(1);
      }
      try (ResultSet rs =
          s.executeQuery(
              "SELECT DISTINCT node_id FROM system.runtime.tasks WHERE query_id = '"
                  + queryId.replaceAll("[^a-z0-9_]", "")
                  + "'")) {
        while (rs.next()) {
          nodes.add(rs.getString(1));
        }
      }
      assertFalse(nodes.isEmpty());
      assertFalse(nodes.contains(coordinator), () -> coordinator + " ran a task: " + nodes);
    } finally {
      trino.execute("DROP TABLE IF EXISTS memory.\"default\".spread");
    }
  }
}
