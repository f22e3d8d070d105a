package dev.cleanroom.jdbc;

import dev.cleanroom.Column;
import dev.cleanroom.ColumnType;
import dev.cleanroom.DataSourceException;
import dev.cleanroom.internal.source.MalformedRowLog;
import dev.cleanroom.internal.source.NullValues;
import dev.cleanroom.internal.value.TypedValues;
import dev.cleanroom.spi.ColumnBatch;
import dev.cleanroom.spi.Scan;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One scan of a {@link JdbcSource}: its own connection, statement and result set, and reusable
 * batch arrays. Everything is released when the rows are exhausted, when reading fails and when the
 * scan is closed. Used by one thread at a time.
 */
final class JdbcScan implements Scan {
  /** The first batch arrays hold at most this many rows; they grow up to the batch size. */
  private static final int INITIAL_CAPACITY = 1024;

  private final String source;

  /** The requested columns: the first {@link #requested} of the selected ones. */
  private final List<Column> columns;

  private final int requested;
  private final String[] names;
  private final ColumnType[] types;
  private final boolean[] nonEmpty;

  /** Per column: whether it is a TIMESTAMP WITH TIME ZONE, read as an offset date and time. */
  private final boolean[] zoned;

  private final int batchSize;
  private final Object[] arrays;
  private int capacity;

  /** Whether malformed rows are skipped (and tallied in {@link #skips}) rather than failing. */
  private final boolean skip;

  private final MalformedRowLog.Tally skips;

  /** The 1-based ordinal of the current row in the result set; 0 before the first. */
  private long ordinal;

  private Connection connection;
  private PreparedStatement statement;
  private ResultSet rows;
  private final boolean restoreAutoCommit;
  private boolean done;
  private boolean failed;

  private JdbcScan(
      String source,
      List<JdbcColumn> selected,
      int requested,
      Set<String> nonEmptyColumns,
      int batchSize,
      boolean skip,
      MalformedRowLog.Tally skips,
      Connection connection,
      PreparedStatement statement,
      ResultSet rows,
      boolean restoreAutoCommit) {
    this.source = source;
    this.skip = skip;
    this.skips = skips;
    this.requested = requested;
    int n = selected.size();
    this.names = new String[n];
    this.types = new ColumnType[n];
    this.nonEmpty = new boolean[n];
    this.zoned = new boolean[n];
    List<Column> cols = new ArrayList<>(requested);
    for (int i = 0; i < n; i++) {
      JdbcColumn c = selected.get(i);
      names[i] = c.name();
      types[i] = c.type();
      nonEmpty[i] = nonEmptyColumns.contains(c.name());
      zoned[i] = c.jdbcType() == java.sql.Types.TIMESTAMP_WITH_TIMEZONE;
      if (i < requested) {
        cols.add(c.column());
      }
    }
    this.columns = List.copyOf(cols);
    this.batchSize = batchSize;
    this.capacity = Math.min(batchSize, INITIAL_CAPACITY);
    this.arrays = new Object[requested];
    for (int i = 0; i < requested; i++) {
      arrays[i] = newArray(types[i], capacity);
    }
    this.connection = connection;
    this.statement = statement;
    this.rows = rows;
    this.restoreAutoCommit = restoreAutoCommit;
  }

  /**
   * Takes a connection from {@code source}, runs {@code sql} with the values of {@code filter}
   * bound and returns a scan positioned before the first row. On PostgreSQL the query runs in a
   * transaction (auto-commit off), as its driver fetches rows with a cursor only then.
   *
   * @param selected the columns of the select list: the {@code requested} ones, then non-empty
   *     columns that were not requested (checked, not returned)
   * @param nullChecked the columns whose NULLs are counted over the whole table first ({@link
   *     NullValues})
   * @throws DataSourceException if the connection or the query fails
   */
  static JdbcScan open(
      JdbcSource source,
      String sql,
      JdbcFilters.Compiled filter,
      List<JdbcColumn> selected,
      int requested,
      Set<String> nonEmptyColumns,
      List<JdbcColumn> nullChecked,
      int batchSize) {
    String name = source.name();
    Connection c = null;
    PreparedStatement ps = null;
    ResultSet rs = null;
    boolean restore = false;
    try {
      c = source.jdbc().getConnection();
      if (c == null) {
        throw new DataSourceException(name, "the data source returned no connection", null);
      }
      if (source.dialect() == SqlDialect.POSTGRESQL && c.getAutoCommit()) {
        c.setAutoCommit(false);
        restore = true;
      }
      if (!nullChecked.isEmpty()) {
        requireNoNulls(source, c, nullChecked);
      }
      ps = source.dialect().prepare(c, sql);
      try {
        ps.setFetchSize(source.fetchSize());
      } catch (SQLFeatureNotSupportedException e) {
        // The fetch size is a hint; a driver without it streams its own way.
      }
      filter.bind(ps, 1);
      rs = ps.executeQuery();
      return new JdbcScan(
          name,
          selected,
          requested,
          nonEmptyColumns,
          batchSize,
          source.skipsMalformedRows(),
          source.malformedRowLog().startScan(),
          c,
          ps,
          rs,
          restore);
    } catch (SQLException e) {
      DataSourceException failure = JdbcErrors.failure(name, e);
      Exception closing = release(c, ps, rs, restore);
      if (closing != null) {
        failure.addSuppressed(JdbcErrors.sanitized(closing));
      }
      throw failure;
    } catch (RuntimeException | Error e) {
      Exception closing = release(c, ps, rs, restore);
      if (closing != null) {
        e.addSuppressed(JdbcErrors.sanitized(closing));
      }
      throw e;
    }
  }

  /**
   * Fails if a column of {@code columns} holds a NULL, or a date or timestamp a row-by-row read
   * rejects, anywhere in the table ({@link NullValues}, {@link SqlDialect#malformedCounts}).
   */
  private static void requireNoNulls(JdbcSource source, Connection c, List<JdbcColumn> columns)
      throws SQLException {
    SqlDialect dialect = source.dialect();
    List<String> quoted = columns.stream().map(col -> dialect.quote(col.name())).toList();
    List<ColumnType> types = columns.stream().map(JdbcColumn::type).toList();
    List<List<SqlDialect.TimeCheck>> timeChecks = new ArrayList<>();
    for (int i = 0; i < columns.size(); i++) {
      timeChecks.add(dialect.timeChecks(quoted.get(i), types.get(i)));
    }
    try (PreparedStatement check =
            dialect.prepare(c, dialect.malformedCounts(source.tableSql(), quoted, types));
        ResultSet counts = check.executeQuery()) {
      if (!counts.next()) {
        throw new DataSourceException(source.name(), "counting NULLs returned no row", null);
      }
      NullValues.requireWellFormed(
          counts,
          source.name(),
          columns.stream().map(JdbcColumn::name).toList(),
          types,
          timeChecks);
    }
  }

  /**
   * The next batch of up to the batch size rows, or empty at the end. The arrays of a batch are
   * refilled by the next call.
   *
   * @throws DataSourceException if reading fails (with the SQL state) or, unless malformed rows are
   *     skipped, a row is malformed; the scan is then closed
   * @throws IllegalStateException if the scan was closed before its end or failed before
   */
  @Override
  public Optional<ColumnBatch> next() {
    if (failed) {
      throw new IllegalStateException("this scan of " + source + " failed before");
    }
    if (done) {
      return Optional.empty();
    }
    if (rows == null) {
      throw new IllegalStateException("this scan of " + source + " is closed");
    }
    int n = 0;
    try {
      while (n < batchSize) {
        if (!rows.next()) {
          done = true;
          close();
          break;
        }
        ordinal++;
        if (n == capacity) {
          grow();
        }
        if (readRow(n)) {
          n++;
        }
      }
    } catch (SQLException e) {
      DataSourceException failure = JdbcErrors.failure(source, e);
      fail(failure);
      throw failure;
    } catch (RuntimeException | Error e) {
      fail(e);
      throw e;
    }
    return n == 0 ? Optional.empty() : Optional.of(ColumnBatch.of(columns, n, arrays));
  }

  /**
   * Closes the result set and statement, ends the transaction (rolling back; the scan only read)
   * and returns the connection; safe to call more than once.
   *
   * @throws DataSourceException if closing fails (with the SQL state); everything is still released
   */
  @Override
  public void close() {
    if (connection == null) {
      return;
    }
    Exception closing = releaseAll();
    if (closing instanceof SQLException e) {
      throw JdbcErrors.failure(source, e);
    }
    if (closing != null) {
      DataSourceException failure = new DataSourceException(source, "closing failed", null);
      failure.addSuppressed(JdbcErrors.sanitized(closing));
      throw failure;
    }
  }

  @Override
  public String toString() {
    return "JdbcScan[" + source + ", " + columns.size() + " columns]";
  }

  /**
   * Marks the scan failed and releases everything; a closing failure is added to {@code failure}.
   */
  private void fail(Throwable failure) {
    failed = true;
    Exception closing = releaseAll();
    if (closing != null) {
      failure.addSuppressed(JdbcErrors.sanitized(closing));
    }
  }

  private Exception releaseAll() {
    skips.end();
    Exception closing = release(connection, statement, rows, restoreAutoCommit);
    connection = null;
    statement = null;
    rows = null;
    return closing;
  }

  /**
   * Closes what is not null: the result set, the statement, then (after a rollback and restoring
   * auto-commit if {@code restore}) the connection. Every step is tried; returns the first failure,
   * with later ones suppressed, or null.
   */
  private static Exception release(
      Connection c, PreparedStatement ps, ResultSet rs, boolean restore) {
    Exception first = null;
    if (rs != null) {
      first = attempt(first, rs::close);
    }
    if (ps != null) {
      first = attempt(first, ps::close);
    }
    if (c != null) {
      if (restore) {
        first = attempt(first, c::rollback);
        first = attempt(first, () -> c.setAutoCommit(true));
      }
      first = attempt(first, c::close);
    }
    return first;
  }

  /** A JDBC call that may fail. */
  private interface JdbcCall {
    void run() throws Exception;
  }

  private static Exception attempt(Exception first, JdbcCall call) {
    try {
      call.run();
      return first;
    } catch (Exception e) {
      if (first == null) {
        return e;
      }
      first.addSuppressed(JdbcErrors.sanitized(e));
      return first;
    }
  }

  /**
   * Reads the current row into row {@code r} of the batch arrays, checking every column.
   *
   * @return false if the row has no value in a column of {@link
   *     dev.cleanroom.spi.ScanRequest#nonEmptyColumns()} (the user id): it belongs to no person and
   *     is skipped, as every execution path skips it, so that no query fails or answers by one
   *     person's missing id; false also if the row is malformed and skipped
   * @throws DataSourceException if the row is malformed and not skipped
   */
  private boolean readRow(int r) throws SQLException {
    for (int i = 0; i < names.length; i++) {
      int index = i + 1;
      switch (types[i]) {
        case STRING -> {
          String v;
          try {
            v = rows.getString(index);
          } catch (SQLException | RuntimeException e) {
            return unreadable(i, e);
          }
          if (v == null || (nonEmpty[i] && v.isBlank())) {
            if (nonEmpty[i]) {
              return false;
            }
            v = "";
          }
          if (i < requested) {
            ((String[]) arrays[i])[r] = v;
          }
        }
        case LONG -> {
          long v;
          try {
            v = rows.getLong(index);
          } catch (SQLException | RuntimeException e) {
            return unreadable(i, e);
          }
          if (rows.wasNull()) {
            if (nonEmpty[i]) {
              return false;
            }
            return malformed(i, NullValues.reason(ColumnType.LONG));
          }
          if (i < requested) {
            ((long[]) arrays[i])[r] = v;
          }
        }
        case DATE, TIMESTAMP, BOOLEAN -> {
          TypedValues.Parsed v;
          try {
            v = readHeldAsLong(i, index);
          } catch (SQLException | RuntimeException e) {
            return unreadable(i, e);
          }
          if (v == null) {
            if (nonEmpty[i]) {
              return false;
            }
            return malformed(i, NullValues.reason(types[i]));
          }
          if (!v.ok()) {
            return malformed(i, v.reason());
          }
          if (i < requested) {
            ((long[]) arrays[i])[r] = v.value();
          }
        }
        case DOUBLE -> {
          double v;
          try {
            v = rows.getDouble(index);
          } catch (SQLException | RuntimeException e) {
            return unreadable(i, e);
          }
          if (rows.wasNull()) {
            if (nonEmpty[i]) {
              return false;
            }
            // A missing number is NaN, which aggregations drop.
            v = Double.NaN;
          }
          if (i < requested) {
            ((double[]) arrays[i])[r] = v;
          }
        }
      }
    }
    return true;
  }

  /**
   * Reads the DATE, TIMESTAMP or BOOLEAN value of column {@code i} (1-based {@code index}) of the
   * current row as the whole number batches hold: a SQL DATE as its day, a TIMESTAMP without time
   * zone as a date and time of day in UTC, a TIMESTAMP WITH TIME ZONE as its instant.
   *
   * @return the value or why the row is malformed, or null for SQL NULL
   */
  private TypedValues.Parsed readHeldAsLong(int i, int index) throws SQLException {
    switch (types[i]) {
      case DATE -> {
        LocalDate d = rows.getObject(index, LocalDate.class);
        return d == null ? null : TypedValues.day(d);
      }
      case TIMESTAMP -> {
        if (zoned[i]) {
          OffsetDateTime t = rows.getObject(index, OffsetDateTime.class);
          return t == null ? null : TypedValues.micros(t.toInstant());
        }
        LocalDateTime t = rows.getObject(index, LocalDateTime.class);
        return t == null ? null : TypedValues.micros(t);
      }
      default -> {
        boolean b = rows.getBoolean(index);
        return rows.wasNull() ? null : new TypedValues.Parsed(b ? 1 : 0, null);
      }
    }
  }

  /**
   * Handles a failure to read the value of column {@code i} of the current row. A data exception
   * (SQL state class 22, such as 22018 "invalid character value for cast" or 22003 "numeric value
   * out of range"), or a {@link NumberFormatException} or {@link ArithmeticException} from the
   * driver's conversion, means the value cannot be read as the column's type: the row is malformed.
   * Other failures fail the scan. The driver's message is dropped either way: it may hold the
   * value.
   *
   * @return false if the row is malformed and skipped
   * @throws SQLException {@code e}, if it is not a data exception
   * @throws DataSourceException if the row is malformed and not skipped, or the driver failed
   *     otherwise
   */
  private boolean unreadable(int i, Exception e) throws SQLException {
    if (e instanceof SQLException sql) {
      String state = sql.getSQLState();
      if (state == null || !state.startsWith("22")) {
        throw sql;
      }
    } else if (!(e instanceof NumberFormatException || e instanceof ArithmeticException)) {
      throw new DataSourceException(
          source,
          -1,
          names[i],
          "the driver failed to read a value (" + e.getClass().getName() + ")",
          null);
    }
    return malformed(i, problem(i));
  }

  /** Why the value of column {@code i} of the current row cannot be read as the column's type. */
  private String problem(int i) {
    return switch (types[i]) {
      case STRING -> "not readable as text";
      case DOUBLE -> MalformedRowLog.NOT_A_DECIMAL_NUMBER;
      case DATE -> TypedValues.NOT_A_DATE;
      case TIMESTAMP -> TypedValues.NOT_A_TIMESTAMP;
      case BOOLEAN -> TypedValues.NOT_A_BOOLEAN;
      case LONG -> {
        String text;
        try {
          text = rows.getString(i + 1);
        } catch (SQLException | RuntimeException e) {
          text = null;
        }
        yield longProblem(text);
      }
    };
  }

  /**
   * Why {@code text}, which the driver could not read as a 64-bit integer, is not one: a whole
   * number (digits, optionally a sign and a fraction of zeros) too large, or anything else. Only
   * the reason leaves this method, never the text.
   */
  static String longProblem(String text) {
    if (text == null) {
      return MalformedRowLog.NOT_A_WHOLE_NUMBER;
    }
    String t = text.strip();
    int i = t.startsWith("-") || t.startsWith("+") ? 1 : 0;
    int digits = i;
    while (i < t.length() && t.charAt(i) >= '0' && t.charAt(i) <= '9') {
      i++;
    }
    int end = i;
    if (end == digits) {
      return MalformedRowLog.NOT_A_WHOLE_NUMBER;
    }
    if (i < t.length() && t.charAt(i) == '.') {
      i++;
      while (i < t.length() && t.charAt(i) == '0') {
        i++;
      }
    }
    if (i != t.length()) {
      return MalformedRowLog.NOT_A_WHOLE_NUMBER;
    }
    try {
      Long.parseLong(t, 0, end, 10);
      // In range, yet refused by the driver: not a whole number as the driver reads one.
      return MalformedRowLog.NOT_A_WHOLE_NUMBER;
    } catch (NumberFormatException e) {
      return MalformedRowLog.OUT_OF_LONG_RANGE;
    }
  }

  /**
   * Skips the current row, or fails.
   *
   * @return false
   * @throws DataSourceException unless malformed rows are skipped
   */
  private boolean malformed(int column, String problem) {
    if (!skip) {
      throw new DataSourceException(
          source, -1, names[column], problem + " (row " + ordinal + " of the result set)", null);
    }
    skips.skip(ordinal, names[column], problem);
    return false;
  }

  private void grow() {
    int next = (int) Math.min(batchSize, 2L * capacity);
    for (int i = 0; i < requested; i++) {
      Object a = arrays[i];
      arrays[i] =
          switch (types[i]) {
            case STRING -> Arrays.copyOf((String[]) a, next);
            case LONG, DATE, TIMESTAMP, BOOLEAN -> Arrays.copyOf((long[]) a, next);
            case DOUBLE -> Arrays.copyOf((double[]) a, next);
          };
    }
    capacity = next;
  }

  private static Object newArray(ColumnType type, int length) {
    return switch (type) {
      case STRING -> new String[length];
      case LONG, DATE, TIMESTAMP, BOOLEAN -> new long[length];
      case DOUBLE -> new double[length];
    };
  }
}
