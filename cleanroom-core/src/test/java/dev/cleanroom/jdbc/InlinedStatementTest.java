package dev.cleanroom.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.HexFormat;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/**
 * The statement that writes values in for Spark's Hive JDBC driver: markers are found as Spark SQL
 * reads the statement, and every literal is made of characters that cannot end it. That Spark reads
 * the literals back as the values is checked on a real Spark SQL server by the engine-spark module.
 */
class InlinedStatementTest {
  @Test
  void split_findsMarkersOutsideLiteralsIdentifiersAndComments() {
    assertEquals(List.of("a = ", " AND b = ", ""), InlinedStatement.split("a = ? AND b = ?"));
    assertEquals(
        List.of("SELECT '?', \"?\", `?``?`, r'\\?' -- ?\n, /* ? */ x = ", ""),
        InlinedStatement.split("SELECT '?', \"?\", `?``?`, r'\\?' -- ?\n, /* ? */ x = ?"));
    // A backslash escapes the next character in a plain literal, not in a raw one.
    assertEquals(List.of("'\\'?' = "), InlinedStatement.split("'\\'?' = "));
    assertEquals(List.of("r'\\' = ", ""), InlinedStatement.split("r'\\' = ?"));
    // "r" that ends a word is no raw prefix.
    assertEquals(List.of("ar'\\'?' = ", ""), InlinedStatement.split("ar'\\'?' = ?"));
    assertEquals(List.of("", ""), InlinedStatement.split("?"));
  }

  @Test
  void split_ofTheSparkNormalization_hasOneMarker() {
    String sql =
        "SELECT "
            + SqlDialect.SPARK.normalizedId("?", dev.cleanroom.UserIdFormat.EMAIL).orElseThrow();
    assertEquals(2, InlinedStatement.split(sql).size(), sql);
  }

  @Property
  void textLiteral_holdsOnlyHexDigitsOfTheUtf8Bytes(@ForAll String value) {
    String literal = InlinedStatement.textLiteral(value);
    String prefix = "decode(unhex('";
    String suffix = "'), 'UTF-8')";
    assertTrue(literal.startsWith(prefix) && literal.endsWith(suffix), literal);
    String hex = literal.substring(prefix.length(), literal.length() - suffix.length());
    assertTrue(hex.matches("[0-9A-F]*"), literal);
    assertEquals(
        new String(value.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8),
        new String(HexFormat.of().parseHex(hex), StandardCharsets.UTF_8));
  }

  @Property
  void numberLiterals_holdOnlyDigitsSignPointAndExponent(
      @ForAll long whole, @ForAll double fraction) throws SQLException {
    assertEquals("CAST(" + whole + " AS BIGINT)", InlinedStatement.longLiteral(whole));
    if (Double.isFinite(fraction)) {
      String literal = InlinedStatement.doubleLiteral(fraction);
      String digits =
          literal.substring("CAST('".length(), literal.length() - "' AS DOUBLE)".length());
      assertTrue(digits.matches("-?[0-9]+\\.[0-9]+(E-?[0-9]+)?"), literal);
      assertEquals(fraction, Double.parseDouble(digits));
    } else {
      assertThrows(SQLException.class, () -> InlinedStatement.doubleLiteral(fraction));
    }
  }

  @Test
  void statement_writesEveryValueIn_andRefusesWhatItDoesNotSupport() throws SQLException {
    PreparedStatement ps =
        InlinedStatement.prepare(
            (java.sql.Connection)
                java.lang.reflect.Proxy.newProxyInstance(
                    getClass().getClassLoader(),
                    new Class<?>[] {java.sql.Connection.class},
                    (proxy, method, args) -> {
                      throw new AssertionError("no connection is used before executeQuery");
                    }),
            "SELECT x FROM `t?` WHERE a = ? AND b = ? AND c = ? AND d = ?");
    ps.setString(1, "x'\\");
    ps.setLong(2, Long.MIN_VALUE);
    ps.setDouble(3, 0.1);
    ps.setNull(4, java.sql.Types.VARCHAR);
    String sql = InlinedStatement.inlinedOf(ps);
    assertEquals(
        "SELECT x FROM `t?` WHERE a = decode(unhex('78275C'), 'UTF-8') AND b = CAST("
            + Long.MIN_VALUE
            + " AS BIGINT) AND c = CAST('0.1' AS DOUBLE) AND d = NULL",
        sql);
    assertThrows(SQLException.class, () -> ps.setString(5, "x"));
    assertThrows(SQLFeatureNotSupportedException.class, () -> ps.setBoolean(1, true));
    ps.clearParameters();
    assertThrows(SQLException.class, () -> InlinedStatement.inlinedOf(ps));
    ps.close();
    assertTrue(ps.isClosed());
    assertThrows(SQLException.class, () -> ps.setString(1, "x"));
  }
}
