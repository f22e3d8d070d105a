package dev.cleanroom.examples;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.logging.Logger;
import javax.sql.DataSource;

/** Writes the example's data into an embedded DuckDB file and opens it as a data source. */
final class DuckDbFiles {
  private DuckDbFiles() {}

  /** A data source over the DuckDB database file {@code file}: one new connection per call. */
  static DataSource dataSource(Path file) {
    String url = "jdbc:duckdb:" + file.toAbsolutePath();
    return new DataSource() {
      @Override
      public Connection getConnection() throws SQLException {
        return DriverManager.getConnection(url);
      }

      @Override
      public Connection getConnection(String user, String password) throws SQLException {
        return getConnection();
      }

      @Override
      public PrintWriter getLogWriter() {
        return null;
      }

      @Override
      public void setLogWriter(PrintWriter out) {}

      @Override
      public void setLoginTimeout(int seconds) {}

      @Override
      public int getLoginTimeout() {
        return 0;
      }

      @Override
      public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException();
      }

      @Override
      public <T> T unwrap(Class<T> iface) throws SQLException {
        throw new SQLException("not a wrapper");
      }

      @Override
      public boolean isWrapperFor(Class<?> iface) {
        return false;
      }
    };
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
                + " country VARCHAR NOT NULL, device VARCHAR NOT NULL)");
        s.execute(
            "CREATE TABLE conversions (email VARCHAR NOT NULL, purchaseValue DOUBLE,"
                + " channel VARCHAR NOT NULL)");
      }
      c.setAutoCommit(false);
      try (PreparedStatement ps =
          c.prepareStatement("INSERT INTO impressions VALUES (?, ?, ?, ?)")) {
        for (AdData.Impression i : data.impressions()) {
          ps.setString(1, i.email());
          ps.setLong(2, i.campaignId());
          ps.setString(3, i.country());
          ps.setString(4, i.device());
          ps.addBatch();
        }
        ps.executeBatch();
      }
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO conversions VALUES (?, ?, ?)")) {
        for (AdData.Conversion v : data.conversions()) {
          ps.setString(1, v.email());
          ps.setDouble(2, v.purchaseValue());
          ps.setString(3, v.channel());
          ps.addBatch();
        }
        ps.executeBatch();
      }
      c.commit();
    }
  }
}
