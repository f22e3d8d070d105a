package dev.cleanroom.jdbc;

import dev.cleanroom.UserIdFormat;
import dev.cleanroom.pseudonymization.Pseudonymizer;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.opentest4j.TestAbortedException;

/**
 * A table {@code ids(b, n, id)} of user ids in batches in a test database, with one connection kept
 * open, for comparing {@link SqlDialect#normalizedId} with {@link Pseudonymizer#normalize} row by
 * row. Not {@link AutoCloseable}: JUnit would close it after each test that it is an argument of.
 */
final class IdTable {
  /** The formats that SQL normalizes. */
  static final List<UserIdFormat> FORMATS =
      List.of(UserIdFormat.RAW, UserIdFormat.EMAIL, UserIdFormat.PSEUDONYMIZED);

  private final TestDatabase db;
  private final Connection connection;
  private int batch;

  private IdTable(TestDatabase db) throws SQLException {
    this.db = db;
    this.connection = db.dataSource().getConnection();
    execute(
        "CREATE TABLE \"ids\" (\"b\" INTEGER NOT NULL, \"n\" INTEGER NOT NULL, \"id\" VARCHAR)");
  }

  /** Makes the table anew, empty, with an id column of SQL type {@code type}. */
  void recreate(String type) throws SQLException {
    execute("DROP TABLE \"ids\"");
    execute(
        "CREATE TABLE \"ids\" (\"b\" INTEGER NOT NULL, \"n\" INTEGER NOT NULL, \"id\" "
            + type
            + ")");
  }

  /**
   * H2, DuckDB and, when {@code CLEANROOM_PG_URL} is set, PostgreSQL (which fails instead of being
   * skipped when it cannot be reached and {@code CI=true}).
   */
  static List<IdTable> openAll() throws SQLException, IOException {
    List<IdTable> tables = new ArrayList<>();
    tables.add(new IdTable(TestDatabase.h2()));
    tables.add(new IdTable(TestDatabase.duckdb()));
    String url = System.getenv("CLEANROOM_PG_URL");
    if (url != null && !url.isEmpty()) {
      try {
        tables.add(new IdTable(TestDatabase.postgres()));
      } catch (TestAbortedException e) {
        // Unreachable outside CI: the other databases are still checked.
      }
    }
    return tables;
  }

  SqlDialect dialect() {
    return db.dialect();
  }

  /**
   * Whether the database can hold {@code id}: PostgreSQL text holds no NUL character, and only H2
   * stores UTF-16 as it is, unpaired surrogates included (the others store UTF-8).
   */
  boolean holds(String id) {
    if (id == null || db.dialect() == SqlDialect.H2) {
      return true;
    }
    if (db.dialect() == SqlDialect.POSTGRESQL && id.indexOf('\0') >= 0) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < id.length()
          && Character.isLowSurrogate(id.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Makes {@code ids} (a null is NULL), numbered in order, the rows that {@link #normalize} reads:
   * one statement, which adds them as a new batch rather than deleting the last one first.
   */
  void load(List<String> ids) throws SQLException {
    batch++;
    if (ids.isEmpty()) {
      return;
    }
    String sql =
        "INSERT INTO \"ids\" VALUES "
            + String.join(", ", Collections.nCopies(ids.size(), "(?, ?, ?)"));
    try (PreparedStatement ps = connection.prepareStatement(sql)) {
      for (int i = 0; i < ids.size(); i++) {
        ps.setInt(3 * i + 1, batch);
        ps.setInt(3 * i + 2, i);
        ps.setString(3 * i + 3, ids.get(i));
      }
      ps.executeUpdate();
    }
  }

  /** The SQL expression for the normalized id column in {@code format}. */
  String normalizedId(UserIdFormat format) {
    return db.dialect().normalizedId(db.dialect().quote("id"), format).orElseThrow();
  }

  /**
   * The SQL expression for the normalized id column in {@code format}, as queries over a table
   * write it ({@link SqlDialect#normalizedColumnId}).
   */
  String normalizedColumnId(UserIdFormat format) {
    return db.dialect().normalizedColumnId(db.dialect().quote("id"), format).orElseThrow();
  }

  /**
   * What the database makes of the last batch loaded, in one statement: per row in order, the id as
   * read back and its normalized form in each of {@link #FORMATS}; and per format the number of
   * distinct non-NULL normalized ids (zero when the batch is empty).
   */
  Normalized normalize() throws SQLException {
    return normalize(false);
  }

  /**
   * {@link #normalize()} with {@link SqlDialect#normalizedColumnId} if {@code column}, else with
   * {@link SqlDialect#normalizedId}.
   */
  Normalized normalize(boolean column) throws SQLException {
    StringBuilder sql = new StringBuilder("WITH \"t\" AS (SELECT \"n\", \"id\"");
    for (int f = 0; f < FORMATS.size(); f++) {
      UserIdFormat format = FORMATS.get(f);
      sql.append(", ")
          .append(column ? normalizedColumnId(format) : normalizedId(format))
          .append(" AS \"f")
          .append(f)
          .append('"');
    }
    sql.append(" FROM \"ids\" WHERE \"b\" = ").append(batch).append("), \"c\" AS (SELECT ");
    for (int f = 0; f < FORMATS.size(); f++) {
      sql.append(f == 0 ? "" : ", ").append("COUNT(DISTINCT \"f").append(f).append("\") AS \"c");
      sql.append(f).append('"');
    }
    sql.append(" FROM \"t\") SELECT * FROM \"t\" CROSS JOIN \"c\" ORDER BY \"n\"");
    List<List<String>> rows = new ArrayList<>();
    List<Long> counts = new ArrayList<>(Collections.nCopies(FORMATS.size(), 0L));
    try (Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery(sql.toString())) {
      while (rs.next()) {
        List<String> row = new ArrayList<>();
        row.add(rs.getString("id"));
        for (int f = 0; f < FORMATS.size(); f++) {
          row.add(rs.getString("f" + f));
          counts.set(f, rs.getLong("c" + f));
        }
        rows.add(row);
      }
    }
    return new Normalized(rows, counts);
  }

  /**
   * The database's normalization of a table.
   *
   * @param rows per row: the id, then its normalized form per format of {@link #FORMATS}
   * @param distinct per format: the number of distinct non-NULL normalized ids
   */
  record Normalized(List<List<String>> rows, List<Long> distinct) {}

  /** Runs a statement on the kept connection. */
  void execute(String sql) throws SQLException {
    try (Statement s = connection.createStatement()) {
      s.execute(sql);
    }
  }

  /** The first {@code columns} columns of every row of a query, as text. */
  List<List<String>> rows(String sql, int columns) throws SQLException {
    List<List<String>> rows = new ArrayList<>();
    try (Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        List<String> row = new ArrayList<>(columns);
        for (int i = 1; i <= columns; i++) {
          row.add(rs.getString(i));
        }
        rows.add(row);
      }
    }
    return rows;
  }

  /**
   * The characters that the per-character tests put at both ends of ids ({@link IdEnds#sampled}):
   * every one up to U+30FF (Java's whitespace lies below U+3001, and so do the look-alikes but
   * U+FEFF), every 53rd above, and U+FEFF, U+FF10 (a full-width digit) and U+FFFF; never NUL or a
   * surrogate.
   */
  static boolean sampled(int cp) {
    return (cp <= 0x30FF || cp % 53 == 0 || cp == 0xFEFF || cp == 0xFF10 || cp == 0xFFFF)
        && cp > 0
        && !(cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE);
  }

  /** Java's normalized id, or null where {@link Pseudonymizer#normalize} rejects the id. */
  static String javaNormalized(String id, UserIdFormat format) {
    if (id == null) {
      return null;
    }
    try {
      return Pseudonymizer.normalize(id, format);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The number of distinct normalized ids that Java gives {@code ids} in {@code format}. */
  static long javaDistinct(List<String> ids, UserIdFormat format) {
    Set<String> distinct = new HashSet<>();
    for (String id : ids) {
      distinct.add(javaNormalized(id, format));
    }
    distinct.remove(null);
    return distinct.size();
  }

  /** {@code s} with every character outside printable ASCII written as U+XXXX, for messages. */
  static String visible(String s) {
    if (s == null) {
      return "NULL";
    }
    StringBuilder b = new StringBuilder("\"");
    s.codePoints()
        .forEach(
            cp -> {
              if (cp >= 0x20 && cp < 0x7F) {
                b.appendCodePoint(cp);
              } else {
                b.append(String.format(java.util.Locale.ROOT, "<U+%04X>", cp));
              }
            });
    return b.append('"').toString();
  }

  @Override
  public String toString() {
    return db.dialect().name();
  }

  /** Closes the connection and drops the database. */
  void close() throws SQLException, IOException {
    try {
      connection.close();
    } finally {
      db.close();
    }
  }

  static void closeAll(List<IdTable> tables) throws SQLException, IOException {
    for (IdTable t : tables) {
      t.close();
    }
  }
}
