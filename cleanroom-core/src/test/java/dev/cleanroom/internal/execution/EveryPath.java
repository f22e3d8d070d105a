package dev.cleanroom.internal.execution;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.ColumnType;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.Schema;
import dev.cleanroom.SecretKey;
import dev.cleanroom.internal.execution.PushdownDatabases.Db;
import dev.cleanroom.jdbc.JdbcSource;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.ResultRow;
import dev.cleanroom.source.ColumnarSource;
import dev.cleanroom.source.CsvSource;
import dev.cleanroom.source.InMemorySource;
import dev.cleanroom.spi.DataSource;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One dataset's rows, registered as {@code o.t} on every path the engine has for it (in memory, a
 * CSV file streamed and loaded, H2 and DuckDB tables pushed down and streamed), and one query's
 * released rows on each, as text, to compare: threshold mode, k = 2 unless the policy says more.
 */
final class EveryPath {
  static final SecretKey KEY = SecretKey.random();
  private static final AtomicInteger N = new AtomicInteger();

  private EveryPath() {}

  /** A column: its name, its type, and its type in the tables' SQL. */
  record Col(String name, ColumnType type, String sqlType) {}

  /** A text column. */
  static Col text(String name) {
    return new Col(name, ColumnType.STRING, "VARCHAR(100)");
  }

  /** A double-precision column. */
  static Col number(String name) {
    return new Col(name, ColumnType.DOUBLE, "DOUBLE PRECISION");
  }

  /** The paths. */
  enum P {
    IN_MEMORY,
    CSV_STREAMED,
    CSV_COLUMNAR,
    H2_PUSHED,
    H2_STREAMED,
    DUCK_PUSHED,
    DUCK_STREAMED
  }

  static Schema schema(List<Col> cols) {
    List<Column> cs = new ArrayList<>();
    for (Col c : cols) {
      cs.add(
          switch (c.type()) {
            case STRING -> Column.string(c.name());
            case LONG -> Column.int64(c.name());
            case DOUBLE -> Column.float64(c.name());
            case DATE -> Column.date(c.name());
            case TIMESTAMP -> Column.timestamp(c.name());
            case BOOLEAN -> Column.bool(c.name());
          });
    }
    return Schema.of(cs.toArray(new Column[0]));
  }

  /**
   * The query's released rows on path {@code p} as text (sorted, after the path's name in
   * brackets), or the error it threw.
   */
  static String run(
      P p,
      PushdownDatabases.Opened dbs,
      List<Col> cols,
      List<Object[]> rows,
      Consumer<Dataset.Builder> dataset,
      Consumer<Policy.Builder> policy,
      Function<CleanRoom, FinalStage> query)
      throws Exception {
    Schema schema = schema(cols);
    List<Runnable> cleanup = new ArrayList<>();
    try {
      DataSource src = source(p, dbs, cols, schema, rows, cleanup);
      Policy.Builder pb =
          Policy.builder().allowAnalysts("a").allowJoinOn("uid").minDistinctUsers(2);
      policy.accept(pb);
      CleanRoom room = CleanRoom.builder().secretKey(KEY).auditSink(e -> {}).build();
      try (room) {
        Dataset.Builder db = Dataset.builder("o", "t").source(src);
        dataset.accept(db);
        room.register(db.policy(pb.build()).build());
        FinalStage q = query.apply(room);
        String path = q.explain().path().orElseThrow().kind().name();
        try {
          List<String> out = new ArrayList<>();
          for (ResultRow r : q.run().rows()) {
            out.add(r.values().toString());
          }
          out.sort(null);
          return "[" + path + "] " + out;
        } catch (RuntimeException e) {
          return "[" + path + "] ERROR " + e.getClass().getSimpleName() + ": " + e.getMessage();
        }
      }
    } finally {
      cleanup.forEach(Runnable::run);
    }
  }

  /** {@link #run} on each of {@code paths}, or on every path if none is named. */
  static Map<P, String> runAll(
      PushdownDatabases.Opened dbs,
      List<Col> cols,
      List<Object[]> rows,
      Consumer<Dataset.Builder> dataset,
      Consumer<Policy.Builder> policy,
      Function<CleanRoom, FinalStage> query,
      P... paths)
      throws Exception {
    Map<P, String> out = new LinkedHashMap<>();
    for (P p : paths.length == 0 ? P.values() : paths) {
      out.put(p, run(p, dbs, cols, rows, dataset, policy, query));
    }
    return out;
  }

  /** One line per path: the path and its rows. */
  static String describe(Map<P, String> m) {
    StringBuilder sb = new StringBuilder();
    m.forEach((k, v) -> sb.append("\n  ").append(k).append(" -> ").append(v));
    return sb.toString();
  }

  /** Whether all paths give the same rows (ignoring the path label). */
  static boolean agree(Map<P, String> m) {
    return m.values().stream().map(s -> s.replaceFirst("^\\[[A-Z_]+\\] ", "")).distinct().count()
        == 1;
  }

  private static DataSource source(
      P p,
      PushdownDatabases.Opened dbs,
      List<Col> cols,
      Schema schema,
      List<Object[]> rows,
      List<Runnable> cleanup)
      throws Exception {
    switch (p) {
      case IN_MEMORY -> {
        InMemorySource.Builder b = InMemorySource.builder("t", schema);
        for (Object[] r : rows) {
          Object[] copy = r.clone();
          for (int i = 0; i < copy.length; i++) {
            if (copy[i] == null && cols.get(i).type() == ColumnType.DOUBLE) {
              copy[i] = Double.NaN;
            }
          }
          b.addRow(copy);
        }
        return b.build();
      }
      case CSV_STREAMED, CSV_COLUMNAR -> {
        Path f = Files.createTempFile("probe", ".csv");
        cleanup.add(
            () -> {
              try {
                Files.deleteIfExists(f);
              } catch (Exception e) {
                throw new RuntimeException(e);
              }
            });
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < cols.size(); i++) {
          sb.append(i == 0 ? "" : ",").append(cols.get(i).name());
        }
        sb.append("\n");
        for (Object[] r : rows) {
          for (int i = 0; i < r.length; i++) {
            if (i > 0) {
              sb.append(',');
            }
            Object v = r[i];
            if (v == null) {
              continue;
            }
            if (v instanceof String s) {
              sb.append('"').append(s.replace("\"", "\"\"")).append('"');
            } else if (v instanceof java.math.BigDecimal bd) {
              sb.append(bd.toPlainString());
            } else {
              sb.append(v);
            }
          }
          sb.append("\n");
        }
        Files.writeString(f, sb.toString(), StandardCharsets.UTF_8);
        return p == P.CSV_STREAMED
            ? CsvSource.of(f, schema)
            : ColumnarSource.readCsv("t", f, schema);
      }
      default -> {
        Db db = (p == P.H2_PUSHED || p == P.H2_STREAMED) ? dbs.h2() : dbs.duckdb();
        String name = "probe_" + N.incrementAndGet();
        String table = db.quote(name);
        StringBuilder ddl = new StringBuilder("CREATE TABLE " + table + " (");
        for (int i = 0; i < cols.size(); i++) {
          ddl.append(i == 0 ? "" : ", ")
              .append(db.quote(cols.get(i).name()))
              .append(' ')
              .append(cols.get(i).sqlType());
        }
        ddl.append(")");
        db.execute(ddl.toString());
        cleanup.add(
            () -> {
              try {
                db.execute("DROP TABLE " + table);
              } catch (Exception e) {
                throw new RuntimeException(e);
              }
            });
        List<Object[]> dbRows = new ArrayList<>();
        for (Object[] r : rows) {
          Object[] copy = r.clone();
          for (int i = 0; i < copy.length; i++) {
            if (copy[i] instanceof java.time.Instant in) {
              copy[i] = java.time.LocalDateTime.ofInstant(in, java.time.ZoneOffset.UTC);
            }
          }
          dbRows.add(copy);
        }
        db.insert(table, dbRows);
        JdbcSource js = JdbcSource.builder(db.dataSource(), name).build();
        return (p == P.H2_PUSHED || p == P.DUCK_PUSHED) ? js : PushdownDatabases.streamed(js);
      }
    }
  }
}
