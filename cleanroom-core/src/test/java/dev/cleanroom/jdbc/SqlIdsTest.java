package dev.cleanroom.jdbc;

import static dev.cleanroom.jdbc.IdTable.FORMATS;
import static dev.cleanroom.jdbc.IdTable.javaDistinct;
import static dev.cleanroom.jdbc.IdTable.javaNormalized;
import static dev.cleanroom.jdbc.IdTable.visible;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.cleanroom.UserIdFormat;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link SqlDialect#normalizedId} on notable ids, and on characters of the Basic Multilingual Plane
 * at both ends of an id, in H2, DuckDB and PostgreSQL (when {@code CLEANROOM_PG_URL} is set). Each
 * example states the expected normalized id and checks that Java gives it too.
 */
class SqlIdsTest {
  private static final String HEX64 = IdEnds.HEX64;

  private static List<IdTable> tables;

  @BeforeAll
  static void open() throws Exception {
    tables = IdTable.openAll();
  }

  @AfterAll
  static void close() throws Exception {
    IdTable.closeAll(tables);
  }

  static List<IdTable> tables() {
    return tables;
  }

  /**
   * Loads {@code ids} and checks each against its expected normalized form in {@code format} (null:
   * NULL in SQL, rejected in Java), in the database and in Java.
   */
  private static void check(IdTable table, UserIdFormat format, String... idsAndExpected)
      throws SQLException {
    List<String> ids = new ArrayList<>();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < idsAndExpected.length; i += 2) {
      ids.add(idsAndExpected[i]);
      expected.add(idsAndExpected[i + 1]);
    }
    table.load(ids);
    List<List<String>> rows = table.normalize().rows();
    int f = FORMATS.indexOf(format);
    for (int i = 0; i < ids.size(); i++) {
      String id = ids.get(i);
      assertEquals(expected.get(i), javaNormalized(id, format), () -> "Java, " + visible(id));
      String sql = rows.get(i).get(1 + f);
      assertEquals(
          expected.get(i),
          sql,
          () -> table + " " + format + " of " + visible(id) + ": SQL gave " + visible(sql));
    }
  }

  @ParameterizedTest
  @MethodSource("tables")
  void trailingTab_isStripped_soTheIdIsOnePerson(IdTable table) throws SQLException {
    check(table, UserIdFormat.RAW, "alice\t", "alice", "alice", "alice", " alice\u3000", "alice");
    check(table, UserIdFormat.EMAIL, "Alice@X.org\t", "alice@x.org");
    assertEquals(1L, table.normalize().distinct().get(FORMATS.indexOf(UserIdFormat.EMAIL)));
  }

  @ParameterizedTest
  @MethodSource("tables")
  void nextLine_isNotWhitespace_andDoesNotEndTheText(IdTable table) throws SQLException {
    // U+0085 is not whitespace in Java, so it stays, and so does the space before it: in Java
    // regular expressions (H2) "$" would match before it, as before a final line end.
    check(
        table,
        UserIdFormat.RAW,
        "a \u0085",
        "a \u0085",
        "\u0085",
        "\u0085",
        "a\u2028\u0085\u2029",
        "a\u2028\u0085",
        "a \n",
        "a");
  }

  @ParameterizedTest
  @MethodSource("tables")
  void lookalikeSpaces_areKept(IdTable table) throws SQLException {
    check(
        table,
        UserIdFormat.RAW,
        "\u00A0a\u00A0",
        "\u00A0a\u00A0",
        "\u2007a\u202F",
        "\u2007a\u202F",
        "\u180Ea\u200B",
        "\u180Ea\u200B",
        "\uFEFFa",
        "\uFEFFa",
        "\u001Ca\u001F\u000B\u000C",
        "a");
  }

  @ParameterizedTest
  @MethodSource("tables")
  void kelvinSign_isKept_notMadeAnAsciiK(IdTable table) throws SQLException {
    check(
        table,
        UserIdFormat.EMAIL,
        "\u212A@X.ORG",
        "\u212A@x.org",
        "K@X.ORG",
        "k@x.org",
        "k@x.org",
        "k@x.org");
    // Java's Unicode lower-casing would make the two addresses one.
    assertEquals("k", "\u212A".toLowerCase(Locale.ROOT));
    assertEquals(2L, table.normalize().distinct().get(FORMATS.indexOf(UserIdFormat.EMAIL)));
  }

  @ParameterizedTest
  @MethodSource("tables")
  void nonAsciiLetters_keepTheirCase(IdTable table) throws SQLException {
    check(
        table,
        UserIdFormat.EMAIL,
        "\u00C4RGER@X.DE",
        "\u00C4rger@x.de",
        "\u0130STANBUL@X.TR",
        "\u0130stanbul@x.tr",
        "\u039F\u0394\u03A5\u03A3\u03A3\u0395\u03A5\u03A3@X.GR",
        "\u039F\u0394\u03A5\u03A3\u03A3\u0395\u03A5\u03A3@x.gr",
        "\uD801\uDC00B@X",
        "\uD801\uDC00b@x",
        "STRA\u1E9EE@X.DE",
        "stra\u1E9Ee@x.de");
  }

  @ParameterizedTest
  @MethodSource("tables")
  void blankAndMalformedIds_areNull(IdTable table) throws SQLException {
    check(table, UserIdFormat.RAW, "", null, " \t\u3000\n", null, null, null);
    check(
        table,
        UserIdFormat.EMAIL,
        "a@b@c",
        null,
        "@b",
        null,
        "a@",
        null,
        " @ ",
        null,
        "ab",
        null,
        "",
        null,
        null,
        null);
    check(
        table,
        UserIdFormat.PSEUDONYMIZED,
        HEX64.substring(1),
        null,
        HEX64 + "0",
        null,
        HEX64.substring(1) + "g",
        null,
        HEX64.substring(1) + "\uFF10",
        null,
        HEX64.substring(2) + "\uD835\uDFCE",
        null,
        null,
        null);
  }

  @ParameterizedTest
  @MethodSource("tables")
  void pseudonym_isStripped_andLowerCased(IdTable table) throws SQLException {
    String lower = HEX64.toLowerCase(Locale.ROOT);
    check(table, UserIdFormat.PSEUDONYMIZED, " " + HEX64 + "\t", lower, "\u2000" + lower, lower);
  }

  /** The tables of databases whose text can hold NUL characters (PostgreSQL's cannot). */
  static List<IdTable> tablesHoldingNul() {
    return tables.stream().filter(t -> t.holds(" a\0 ")).toList();
  }

  @ParameterizedTest
  @MethodSource("tablesHoldingNul")
  void nulIsKept_andAnUnpairedSurrogateMakesNoId_whereTheDatabaseHoldsThem(IdTable table)
      throws SQLException {
    // A lone surrogate is not Unicode text: no id of any format (a pair is one character).
    String[][] pairs = {
      {" a\0 ", "a\0"},
      {"\0", "\0"},
      {" \uD800 ", null},
      {"a\uDC00b", null},
      {"a\uDC00\uD800", null},
      {"\uD83D\uDE00 ", "\uD83D\uDE00"}
    };
    List<String> idsAndExpected = new ArrayList<>();
    for (String[] pair : pairs) {
      if (table.holds(pair[0])) {
        idsAndExpected.addAll(Arrays.asList(pair));
      }
    }
    assertFalse(idsAndExpected.isEmpty(), () -> table + " holds none of them");
    check(table, UserIdFormat.RAW, idsAndExpected.toArray(new String[0]));
  }

  /**
   * A column whose collation ignores case must not make two ids that differ in case one person: the
   * expression gives its result the binary collation (in PostgreSQL, whose regular expressions also
   * refuse nondeterministic collations, and in DuckDB, whose collations travel with results); in H2
   * the functions' results are case-sensitive text.
   */
  @ParameterizedTest
  @MethodSource("tables")
  void caseInsensitiveColumn_stillTellsCasesApart(IdTable table) throws SQLException {
    String type =
        switch (table.dialect()) {
          case H2 -> "VARCHAR_IGNORECASE";
          case DUCKDB -> "VARCHAR COLLATE NOCASE";
          case POSTGRESQL -> {
            try {
              table.execute(
                  "CREATE COLLATION IF NOT EXISTS \"ci\" (provider = icu, locale = 'und-u-ks-level2',"
                      + " deterministic = false)");
            } catch (SQLException e) {
              Assumptions.abort("PostgreSQL without ICU collations: " + e.getSQLState());
            }
            yield "VARCHAR COLLATE \"ci\"";
          }
          default -> throw new IllegalStateException(table.toString());
        };
    table.recreate(type);
    try {
      List<String> ids = List.of("Alice", "alice", "ALICE ", "A@x.org", "a@X.ORG");
      table.load(ids);
      List<Long> distinct = table.normalize().distinct();
      for (UserIdFormat format : FORMATS) {
        assertEquals(
            javaDistinct(ids, format),
            distinct.get(FORMATS.indexOf(format)),
            table + " " + format + " " + type);
      }
      assertEquals(5L, distinct.get(FORMATS.indexOf(UserIdFormat.RAW)));
      assertEquals(1L, distinct.get(FORMATS.indexOf(UserIdFormat.EMAIL)));
    } finally {
      table.recreate("VARCHAR");
    }
  }

  /**
   * Characters of the Basic Multilingual Plane, made by the database itself, at both ends of an id
   * of each format: only Java's whitespace is stripped, only A-Z are lower-cased ({@link IdEnds}).
   */
  @ParameterizedTest
  @MethodSource("tables")
  void bmpCharacters_atBothEnds_asJava(IdTable table) throws SQLException {
    String characters =
        switch (table.dialect()) {
          case H2 -> "SELECT X AS \"cp\", CHAR(X) AS \"c\" FROM SYSTEM_RANGE(1, 65535)";
          case DUCKDB ->
              "SELECT i AS \"cp\", chr(CAST(i AS INTEGER)) AS \"c\" FROM range(1, 65536) AS r(i)";
          case POSTGRESQL ->
              "SELECT i AS \"cp\", chr(i) AS \"c\" FROM generate_series(1, 65535) AS g(i)";
          default -> throw new IllegalStateException(table.toString());
        };
    IdEnds.assertJavas(
        table.toString(), table.rows(IdEnds.query(table.dialect(), characters), IdEnds.COLUMNS));
  }

  /**
   * {@link SqlDialect#hexToBigint} reads 16 hexadecimal digits as Java's {@link
   * Long#parseUnsignedLong} does, at the ends of the range and across the sign bit; H2 has none.
   */
  @org.junit.jupiter.api.Test
  void hexToBigint_isJavasUnsignedParse() throws SQLException {
    int checked = 0;
    for (IdTable table : tables) {
      if (table.dialect().hexToBigint("x").isPresent()) {
        checkHexToBigint(table);
        checked++;
      }
    }
    assertEquals(tables.size() - 1, checked, "every database but H2");
  }

  private static void checkHexToBigint(IdTable table) throws SQLException {
    SqlDialect d = table.dialect();
    List<String> hex =
        List.of(
            "0000000000000000",
            "0000000000000001",
            "7fffffffffffffff",
            "8000000000000000",
            "8000000000000001",
            "fffffffffffffffe",
            "ffffffffffffffff",
            "0123456789abcdef",
            "fedcba9876543210");
    List<String> columns = new ArrayList<>();
    for (String h : hex) {
      // Constant text of the test, never a value of data.
      columns.add(d.hexToBigint("'" + h + "'").orElseThrow());
    }
    List<List<String>> rows = table.rows("SELECT " + String.join(", ", columns), hex.size());
    for (int i = 0; i < hex.size(); i++) {
      assertEquals(
          Long.toString(Long.parseUnsignedLong(hex.get(i), 16)), rows.get(0).get(i), hex.get(i));
    }
  }
}
