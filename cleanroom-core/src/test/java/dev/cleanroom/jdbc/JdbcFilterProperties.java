package dev.cleanroom.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.query.Condition;
import dev.cleanroom.query.Condition.Op;
import dev.cleanroom.spi.ScanRequest;
import java.io.IOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Filter pushdown on random small tables and random conditions, on H2 and DuckDB: the rows a scan
 * with the filter returns include every row the engine keeps when it filters an unfiltered scan in
 * Java, and are exactly those rows when the whole filter was pushed down and no NaN is involved.
 */
class JdbcFilterProperties {
  private static TestDatabase h2;
  private static TestDatabase duckdb;

  /** The databases under test. */
  enum Db {
    H2,
    DUCKDB
  }

  @BeforeContainer
  static void open() throws IOException {
    h2 = TestDatabase.h2();
    duckdb = TestDatabase.duckdb();
  }

  @AfterContainer
  static void close() throws Exception {
    h2.close();
    duckdb.close();
  }

  /** A row of the table; {@code ln} is nullable but never NULL (NULL fails a LONG read). */
  record Row(long l, Long ln, String s, String sn, double d, Double dn, double dx) {}

  private static final List<Long> LONGS =
      List.of(-2L, -1L, 0L, 1L, 2L, Long.MIN_VALUE, Long.MAX_VALUE);
  private static final List<String> TEXTS =
      List.of("", "a", "A", "b", "ab", "a ", " a", "ä", "😀", "\uFFFD", "z'", "--");
  private static final List<Double> DOUBLES = List.of(-1.5, -0.0, 0.0, 1.0, 2.5, 1e300, -1e300);

  @Property(tries = 120)
  void pushedFilter_returnsEveryRowTheEngineKeeps(
      @ForAll Db which,
      @ForAll("tables") List<Row> rows,
      @ForAll("filterLists") List<List<Condition>> filters)
      throws SQLException {
    TestDatabase db = which == Db.H2 ? h2 : duckdb;
    db.execute(
        "DROP TABLE IF EXISTS \"p\"",
        "CREATE TABLE \"p\" (\"id\" BIGINT NOT NULL, \"l\" BIGINT NOT NULL, \"ln\" BIGINT,"
            + " \"s\" VARCHAR(8) NOT NULL, \"sn\" VARCHAR(8), \"d\" DOUBLE PRECISION NOT NULL,"
            + " \"dn\" DOUBLE PRECISION, \"dx\" DOUBLE PRECISION NOT NULL)");
    List<Object[]> values = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      Row r = rows.get(i);
      values.add(new Object[] {(long) i, r.l(), r.ln(), r.s(), r.sn(), r.d(), r.dn(), r.dx()});
    }
    db.insert("\"p\"", values);
    JdbcSource source = JdbcSource.builder(db.dataSource(), "p").build();

    // The engine's view: every row, unfiltered, as the source reads it.
    List<String> names = source.schema().names();
    List<Map<String, Object>> table = new ArrayList<>();
    for (List<Object> row : Scans.rows(source, names.toArray(new String[0]))) {
      Map<String, Object> byName = new HashMap<>();
      for (int i = 0; i < names.size(); i++) {
        byName.put(names.get(i), row.get(i));
      }
      table.add(byName);
    }
    assertEquals(rows.size(), table.size());

    for (List<Condition> filter : filters) {
      Set<Long> engine = new TreeSet<>();
      for (Map<String, Object> row : table) {
        if (filter.stream().allMatch(c -> Scans.holds(c, row))) {
          engine.add((Long) row.get("id"));
        }
      }
      Set<Long> pushed = new TreeSet<>();
      for (List<Object> row :
          Scans.rows(source, new ScanRequest(List.of("id"), Set.of(), filter, 3))) {
        pushed.add((Long) row.get(0));
      }

      JdbcFilters.Compiled compiled = JdbcFilters.compile(filter, db.dialect(), source::jdbcColumn);
      boolean exact =
          compiled.complete() && filter.stream().noneMatch(c -> c.columns().contains("dx"));
      Statistics.label("pushdown")
          .collect(compiled.isEmpty() ? "none" : exact ? "exact" : "partial or loose");

      assertTrue(pushed.containsAll(engine), filter + ": pushed " + pushed + ", engine " + engine);
      if (exact) {
        assertEquals(engine, pushed, filter.toString());
      }
    }
    Statistics.label("pushdown")
        .coverage(
            check -> {
              check.check("exact").percentage(p -> p > 15);
              check.check("partial or loose").percentage(p -> p > 15);
            });
  }

  @Provide
  Arbitrary<List<Row>> tables() {
    Arbitrary<Long> longs =
        Arbitraries.frequencyOf(
            Tuple.of(3, Arbitraries.of(-1L, 0L, 1L)), Tuple.of(1, Arbitraries.of(LONGS)));
    Arbitrary<String> texts = Arbitraries.of(TEXTS);
    Arbitrary<Double> doubles = Arbitraries.of(DOUBLES);
    Arbitrary<Row> row =
        Combinators.combine(
                longs,
                longs,
                texts,
                texts.injectNull(0.3),
                doubles,
                doubles.injectNull(0.3),
                Arbitraries.oneOf(doubles, Arbitraries.just(Double.NaN)))
            .as(Row::new);
    return row.list().ofMinSize(4).ofMaxSize(12);
  }

  /** Several filters per table, as the table costs more to make than a scan. */
  @Provide
  Arbitrary<List<List<Condition>>> filterLists() {
    return condition(2).list().ofMinSize(1).ofMaxSize(2).list().ofSize(8);
  }

  private Arbitrary<Condition> condition(int depth) {
    if (depth == 0) {
      return atom();
    }
    Arbitrary<Condition> sub = condition(depth - 1);
    return Arbitraries.frequencyOf(
        Tuple.of(4, atom()),
        Tuple.of(
            1, sub.list().ofMinSize(2).ofMaxSize(3).map(l -> (Condition) new Condition.And(l))),
        Tuple.of(1, sub.list().ofMinSize(2).ofMaxSize(3).map(l -> (Condition) new Condition.Or(l))),
        Tuple.of(1, sub.map(c -> (Condition) new Condition.Not(c))));
  }

  /** A comparison or IN, negated three times in ten: NOT is where SQL and Java part ways. */
  private Arbitrary<Condition> atom() {
    // Small whole numbers often, so that rows equal the values compared with.
    Arbitrary<Object> longs =
        Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.of(-1L, 0L, 1L)), Tuple.of(1, Arbitraries.of(LONGS)))
            .map(v -> (Object) v);
    Arbitrary<Object> texts = Arbitraries.of(TEXTS).map(v -> (Object) v);
    // The engine compares DOUBLE columns with any number.
    Arbitrary<Object> numbers =
        Arbitraries.oneOf(Arbitraries.of(DOUBLES).map(v -> (Object) v), longs);
    Arbitrary<Condition> atom =
        Arbitraries.oneOf(
            atom(Arbitraries.of("l", "ln"), longs),
            atom(Arbitraries.of("s", "sn"), texts),
            atom(
                Arbitraries.frequency(Tuple.of(2, "d"), Tuple.of(2, "dn"), Tuple.of(1, "dx")),
                numbers));
    return Arbitraries.frequencyOf(
        Tuple.of(7, atom), Tuple.of(3, atom.map(c -> (Condition) new Condition.Not(c))));
  }

  private static Arbitrary<Condition> atom(Arbitrary<String> columns, Arbitrary<Object> values) {
    // Equality more often than the other operators: it is what text pushdown handles.
    Arbitrary<Op> ops =
        Arbitraries.frequencyOf(
            Tuple.of(1, Arbitraries.of(Op.class)), Tuple.of(1, Arbitraries.just(Op.EQ)));
    Arbitrary<Condition> comparison =
        Combinators.combine(columns, ops, values)
            .as((c, op, v) -> (Condition) new Condition.Comparison(c, op, v));
    Arbitrary<Condition> in =
        Combinators.combine(columns, values.list().ofMinSize(1).ofMaxSize(3))
            .as((c, vs) -> (Condition) new Condition.In(c, vs));
    return Arbitraries.frequencyOf(Tuple.of(3, comparison), Tuple.of(1, in));
  }
}
