package dev.cleanroom.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cleanroom.UserIdFormat;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The per-character check of {@link SqlDialect#normalizedId} and {@link
 * SqlDialect#normalizedColumnId}: characters of the Basic Multilingual Plane (every one up to
 * U+30FF, a sample above: {@link IdTable#sampled}), made by the database itself, before and after
 * an id of each format, and at one end only of a plain id; the database must strip exactly Java's
 * whitespace and lower-case exactly A-Z, as {@link dev.cleanroom.pseudonymization.Pseudonymizer}
 * does. Shared by the core module's databases ({@code SqlIdsTest}) and the distributed engines'
 * tests, which run it on Trino and Spark.
 */
public final class IdEnds {
  /** An id of the PSEUDONYMIZED format, in mixed case. */
  static final String HEX64 = "0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789ABCDEF";

  /** The columns of each row of {@link #query}: the code point, then the eight normalized ids. */
  public static final int COLUMNS = 9;

  private static final UserIdFormat[] FORMATS = {
    UserIdFormat.RAW,
    UserIdFormat.EMAIL,
    UserIdFormat.PSEUDONYMIZED,
    UserIdFormat.RAW,
    UserIdFormat.EMAIL,
    UserIdFormat.PSEUDONYMIZED,
    UserIdFormat.RAW,
    UserIdFormat.RAW
  };

  private IdEnds() {}

  /**
   * The condition that keeps the sampled characters of {@link IdTable#sampled}, over the code point
   * expression {@code cp}: never NUL or a surrogate.
   */
  public static String sampled(String cp) {
    return "("
        + cp
        + " <= 12543 OR "
        + cp
        + " % 53 = 0 OR "
        + cp
        + " IN (65279, 65296, 65535)) AND "
        + cp
        + " > 0 AND ("
        + cp
        + " < 55296 OR "
        + cp
        + " > 57343)";
  }

  /**
   * The statement whose rows {@link #assertJavas} checks, in code point order: per character, its
   * code point and the ids {@code c a c}, {@code c A c @B c} and {@code c HEX64 c} normalized by
   * {@link SqlDialect#normalizedId} and by {@link SqlDialect#normalizedColumnId} in their formats,
   * then {@code c a} and {@code a c} by the column form (whose fast path sees the character at one
   * end only).
   *
   * @param characters a query of the dialect with columns {@code cp} (the code point) and {@code c}
   *     (its character), quoted as the dialect quotes, over the code points that {@link #sampled}
   *     keeps
   */
  public static String query(SqlDialect d, String characters) {
    String[] ids = {"r", "e", "p", "r", "e", "p", "s", "t"};
    StringBuilder sql = new StringBuilder("SELECT ").append(d.quote("cp"));
    for (int f = 0; f < ids.length; f++) {
      String column = d.quote(ids[f]);
      sql.append(", ")
          .append(
              (f < 3
                      ? d.normalizedId(column, FORMATS[f])
                      : d.normalizedColumnId(column, FORMATS[f]))
                  .orElseThrow());
    }
    String c = d.quote("c");
    return sql.append(" FROM (SELECT ")
        .append(d.quote("cp"))
        .append(", ")
        .append(c + " || 'a' || " + c + " AS " + d.quote("r"))
        .append(", ")
        .append(c + " || 'A' || " + c + " || '@B' || " + c + " AS " + d.quote("e"))
        .append(", ")
        .append(c + " || '" + HEX64 + "' || " + c + " AS " + d.quote("p"))
        .append(", ")
        .append(c + " || 'a' AS " + d.quote("s"))
        .append(", ")
        .append("'a' || " + c + " AS " + d.quote("t"))
        .append(" FROM (")
        .append(characters)
        .append(") g WHERE ")
        .append(sampled(d.quote("cp")))
        .append(") t ORDER BY ")
        .append(d.quote("cp"))
        .toString();
  }

  /**
   * Runs {@link #query} over {@code characters} on {@code connection} and checks its rows ({@link
   * #assertJavas}).
   */
  public static void check(String database, Connection connection, SqlDialect d, String characters)
      throws SQLException {
    List<List<String>> rows = new ArrayList<>();
    try (Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery(query(d, characters))) {
      while (rs.next()) {
        List<String> row = new ArrayList<>(COLUMNS);
        for (int i = 1; i <= COLUMNS; i++) {
          row.add(rs.getString(i));
        }
        rows.add(row);
      }
    }
    assertJavas(database, rows);
  }

  /**
   * Checks the rows of {@link #query} (as text, {@value #COLUMNS} columns each): one per sampled
   * character, each id normalized as Java normalizes it, and exactly Java's 25 whitespace
   * characters stripped.
   */
  public static void assertJavas(String database, List<List<String>> rows) {
    assertEquals(
        IntStream.rangeClosed(0, 0xFFFF).filter(IdTable::sampled).count(),
        rows.size(),
        () -> database + ": characters");
    int whitespace = 0;
    for (List<String> row : rows) {
      int cp = Integer.parseInt(row.get(0));
      String c = Character.toString(cp);
      String[] ids = {
        c + "a" + c,
        c + "A" + c + "@B" + c,
        c + HEX64 + c,
        c + "a" + c,
        c + "A" + c + "@B" + c,
        c + HEX64 + c,
        c + "a",
        "a" + c
      };
      for (int f = 0; f < ids.length; f++) {
        String id = ids[f];
        String got = row.get(1 + f);
        int column = f;
        assertEquals(
            IdTable.javaNormalized(id, FORMATS[f]),
            got,
            () ->
                database
                    + " column "
                    + column
                    + " "
                    + IdTable.visible(id)
                    + ": SQL gave "
                    + IdTable.visible(got));
      }
      if ("a".equals(row.get(1))) {
        whitespace++;
      }
    }
    assertEquals(25, whitespace, () -> database + ": whitespace characters stripped");
  }
}
