package dev.cleanroom.internal.plan;

import dev.cleanroom.ColumnType;
import dev.cleanroom.Dataset;
import dev.cleanroom.jdbc.SqlDialect;
import dev.cleanroom.query.Condition;
import dev.cleanroom.query.ExecutionPath;
import dev.cleanroom.source.ReportsMalformedRows;
import dev.cleanroom.spi.DataSource;
import dev.cleanroom.spi.SourceCapabilities;
import dev.cleanroom.spi.SqlTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The one decision of how a query runs, made from the plan and the sources' declarations, their
 * {@link SourceCapabilities} and whether they {@linkplain ReportsMalformedRows skip malformed rows}
 * (never from a source's class). The planner records it in the {@link Plan}, {@code explain()}
 * prints it, and the executor obeys it. The paths differ only in where the work happens, never in
 * what a released number means: a database path is chosen only where the database provably computes
 * what the engine would.
 */
public final class ExecutionPaths {
  private ExecutionPaths() {}

  /**
   * The path of {@code plan}.
   *
   * @param cohort whether the plan is the row stage of a cohort: pushed down where the whole query
   *     runs in its database (the statement counts the cohort and returns the receiver's own ids
   *     only for one that reaches its minimum), streamed otherwise (never columnar)
   */
  static ExecutionPath decide(Plan plan, boolean cohort) {
    Optional<String> notInDatabase = whyNotPushedDown(plan, cohort);
    if (cohort) {
      return notInDatabase.isEmpty()
          ? new ExecutionPath(
              ExecutionPath.Kind.PUSHED_DOWN,
              "every dataset is a table of one database that computes the engine's ids and"
                  + " comparisons exactly; only the receiver's own ids of a cohort that reaches its"
                  + " minimum size come back")
          : new ExecutionPath(
              ExecutionPath.Kind.STREAMED,
              "a cohort is not in the database: "
                  + notInDatabase.get()
                  + "; its ids come from scans");
    }
    if (notInDatabase.isEmpty()) {
      return new ExecutionPath(
          ExecutionPath.Kind.PUSHED_DOWN,
          "every dataset is a table of one database that computes the engine's ids, comparisons"
              + " and bounding exactly");
    }
    Optional<String> notColumnar = whyNotColumnar(plan);
    if (notColumnar.isEmpty()) {
      return new ExecutionPath(
          ExecutionPath.Kind.COLUMNAR, "every dataset is resident in memory with a version");
    }
    boolean anyTable =
        plan.datasets().stream().anyMatch(dp -> capabilities(dp.dataset()).sqlTable().isPresent());
    return new ExecutionPath(
        ExecutionPath.Kind.STREAMED,
        "not in the database: "
            + notInDatabase.get()
            + (anyTable ? "" : "; not columnar: " + notColumnar.get()));
  }

  private static SourceCapabilities capabilities(Dataset d) {
    return d.source().capabilities();
  }

  /**
   * Why {@code plan} cannot run as one statement in its database, or empty if it can. A cohort's
   * statement ranks no groups and returns no people sets, so it needs neither a hash nor a way to
   * return the people of a row.
   */
  static Optional<String> whyNotPushedDown(Plan plan, boolean cohort) {
    SqlTable first = null;
    SqlDialect dialect = null;
    for (Plan.DatasetPlan dp : plan.datasets()) {
      Dataset d = dp.dataset();
      if (d.source() instanceof ReportsMalformedRows r && r.skipsMalformedRows()) {
        return Optional.of(
            d.qualifiedName()
                + " skips malformed rows as it reads them, which a statement in the database would"
                + " aggregate");
      }
      Optional<SqlTable> table = capabilities(d).sqlTable();
      if (table.isEmpty()) {
        return Optional.of(d.qualifiedName() + " is not a table of a SQL database");
      }
      SqlTable t = table.get();
      Optional<SqlDialect> own = dialect(t);
      if (own.isEmpty()) {
        return Optional.of(d.qualifiedName() + " is in a database of a dialect the engine lacks");
      }
      if (first == null) {
        first = t;
        dialect = own.get();
      } else if (t.jdbc() != first.jdbc() || own.get() != dialect) {
        return Optional.of("the datasets are not all tables of one database");
      } else if (d.userIdFormat() != plan.datasets().get(0).dataset().userIdFormat()) {
        return Optional.of(
            "the datasets hold user ids of different formats, which only the engine joins (by"
                + " pseudonym)");
      }
      if (dialect.normalizedId("id", d.userIdFormat()).isEmpty()) {
        return Optional.of(
            "the database cannot normalize "
                + d.userIdFormat()
                + " user ids of "
                + d.qualifiedName()
                + " exactly as the engine does");
      }
      Function<String, ColumnType> type = name -> d.schema().column(name).orElseThrow().type();
      if (dialect.nanAsNull("x").isEmpty() && readsDoubles(dp, type)) {
        return Optional.of(
            "the "
                + dialect
                + " dialect cannot tell NaN, a missing value to the engine, from a number in the"
                + " DOUBLE columns of "
                + d.qualifiedName());
      }
      for (Condition c : dp.sourceFilter()) {
        Optional<String> why = conditionProblem(c, type);
        if (why.isPresent()) {
          return Optional.of(why.get() + " (" + d.qualifiedName() + ")");
        }
        for (String column : c.columns()) {
          if (!t.comparesExactly(column)) {
            return Optional.of(inexact(d, column));
          }
        }
      }
      for (ResolvedColumn rc : dp.projection()) {
        if (!t.comparesExactly(rc.name())) {
          return Optional.of(inexact(d, rc.name()));
        }
        if (rc.bucket().isPresent()
            && dialect.timeBucket("x", rc.baseType(), rc.bucket().get()).isEmpty()) {
          return Optional.of(
              "the "
                  + dialect
                  + " dialect does not compute time bucket ["
                  + rc.label()
                  + "] of "
                  + d.qualifiedName()
                  + " as the engine does");
        }
      }
    }
    if (!cohort) {
      for (ResolvedColumn g : plan.groupBy()) {
        if (g.type() == ColumnType.DOUBLE) {
          return Optional.of(
              "group ["
                  + g.label()
                  + "] is a DOUBLE column, which the database writes as text otherwise than the"
                  + " engine (1.0E7, NaN, -0.0) for the keyed choice of each person's groups");
        }
      }
    }
    if (!cohort && dialect.sha256Hex("x").isEmpty()) {
      return Optional.of(
          "the " + dialect + " dialect has no hash for the keyed choice of each person's groups");
    }
    if (!cohort
        && plan.differenceChecks().isPresent()
        && dialect.arrayAgg("x").isEmpty()
        && dialect.hexListAgg("x").isEmpty()) {
      return Optional.of(
          "difference checks need the people of each row, which the "
              + dialect
              + " dialect cannot return as one array or list per row");
    }
    for (Condition c : plan.crossConditionList()) {
      Optional<String> why = conditionProblem(c, name -> plan.projected(name).type());
      if (why.isPresent()) {
        return why;
      }
    }
    return Optional.empty();
  }

  /** Whether the statement reads a DOUBLE column of {@code dp}: a metric, grouped or filtered. */
  private static boolean readsDoubles(Plan.DatasetPlan dp, Function<String, ColumnType> type) {
    List<String> read = new ArrayList<>(dp.metrics());
    dp.projection().forEach(c -> read.add(c.name()));
    dp.sourceFilter().forEach(c -> read.addAll(c.columns()));
    return read.stream().anyMatch(name -> type.apply(name) == ColumnType.DOUBLE);
  }

  private static String inexact(Dataset d, String column) {
    return "the database compares or groups column ["
        + column
        + "] of "
        + d.qualifiedName()
        + " otherwise than the engine (its SQL type)";
  }

  private static Optional<SqlDialect> dialect(SqlTable t) {
    for (SqlDialect d : SqlDialect.values()) {
      if (d.name().equals(t.dialectName())) {
        return Optional.of(d);
      }
    }
    return Optional.empty();
  }

  /** What keeps condition {@code c} out of the database, if anything. */
  private static Optional<String> conditionProblem(Condition c, Function<String, ColumnType> type) {
    if (comparesTextOrder(c, type)) {
      return Optional.of("a condition orders text, which databases collate otherwise");
    }
    return Optional.empty();
  }

  /**
   * Whether {@code c} orders text ({@code <}, {@code <=}, {@code >}, {@code >=} on a STRING
   * column): databases order text by their collation, the engine by UTF-16 code units.
   */
  static boolean comparesTextOrder(Condition c, Function<String, ColumnType> type) {
    if (c instanceof Condition.Comparison cmp) {
      return type.apply(cmp.column()) == ColumnType.STRING
          && cmp.op() != Condition.Op.EQ
          && cmp.op() != Condition.Op.NE;
    }
    return operands(c).stream().anyMatch(o -> comparesTextOrder(o, type));
  }

  private static List<Condition> operands(Condition c) {
    if (c instanceof Condition.And and) {
      return and.operands();
    }
    if (c instanceof Condition.Or or) {
      return or.operands();
    }
    if (c instanceof Condition.Not not) {
      return List.of(not.operand());
    }
    return List.of();
  }

  /** Why {@code plan} cannot run on the in-memory columnar path, or empty if it can. */
  static Optional<String> whyNotColumnar(Plan plan) {
    List<String> notResident = new ArrayList<>();
    for (Plan.DatasetPlan dp : plan.datasets()) {
      DataSource s = dp.dataset().source();
      if (!capabilities(dp.dataset()).resident()
          || s.version().isEmpty()
          || s.estimatedRows().isEmpty()
          || s.estimatedRows().getAsLong() > Integer.MAX_VALUE) {
        notResident.add(dp.dataset().qualifiedName());
      }
    }
    if (!notResident.isEmpty()) {
      return Optional.of(String.join(", ", notResident) + " not resident in memory");
    }
    if (plan.crossConditions()) {
      return Optional.of(
          "conditions across datasets or between two columns need the streamed join");
    }
    if (plan.groupBy().size() > 1) {
      return Optional.of("more than one grouped column needs the streamed join");
    }
    for (int i = 0; i < plan.datasets().size(); i++) {
      List<ResolvedColumn> projection = plan.datasets().get(i).projection();
      boolean grouped = !plan.groupBy().isEmpty() && plan.groupBy().get(0).dataset() == i;
      if (grouped ? !projection.equals(plan.groupBy()) : !projection.isEmpty()) {
        return Optional.of("columns read per person beyond the grouped one need the streamed join");
      }
    }
    return Optional.empty();
  }
}
