package dev.cleanroom.jdbc;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A prepared statement for a driver that writes bound values into the statement text itself (the
 * Hive JDBC driver, with which Spark SQL's Thrift server is reached): the values never reach the
 * driver as parameters. The engine writes each one into the statement as a literal that no parser
 * can read as anything but that value, and runs the result as a plain statement with no parameter:
 *
 * <ul>
 *   <li>text as {@code decode(unhex('…'), 'UTF-8')}, the hexadecimal digits of its UTF-8 bytes, so
 *       that the literal holds only {@code [0-9A-F]}: no quote, backslash or comment can appear;
 *   <li>whole numbers as {@code CAST(<digits> AS BIGINT)} and double-precision numbers as {@code
 *       CAST('<Double.toString>' AS DOUBLE)} (digits, sign, point and exponent only; a number that
 *       is not finite is refused), both read back exactly;
 *   <li>NULL as {@code NULL}.
 * </ul>
 *
 * <p>The markers are found by reading the statement as Spark SQL reads it: a {@code ?} inside a
 * string literal ({@code '…'} or {@code "…"} with backslash escapes, or a raw {@code r'…'}), a
 * back-quoted identifier or a comment is not a marker. The statements are the engine's own, with
 * every identifier quoted. Only what the engine calls is supported: setting text, whole numbers,
 * doubles and NULLs, {@code executeQuery}, fetch size, query timeout, {@code cancel} and {@code
 * close}; anything else throws {@link SQLFeatureNotSupportedException}.
 */
final class InlinedStatement implements InvocationHandler {
  private static final HexFormat HEX = HexFormat.of().withUpperCase();

  private final Connection connection;
  private final List<String> pieces;
  private final String[] literals;
  private int fetchSize;
  private int queryTimeout;
  private Statement running;
  private boolean closed;

  private InlinedStatement(Connection connection, List<String> pieces) {
    this.connection = connection;
    this.pieces = pieces;
    this.literals = new String[pieces.size() - 1];
  }

  /** A statement for {@code sql} on {@code connection} whose values are written in as literals. */
  static PreparedStatement prepare(Connection connection, String sql) {
    return (PreparedStatement)
        Proxy.newProxyInstance(
            InlinedStatement.class.getClassLoader(),
            new Class<?>[] {PreparedStatement.class},
            new InlinedStatement(connection, split(sql)));
  }

  /**
   * {@code sql} cut at its parameter markers: one piece more than there are markers. A marker is a
   * {@code ?} outside string literals, back-quoted identifiers and comments, as Spark SQL reads
   * them.
   */
  static List<String> split(String sql) {
    List<String> pieces = new ArrayList<>();
    int start = 0;
    int i = 0;
    int n = sql.length();
    while (i < n) {
      char ch = sql.charAt(i);
      if (ch == '\'' || ch == '"') {
        boolean raw =
            i > 0
                && (sql.charAt(i - 1) == 'r' || sql.charAt(i - 1) == 'R')
                && (i < 2 || !isWordChar(sql.charAt(i - 2)));
        i++;
        while (i < n && sql.charAt(i) != ch) {
          i += !raw && sql.charAt(i) == '\\' ? 2 : 1;
        }
        i++;
      } else if (ch == '`') {
        i = sql.indexOf('`', i + 1);
        i = i < 0 ? n : i + 1;
      } else if (ch == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
        i = sql.indexOf('\n', i);
        i = i < 0 ? n : i + 1;
      } else if (ch == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
        i = sql.indexOf("*/", i + 2);
        i = i < 0 ? n : i + 2;
      } else if (ch == '?') {
        pieces.add(sql.substring(start, i));
        start = ++i;
      } else {
        i++;
      }
    }
    pieces.add(sql.substring(Math.min(start, n)));
    return List.copyOf(pieces);
  }

  private static boolean isWordChar(char c) {
    return Character.isLetterOrDigit(c) || c == '_';
  }

  /** The literal for a text value: its UTF-8 bytes in hexadecimal digits, decoded in SQL. */
  static String textLiteral(String value) {
    return "decode(unhex('"
        + HEX.formatHex(value.getBytes(StandardCharsets.UTF_8))
        + "'), 'UTF-8')";
  }

  /** The literal for a whole number. */
  static String longLiteral(long value) {
    return "CAST(" + value + " AS BIGINT)";
  }

  /** The literal for a finite double-precision number, read back exactly. */
  static String doubleLiteral(double value) throws SQLException {
    if (!Double.isFinite(value)) {
      throw new SQLException("a value that is not a finite number cannot be written in", "22023");
    }
    return "CAST('" + value + "' AS DOUBLE)";
  }

  /** The statement text {@code statement} (made by {@link #prepare}) would run now. */
  static String inlinedOf(PreparedStatement statement) throws SQLException {
    return ((InlinedStatement) Proxy.getInvocationHandler(statement)).inlined();
  }

  /** The statement with every marker replaced by its literal. */
  String inlined() throws SQLException {
    StringBuilder sb = new StringBuilder(pieces.get(0));
    for (int i = 0; i < literals.length; i++) {
      if (literals[i] == null) {
        throw new SQLException("parameter " + (i + 1) + " is not set", "07001");
      }
      sb.append(literals[i]).append(pieces.get(i + 1));
    }
    return sb.toString();
  }

  @Override
  public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
    String name = method.getName();
    switch (name) {
      case "equals":
        return proxy == args[0];
      case "hashCode":
        return System.identityHashCode(proxy);
      case "toString":
        return "InlinedStatement[" + literals.length + " parameters]";
      default:
        break;
    }
    if (name.equals("close")) {
      closed = true;
      if (running != null) {
        running.close();
      }
      return null;
    }
    if (name.equals("isClosed")) {
      return closed;
    }
    if (closed) {
      throw new SQLException("the statement is closed", "HY010");
    }
    switch (name) {
      case "setString" -> set(args, args[1] == null ? "NULL" : textLiteral((String) args[1]));
      case "setLong" -> set(args, longLiteral((Long) args[1]));
      case "setInt" -> set(args, longLiteral((Integer) args[1]));
      case "setDouble" -> set(args, doubleLiteral((Double) args[1]));
      case "setNull" -> set(args, "NULL");
      case "clearParameters" -> java.util.Arrays.fill(literals, null);
      case "setFetchSize" -> fetchSize = (Integer) args[0];
      case "getFetchSize" -> {
        return fetchSize;
      }
      case "setQueryTimeout" -> queryTimeout = (Integer) args[0];
      case "getQueryTimeout" -> {
        return queryTimeout;
      }
      case "getConnection" -> {
        return connection;
      }
      case "cancel" -> {
        Statement s = running;
        if (s != null) {
          s.cancel();
        }
      }
      case "executeQuery" -> {
        if (args != null && args.length > 0) {
          throw new SQLException("executeQuery(String) on a prepared statement", "HY000");
        }
        return executeQuery();
      }
      case "isWrapperFor" -> {
        return false;
      }
      default ->
          throw new SQLFeatureNotSupportedException(
              name + " is not supported on a statement whose values are written in");
    }
    return null;
  }

  private void set(Object[] args, String literal) throws SQLException {
    int index = (Integer) args[0];
    if (index < 1 || index > literals.length) {
      throw new SQLException("no parameter " + index, "07009");
    }
    literals[index - 1] = literal;
  }

  private java.sql.ResultSet executeQuery() throws SQLException {
    String sql = inlined();
    if (running != null) {
      running.close();
    }
    Statement s = connection.createStatement();
    running = s;
    if (fetchSize > 0) {
      s.setFetchSize(fetchSize);
    }
    if (queryTimeout > 0) {
      try {
        s.setQueryTimeout(queryTimeout);
      } catch (SQLFeatureNotSupportedException e) {
        // The caller's own timer cancels the statement.
      }
    }
    return s.executeQuery(sql);
  }
}
