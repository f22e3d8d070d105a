package dev.cleanroom.query;

import dev.cleanroom.AggregateFunction;
import dev.cleanroom.PrivacyBudget;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Writes queries and cohorts as SQL text in the subset that {@code QueryStart.sql} reads back to
 * the same description. The rules, which the compiler in {@code cleanroom-core} mirrors:
 *
 * <ul>
 *   <li>Names are split at their dots into parts; a part that is not a plain identifier or that is
 *       a keyword of the parser is double-quoted (a quote inside doubled). A name with an empty
 *       part is written as one quoted identifier.
 *   <li>Strings are single-quoted with quotes doubled; whole numbers are written in decimal; other
 *       numbers by {@link Double#toString(double)}, which always holds a dot or an exponent and
 *       reads back to the same double.
 *   <li>The conditions of {@code where} are joined by {@code AND}; an {@code AND} or {@code OR}
 *       inside is parenthesized, and so is the operand of {@code NOT}, so the nesting reads back
 *       unchanged.
 *   <li>A time bucket is written as the function {@code day(x)}, {@code week(x)} or {@code
 *       month(x)}; another column in a comparison as its name, plus or minus {@code INTERVAL 'n'
 *       DAY} (whole days) or {@code INTERVAL 'n' MICROSECOND}.
 *   <li>Differential privacy is a {@code WITH differential_privacy AS (SELECT ε AS epsilon[, δ AS
 *       delta][, 'GAUSSIAN' AS noise])} item; public groups a {@code WITH public_groups (columns)
 *       AS (VALUES ...)} item.
 * </ul>
 */
final class SqlText {
  /** The user-id marker in {@code COUNT(DISTINCT USER_ID)}, {@code USING (USER_ID)} and cohorts. */
  static final String USER_ID = "USER_ID";

  private static final Pattern PLAIN = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  /** Words that the parser does not read as a plain name in every place a name may stand. */
  private static final Set<String> QUOTED =
      Set.of(
          ("ABSENT ALL AND ANY APPROXIMATE AS BETWEEN BOTH CASE CASEWHEN CHECK CONNECT CONNECT_BY_ROOT CONSTRAINT"
                  + " CREATE CROSS CURRENT DEFAULT DISTINCT ELSE EXCEPT EXCLUDES EXISTS EXTEND FALSE"
                  + " FETCH FINAL FOR FORCE FOREIGN FROM FULL GLOBAL GROUP GROUPING HAVING IF IGNORE"
                  + " IIF ILIKE IN INCLUDES INNER INTERSECT INTERVAL INTO IS JOIN LATERAL LEFT LIKE LIMIT MINUS"
                  + " NATURAL NEXTVAL NOCYCLE NOT NULL OFFSET ON ONLY OPTIMIZE OR ORDER OUTER OUTPUT"
                  + " PIVOT PREFERRING PRIOR PROCEDURE PUBLIC QUALIFY RETURNING RIGHT SAMPLE SEL SELECT"
                  + " SEMI SET SOME SQL_CACHE SQL_CALC_FOUND_ROWS SQL_NO_CACHE START STRAIGHT_JOIN"
                  + " TABLE TABLES TABLESAMPLE TRAILING TRIM TRUE UNBOUNDED UNION UNIQUE UNKNOWN"
                  + " UNPIVOT USE USING VALUE VALUES WHEN WHERE WINDOW WITH XMLSERIALIZE XOR")
              .split(" "));

  /** Words that cannot follow the colon of a named parameter. */
  private static final Set<String> NOT_PARAMETERS =
      Set.of(
          ("ABSENT AND AS BETWEEN BOTH CHECK CONNECT_BY_ROOT CONSTRAINT CROSS DISTINCT ELSE EXCEPT"
                  + " EXCLUDES EXISTS EXTEND FALSE FETCH FINAL FOR FORCE FOREIGN FULL HAVING ILIKE"
                  + " INCLUDES INNER INTERSECT INTO IS JOIN LATERAL LIKE MINUS NATURAL NOCYCLE NOT NULL"
                  + " ONLY OR OUTER OUTPUT PIVOT PREFERRING PRIOR RETURNING SAMPLE SEMI SQL_CACHE"
                  + " SQL_CALC_FOUND_ROWS SQL_NO_CACHE STRAIGHT_JOIN TABLESAMPLE TRAILING TRIM TRUE"
                  + " UNBOUNDED UNION UNIQUE UNKNOWN UNPIVOT USE USING WHEN WHERE WINDOW WITH"
                  + " XMLSERIALIZE XOR")
              .split(" "));

  private SqlText() {}

  /** The query as SQL text. */
  static String query(QuerySpec spec) {
    if (!spec.options().equals(QueryOptions.NONE)) {
      throw new IllegalArgumentException(
          "derived columns, narrowed bounds and post-processing have no SQL form");
    }
    StringBuilder sb = new StringBuilder();
    if (spec.privacy() instanceof Privacy.Differential dp) {
      sb.append("WITH differential_privacy AS (SELECT ");
      sb.append(decimal(dp.budget().epsilon())).append(" AS epsilon");
      if (dp.budget() instanceof PrivacyBudget.ApproxDp approx) {
        sb.append(", ").append(decimal(approx.delta())).append(" AS delta");
      }
      if (dp.noise() != NoiseKind.LAPLACE) {
        sb.append(", '").append(dp.noise().name()).append("' AS noise");
      }
      sb.append(')');
      if (dp.publicGroups().isPresent()) {
        List<List<Object>> groups = dp.publicGroups().get();
        if (groups.isEmpty() || spec.groupBy().isEmpty()) {
          throw new IllegalArgumentException(
              "public groups have a SQL form only for a grouped query with at least one group");
        }
        sb.append(",\n  public_groups ");
        List<String> names = new ArrayList<>();
        for (String g : spec.groupBy()) {
          String last = TimeBucket.outputName(g);
          if (!last.isEmpty()) {
            names.add(quote(last));
          }
        }
        if (names.size() == spec.groupBy().size()) {
          sb.append('(').append(String.join(", ", names)).append(") ");
        }
        sb.append("AS (VALUES ");
        List<String> rows = new ArrayList<>();
        for (List<Object> key : groups) {
          List<String> values = new ArrayList<>();
          for (Object v : key) {
            values.add(literal(v));
          }
          rows.add("(" + String.join(", ", values) + ")");
        }
        sb.append(String.join(", ", rows)).append(')');
      }
      sb.append('\n');
    }
    List<String> items = new ArrayList<>();
    for (String g : spec.groupBy()) {
      items.add(dimension(g));
    }
    for (Aggregate a : spec.aggregates()) {
      items.add(aggregate(a));
    }
    sb.append("SELECT ").append(String.join(", ", items));
    from(sb, spec.datasets(), spec.where());
    if (!spec.groupBy().isEmpty()) {
      List<String> groups = new ArrayList<>();
      for (String g : spec.groupBy()) {
        groups.add(dimension(g));
      }
      sb.append("\nGROUP BY ").append(String.join(", ", groups));
    }
    return sb.toString();
  }

  /** The cohort as SQL text. */
  static String cohort(CohortSpec spec) {
    StringBuilder sb = new StringBuilder("SELECT ").append(USER_ID);
    from(sb, spec.datasets(), spec.where());
    return sb.toString();
  }

  private static void from(StringBuilder sb, List<String> datasets, List<Condition> where) {
    sb.append("\nFROM ").append(name(datasets.get(0)));
    for (String d : datasets.subList(1, datasets.size())) {
      sb.append("\nJOIN ").append(name(d)).append(" USING (").append(USER_ID).append(')');
    }
    if (!where.isEmpty()) {
      List<String> conditions = new ArrayList<>();
      for (Condition c : where) {
        conditions.add(condition(c, true));
      }
      sb.append("\nWHERE ").append(String.join(" AND ", conditions));
    }
  }

  private static String aggregate(Aggregate a) {
    String text;
    String alias;
    if (a.function() == AggregateFunction.COUNT) {
      text = "COUNT(*)";
      alias = Dsl.count().alias();
    } else if (a.function() == AggregateFunction.COUNT_DISTINCT_USERS) {
      text = "COUNT(DISTINCT " + USER_ID + ")";
      alias = Dsl.countDistinctUsers().alias();
    } else if (a.function() == AggregateFunction.SUM) {
      text = "SUM(" + name(a.column()) + ")";
      alias = Dsl.alias("sum_", a.column());
    } else if (a.function() == AggregateFunction.VARIANCE) {
      text = "VAR_POP(" + name(a.column()) + ")";
      alias = Dsl.alias("var_", a.column());
    } else if (a.function() == AggregateFunction.QUANTILE) {
      text =
          "PERCENTILE_DISC("
              + Double.toString(a.fraction())
              + ") WITHIN GROUP (ORDER BY "
              + name(a.column())
              + ")";
      alias = Dsl.quantileAlias(a.column(), a.fraction());
    } else if (a.function() == AggregateFunction.STDDEV) {
      text = "STDDEV_POP(" + name(a.column()) + ")";
      alias = Dsl.alias("stddev_", a.column());
    } else {
      text = "AVG(" + name(a.column()) + ")";
      alias = Dsl.alias("avg_", a.column());
    }
    return a.alias().equals(alias) ? text : text + " AS " + quote(a.alias());
  }

  /**
   * A condition; {@code nested} tells whether an AND or OR must be parenthesized (always, except
   * that the caller joins the top-level list itself).
   */
  private static String condition(Condition c, boolean nested) {
    if (c instanceof Condition.Comparison cmp) {
      return dimension(cmp.column()) + " " + cmp.op().symbol() + " " + operand(cmp.value());
    }
    if (c instanceof Condition.In in) {
      List<String> values = new ArrayList<>();
      for (Object v : in.values()) {
        values.add(operand(v));
      }
      return dimension(in.column()) + " IN (" + String.join(", ", values) + ")";
    }
    if (c instanceof Condition.Not not) {
      return "NOT (" + condition(not.operand(), false) + ")";
    }
    List<Condition> operands;
    String joiner;
    if (c instanceof Condition.And and) {
      operands = and.operands();
      joiner = " AND ";
    } else {
      operands = ((Condition.Or) c).operands();
      joiner = " OR ";
    }
    List<String> parts = new ArrayList<>();
    for (Condition o : operands) {
      parts.add(condition(o, true));
    }
    String text = String.join(joiner, parts);
    return nested ? "(" + text + ")" : text;
  }

  private static String operand(Object value) {
    if (value instanceof Placeholder p) {
      if (!PLAIN.matcher(p.name()).matches()
          || NOT_PARAMETERS.contains(p.name().toUpperCase(Locale.ROOT))) {
        throw new IllegalArgumentException(
            "parameter ["
                + p.name()
                + "] has no SQL form: a parameter name in SQL text is a plain identifier and"
                + " not one of the parser's keywords");
      }
      return ":" + p.name();
    }
    if (value instanceof ColumnOffset o) {
      return offset(o);
    }
    return literal(value);
  }

  /**
   * Another column plus an offset: the column alone, or with {@code + INTERVAL 'n' DAY} for whole
   * days, else {@code + INTERVAL 'n' MICROSECOND} ({@code -} for a negative offset).
   */
  private static String offset(ColumnOffset o) {
    if (o.offset().isZero()) {
      return name(o.column());
    }
    java.time.Duration abs = o.offset().abs();
    String amount =
        abs.getNano() == 0 && abs.getSeconds() % 86_400 == 0
            ? abs.toDays() + "' DAY"
            : (abs.getSeconds() * 1_000_000L + abs.getNano() / 1000) + "' MICROSECOND";
    return name(o.column()) + (o.offset().isNegative() ? " - " : " + ") + "INTERVAL '" + amount;
  }

  /** A grouped or compared dimension: a column's {@link #name}, or a bucket as {@code week(x)}. */
  static String dimension(String column) {
    return TimeBucket.parse(column)
        .map(b -> b.bucket().label() + "(" + name(b.column()) + ")")
        .orElseGet(() -> name(column));
  }

  /**
   * A String, Long, Double, Boolean ({@code TRUE}, {@code FALSE}), LocalDate ({@code DATE
   * 'YYYY-MM-DD'}) or Instant ({@code TIMESTAMP 'YYYY-MM-DD HH:MM:SS.ffffff'}, UTC) literal.
   *
   * @throws IllegalArgumentException if a text value holds a backslash directly before a quote,
   *     which the parser's lexer reads as an escaped quote whatever follows
   */
  static String literal(Object value) {
    if (value instanceof String s) {
      if (s.contains("\\'")) {
        throw new IllegalArgumentException(
            "a text value with a backslash directly before a quote has no SQL text form");
      }
      return "'" + s.replace("'", "''") + "'";
    }
    if (value instanceof Long l) {
      return Long.toString(l);
    }
    if (value instanceof Boolean b) {
      return b ? "TRUE" : "FALSE";
    }
    if (value instanceof Double d) {
      return Double.toString(d);
    }
    if (value instanceof java.time.LocalDate d) {
      return "DATE '" + d + "'";
    }
    if (value instanceof java.time.Instant t) {
      return "TIMESTAMP '"
          + java.time.format.DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS")
              .format(java.time.LocalDateTime.ofInstant(t, java.time.ZoneOffset.UTC))
          + "'";
    }
    throw new IllegalArgumentException(
        "a " + value.getClass().getSimpleName() + " value has no SQL text form");
  }

  /** An exact decimal that reads back with the same unscaled value and scale. */
  static String decimal(BigDecimal value) {
    return value.scale() >= 0 ? value.toPlainString() : value.toString();
  }

  /** A dotted name: each part quoted where needed, or the whole quoted if a part is empty. */
  static String name(String dotted) {
    String[] parts = dotted.split("\\.", -1);
    List<String> out = new ArrayList<>();
    for (String part : parts) {
      if (part.isEmpty()) {
        return forceQuote(dotted);
      }
      out.add(quote(part));
    }
    return String.join(".", out);
  }

  /** One identifier, quoted unless it is plain and not a keyword. */
  static String quote(String identifier) {
    if (PLAIN.matcher(identifier).matches()
        && !QUOTED.contains(identifier.toUpperCase(Locale.ROOT))) {
      return identifier;
    }
    return forceQuote(identifier);
  }

  private static String forceQuote(String identifier) {
    if (identifier.indexOf('\n') >= 0 || identifier.indexOf('\r') >= 0) {
      throw new IllegalArgumentException("a name with a line break has no SQL form");
    }
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }
}
