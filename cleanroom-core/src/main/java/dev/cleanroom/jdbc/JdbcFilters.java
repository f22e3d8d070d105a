package dev.cleanroom.jdbc;

import dev.cleanroom.query.Condition;
import dev.cleanroom.query.Condition.Op;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Compiles the filter of a scan request into a SQL {@code WHERE} condition with {@code ?}
 * placeholders and the values to bind. Values never become SQL text; column names are quoted by the
 * dialect.
 *
 * <p><b>Soundness.</b> The engine evaluates the filter again in Java, so the SQL condition need not
 * be exact, but it must hold for every row for which the Java condition holds: a row dropped by the
 * database is lost. The two differ where SQL's NULLs, collations, padding and NaN do: Java reads a
 * NULL text as {@code ""} and a NULL DOUBLE as NaN, compares text by UTF-16 code units, and lets
 * only "not equal" hold for NaN. The compiler therefore first pushes every {@code NOT} down to the
 * comparisons (De Morgan; {@code NOT (c < 1)} is {@code c >= 1}, {@code NOT (c IN (..))} is a
 * conjunction of {@code c <> ..}), which leaves a condition without negation, and then replaces
 * each comparison that SQL might not evaluate the same way by TRUE. Without negation, replacing a
 * part by TRUE only widens the result. The comparisons kept are:
 *
 * <ul>
 *   <li>LONG columns declared {@code NOT NULL}: every operator, either polarity, a whole-number
 *       value bound as {@code CAST(? AS BIGINT)} (integer comparison is exact in every database).
 *       Nullable LONG columns are not pushed, so a NULL there still fails the scan when read.
 *   <li>DOUBLE columns of JDBC type {@code DOUBLE} (not REAL, FLOAT, DECIMAL or NUMERIC, whose
 *       rounding differs from Java's): {@code =, <, <=, >, >=} and {@code IN} without a {@code NOT}
 *       above them, with any numeric value. These are false in Java for NaN and NULL, so SQL may
 *       decide them either way; {@code -0.0} is bound as {@code 0.0}, as the engine compares.
 *   <li>STRING columns of a varying text type (not CHAR or CLOB): {@code =} and {@code IN} without
 *       a {@code NOT} above them, with non-empty text values. Equal strings are equal under every
 *       collation; a NULL read as {@code ""} never equals a non-empty value; the empty string is
 *       left out because some databases store it as NULL.
 * </ul>
 *
 * A filter with more than {@link #MAX_PARAMETERS} values is not pushed at all (databases limit the
 * parameters of a statement). Conditions on a column that is not in the schema are caller errors.
 */
final class JdbcFilters {
  /** The most values bound in one {@code WHERE} condition; more and nothing is pushed. */
  static final int MAX_PARAMETERS = 1000;

  private final SqlDialect dialect;
  private final Function<String, JdbcColumn> columns;
  private final List<Object> parameters = new ArrayList<>();
  private boolean complete = true;

  private JdbcFilters(SqlDialect dialect, Function<String, JdbcColumn> columns) {
    this.dialect = dialect;
    this.columns = columns;
  }

  /**
   * A compiled filter.
   *
   * @param sql the condition, or the empty string if nothing could be pushed down
   * @param parameters the values to bind to the placeholders of {@code sql}, in order: {@link
   *     String}, {@link Long} or {@link Double}
   * @param complete whether every comparison of the filter was pushed down; if so, the SQL
   *     condition is exact on columns without NaN, case-insensitive collations or similar
   */
  record Compiled(String sql, List<Object> parameters, boolean complete) {
    Compiled {
      parameters = List.copyOf(parameters);
    }

    /** Whether there is no condition to apply. */
    boolean isEmpty() {
      return sql.isEmpty();
    }

    /**
     * Binds the parameters to {@code statement}, starting at placeholder {@code first}.
     *
     * @return the next free placeholder
     */
    int bind(PreparedStatement statement, int first) throws SQLException {
      int i = first;
      for (Object p : parameters) {
        if (p instanceof String s) {
          statement.setString(i++, s);
        } else if (p instanceof Long l) {
          statement.setLong(i++, l);
        } else {
          statement.setDouble(i++, (Double) p);
        }
      }
      return i;
    }
  }

  /**
   * Compiles the conjunction of {@code filter}.
   *
   * @param columns the column of each schema name; throws {@link IllegalArgumentException} for a
   *     name not in the schema
   * @throws IllegalArgumentException if a condition names a column that is not in the schema
   */
  static Compiled compile(
      List<Condition> filter, SqlDialect dialect, Function<String, JdbcColumn> columns) {
    JdbcFilters f = new JdbcFilters(dialect, columns);
    List<String> parts = new ArrayList<>();
    for (Condition c : filter) {
      String sql = f.compile(c, false);
      if (sql != null) {
        parts.add(sql);
      }
    }
    if (f.parameters.size() > MAX_PARAMETERS) {
      return new Compiled("", List.of(), filter.isEmpty());
    }
    return new Compiled(String.join(" AND ", parts), f.parameters, f.complete);
  }

  /**
   * The SQL for {@code c}, or for {@code NOT c} if {@code negated}, or null for TRUE (nothing
   * pushed). Appends the bound values of the returned SQL to {@link #parameters}, in order.
   */
  private String compile(Condition c, boolean negated) {
    if (c instanceof Condition.Comparison cmp) {
      JdbcColumn col = columns.apply(cmp.column());
      return comparison(col, negated ? negate(cmp.op()) : cmp.op(), cmp.value(), negated);
    }
    if (c instanceof Condition.In in) {
      return in(columns.apply(in.column()), in.values(), negated);
    }
    if (c instanceof Condition.And and) {
      return junction(and.operands(), negated, !negated);
    }
    if (c instanceof Condition.Or or) {
      return junction(or.operands(), negated, negated);
    }
    return compile(((Condition.Not) c).operand(), !negated);
  }

  /**
   * A conjunction (if {@code conjunction}) or disjunction of the operands, each negated if {@code
   * negated}. In a conjunction an operand that is TRUE is left out; in a disjunction it makes the
   * whole TRUE.
   */
  private String junction(List<Condition> operands, boolean negated, boolean conjunction) {
    int mark = parameters.size();
    List<String> parts = new ArrayList<>(operands.size());
    for (int i = 0; i < operands.size(); i++) {
      String sql = compile(operands.get(i), negated);
      if (sql != null) {
        parts.add(sql);
      } else if (!conjunction) {
        // TRUE OR anything is TRUE: drop the operands compiled so far and their values. The rest
        // are still compiled, so that a column missing from the schema is reported.
        complete = false;
        for (int j = i + 1; j < operands.size(); j++) {
          compile(operands.get(j), negated);
        }
        parameters.subList(mark, parameters.size()).clear();
        return null;
      }
    }
    if (parts.isEmpty()) {
      return null;
    }
    if (parts.size() == 1) {
      return parts.get(0);
    }
    return "(" + String.join(conjunction ? " AND " : " OR ", parts) + ")";
  }

  /** {@code column IN (values)}, or {@code column NOT IN (values)} if negated. */
  private String in(JdbcColumn col, List<Object> values, boolean negated) {
    List<Object> kept = new ArrayList<>(values.size());
    for (Object v : values) {
      Object bound = bindable(col, negated ? Op.NE : Op.EQ, v, negated);
      if (bound != null) {
        kept.add(bound);
      } else if (!negated) {
        // One value that cannot be compared in SQL makes the disjunction TRUE.
        complete = false;
        return null;
      } else {
        // NOT IN is a conjunction of "not equal": leaving one out only widens it.
        complete = false;
      }
    }
    if (kept.isEmpty()) {
      return null;
    }
    String placeholder = placeholder(col);
    parameters.addAll(kept);
    if (kept.size() == 1) {
      return quoted(col) + (negated ? " <> " : " = ") + placeholder;
    }
    List<String> placeholders = new ArrayList<>(kept.size());
    for (int i = 0; i < kept.size(); i++) {
      placeholders.add(placeholder);
    }
    return quoted(col) + (negated ? " NOT IN (" : " IN (") + String.join(", ", placeholders) + ")";
  }

  /** {@code column op ?}, or null if the comparison is not pushed. */
  private String comparison(JdbcColumn col, Op op, Object value, boolean negated) {
    Object bound = bindable(col, op, value, negated);
    if (bound == null) {
      complete = false;
      return null;
    }
    parameters.add(bound);
    return quoted(col) + " " + op.symbol() + " " + placeholder(col);
  }

  /**
   * The value to bind for {@code column op value} under the soundness rules of this class, or null
   * if the comparison is not pushed.
   *
   * @param negated whether the comparison stands for a negated one (its op is already negated)
   */
  private static Object bindable(JdbcColumn col, Op op, Object value, boolean negated) {
    switch (col.type()) {
      case LONG -> {
        return !col.nullable() && value instanceof Long ? value : null;
      }
      case DOUBLE -> {
        if (negated || op == Op.NE || col.jdbcType() != Types.DOUBLE) {
          return null;
        }
        // The engine compares numbers as doubles, with -0.0 equal to 0.0.
        return value instanceof Number n ? n.doubleValue() + 0.0 : null;
      }
      case STRING -> {
        boolean ok =
            !negated
                && op == Op.EQ
                && col.isVaryingText()
                && value instanceof String s
                && !s.isEmpty();
        return ok ? value : null;
      }
      case DATE, TIMESTAMP, BOOLEAN -> {
        // Filtered by the engine after the scan, on the values it reads.
        return null;
      }
    }
    throw new AssertionError(col.type());
  }

  private String quoted(JdbcColumn col) {
    return dialect.quote(col.name());
  }

  private static String placeholder(JdbcColumn col) {
    return switch (col.type()) {
      case LONG -> "CAST(? AS BIGINT)";
      case DOUBLE, STRING, DATE, TIMESTAMP, BOOLEAN -> "?";
    };
  }

  private static Op negate(Op op) {
    return switch (op) {
      case EQ -> Op.NE;
      case NE -> Op.EQ;
      case LT -> Op.GE;
      case LE -> Op.GT;
      case GT -> Op.LE;
      case GE -> Op.LT;
    };
  }
}
