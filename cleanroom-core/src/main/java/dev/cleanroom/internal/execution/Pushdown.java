package dev.cleanroom.internal.execution;

import dev.cleanroom.Bounds;
import dev.cleanroom.ColumnType;
import dev.cleanroom.DataSourceException;
import dev.cleanroom.Dataset;
import dev.cleanroom.dp.FineUnits;
import dev.cleanroom.dp.UnitSum;
import dev.cleanroom.internal.plan.ExecutionPaths;
import dev.cleanroom.internal.plan.NoisePlan;
import dev.cleanroom.internal.plan.Plan;
import dev.cleanroom.internal.plan.ResolvedColumn;
import dev.cleanroom.internal.source.NullValues;
import dev.cleanroom.jdbc.SqlDialect;
import dev.cleanroom.query.Condition;
import dev.cleanroom.spi.SqlTable;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Compiles a whole plan to one SQL statement, for queries whose datasets all live in one database.
 * Per dataset, the filtered rows become per-person partial aggregates; every dataset but the last
 * first keeps only the people of the next one (the join drops the others anyway, so a large table
 * is aggregated only for the people who can match). The partials are joined on the person and
 * summed per person and group, once per distinct projection of each dataset (a step left out when
 * only grouped columns are projected: the join then gives one row per person and group already). A
 * person with at most L0 groups keeps them all, as in the engine; only the groups of a person with
 * more are ranked by a keyed hash (the database's SHA-256 over the query's secret salt, the person
 * and the group, never its own {@code random()}) and cut to L0. Counts and per-person totals are
 * clamped, and one row per group comes back with the distinct-user count, the bounded count and the
 * clamped sums. Thresholds, noise and budget stay in Java.
 *
 * <p>Ids are normalized in SQL exactly as the engine normalizes them ({@link
 * SqlDialect#normalizedId}); a row whose id is missing or not of its format belongs to no person
 * and is dropped, as on every path. The result equals the in-memory engine's pre-noise aggregates,
 * with the same keyed choice of groups (every path ranks by the normalized id, which the database
 * can compute) when the grouped values are text or whole numbers. A NULL in a whole-number
 * dimension fails comparisons, and fails the query when grouped by.
 *
 * <p>A run with a timeout sets the statement's own query timeout (whole seconds, rounded up) as a
 * backstop, and the run's {@link Interrupts} cancel the statement ({@link
 * java.sql.Statement#cancel()}) when the timeout expires or the analyst cancels: the database stops
 * the work, and the run fails with {@link dev.cleanroom.QueryCancelledException}.
 */
public final class Pushdown {
  /** The statement and its bound values. */
  public record Statement(String sql, List<Object> params) {}

  /** 2^40: where a row's units split into two exact BIGINT parts. */
  private static final double SPLIT = 0x1p40;

  private static final long SPLIT_LONG = 1L << 40;

  /** 2^41: where a variance's clamped person total splits for its square ({@link #squares}). */
  private static final double SQUARE_SPLIT = 0x1p41;

  private static final long SQUARE_SPLIT_LONG = 1L << 41;

  private final Plan plan;
  private final List<SqlTable> sources;
  private final SqlDialect dialect;

  /**
   * The pushdown of {@code plan}, whose execution path {@link ExecutionPaths} decided to be {@link
   * dev.cleanroom.query.ExecutionPath.Kind#PUSHED_DOWN}: every dataset declares a table of one
   * database.
   */
  public Pushdown(Plan plan) {
    this.plan = plan;
    List<SqlTable> tables = new ArrayList<>();
    for (Plan.DatasetPlan dp : plan.datasets()) {
      tables.add(dp.dataset().source().capabilities().sqlTable().orElseThrow());
    }
    this.sources = List.copyOf(tables);
    this.dialect = SqlDialect.valueOf(tables.get(0).dialectName());
  }

  /**
   * The statement, with {@code saltHex} bound as the hashing salt and no key for the people of each
   * row (for {@code explain()}, which shows the text only).
   */
  public Statement statement(String saltHex) {
    return statement(saltHex, "");
  }

  /**
   * The statement, with {@code saltHex} bound as the hashing salt and, when the plan has difference
   * checks, {@code peopleKeyHex} as the key of the people of each row ({@link PeopleHash#keyHex}).
   */
  public Statement statement(String saltHex, String peopleKeyHex) {
    List<Object> params = new ArrayList<>();
    StringBuilder sql = joined(params, members() ? Optional.of(peopleKeyHex) : Optional.empty());
    int n = plan.datasets().size();
    List<String> columns = new ArrayList<>();
    for (int k = 0; k < plan.groupBy().size(); k++) {
      columns.add("k" + k);
    }
    columns.add("r0");
    for (int i = 0; i < n; i++) {
      for (int c = 0; c < sumCount(i); c++) {
        columns.add("s" + i + "_" + c);
        columns.add("n" + i + "_" + c);
      }
    }
    if (members()) {
      columns.add("h");
    }
    if (oneRowPerGroup()) {
      sql.append(", pg AS (SELECT pid, ").append(String.join(", ", columns)).append(" FROM c)");
    } else {
      perPersonAndGroup(sql);
    }
    ranked(sql, params, saltHex, String.join(", ", columns));
    result(sql, params);
    return new Statement(sql.toString(), List.copyOf(params));
  }

  /**
   * The start of every statement: each dataset's filtered rows, its per-person partials and their
   * join on the person ({@code c}), its values added to {@code params}; with {@code peopleKeyHex},
   * each person's {@link PeopleHash} in column {@code h} of {@code c}, computed once per person.
   */
  private StringBuilder joined(List<Object> params, Optional<String> peopleKeyHex) {
    StringBuilder sql = new StringBuilder("WITH ");
    int n = plan.datasets().size();
    for (int i = 0; i < n; i++) {
      rowsOf(i, sql, params);
      sql.append(", ");
    }
    // The last dataset first: each earlier one keeps only the people of the next (and so of all
    // later ones) before it is aggregated, as the join on the person drops everyone else anyway.
    for (int i = n - 1; i >= 0; i--) {
      partialsOf(i, sql, params, i == n - 1 ? peopleKeyHex : Optional.empty());
      sql.append(", ");
    }
    combinations(sql, params, peopleKeyHex.isPresent());
    return sql;
  }

  /**
   * The statement of a cohort: the people who pass every dataset's filters, are in every dataset
   * and pass the conditions across datasets are counted in the database, and only if they are at
   * least {@code minPeople} do the raw ids that dataset {@code receiver} holds for them come back
   * (every form of each, as the receiver's rows passing its filters hold it). One row per id, each
   * with the cohort's size; a cohort below the minimum gives one row with its size and no id.
   */
  public Statement cohortStatement(int receiver, int minPeople) {
    List<Object> params = new ArrayList<>();
    StringBuilder sql = joined(params, Optional.empty());
    sql.append(", m AS (SELECT DISTINCT pid FROM c), sz AS (SELECT COUNT(*) AS people FROM m)");
    Plan.DatasetPlan dp = plan.datasets().get(receiver);
    SqlTable src = sources.get(receiver);
    Dataset d = dp.dataset();
    String raw = src.column(d.userIdColumn());
    if (d.schema().column(d.userIdColumn()).orElseThrow().type() != ColumnType.STRING) {
      raw = dialect.castToText(raw);
    }
    sql.append(", ids AS (SELECT DISTINCT raw FROM (SELECT ")
        .append(raw)
        .append(" AS raw, ")
        .append(personId(d, src))
        .append(" AS pid FROM ")
        .append(src.tableSql())
        .append(" WHERE ")
        .append(
            SqlConditions.compile(
                dp.sourceFilter(),
                name -> sqlColumn(src.column(name), d.schema().column(name).orElseThrow().type()),
                params))
        .append(") x WHERE pid IN (SELECT pid FROM m))");
    sql.append(" SELECT sz.people, ids.raw FROM sz LEFT JOIN ids ON sz.people >= ?");
    params.add((long) minPeople);
    return new Statement(sql.toString(), List.copyOf(params));
  }

  /**
   * Runs {@link #cohortStatement}: the cohort's size in distinct people and, if it is at least
   * {@code minPeople}, the receiver's raw ids of its people (else none).
   */
  Executor.Cohort cohort(int receiver, int minPeople, Interrupts interrupts) {
    long[] people = {0};
    Set<String> ids = new HashSet<>();
    Statement st = cohortStatement(receiver, minPeople);
    requireNoNulls(interrupts);
    execute(
        st,
        interrupts,
        rs -> {
          people[0] = rs.getLong(1);
          String raw = rs.getString(2);
          if (raw != null) {
            ids.add(raw);
          }
        });
    if (people[0] < minPeople && !ids.isEmpty()) {
      throw new IllegalStateException("a cohort below its minimum returned ids");
    }
    return new Executor.Cohort((int) Math.min(people[0], Integer.MAX_VALUE), ids);
  }

  /** Reads one row of a statement's result. */
  @FunctionalInterface
  private interface RowReader {
    void row(ResultSet rs) throws SQLException;
  }

  /**
   * One count of malformed values over the whole table of one dataset: NULLs ({@link NullValues})
   * and dates or timestamps that a row-by-row read rejects ({@link SqlDialect#timeChecks}).
   *
   * @param source the dataset's source, for the message
   * @param columns the counted columns
   * @param types their types
   * @param timeChecks per column, its counts of malformed time values
   * @param statement the count ({@link SqlDialect#malformedCounts}), without parameters
   */
  public record NullCheck(
      String source,
      List<String> columns,
      List<ColumnType> types,
      List<List<SqlDialect.TimeCheck>> timeChecks,
      Statement statement) {}

  /**
   * The counts of malformed values that run before the statement: one per dataset whose statement
   * reads a whole-number, date, timestamp or boolean column (other than the user id) that may hold
   * NULL ({@link SqlTable#mayHoldNull}), or a date or timestamp column, whose values outside the
   * years 1 to 9999 (or, in H2, finer than microseconds) a scan rejects too. Such a value fails the
   * query wherever it is in the table, as it fails a scan, never only when the rows behind the
   * filter hold one.
   */
  public List<NullCheck> nullChecks() {
    List<NullCheck> out = new ArrayList<>();
    for (int i = 0; i < plan.datasets().size(); i++) {
      Plan.DatasetPlan dp = plan.datasets().get(i);
      Dataset d = dp.dataset();
      SqlTable t = sources.get(i);
      List<String> names = new ArrayList<>();
      List<ColumnType> types = new ArrayList<>();
      List<String> quoted = new ArrayList<>();
      List<List<SqlDialect.TimeCheck>> timeChecks = new ArrayList<>();
      for (String c : new LinkedHashSet<>(dp.scanColumns())) {
        ColumnType type = d.schema().column(c).orElseThrow().type();
        List<SqlDialect.TimeCheck> times = dialect.timeChecks(t.column(c), type);
        if (!c.equals(d.userIdColumn())
            && (NullValues.malformed(type) && t.mayHoldNull(c) || !times.isEmpty())) {
          names.add(c);
          types.add(type);
          quoted.add(t.column(c));
          timeChecks.add(times);
        }
      }
      if (!names.isEmpty()) {
        out.add(
            new NullCheck(
                d.source().name(),
                List.copyOf(names),
                List.copyOf(types),
                List.copyOf(timeChecks),
                new Statement(dialect.malformedCounts(t.tableSql(), quoted, types), List.of())));
      }
    }
    return out;
  }

  /** Runs {@link #nullChecks}: fails if a counted column holds a NULL. */
  private void requireNoNulls(Interrupts interrupts) {
    for (NullCheck check : nullChecks()) {
      execute(
          check.statement(),
          interrupts,
          rs ->
              NullValues.requireWellFormed(
                  rs, check.source(), check.columns(), check.types(), check.timeChecks()));
    }
  }

  /**
   * Runs {@code st} in the database of the first source and hands each row of its result to {@code
   * reader}: the one place where a pushed-down statement meets a driver. The statement is prepared
   * by the dialect ({@link SqlDialect#prepare}: Spark's Hive driver would write the values into the
   * SQL itself), its values bound, the run's timeout set and its cancellation watched; the run is
   * checked every {@link Interrupts#ROWS_PER_CHECK} rows.
   */
  private void execute(Statement st, Interrupts interrupts, RowReader reader) {
    SqlTable src = sources.get(0);
    interrupts.check();
    try (Connection conn = src.jdbc().getConnection();
        PreparedStatement ps = dialect.prepare(conn, st.sql());
        Interrupts.Watch watch = interrupts.watch(() -> cancel(ps))) {
      ps.setFetchSize(src.fetchSize());
      if (interrupts.secondsLeft().isPresent()) {
        queryTimeout(ps, interrupts.secondsLeft().getAsInt());
      }
      bind(ps, st.params());
      try (ResultSet rs = ps.executeQuery()) {
        long rows = 0;
        while (rs.next()) {
          if ((++rows & Interrupts.CHECK_MASK) == 0) {
            interrupts.rowsRead(Interrupts.ROWS_PER_CHECK);
            interrupts.check();
          }
          reader.row(rs);
        }
        interrupts.rowsRead(rows & Interrupts.CHECK_MASK);
      }
    } catch (SQLException e) {
      throw failed(e, interrupts);
    }
  }

  private static void bind(PreparedStatement ps, List<Object> params) throws SQLException {
    for (int i = 0; i < params.size(); i++) {
      Object v = params.get(i);
      if (v instanceof String s) {
        ps.setString(i + 1, s);
      } else if (v instanceof Long l) {
        ps.setLong(i + 1, l);
      } else {
        ps.setDouble(i + 1, (Double) v);
      }
    }
  }

  /** The exception of a failed statement: the run's own stop, or the source's failure. */
  private RuntimeException failed(SQLException e, Interrupts interrupts) {
    // A statement stopped by the run's cancellation or timeout fails as that, not as the source.
    interrupts.check();
    if (e instanceof SQLTimeoutException && interrupts.hasTimeout()) {
      return interrupts.timedOutInDatabase();
    }
    String state = e.getSQLState() == null ? "unknown" : e.getSQLState();
    return new DataSourceException(
        sourceNames(), "SQL state " + state + " (error " + e.getErrorCode() + ")", null);
  }

  /** Whether each group's people come back, as keyed hashes, for the difference checks. */
  private boolean members() {
    return plan.differenceChecks().isPresent();
  }

  /**
   * Whether each group's people come back as one text of comma-separated hexadecimal hashes ({@link
   * SqlDialect#hexListAgg}), where the dialect has no array the engine reads.
   */
  private boolean membersAsText() {
    return dialect.arrayAgg("h").isEmpty();
  }

  /**
   * Whether every projected column is grouped by: then each person's partials of every dataset are
   * one row per group, and so is their combination {@code c}, which needs no de-duplication.
   * Columns projected only for conditions across datasets make several combinations per group.
   */
  private boolean oneRowPerGroup() {
    return plan.datasets().stream().allMatch(dp -> plan.groupBy().containsAll(dp.projection()));
  }

  /**
   * g_i and pg: per person and group, each dataset's partials summed once per distinct projection
   * of that dataset in the group, and the datasets side by side.
   */
  private void perPersonAndGroup(StringBuilder sql) {
    int n = plan.datasets().size();
    List<Integer> withGroups = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (i == 0 || sumCount(i) > 0) {
        withGroups.add(i);
        sql.append(", ");
        perGroup(i, sql);
      }
    }
    sql.append(", pg AS (SELECT g0.pid AS pid");
    if (members()) {
      sql.append(", g0.h AS h");
    }
    for (int k = 0; k < plan.groupBy().size(); k++) {
      sql.append(", g0.k").append(k).append(" AS k").append(k);
    }
    for (int i : withGroups) {
      if (i == 0) {
        sql.append(", g0.r AS r0");
      }
      for (int m = 0; m < sumCount(i); m++) {
        sql.append(", g")
            .append(i)
            .append(".s")
            .append(m)
            .append(" AS s")
            .append(i)
            .append('_')
            .append(m);
        sql.append(", g")
            .append(i)
            .append(".n")
            .append(m)
            .append(" AS n")
            .append(i)
            .append('_')
            .append(m);
      }
    }
    sql.append(" FROM g0");
    for (int i : withGroups) {
      if (i == 0) {
        continue;
      }
      sql.append(" JOIN g").append(i).append(" ON g").append(i).append(".pid = g0.pid");
      for (int k = 0; k < plan.groupBy().size(); k++) {
        sql.append(" AND g").append(i).append(".k").append(k).append(" = g0.k").append(k);
      }
    }
    sql.append(')');
  }

  /**
   * d_i: the dataset's rows after its own filters, with the person's id and needed columns. A row
   * whose id has no person has a NULL id here; it is dropped by the join on the person (NULL
   * matches nothing), or, for a query of one dataset, by a filter on the per-person partials. No
   * filter on the id itself: a database that pushes it into the scan would compute each row's id
   * twice.
   */
  private void rowsOf(int i, StringBuilder sql, List<Object> params) {
    Plan.DatasetPlan dp = plan.datasets().get(i);
    SqlTable src = sources.get(i);
    Dataset d = dp.dataset();
    sql.append("d").append(i).append(" AS (SELECT ");
    sql.append(personId(d, src)).append(" AS pid");
    for (int j = 0; j < dp.projection().size(); j++) {
      ResolvedColumn c = dp.projection().get(j);
      String v =
          c.bucket().isPresent()
              ? dialect
                  .timeBucket(src.column(c.name()), c.baseType(), c.bucket().get())
                  .orElseThrow()
              : value(src, c.name(), c.type());
      sql.append(", ").append(v).append(" AS p").append(j);
    }
    for (int m = 0; m < dp.metrics().size(); m++) {
      String metric = dp.metrics().get(m);
      sql.append(", ")
          .append(held(dialect.castToDouble(src.column(metric)), metricType(d, metric)))
          .append(" AS m")
          .append(m);
    }
    sql.append(" FROM ").append(src.tableSql()).append(" WHERE ");
    sql.append(
        SqlConditions.compile(
            dp.sourceFilter(),
            name -> sqlColumn(src.column(name), d.schema().column(name).orElseThrow().type()),
            params));
    sql.append(')');
  }

  /**
   * a_i: per person and projection, the row count and, per {@link RowUnits} slot, the exact BIGINT
   * sum of each row's clamped value in whole units of the slot's granularity; for all but the last
   * dataset, only of the people in a_(i+1). With {@code peopleKeyHex} (the last dataset), each
   * person's hash in column {@code h}, once per person and projection.
   */
  private void partialsOf(
      int i, StringBuilder sql, List<Object> params, Optional<String> peopleKeyHex) {
    Plan.DatasetPlan dp = plan.datasets().get(i);
    sql.append("a").append(i).append(" AS (");
    if (peopleKeyHex.isPresent()) {
      // The first 16 hexadecimal digits of the person's PeopleHash, the key bound as a parameter.
      String hex = "SUBSTRING(" + dialect.sha256Hex("? || '|' || pid").orElseThrow() + ", 1, 16)";
      sql.append("SELECT x.*, ")
          .append(membersAsText() ? hex : dialect.hexToBigint(hex).orElse(hex))
          .append(" AS h FROM (");
      params.add(peopleKeyHex.get());
    }
    sql.append("SELECT pid");
    String keys = projectionList(dp);
    sql.append(keys);
    sql.append(", COUNT(*) AS r");
    RowUnits slots = RowUnits.of(plan, i);
    List<Object> fineParams = new ArrayList<>();
    StringBuilder scaled = new StringBuilder();
    StringBuilder fine = new StringBuilder();
    for (int c = 0; c < sumCount(i); c++) {
      int m = slots.metric(c);
      if (slots.fine(c)) {
        // The row's units f = FLOOR(v * 2^k) (the product exact, a power of two; the floor a
        // double, SqlDialect.floorOfDouble) split into exact integers h = FLOOR(f / 2^40) and
        // f - h * 2^40 (each a whole double below 2^53 in magnitude, so the subtraction is exact),
        // summed as exact integers and combined in a 128-bit type: no rounding anywhere.
        scaled
            .append(", ")
            .append(clamp("m" + m, fineParams, dp.valueBounds().get(m)))
            .append(" * ? AS g")
            .append(c);
        fineParams.add(slots.granularity(c));
        fine.append(", ").append(dialect.floorOfDouble("g" + c)).append(" AS f").append(c);
        String wide = dialect.wideIntegerType();
        sql.append(", CAST(")
            .append(dialect.exactIntegerSum("CAST(FLOOR(f" + c + " / ?) AS BIGINT)"))
            .append(" AS ")
            .append(wide)
            .append(") * ? + CAST(")
            .append(
                dialect.exactIntegerSum("CAST(f" + c + " - FLOOR(f" + c + " / ?) * ? AS BIGINT)"))
            .append(" AS ")
            .append(wide)
            .append(") AS s")
            .append(c);
        params.add(SPLIT);
        params.add(SPLIT_LONG);
        params.add(SPLIT);
        params.add(SPLIT);
      } else {
        String value = units("m" + m, params, dp.valueBounds().get(m), slots.granularity(c));
        sql.append(", SUM(").append(value).append(") AS s").append(c);
      }
      sql.append(", COUNT(m").append(m).append(") AS n").append(c);
    }
    if (fine.length() > 0) {
      sql.append(" FROM (SELECT v").append(i).append(".*").append(fine);
      sql.append(" FROM (SELECT d").append(i).append(".*").append(scaled);
      params.addAll(fineParams);
      sql.append(" FROM d").append(i).append(") v").append(i).append(") d").append(i);
    } else {
      sql.append(" FROM d").append(i);
    }
    if (i + 1 < plan.datasets().size()) {
      // Also drops the rows without a person: NULL is in no set.
      sql.append(" WHERE pid IN (SELECT pid FROM a").append(i + 1).append(')');
    } else if (i == 0) {
      sql.append(" WHERE pid IS NOT NULL");
    }
    sql.append(" GROUP BY pid").append(keys).append(')');
    if (peopleKeyHex.isPresent()) {
      sql.append(" x)");
    }
  }

  /** Column {@code column} of dataset {@code i}'s per-person partials. */
  private static String partial(int i, String column) {
    return "a" + i + "." + column;
  }

  /** The number of sum columns of dataset {@code i}: one per {@link RowUnits} slot. */
  private int sumCount(int i) {
    return RowUnits.of(plan, i).size();
  }

  /**
   * A row's value of {@code column}, clamped into {@code b}, in whole units of {@code granularity}
   * rounded half to even as {@link dev.cleanroom.dp.UnitSum#unitsOf} rounds: q = clamped / g
   * (exact: g is a power of two), f = FLOOR(q), plus one when q - f &gt; 1/2, or = 1/2 and f is
   * odd; NULL for NULL. Each occurrence of q binds its own values.
   */
  private static String units(String column, List<Object> params, Bounds b, double granularity) {
    String[] q = new String[6];
    for (int k = 0; k < q.length; k++) {
      String c = clamp(column, params, b);
      params.add(granularity);
      q[k] = "(" + c + " / ?)";
    }
    return "CAST(FLOOR("
        + q[0]
        + ") AS BIGINT) + CASE WHEN "
        + q[1]
        + " - FLOOR("
        + q[2]
        + ") > 0.5 OR ("
        + q[3]
        + " - FLOOR("
        + q[4]
        + ") = 0.5 AND MOD(CAST(FLOOR("
        + q[5]
        + ") AS BIGINT), 2) <> 0) THEN 1 ELSE 0 END";
  }

  private static String projectionList(Plan.DatasetPlan dp) {
    StringBuilder sb = new StringBuilder();
    for (int j = 0; j < dp.projection().size(); j++) {
      sb.append(", p").append(j);
    }
    return sb.toString();
  }

  /** c: one row per person and combination of projections that passes the cross conditions. */
  private void combinations(StringBuilder sql, List<Object> params, boolean hashes) {
    int n = plan.datasets().size();
    sql.append("c AS (SELECT a0.pid AS pid");
    if (hashes) {
      sql.append(", ").append(partial(n - 1, "h")).append(" AS h");
    }
    for (int k = 0; k < plan.groupBy().size(); k++) {
      ResolvedColumn g = plan.groupBy().get(k);
      int slot = plan.datasets().get(g.dataset()).projection().indexOf(g);
      sql.append(", ").append(partial(g.dataset(), "p" + slot)).append(" AS k").append(k);
    }
    for (int i = 0; i < n; i++) {
      Plan.DatasetPlan dp = plan.datasets().get(i);
      for (int j = 0; j < dp.projection().size(); j++) {
        sql.append(", ")
            .append(partial(i, "p" + j))
            .append(" AS c")
            .append(i)
            .append('_')
            .append(j);
      }
      sql.append(", ").append(partial(i, "r")).append(" AS r").append(i);
      for (int m = 0; m < sumCount(i); m++) {
        sql.append(", ")
            .append(partial(i, "s" + m))
            .append(" AS s")
            .append(i)
            .append('_')
            .append(m);
        sql.append(", ")
            .append(partial(i, "n" + m))
            .append(" AS n")
            .append(i)
            .append('_')
            .append(m);
      }
    }
    sql.append(" FROM a0");
    for (int i = 1; i < n; i++) {
      sql.append(" JOIN a").append(i).append(" ON a").append(i).append(".pid = a0.pid");
    }
    if (plan.crossConditions()) {
      List<Condition> cross = plan.crossConditionList();
      sql.append(" WHERE ")
          .append(
              SqlConditions.compile(
                  cross,
                  name -> {
                    ResolvedColumn rc = resolveProjected(name);
                    int slot = plan.datasets().get(rc.dataset()).projection().indexOf(rc);
                    return new SqlConditions.SqlColumn("a" + rc.dataset() + ".p" + slot, rc.type());
                  },
                  params));
    }
    sql.append(')');
  }

  /** g_i: per person and group, the sums over the distinct projections of dataset i in it. */
  private void perGroup(int i, StringBuilder sql) {
    Plan.DatasetPlan dp = plan.datasets().get(i);
    StringBuilder keys = new StringBuilder();
    for (int k = 0; k < plan.groupBy().size(); k++) {
      keys.append(", k").append(k);
    }
    if (i == 0 && members()) {
      // The person's hash, one per person: grouping by it too changes no group.
      keys.append(", h");
    }
    sql.append("g").append(i).append(" AS (SELECT pid").append(keys);
    sql.append(", SUM(r").append(i).append(") AS r");
    for (int m = 0; m < sumCount(i); m++) {
      sql.append(", SUM(s").append(i).append('_').append(m).append(") AS s").append(m);
      sql.append(", SUM(n").append(i).append('_').append(m).append(") AS n").append(m);
    }
    sql.append(" FROM (SELECT DISTINCT pid").append(keys);
    for (int j = 0; j < dp.projection().size(); j++) {
      sql.append(", c").append(i).append('_').append(j);
    }
    sql.append(", r").append(i);
    for (int m = 0; m < sumCount(i); m++) {
      sql.append(", s")
          .append(i)
          .append('_')
          .append(m)
          .append(", n")
          .append(i)
          .append('_')
          .append(m);
    }
    sql.append(" FROM c) x").append(i).append(" GROUP BY pid").append(keys).append(')');
  }

  /**
   * counted and ranked: each person's groups (only public groups, if any), all of them for a person
   * with at most L0, else the first L0 in keyed-hash order. Only the rows of the people with more
   * than L0 groups are hashed. Two forms of the same cut:
   *
   * <ul>
   *   <li>Where the database evaluates a {@code WITH} query once however often the statement reads
   *       it ({@link #readsWithQueriesOnce}), the people with more than L0 groups are found by a
   *       grouping ({@code many}), only their rows are ranked, and the rows of everyone else pass
   *       with no window over them.
   *   <li>Elsewhere (Trino and Spark inline a {@code WITH} query at every reference, so each would
   *       read the tables again; H2 and the other dialects are not assumed to do better), {@code
   *       counted} is read once: a window counts each person's groups, and a second ranks them by
   *       the keyed hash only where the count exceeds L0.
   * </ul>
   */
  private void ranked(StringBuilder sql, List<Object> params, String saltHex, String columns) {
    if (plan.groupBy().isEmpty()) {
      // One group, the whole population: every person keeps it (L0 is at least 1).
      sql.append(", ranked AS (SELECT ").append(columns).append(" FROM pg)");
      return;
    }
    if (windowedCut()) {
      windowedRanked(sql, params, saltHex, columns);
      return;
    }
    sql.append(", counted AS (SELECT * FROM pg");
    Optional<Set<List<Object>>> publicGroups = plan.noise().flatMap(NoisePlan::publicGroups);
    if (publicGroups.isPresent()) {
      List<String> ors = new ArrayList<>();
      for (List<Object> key : publicGroups.get()) {
        List<String> ands = new ArrayList<>();
        for (int k = 0; k < key.size(); k++) {
          ands.add("k" + k + " = ?");
          params.add(key.get(k));
        }
        ors.add("(" + String.join(" AND ", ands) + ")");
      }
      sql.append(" WHERE ").append(ors.isEmpty() ? "1 = 0" : String.join(" OR ", ors));
    }
    sql.append(')');
    long l0 = plan.maxGroupsPerUser();
    sql.append(", many AS (SELECT pid FROM counted GROUP BY pid HAVING COUNT(*) > ?)");
    params.add(l0);
    sql.append(", ranked AS (SELECT ")
        .append(columns)
        .append(" FROM counted WHERE pid NOT IN (SELECT pid FROM many) UNION ALL SELECT ")
        .append(columns)
        .append(" FROM (SELECT counted.*, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ")
        .append(rankKey())
        // "rn > 0" holds for every row. It keeps DuckDB from turning the window and "rn <= ?" into
        // its top-N aggregate (arg_min over packed rows), which took three times as long as the
        // window on the benchmark's workload; Trino and Spark still read the bound from the
        // conjunction.
        .append(") AS rn FROM counted WHERE pid IN (SELECT pid FROM many)) x")
        .append(" WHERE rn <= ? AND rn > 0)");
    params.add(saltHex);
    params.add(l0);
  }

  /**
   * The keyed hash that orders a person's groups: SHA-256 in hexadecimal of the salt (its one
   * parameter), the person and the group's keys, separated by {@code |}; with more than one key,
   * text keys escaped as {@link ContributionBounder#escapedKeyText} does.
   */
  private String rankKey() {
    StringBuilder text = new StringBuilder("? || '|' || pid || '|' || ");
    boolean escaped = plan.groupBy().size() > 1;
    for (int k = 0; k < plan.groupBy().size(); k++) {
      if (k > 0) {
        text.append(" || '|' || ");
      }
      String key = dialect.castToText("k" + k);
      if (escaped && plan.groupBy().get(k).type() == ColumnType.STRING) {
        key = "REPLACE(REPLACE(" + key + ", '~', '~~'), '|', '~!')";
      }
      // A missing DOUBLE (NULL here, NaN in the engine) is a group like any other.
      text.append(
          plan.groupBy().get(k).type() == ColumnType.DOUBLE ? "COALESCE(" + key + ", '')" : key);
    }
    return dialect.sha256Hex(text.toString()).orElseThrow();
  }

  /**
   * Whether the database evaluates a {@code WITH} query once however often the statement reads it:
   * DuckDB and PostgreSQL materialize such a query. Trino inlines it at every reference (its plan
   * of the benchmark's statement scanned the impressions four times), as does Spark; H2 and the
   * other dialects are not assumed to do better.
   */
  private boolean readsWithQueriesOnce() {
    return dialect == SqlDialect.DUCKDB || dialect == SqlDialect.POSTGRESQL;
  }

  /**
   * Whether the cut to L0 reads {@code counted} once, with windows ({@link #windowedRanked}): where
   * {@link #readsWithQueriesOnce} does not hold, for a plan without public groups (whose filter
   * drops the rows whose NULL keys must still fail the query, so {@link #result} counts them in
   * {@code pg}).
   */
  private boolean windowedCut() {
    return !readsWithQueriesOnce() && plan.noise().flatMap(NoisePlan::publicGroups).isEmpty();
  }

  /**
   * The cut to L0 in one read of {@code pg}: per row, its person's number of groups {@code gn} and,
   * with grouped number columns, whether any of the person's rows has a NULL key ({@code nk}, which
   * every kept row carries to {@link #result}: each person keeps at least one row); then the rank
   * of the row among its person's groups by {@link #rankKey}, computed only where {@code gn}
   * exceeds L0. A row is kept if its person has at most L0 groups or it ranks among the first L0.
   */
  private void windowedRanked(
      StringBuilder sql, List<Object> params, String saltHex, String columns) {
    long l0 = plan.maxGroupsPerUser();
    sql.append(", counted AS (SELECT pg.*, COUNT(*) OVER (PARTITION BY pid) AS gn");
    Optional<String> nullKey = nullKeyCondition();
    if (nullKey.isPresent()) {
      sql.append(", MAX(CASE WHEN ")
          .append(nullKey.get())
          .append(" THEN 1 ELSE 0 END) OVER (PARTITION BY pid) AS nk");
    }
    sql.append(" FROM pg), ranked AS (SELECT ").append(columns);
    if (nullKey.isPresent()) {
      sql.append(", nk");
    }
    sql.append(" FROM (SELECT counted.*, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY CASE WHEN")
        .append(" gn > ? THEN ")
        .append(rankKey())
        .append(" END) AS rn FROM counted) x WHERE gn <= ? OR rn <= ?)");
    params.add(l0);
    params.add(saltHex);
    params.add(l0);
    params.add(l0);
  }

  /**
   * The condition that a row has a NULL in a grouped whole-number, date, time or boolean column;
   * empty if none is grouped. A NULL DOUBLE is a missing value (NaN in the engine), a group of its
   * own on every path.
   */
  private Optional<String> nullKeyCondition() {
    List<String> nullable = new ArrayList<>();
    for (int k = 0; k < plan.groupBy().size(); k++) {
      if (failsOnNull(plan.groupBy().get(k).type())) {
        nullable.add("k" + k + " IS NULL");
      }
    }
    return nullable.isEmpty() ? Optional.empty() : Optional.of(String.join(" OR ", nullable));
  }

  /**
   * The released aggregates per group, after the cut to L0; with difference checks, the group's
   * people: the column {@code h} that the last dataset's partials computed once per person (the
   * first 16 hexadecimal digits of their {@link PeopleHash}, as a BIGINT where the dialect converts
   * them ({@link SqlDialect#hexToBigint}), the key bound as a parameter). A plan with quantiles
   * tags these rows 0 in column {@code qt} and adds {@link #quantileRows}.
   */
  private void result(StringBuilder sql, List<Object> params) {
    StringBuilder keys = new StringBuilder();
    for (int k = 0; k < plan.groupBy().size(); k++) {
      keys.append(k == 0 ? "" : ", ").append('k').append(k);
    }
    sql.append(" SELECT ");
    if (keys.length() > 0) {
      sql.append(keys).append(", ");
    }
    boolean[] quantile = ContributionBounder.quantiles(plan);
    int[] branch = quantileBranches();
    boolean quantiles = Arrays.stream(branch).anyMatch(b -> b >= 0);
    // The names of the columns after the keys, for the quantile rows' placeholders.
    List<String> names = new ArrayList<>();
    if (quantiles) {
      sql.append("0 AS qt, ");
      names.add("qt");
    }
    sql.append("COUNT(*) AS users, SUM(CASE WHEN r0 > ? THEN ? ELSE r0 END) AS cnt");
    names.add("users");
    names.add("cnt");
    params.add((long) plan.maxContributionsPerGroup());
    params.add((long) plan.maxContributionsPerGroup());
    boolean[] spread = ContributionBounder.spreads(plan);
    StringBuilder spreads = new StringBuilder();
    List<Object> spreadParams = new ArrayList<>();
    StringBuilder splits = new StringBuilder();
    List<Object> splitParams = new ArrayList<>();
    for (int a = 0; a < plan.aggregates().size(); a++) {
      Plan.AggregatePlan ap = plan.aggregates().get(a);
      if (ap.dataset() < 0) {
        continue;
      }
      List<Object> bounds = new ArrayList<>();
      String clamped = clampedTotal(a, bounds);
      params.addAll(bounds);
      if (spread[a]) {
        spreadParams.addAll(bounds);
      }
      String nn = slotColumn("n", a);
      sql.append(", SUM(").append(clamped).append(") AS sa").append(a);
      sql.append(", SUM(CASE WHEN ").append(nn).append(" > 0 THEN 1 ELSE 0 END) AS pa").append(a);
      names.add("sa" + a);
      names.add("pa" + a);
      if (spread[a]) {
        squares(sql, a, splits, splitParams);
        spreads.append(", ").append(clamped).append(" AS xa").append(a);
        names.add("sq0_" + a);
        names.add("sq1_" + a);
        names.add("sq2_" + a);
      }
    }
    Optional<String> nullKey = nullKeyCondition();
    if (nullKey.isPresent()) {
      // A NULL number in a grouped column fails the query, as it does in memory; counted before
      // the cut to L0, so that it cannot hide behind the choice of groups (the windowed cut
      // carries each person's flag on every kept row).
      sql.append(
          windowedCut()
              ? ", MAX(nk) AS nullkeys"
              : ", (SELECT COUNT(*) FROM pg WHERE " + nullKey.get() + ") AS nullkeys");
      names.add("nullkeys");
    }
    if (members()) {
      String people =
          membersAsText()
              ? dialect.hexListAgg("h").orElseThrow()
              : dialect.arrayAgg("h").orElseThrow();
      sql.append(", ").append(people).append(" AS people");
      names.add("people");
    }
    if (spreads.length() > 0) {
      // Each variance's clamped person total x (as in its sum), split into exact parts.
      sql.append(" FROM (SELECT sx.*").append(splits).append(" FROM (SELECT ranked.*");
      sql.append(spreads).append(" FROM ranked) sx) ranked");
      params.addAll(splitParams);
      params.addAll(spreadParams);
    } else {
      sql.append(" FROM ranked");
    }
    if (keys.length() > 0) {
      sql.append(" GROUP BY ").append(keys);
    }
    for (int a = 0; a < branch.length; a++) {
      if (quantile[a] && branch[a] == a) {
        quantileRows(sql, params, a, keys.toString(), names);
      }
    }
  }

  /**
   * The rows of one quantile's histogram, after the rows of the groups: per group and clamped
   * person total x (in {@link FineUnits}, as the engine keeps it) of quantile aggregate {@code a},
   * the number of people with that total, tagged {@code a + 1} in column {@code qt}, the number in
   * column {@code users} and x in column {@code sa}<i>a</i>, every other column NULL. No id and no
   * person's other values: the engine reads the exact quantile or the noisy tree's leaves from
   * these counts, exactly as from the totals it would hold itself.
   */
  private void quantileRows(
      StringBuilder sql, List<Object> params, int a, String keys, List<String> names) {
    String nn = slotColumn("n", a);
    String prefix = keys.isEmpty() ? "" : keys + ", ";
    sql.append(" UNION ALL SELECT ").append(prefix);
    List<String> values = new ArrayList<>();
    for (String name : names) {
      values.add(
          switch (name) {
            case "qt" -> (a + 1) + " AS qt";
            case "users" -> "COUNT(*) AS users";
            default -> name.equals("sa" + a) ? "xq AS " + name : "NULL AS " + name;
          });
    }
    sql.append(String.join(", ", values));
    sql.append(" FROM (SELECT ").append(prefix).append(clampedTotal(a, params));
    sql.append(" AS xq FROM ranked WHERE ").append(nn).append(" > 0) qh");
    sql.append(" GROUP BY ").append(prefix).append("xq");
  }

  /**
   * Per aggregate, the quantile aggregate whose histogram ({@link #quantileRows}) serves it: the
   * first quantile of the same metric with the same group bounds; -1 for an aggregate that is not a
   * quantile.
   */
  private int[] quantileBranches() {
    int n = plan.aggregates().size();
    int[] out = new int[n];
    Arrays.fill(out, -1);
    boolean[] quantile = ContributionBounder.quantiles(plan);
    for (int a = 0; a < n; a++) {
      if (!quantile[a]) {
        continue;
      }
      Plan.AggregatePlan ap = plan.aggregates().get(a);
      out[a] = a;
      for (int b = 0; b < a; b++) {
        Plan.AggregatePlan bp = plan.aggregates().get(b);
        if (quantile[b]
            && bp.dataset() == ap.dataset()
            && bp.metricIndex() == ap.metricIndex()
            && bp.groupBounds().equals(ap.groupBounds())) {
          out[a] = b;
          break;
        }
      }
    }
    return out;
  }

  /**
   * Column {@code prefix}<i>i</i>{@code _}<i>c</i> of the per-person rows for aggregate {@code a}:
   * its sum ({@code s}) or number of values ({@code n}) in slot c of its dataset i.
   */
  private String slotColumn(String prefix, int a) {
    int dataset = plan.aggregates().get(a).dataset();
    return prefix + dataset + "_" + RowUnits.of(plan, dataset).slotOf(a);
  }

  /**
   * The person's total of aggregate {@code a} clamped to its group bounds in units, as the engine's
   * {@link ContributionBounder} clamps it, 0 for a person without a value; its bounds added to
   * {@code params}. Units of the noise granularity for a noisy aggregate (the bounds rounded half
   * to even, as {@link UnitSum#unitsOf}), {@link FineUnits} otherwise (the lower bound rounded up,
   * the upper down).
   */
  private String clampedTotal(int a, List<Object> params) {
    Plan.AggregatePlan ap = plan.aggregates().get(a);
    String s = slotColumn("s", a);
    String nn = slotColumn("n", a);
    String lower;
    String upper;
    if (!RowUnits.fineUnits(plan, a)) {
      double g = plan.noise().orElseThrow().granularities()[a];
      params.add(UnitSum.unitsOf(ap.groupBounds().lower(), g));
      params.add(UnitSum.unitsOf(ap.groupBounds().upper(), g));
      lower = "?";
      upper = "?";
    } else {
      double scale = RowUnits.scale(plan, a);
      lower = wideParam(params, FineUnits.ceilUnits(ap.groupBounds().lower(), scale));
      upper = wideParam(params, FineUnits.floorUnits(ap.groupBounds().upper(), scale));
    }
    return "CASE WHEN "
        + nn
        + " > 0 THEN LEAST(GREATEST("
        + s
        + ", "
        + lower
        + "), "
        + upper
        + ") ELSE 0 END";
  }

  /**
   * The sum of squares of a variance's clamped person totals x, exactly: x (below 2^82 in
   * magnitude: 63 bits of a noise granularity's units, or a {@link FineUnits} total) is split into
   * l = MOD(x, 2^41) (|l| &lt; 2^41, the sign of x) and h = (x − l) / 2^41, computed in double
   * precision, which is exact: x − l is h·2^41 with |h| &lt; 2^41, a double with at most 41
   * significant bits, and dividing by a power of two is exact. Then x² = h²·2^82 + 2hl·2^41 + l²,
   * and h², hl and l² (each below 2^82) are summed as exact integers of the dialect's wide type
   * ({@code sq0_a}, {@code sq1_a}, {@code sq2_a}), which hold the sums of up to 2^44 people (a
   * DECIMAL(38,0) holds 10^38 &gt; 2^126); Java combines them ({@link #combineSquares}).
   */
  private void squares(StringBuilder sql, int a, StringBuilder splits, List<Object> params) {
    String wide = dialect.wideIntegerType();
    String h = "CAST(ha" + a + " AS " + wide + ")";
    String l = "CAST(la" + a + " AS " + wide + ")";
    sql.append(", SUM(").append(h).append(" * ").append(h).append(") AS sq0_").append(a);
    sql.append(", SUM(").append(h).append(" * ").append(l).append(") AS sq1_").append(a);
    sql.append(", SUM(").append(l).append(" * ").append(l).append(") AS sq2_").append(a);
    String x = "sx.xa" + a;
    splits
        .append(", MOD(")
        .append(x)
        .append(", ?) AS la")
        .append(a)
        .append(", CAST((")
        .append(x)
        .append(" - MOD(")
        .append(x)
        .append(", ?)) / ? AS BIGINT) AS ha")
        .append(a);
    params.add(SQUARE_SPLIT_LONG);
    params.add(SQUARE_SPLIT_LONG);
    params.add(SQUARE_SPLIT);
  }

  /** Σx² from the three exact sums of {@link #squares}: Σh²·2^82 + 2·Σhl·2^41 + Σl². */
  private static BigDecimal combineSquares(BigDecimal hh, BigDecimal hl, BigDecimal ll) {
    BigInteger split = BigInteger.valueOf(SQUARE_SPLIT_LONG);
    return new BigDecimal(
        hh.toBigIntegerExact()
            .multiply(split.multiply(split))
            .add(hl.toBigIntegerExact().multiply(split).shiftLeft(1))
            .add(ll.toBigIntegerExact()));
  }

  /**
   * A whole number of units below 2^83 in magnitude as an expression of the dialect's wide integer
   * type, bound as two BIGINT parameters: {@code high * 2^40 + low}, low in [0, 2^40).
   */
  private String wideParam(List<Object> params, BigInteger units) {
    BigInteger[] hl = units.divideAndRemainder(BigInteger.valueOf(SPLIT_LONG));
    if (hl[1].signum() < 0) {
      hl[0] = hl[0].subtract(BigInteger.ONE);
      hl[1] = hl[1].add(BigInteger.valueOf(SPLIT_LONG));
    }
    params.add(hl[0].longValueExact());
    params.add(SPLIT_LONG);
    params.add(hl[1].longValueExact());
    return "(CAST(? AS " + dialect.wideIntegerType() + ") * ? + ?)";
  }

  /**
   * {@code expr} clamped to [lower, upper], NULL staying NULL (a missing value): some databases'
   * GREATEST ignores a NULL argument and would turn it into the lower bound.
   */
  private static String clamp(String expr, List<Object> params, Bounds b) {
    params.add(b.lower());
    params.add(b.upper());
    return "CASE WHEN " + expr + " IS NULL THEN NULL ELSE LEAST(GREATEST(" + expr + ", ?), ?) END";
  }

  /**
   * The person of a row: its user id normalized in SQL exactly as {@link
   * dev.cleanroom.pseudonymization.Pseudonymizer#normalize} does, NULL for a missing or malformed
   * id (whose row belongs to no person and is dropped, as on every path).
   */
  private String personId(Dataset d, SqlTable src) {
    String id = src.column(d.userIdColumn());
    if (d.schema().column(d.userIdColumn()).orElseThrow().type() != ColumnType.STRING) {
      id = dialect.castToText(id);
    }
    return dialect.normalizedColumnId(id, d.userIdFormat()).orElseThrow();
  }

  private String value(SqlTable src, String column, ColumnType type) {
    String c = src.column(column);
    return type == ColumnType.STRING ? "COALESCE(" + c + ", '')" : held(c, type);
  }

  /**
   * A column's expression as the engine holds its values: DATE, TIMESTAMP and BOOLEAN values as
   * whole numbers ({@link dev.cleanroom.jdbc.SqlDialect#heldAsLong}), others as they are.
   */
  private String held(String expression, ColumnType type) {
    if (type == ColumnType.DOUBLE) {
      return dialect.nanAsNull(expression).orElseThrow();
    }
    return type.isHeldAsLong() && type != ColumnType.LONG
        ? dialect.heldAsLong(expression, type).orElseThrow()
        : expression;
  }

  /**
   * The type of metric {@code column} as the statement reads it: DOUBLE (NaN missing) for a DOUBLE
   * column, LONG (a whole number, read exactly, cast to double) for the others.
   */
  private static ColumnType metricType(Dataset d, String column) {
    return d.schema().column(column).orElseThrow().type() == ColumnType.DOUBLE
        ? ColumnType.DOUBLE
        : ColumnType.LONG;
  }

  /** A column of a condition, as {@link #held} renders it. */
  private SqlConditions.SqlColumn sqlColumn(String expression, ColumnType type) {
    return new SqlConditions.SqlColumn(held(expression, type), type);
  }

  private ResolvedColumn resolveProjected(String name) {
    return plan.projected(name);
  }

  /**
   * Runs the statement and returns per group: users, bounded count, and per aggregate the clamped
   * sum (or fixed-point units for noisy sums) and the number of people with a value.
   */
  Map<List<Object>, long[]> run(String saltHex, Map<List<Object>, BigDecimal[]> sums) {
    return run(saltHex, "", sums, new HashMap<>(), new HashMap<>(), Interrupts.NONE);
  }

  /**
   * Runs the statement like {@link #run(String, Map)}, obeying and reporting to {@code interrupts}:
   * the statement is cancelled in the database when the run should stop. With difference checks,
   * puts each group's people (their {@link PeopleHash} values, in any order) into {@code people};
   * with quantiles, each group's clamped person totals of each quantile aggregate (null for the
   * other aggregates), in increasing order, as the engine holds them ({@link FineUnits#value}),
   * into {@code quantiles}.
   */
  Map<List<Object>, long[]> run(
      String saltHex,
      String peopleKeyHex,
      Map<List<Object>, BigDecimal[]> sums,
      Map<List<Object>, long[]> people,
      Map<List<Object>, double[][]> quantiles,
      Interrupts interrupts) {
    Statement st = statement(saltHex, peopleKeyHex);
    requireNoNulls(interrupts);
    Map<List<Object>, long[]> out = new HashMap<>();
    int aggregates = plan.aggregates().size();
    int[] branch = quantileBranches();
    boolean tagged = Arrays.stream(branch).anyMatch(b -> b >= 0);
    // Per group and quantile branch, its totals and their numbers of people, in increasing order.
    Map<List<Object>, Map<Integer, List<Map.Entry<BigInteger, Long>>>> histograms = new HashMap<>();
    int keys = plan.groupBy().size();
    int first = keys + (tagged ? 2 : 1);
    boolean[] spread = ContributionBounder.spreads(plan);
    int[] sumColumn = new int[aggregates];
    int c = first + 2;
    for (int a = 0; a < aggregates; a++) {
      if (plan.aggregates().get(a).dataset() >= 0) {
        sumColumn[a] = c;
        c += spread[a] ? 5 : 2;
      }
    }
    execute(
        st,
        interrupts,
        rs -> {
          List<Object> key = new ArrayList<>(keys);
          for (int k = 0; k < keys; k++) {
            key.add(groupValue(rs, k + 1, plan.groupBy().get(k), sourceNames()));
          }
          int tag = tagged ? rs.getInt(keys + 1) : 0;
          if (tag > 0) {
            int a = tag - 1;
            BigInteger total = exactNumber(rs.getObject(sumColumn[a])).toBigIntegerExact();
            histograms
                .computeIfAbsent(List.copyOf(key), x -> new HashMap<>())
                .computeIfAbsent(a, x -> new ArrayList<>())
                .add(Map.entry(total, rs.getLong(first)));
            return;
          }
          long users = rs.getLong(first);
          if (users == 0) {
            return;
          }
          long[] counts = new long[2 + aggregates];
          // Per aggregate its sum, then per variance its sum of squares at aggregates + a.
          BigDecimal[] values = new BigDecimal[2 * aggregates];
          counts[0] = users;
          counts[1] = rs.getLong(first + 1);
          int col = first + 2;
          for (int a = 0; a < aggregates; a++) {
            if (plan.aggregates().get(a).dataset() < 0) {
              continue;
            }
            values[a] = exactNumber(rs.getObject(col++));
            counts[2 + a] = rs.getLong(col++);
            if (spread[a]) {
              BigDecimal hh = exactNumber(rs.getObject(col++));
              BigDecimal hl = exactNumber(rs.getObject(col++));
              BigDecimal ll = exactNumber(rs.getObject(col++));
              values[aggregates + a] = combineSquares(hh, hl, ll);
            }
          }
          if (hasNullableKeys() && rs.getLong(col++) > 0) {
            throw new DataSourceException(
                sourceNames(), -1, "", "a grouped number column holds NULL", null);
          }
          if (members()) {
            people.put(
                List.copyOf(key),
                membersAsText() ? hashes(rs.getString(col)) : hashes(rs.getArray(col)));
          }
          out.put(List.copyOf(key), counts);
          sums.put(List.copyOf(key), values);
        });
    if (tagged) {
      for (Map.Entry<List<Object>, long[]> e : out.entrySet()) {
        quantiles.put(
            e.getKey(),
            quantileTotals(branch, e.getValue(), histograms.getOrDefault(e.getKey(), Map.of())));
      }
    }
    return out;
  }

  /**
   * One group's people's totals per quantile aggregate, from its histograms by branch ({@link
   * #quantileBranches}), each checked against the number of people with a value in the group's row.
   */
  private double[][] quantileTotals(
      int[] branch, long[] counts, Map<Integer, List<Map.Entry<BigInteger, Long>>> histograms) {
    double[][] out = new double[branch.length][];
    for (int a = 0; a < branch.length; a++) {
      if (branch[a] < 0) {
        continue;
      }
      if (branch[a] != a) {
        out[a] = out[branch[a]];
        continue;
      }
      List<Map.Entry<BigInteger, Long>> h = new ArrayList<>(histograms.getOrDefault(a, List.of()));
      h.sort(Map.Entry.comparingByKey());
      long n = h.stream().mapToLong(Map.Entry::getValue).sum();
      if (n != counts[2 + a]) {
        throw new DataSourceException(
            sourceNames(), "returned counts of a quantile that disagree with its group", null);
      }
      if (n > Integer.MAX_VALUE - 8) {
        // The engine holds a group's totals in one array, on every path.
        throw new IllegalStateException("a group has too many people for one quantile's totals");
      }
      double scale = RowUnits.scale(plan, a);
      double[] totals = new double[(int) n];
      int i = 0;
      for (Map.Entry<BigInteger, Long> e : h) {
        double v = FineUnits.value(e.getKey(), scale);
        Arrays.fill(totals, i, i + e.getValue().intValue(), v);
        i += e.getValue().intValue();
      }
      out[a] = totals;
    }
    return out;
  }

  /** The people hashes of one group, from the database's array of hexadecimal prefixes. */
  private long[] hashes(java.sql.Array array) throws SQLException {
    if (array == null) {
      throw new DataSourceException(sourceNames(), "returned no people for a group", null);
    }
    try {
      // Numbers where the dialect converts the hexadecimal digits itself, else the digits.
      Object[] hashes = (Object[]) array.getArray();
      long[] out = new long[hashes.length];
      for (int i = 0; i < hashes.length; i++) {
        out[i] =
            hashes[i] instanceof Long l ? l.longValue() : PeopleHash.fromHex((String) hashes[i]);
      }
      return out;
    } catch (ClassCastException | NumberFormatException | NullPointerException e) {
      throw new DataSourceException(sourceNames(), "returned people that are not hashes", null);
    } finally {
      array.free();
    }
  }

  /**
   * The people of one group from the text of {@link SqlDialect#hexListAgg}: 16 hexadecimal digits
   * per person, separated by commas.
   */
  private long[] hashes(String text) {
    if (text == null || text.isEmpty()) {
      throw new DataSourceException(sourceNames(), "returned no people for a group", null);
    }
    try {
      return PeopleHash.fromHexList(text);
    } catch (NumberFormatException e) {
      throw new DataSourceException(sourceNames(), "returned people that are not hashes", null);
    }
  }

  /** Cancels a running statement, for the run's {@link Interrupts}; a failure is ignored. */
  private static void cancel(PreparedStatement ps) {
    try {
      ps.cancel();
    } catch (SQLException e) {
      // The statement has finished or closed meanwhile, or the driver cannot cancel: the run
      // still stops at its next check.
    }
  }

  /** Sets the statement's own timeout where the driver supports one. */
  private static void queryTimeout(PreparedStatement ps, int seconds) {
    try {
      ps.setQueryTimeout(seconds);
    } catch (SQLException e) {
      // Not supported (SQLFeatureNotSupportedException): the run's timer cancels the statement.
    }
  }

  /**
   * A sum as the database returned it, exactly: a sum of whole units comes back in the database's
   * own exact integer type (BIGINT, HUGEINT, NUMERIC), a threshold sum as a double; NULL (no value)
   * is zero. Read through its text, which every driver writes exactly for these types.
   */
  private BigDecimal exactNumber(Object v) {
    if (v == null) {
      return BigDecimal.ZERO;
    }
    if (v instanceof Double d) {
      if (!Double.isFinite(d)) {
        throw new DataSourceException(sourceNames(), "returned a sum that is not finite", null);
      }
      return new BigDecimal(d);
    }
    if (v instanceof Number) {
      return new BigDecimal(v.toString());
    }
    throw new DataSourceException(sourceNames(), "returned a sum that is not a number", null);
  }

  private boolean hasNullableKeys() {
    return plan.groupBy().stream().anyMatch(c -> failsOnNull(c.type()));
  }

  /** Whether a NULL in a grouped column of {@code type} fails the query. */
  private static boolean failsOnNull(ColumnType type) {
    return type != ColumnType.STRING && type != ColumnType.DOUBLE;
  }

  /** The names of the statement's sources, for messages. */
  private String sourceNames() {
    return String.join(
        ", ", plan.datasets().stream().map(dp -> dp.dataset().source().name()).distinct().toList());
  }

  private static Object groupValue(ResultSet rs, int column, ResolvedColumn c, String source)
      throws SQLException {
    Object v =
        switch (c.type()) {
          case STRING -> rs.getString(column);
          case LONG, DATE, TIMESTAMP, BOOLEAN -> rs.getLong(column);
          case DOUBLE -> rs.getDouble(column) + 0.0;
        };
    if (rs.wasNull() && c.type() == ColumnType.DOUBLE) {
      return Double.NaN;
    }
    if (rs.wasNull()) {
      throw new DataSourceException(
          source, -1, c.name(), "a grouped number column holds NULL", null);
    }
    return v;
  }
}
