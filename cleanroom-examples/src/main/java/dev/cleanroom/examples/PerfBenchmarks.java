package dev.cleanroom.examples;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.SecretKey;
import dev.cleanroom.query.Result;
import dev.cleanroom.source.ColumnarSource;
import dev.cleanroom.source.CsvSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * The benchmarks of the performance comparison, one per row of the table that {@link PerfTable}
 * prints. Each reads the workload's two CSV files from {@link #dir}, written beforehand by {@link
 * PerfTable}; each invocation of a query gets a fresh room, so no stored answer is reused (the
 * pseudonyms of a dataset version are cached per room key and source, as in a long-lived room).
 * Every shot's answer is kept ({@link Answers}) and written to a file when the fork ends, for the
 * reference check that {@link PerfTable} runs afterwards ({@link PerfCheck}).
 *
 * <p>Run them all with {@code PerfTable}: see the README section "Performance".
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
public class PerfBenchmarks {
  /** The files of the workload. */
  @State(Scope.Benchmark)
  public static class Inputs {
    /** The directory holding {@code impressions.csv} and {@code conversions.csv}. */
    @Param("")
    public String dir;

    Path impressions;
    Path conversions;

    /** Resolves the two files. */
    @Setup(Level.Trial)
    public void setup() {
      impressions = Path.of(dir, "impressions.csv");
      conversions = Path.of(dir, "conversions.csv");
    }

    /** The directory that the answers of the shots go to. */
    Path answers() {
      return Path.of(dir, ANSWERS);
    }
  }

  /** The subdirectory of {@link Inputs#dir} with the answer files. */
  static final String ANSWERS = "answers";

  /** Separates the label from the unique part in an answer file's name. */
  static final String SEPARATOR = "--";

  /**
   * The answers of one benchmark's shots in this fork, written to {@code
   * <dir>/answers/<label>--<unique>.txt} when the fork ends; {@link #label} names the benchmark.
   */
  @State(Scope.Benchmark)
  public static class Answers {
    private final List<Object> kept = new ArrayList<>();
    private Path file;

    /** Names the file after the benchmark. */
    @Setup(Level.Trial)
    public void open(Inputs files, BenchmarkParams params) {
      file = files.answers().resolve(label(params) + SEPARATOR + UUID.randomUUID() + ".txt");
    }

    /** Keeps {@code answer} (cheap: the conversion happens when the fork ends) and returns it. */
    <T> T keep(T answer) {
      kept.add(answer);
      return answer;
    }

    /** Writes the kept answers. */
    @TearDown(Level.Trial)
    public void write() throws IOException {
      List<PerfAnswer> answers = new ArrayList<>(kept.size());
      for (Object o : kept) {
        answers.add(PerfAnswer.from(o));
      }
      PerfAnswer.write(file, answers);
      kept.clear();
    }
  }

  /**
   * The label of a benchmark in file names and in the table: the method's name, and the value of
   * its {@code formulation} parameter if it has one.
   */
  static String label(BenchmarkParams params) {
    return label(params.getBenchmark(), params.getParam(FORMULATION));
  }

  /**
   * The label of benchmark method {@code benchmark} (qualified or not) with {@code formulation}.
   */
  static String label(String benchmark, String formulation) {
    String name = benchmark.substring(benchmark.lastIndexOf('.') + 1);
    return formulation == null ? name : name + "." + formulation;
  }

  /** The name of the parameter that selects a DuckDB formulation ({@link DuckDbCandidates}). */
  static final String FORMULATION = "formulation";

  /** Our engine over the workload loaded into columnar sources. */
  @State(Scope.Benchmark)
  public static class Ours {
    ColumnarSource impressions;
    ColumnarSource conversions;
    final SecretKey key = SecretKey.random();
    CleanRoom plainRoom;
    CleanRoom dpRoom;

    /** Loads both files. */
    @Setup(Level.Trial)
    public void load(Inputs files) {
      impressions = ColumnarSource.readCsv("impressions", files.impressions, Workload.IMPRESSIONS);
      conversions = ColumnarSource.readCsv("conversions", files.conversions, Workload.CONVERSIONS);
    }

    /** A fresh room per invocation (single-shot iterations), so no stored answer is reused. */
    @Setup(Level.Iteration)
    public void rooms() {
      plainRoom = PerfRooms.room(key, impressions, conversions, false);
      dpRoom = PerfRooms.room(key, impressions, conversions, true);
    }
  }

  /** An embedded DuckDB database file with both tables, and a connection to it. */
  @State(Scope.Benchmark)
  public static class Duck {
    Path dbDir;
    Path db;
    Connection connection;
    CleanRoom pushdownRoom;
    CleanRoom thresholdRoom;

    /** Loads both files into a new database file. */
    @Setup(Level.Trial)
    public void load(Inputs files) throws IOException, SQLException {
      dbDir = Files.createTempDirectory("cleanroom-perf-duckdb");
      db = dbDir.resolve("workload.duckdb");
      connection = DriverManager.getConnection("jdbc:duckdb:" + db.toAbsolutePath());
      DuckDbWorkload.load(connection, files.impressions, files.conversions);
    }

    /** A fresh room over the database per invocation. */
    @Setup(Level.Iteration)
    public void room() {
      javax.sql.DataSource ds = DuckDbFiles.dataSource(db);
      pushdownRoom = PerfRooms.room(SecretKey.random(), ds, true);
      thresholdRoom = PerfRooms.room(SecretKey.random(), ds, false);
    }

    /** Closes the connection and deletes the database. */
    @TearDown(Level.Trial)
    public void close() throws SQLException, IOException {
      connection.close();
      Files.deleteIfExists(db);
      Files.deleteIfExists(dbDir.resolve("workload.duckdb.wal"));
      Files.deleteIfExists(dbDir);
    }
  }

  /** The baseline's row objects. */
  @State(Scope.Benchmark)
  public static class Rows {
    List<Baseline.Impression> impressions;
    List<Baseline.Conversion> conversions;
    long seed;

    /** Reads both files into row objects. */
    @Setup(Level.Trial)
    public void load(Inputs files) throws IOException {
      impressions = Baseline.readImpressions(files.impressions);
      conversions = Baseline.readConversions(files.conversions);
    }
  }

  /** Our engine, in-memory columnar sources: Q1 (threshold only). */
  @Benchmark
  public Result oursQ1(Ours s, Answers a) {
    return a.keep(PerfRooms.q1(s.plainRoom));
  }

  /** Our engine, in-memory columnar sources: Q1-DP. */
  @Benchmark
  public Result oursQ1Dp(Ours s, Answers a) {
    return a.keep(PerfRooms.q1Dp(s.dpRoom));
  }

  /** Our engine streaming both CSV files (no load step), Q1-DP, in 512 MiB of heap. */
  @Benchmark
  @Fork(value = 1, jvmArgsAppend = "-Xmx512m")
  public Result oursCsvStreamQ1Dp(Inputs f, Answers a) {
    return a.keep(
        PerfRooms.q1Dp(
            PerfRooms.room(
                SecretKey.random(),
                CsvSource.of(f.impressions, Workload.IMPRESSIONS),
                CsvSource.of(f.conversions, Workload.CONVERSIONS),
                true)));
  }

  /** Our engine with both tables in DuckDB: one pushed-down statement, Q1-DP. */
  @Benchmark
  public Result oursPushdownQ1Dp(Duck d, Answers a) {
    return a.keep(PerfRooms.q1Dp(d.pushdownRoom));
  }

  /**
   * Our engine with both tables in DuckDB: Q1 (converters and revenue per campaign), threshold
   * only, difference checks on, one pushed-down statement whose revenue is exact.
   */
  @Benchmark
  public Result oursPushdownQ1(Duck d, Answers a) {
    return a.keep(PerfRooms.q1(d.thresholdRoom));
  }

  /**
   * Our engine with both tables in DuckDB: Q1's counts, threshold only, difference checks on (the
   * people of each campaign come back as keyed hashes), one pushed-down statement.
   */
  @Benchmark
  public Result oursPushdownQ1Counts(Duck d, Answers a) {
    return a.keep(PerfRooms.q1Counts(d.thresholdRoom));
  }

  /** DuckDB's own SQL for the same answer: Q1's counts ({@link DuckDbWorkload#Q1_COUNTS}). */
  @Benchmark
  @Fork(value = 1)
  public PerfAnswer duckdbQ1Counts(Duck d, Answers a) throws SQLException {
    return a.keep(DuckDbWorkload.runCounts(d.connection));
  }

  /** Our CSV load: both files into columnar sources. */
  @Benchmark
  public int oursCsvLoad(Inputs f, Answers a) {
    return a.keep(
        ColumnarSource.readCsv("impressions", f.impressions, Workload.IMPRESSIONS).rowCount()
            + ColumnarSource.readCsv("conversions", f.conversions, Workload.CONVERSIONS)
                .rowCount());
  }

  /** DuckDB's own SQL: Q1, its fastest formulation ({@link DuckDbWorkload#Q1}). */
  @Benchmark
  @Fork(value = 1)
  public PerfAnswer duckdbQ1(Duck d, Answers a) throws SQLException {
    return a.keep(DuckDbWorkload.run(d.connection, DuckDbWorkload.Q1));
  }

  /**
   * DuckDB's own SQL: Q1 with contribution bounding (no noise), its fastest formulation ({@link
   * DuckDbWorkload#Q1_DP}).
   */
  @Benchmark
  @Fork(value = 1)
  public PerfAnswer duckdbQ1Dp(Duck d, Answers a) throws SQLException {
    return a.keep(DuckDbWorkload.run(d.connection, DuckDbWorkload.Q1_DP));
  }

  /** DuckDB's CSV load: both files with {@code read_csv} into an in-memory database. */
  @Benchmark
  @Fork(value = 1)
  public long duckdbCsvLoad(Inputs f, Answers a) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
      DuckDbWorkload.load(c, f.impressions, f.conversions);
      return a.keep(DuckDbWorkload.rows(c));
    }
  }

  /** The row-at-a-time Java baseline: Q1. */
  @Benchmark
  @Fork(value = 1, jvmArgsAppend = "-Xmx6g")
  public Map<Integer, double[]> baselineQ1(Rows r, Answers a) {
    return a.keep(Baseline.q1(r.impressions, r.conversions));
  }

  /** The row-at-a-time Java baseline: Q1-DP. */
  @Benchmark
  @Fork(value = 1, jvmArgsAppend = "-Xmx6g")
  public Map<Integer, double[]> baselineQ1Dp(Rows r, Answers a) {
    return a.keep(Baseline.q1Dp(r.impressions, r.conversions, ++r.seed));
  }
}
