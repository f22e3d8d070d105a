package dev.cleanroom.examples;

import dev.cleanroom.jdbc.JdbcSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/** Writes the example's data into an embedded DuckDB file and opens it as a data source. */
final class DuckDbFiles {
  private DuckDbFiles() {}

  /** A data source over the DuckDB database file {@code file}: one new connection per call. */
  static DataSource dataSource(Path file) {
    return JdbcSource.dataSource("jdbc:duckdb:" + file.toAbsolutePath());
  }

  /**
   * Creates the tables {@code impressions} and {@code conversions} in {@code db} from {@code data}.
   */
  static void load(DataSource db, AdData data) throws SQLException {
    try (Connection c = db.getConnection()) {
      try (Statement s = c.createStatement()) {
        s.execute("DROP TABLE IF EXISTS impressions");
        s.execute("DROP TABLE IF EXISTS conversions");
        s.execute(
            "CREATE TABLE impressions (email VARCHAR NOT NULL, campaignId BIGINT NOT NULL,"
                + " country VARCHAR NOT NULL, device VARCHAR NOT NULL, day DATE NOT NULL)");
        s.execute(
            "CREATE TABLE conversions (email VARCHAR NOT NULL, purchaseValue DOUBLE,"
                + " channel VARCHAR NOT NULL, day DATE NOT NULL)");
      }
      c.setAutoCommit(false);
      try (PreparedStatement ps =
          c.prepareStatement("INSERT INTO impressions VALUES (?, ?, ?, ?, ?)")) {
        for (AdData.Impression i : data.impressions()) {
          ps.setString(1, i.email());
          ps.setLong(2, i.campaignId());
          ps.setString(3, i.country());
          ps.setString(4, i.device());
          ps.setObject(5, i.day());
          ps.addBatch();
        }
        ps.executeBatch();
      }
      try (PreparedStatement ps =
          c.prepareStatement("INSERT INTO conversions VALUES (?, ?, ?, ?)")) {
        for (AdData.Conversion v : data.conversions()) {
          ps.setString(1, v.email());
          ps.setDouble(2, v.purchaseValue());
          ps.setString(3, v.channel());
          ps.setObject(4, v.day());
          ps.addBatch();
        }
        ps.executeBatch();
      }
      c.commit();
    }
  }
}
