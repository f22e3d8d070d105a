package dev.cleanroom.examples;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** The workload in DuckDB: loading the CSV files with {@code read_csv}, and Q1 and Q1-DP in SQL. */
final class DuckDbWorkload {
  private DuckDbWorkload() {}

  /** Q1 in DuckDB's SQL: the same answer as our engine's threshold-only Q1. */
  static final String Q1 =
      "WITH c AS (SELECT user_id, sum(least(greatest(value, 0), 10000)) AS total"
          + " FROM conversions GROUP BY user_id),"
          + " p AS (SELECT DISTINCT user_id, campaign_id FROM impressions)"
          + " SELECT campaign_id, count(*) AS converters, sum(total) AS revenue"
          + " FROM p JOIN c USING (user_id) GROUP BY campaign_id HAVING count(*) >= 50"
          + " ORDER BY campaign_id";

  /**
   * Q1-DP in DuckDB's SQL, without the noise: at most 5 campaigns per person chosen by a hash, each
   * person's total per campaign clamped to [0, 500].
   */
  static final String Q1_DP =
      "WITH c AS (SELECT user_id, sum(least(greatest(value, 0), 10000)) AS total"
          + " FROM conversions GROUP BY user_id),"
          + " p AS (SELECT DISTINCT i.user_id, i.campaign_id FROM impressions i"
          + " SEMI JOIN c ON i.user_id = c.user_id),"
          + " r AS (SELECT user_id, campaign_id, row_number() OVER (PARTITION BY user_id"
          + " ORDER BY hash(user_id || '|' || campaign_id)) AS rn FROM p)"
          + " SELECT campaign_id, count(*) AS converters, sum(least(total, 500)) AS revenue"
          + " FROM r JOIN c USING (user_id) WHERE rn <= 5 GROUP BY campaign_id"
          + " HAVING count(*) >= 50 ORDER BY campaign_id";

  /**
   * Creates (or replaces) the tables {@code impressions} and {@code conversions} from the files.
   */
  static void load(Connection c, Path impressions, Path conversions) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(
          "CREATE OR REPLACE TABLE impressions AS SELECT * FROM read_csv('"
              + literal(impressions)
              + "', header = true, columns = {'user_id': 'VARCHAR', 'campaign_id': 'BIGINT',"
              + " 'ts': 'BIGINT'})");
      s.execute(
          "CREATE OR REPLACE TABLE conversions AS SELECT * FROM read_csv('"
              + literal(conversions)
              + "', header = true, columns = {'user_id': 'VARCHAR', 'value': 'DOUBLE'})");
    }
  }

  /** The number of rows of both tables, for checking a load. */
  static long rows(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT (SELECT count(*) FROM impressions) + (SELECT count(*) FROM conversions)")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static String literal(Path p) {
    return p.toAbsolutePath().toString().replace("'", "''");
  }

  /** Runs {@code sql} and returns its rows: campaign, converters, revenue. */
  static PerfAnswer run(Connection c, String sql) throws SQLException {
    List<PerfAnswer.Cell> cells = new ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        cells.add(PerfAnswer.Cell.exact(rs.getLong(1), rs.getLong(2), rs.getDouble(3)));
      }
    }
    return PerfAnswer.of(cells);
  }
}
