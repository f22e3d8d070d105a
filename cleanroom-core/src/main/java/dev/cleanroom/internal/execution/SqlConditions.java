package dev.cleanroom.internal.execution;

import dev.cleanroom.ColumnType;
import dev.cleanroom.InvalidQueryException;
import dev.cleanroom.internal.value.TimeBuckets;
import dev.cleanroom.internal.value.TypedValues;
import dev.cleanroom.query.ColumnOffset;
import dev.cleanroom.query.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Compiles conditions to SQL with {@code ?} placeholders: values are only ever bound, never written
 * into the text; a DATE, TIMESTAMP or BOOLEAN value is bound as the whole number its column's
 * expression computes. NULLs follow the engine's rules for missing values: a NULL text is the empty
 * string, and a NULL number satisfies only {@code <>}, as NaN does in memory. A comparison of two
 * columns binds its offset as a BIGINT.
 */
final class SqlConditions {
  private SqlConditions() {}

  /** A column as SQL sees it: its expression and type. */
  record SqlColumn(String expression, ColumnType type) {}

  /**
   * The conjunction of {@code conditions} as SQL, appending bound values to {@code params}.
   *
   * @param column the SQL expression and type of a column named in a condition
   */
  static String compile(
      List<Condition> conditions, Function<String, SqlColumn> column, List<Object> params) {
    List<String> parts = new ArrayList<>();
    for (Condition c : conditions) {
      parts.add(compile(c, column, params));
    }
    return parts.isEmpty() ? "1 = 1" : String.join(" AND ", parts);
  }

  private static String compile(
      Condition c, Function<String, SqlColumn> column, List<Object> params) {
    if (c instanceof Condition.Comparison cmp) {
      if (cmp.value() instanceof ColumnOffset other) {
        return columns(
            column.apply(cmp.column()), cmp.op(), column.apply(other.column()), other, params);
      }
      return comparison(column.apply(cmp.column()), cmp.op(), cmp.value(), params);
    }
    if (c instanceof Condition.In in) {
      SqlColumn col = column.apply(in.column());
      List<String> eqs = new ArrayList<>();
      for (Object v : in.values()) {
        eqs.add(comparison(col, Condition.Op.EQ, v, params));
      }
      return "(" + String.join(" OR ", eqs) + ")";
    }
    if (c instanceof Condition.And and) {
      List<String> parts = new ArrayList<>();
      and.operands().forEach(o -> parts.add(compile(o, column, params)));
      return "(" + String.join(" AND ", parts) + ")";
    }
    if (c instanceof Condition.Or or) {
      List<String> parts = new ArrayList<>();
      or.operands().forEach(o -> parts.add(compile(o, column, params)));
      return "(" + String.join(" OR ", parts) + ")";
    }
    return "(NOT " + compile(((Condition.Not) c).operand(), column, params) + ")";
  }

  /**
   * Two DATE or two TIMESTAMP columns compared, the right one plus its offset bound as a BIGINT in
   * the held unit (days or microseconds): {@code left op right + ?}.
   */
  private static String columns(
      SqlColumn left, Condition.Op op, SqlColumn right, ColumnOffset other, List<Object> params) {
    params.add(TimeBuckets.heldOffset(left.type(), other.offset()));
    String l = left.expression();
    String r = right.expression();
    return op == Condition.Op.NE
        ? "(" + l + " IS NULL OR " + r + " IS NULL OR " + l + " <> " + r + " + ?)"
        : "("
            + l
            + " IS NOT NULL AND "
            + r
            + " IS NOT NULL AND "
            + l
            + " "
            + op.symbol()
            + " "
            + r
            + " + ?)";
  }

  private static String comparison(
      SqlColumn col, Condition.Op op, Object value, List<Object> params) {
    Object bound = value;
    if (col.type() == ColumnType.DOUBLE && value instanceof Long l) {
      bound = l.doubleValue();
    }
    if (col.type().isHeldAsLong() && col.type() != ColumnType.LONG) {
      // A day, instant or truth value is bound as the whole number the column's expression
      // computes (see SqlDialect.heldAsLong): a number, never text that could become SQL.
      bound =
          TypedValues.held(col.type(), value)
              .orElseThrow(
                  () ->
                      new InvalidQueryException(
                          "column of type "
                              + col.type()
                              + " compared with a value of another type"));
    }
    params.add(bound);
    String x = col.expression();
    if (col.type() == ColumnType.STRING) {
      return "COALESCE(" + x + ", '') " + op.symbol() + " ?";
    }
    // Two-valued logic for missing numbers, so that NOT works as it does in memory.
    return op == Condition.Op.NE
        ? "(" + x + " IS NULL OR " + x + " <> ?)"
        : "(" + x + " IS NOT NULL AND " + x + " " + op.symbol() + " ?)";
  }
}
