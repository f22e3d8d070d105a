package dev.cleanroom.internal.source;

import dev.cleanroom.ColumnType;
import dev.cleanroom.DataSourceException;
import dev.cleanroom.jdbc.SqlDialect;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * NULLs in a database's whole-number, date, timestamp and boolean columns: malformed data (the
 * engine has no missing value for them, as it has NaN for doubles and the empty string for text),
 * which fails every query that reads the column, whatever the query's filter. A scan or statement
 * whose filter runs in the database would otherwise fail only when the rows behind its filter hold
 * such a NULL, and whether a query fails must not tell that. So before reading such a column that
 * may hold NULL (other than the user id, whose NULL drops its row), the scan and the pushed-down
 * statement count its NULLs over the whole table ({@link dev.cleanroom.jdbc.SqlDialect#nullCounts})
 * and fail here, with the reason a row-by-row read gives.
 */
public final class NullValues {
  private NullValues() {}

  /** Whether a NULL in a column of {@code type} is malformed data. */
  public static boolean malformed(ColumnType type) {
    return type.isHeldAsLong();
  }

  /** The reason a NULL of {@code type} makes its row malformed, in messages and reports. */
  public static String reason(ColumnType type) {
    return "NULL in a " + type + " column";
  }

  /**
   * Fails if the one row of {@code counts} (a result of {@link
   * dev.cleanroom.jdbc.SqlDialect#nullCounts}, positioned on its row) counts a NULL.
   *
   * @param source the source, for the message
   * @param columns the names of the counted columns, in order
   * @param types their types
   * @throws DataSourceException naming the first column that holds a NULL, never a row or value
   */
  public static void requireNone(
      ResultSet counts, String source, List<String> columns, List<ColumnType> types)
      throws SQLException {
    for (int i = 0; i < columns.size(); i++) {
      if (counts.getLong(i + 1) > 0) {
        throw new DataSourceException(source, -1, columns.get(i), reason(types.get(i)), null);
      }
    }
  }

  /**
   * {@link #requireNone}, then the counts of malformed dates and timestamps that {@link
   * dev.cleanroom.jdbc.SqlDialect#malformedCounts} adds after the NULL counts: fails with the
   * reason a row-by-row read gives, never a row or value.
   */
  public static void requireWellFormed(
      ResultSet counts,
      String source,
      List<String> columns,
      List<ColumnType> types,
      List<List<SqlDialect.TimeCheck>> timeChecks)
      throws SQLException {
    requireNone(counts, source, columns, types);
    int at = columns.size();
    for (int i = 0; i < columns.size(); i++) {
      for (SqlDialect.TimeCheck check : timeChecks.get(i)) {
        if (counts.getLong(++at) > 0) {
          throw new DataSourceException(source, -1, columns.get(i), check.reason(), null);
        }
      }
    }
  }
}
