package dev.cleanroom.jdbc;

import dev.cleanroom.Column;
import dev.cleanroom.ColumnType;
import dev.cleanroom.DataSourceException;
import dev.cleanroom.Schema;
import dev.cleanroom.internal.source.MalformedRowLog;
import dev.cleanroom.internal.source.NullValues;
import dev.cleanroom.source.MalformedRows;
import dev.cleanroom.source.ReportsMalformedRows;
import dev.cleanroom.spi.DataSource;
import dev.cleanroom.spi.Scan;
import dev.cleanroom.spi.ScanRequest;
import dev.cleanroom.spi.SourceCapabilities;
import dev.cleanroom.spi.SqlTable;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.commons.codec.digest.DigestUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link DataSource} reading one table (or view) of a database through JDBC, from any {@link
 * javax.sql.DataSource} (a connection pool, a driver's own data source).
 *
 * <p><b>Schema.</b> {@link Builder#build()} reads the table's columns from {@link
 * java.sql.DatabaseMetaData#getColumns}, once. Column names are kept exactly as the database
 * reports them (so {@code ID} in H2, {@code id} in PostgreSQL, for a column created unquoted as
 * {@code id}). Types map as follows; columns of other types (dates, booleans, binary, UUIDs,
 * arrays, ...) are left out of the schema, so they cannot be used (a dataset treats them as
 * BLOCKED):
 *
 * <ul>
 *   <li>CHAR, VARCHAR, LONGVARCHAR, NCHAR, NVARCHAR, LONGNVARCHAR, CLOB, NCLOB: {@link
 *       dev.cleanroom.ColumnType#STRING}.
 *   <li>TINYINT, SMALLINT, INTEGER, BIGINT: {@link dev.cleanroom.ColumnType#LONG}.
 *   <li>REAL, FLOAT, DOUBLE, DECIMAL, NUMERIC: {@link dev.cleanroom.ColumnType#DOUBLE} (a decimal
 *       is rounded to the nearest double).
 * </ul>
 *
 * A column whose name is not a valid {@link Column} name (a letter or underscore, then letters,
 * digits or underscores, at most 128 characters) is left out too, with a DEBUG log; rename it in a
 * view to use it.
 *
 * <p><b>Values.</b> A NULL text is read as {@code ""}; a NULL DOUBLE as NaN (a missing value, which
 * aggregations drop). A row whose value of a column in {@link ScanRequest#nonEmptyColumns()} (the
 * user id) is NULL or blank is skipped: it belongs to no person, on every execution path (a
 * pushed-down statement drops it too), so whether a query answers never depends on one person's
 * missing id.
 *
 * <p><b>Malformed rows.</b> A row is malformed if a value cannot be read as its column's type: a
 * NULL in a LONG column, or a value the driver cannot convert to the column's type, such as text
 * that is not a number or a number outside the 64-bit range in a LONG column (in a database without
 * strict column types, or in a table whose column type changed after the source was built). By
 * default the scan then fails with a {@link DataSourceException} naming the column, the reason and
 * the row's ordinal in the result set. With {@link Builder#skipMalformedRows(boolean)
 * skipMalformedRows(true)} the row is dropped, counted in {@link #skippedRows()} and reported in
 * {@link #malformedRows()} with its ordinal, column and reason, and the scan logs one warning with
 * the count. Only the columns a scan reads are checked, so a malformed value in another column goes
 * unnoticed. A database that fails the statement itself over a bad value (a view that casts text to
 * a number, say) fails the scan all the same: the failure is the statement's, not one row's.
 *
 * <p><b>SQL.</b> A scan runs one statement, {@code SELECT <columns> FROM <table> [WHERE <filter>]},
 * with every identifier quoted by the {@link SqlDialect} and every value a bound parameter; it
 * streams the rows with the {@linkplain Builder#fetchSize(int) fetch size} (on PostgreSQL inside a
 * transaction, which cursor-based fetching needs, rolled back at the end, the connection's
 * auto-commit restored). Unless malformed rows are skipped, the request's filter is pushed down
 * where SQL evaluates it as the engine does, or more loosely; the engine applies it again (see
 * {@link #capabilities()}). Rows that the filter excludes are not read, so malformed values in them
 * go unnoticed, with one exception: a NULL in a LONG, DATE, TIMESTAMP or BOOLEAN column that the
 * scan reads (other than the user id) fails the scan wherever it is in the table. Unless malformed
 * rows are skipped, a scan that reads such a column that may hold NULL (one the database does not
 * declare {@code NOT NULL}) first counts its NULLs over the whole table ({@link
 * SqlDialect#nullCounts}), so that whether a query fails never tells whether the rows behind its
 * filter hold one; a pushed-down statement does the same.
 *
 * <p><b>Privacy.</b> A failing JDBC call becomes a {@link DataSourceException} with only the SQL
 * state and vendor error code, never the driver's message (which may echo values) or SQL text with
 * values; logs and the report of skipped rows name tables, columns and row ordinals, never values.
 *
 * <p>Instances are immutable apart from the report of skipped rows, and thread-safe: each scan
 * takes its own connection from the data source and returns it when the scan ends, fails or is
 * closed. The schema is not refreshed: build a new source after the table changes.
 */
public final class JdbcSource implements DataSource, SqlTable, ReportsMalformedRows {
  private static final Logger logger = LoggerFactory.getLogger(JdbcSource.class);

  /** The default number of rows fetched from the database at a time. */
  public static final int DEFAULT_FETCH_SIZE = 10_000;

  private final javax.sql.DataSource jdbc;
  private final String name;
  private final SqlDialect dialect;
  private final String tableSql;
  private final Optional<String> dataIdentity;
  private final int fetchSize;
  private final Schema schema;
  private final Map<String, JdbcColumn> columns;
  private final boolean skipMalformedRows;
  private final MalformedRowLog malformedRows;

  private JdbcSource(
      javax.sql.DataSource jdbc,
      String name,
      SqlDialect dialect,
      String tableSql,
      Optional<String> database,
      int fetchSize,
      List<JdbcColumn> columns,
      boolean skipMalformedRows) {
    this.jdbc = jdbc;
    this.name = name;
    this.dialect = dialect;
    this.tableSql = tableSql;
    this.dataIdentity =
        database.map(db -> "jdbc:" + DigestUtils.sha256Hex(db + "\u0000" + tableSql));
    this.fetchSize = fetchSize;
    Map<String, JdbcColumn> byName = new LinkedHashMap<>();
    List<Column> schemaColumns = new ArrayList<>(columns.size());
    for (JdbcColumn c : columns) {
      byName.put(c.name(), c);
      schemaColumns.add(c.column());
    }
    this.columns = byName;
    this.schema = new Schema(schemaColumns);
    this.skipMalformedRows = skipMalformedRows;
    this.malformedRows = new MalformedRowLog(name, logger);
  }

  /**
   * A data source over a JDBC URL, without a pool: each connection is a new one from {@link
   * java.sql.DriverManager} (the driver on the class or module path). For an embedded database
   * (DuckDB, H2) or a quick start; a server in production deserves a pooled data source. Build
   * every table of one database from the same returned object: only tables of one data source
   * object are joined in one pushed-down statement.
   *
   * @param url the JDBC URL, such as {@code jdbc:duckdb:/data/room.duckdb}
   * @return a data source opening connections to {@code url}
   * @throws NullPointerException if {@code url} is null
   * @throws IllegalArgumentException if {@code url} does not start with {@code jdbc:}
   */
  public static javax.sql.DataSource dataSource(String url) {
    return new UrlDataSource(checkedUrl(url), new java.util.Properties());
  }

  /**
   * A data source over a JDBC URL with a user and password: see {@link #dataSource(String)}. The
   * password is kept for new connections and never shown.
   *
   * @param url the JDBC URL, such as {@code jdbc:postgresql://db.internal:5432/room}
   * @param user the database user
   * @param password the user's password
   * @return a data source opening connections to {@code url} as {@code user}
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code url} does not start with {@code jdbc:}
   */
  public static javax.sql.DataSource dataSource(String url, String user, String password) {
    java.util.Properties credentials = new java.util.Properties();
    credentials.setProperty("user", Objects.requireNonNull(user, "user"));
    credentials.setProperty("password", Objects.requireNonNull(password, "password"));
    return new UrlDataSource(checkedUrl(url), credentials);
  }

  private static String checkedUrl(String url) {
    Objects.requireNonNull(url, "url");
    if (!url.startsWith("jdbc:")) {
      // The URL itself stays out of the message: it may hold a password.
      throw new IllegalArgumentException("a JDBC URL starts with jdbc:");
    }
    return url;
  }

  /**
   * A builder of a source reading table {@code table} of {@code dataSource}. Nothing is read until
   * {@link Builder#build()}.
   *
   * @param dataSource where connections come from; it is kept and used by every scan
   * @param table the table or view name, unquoted (as given, or upper- or lower-case; see {@link
   *     Builder#build()})
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code table} is empty
   */
  public static Builder builder(javax.sql.DataSource dataSource, String table) {
    Objects.requireNonNull(dataSource, "dataSource");
    Objects.requireNonNull(table, "table");
    if (table.isEmpty()) {
      throw new IllegalArgumentException("table must not be empty");
    }
    return new Builder(dataSource, table);
  }

  /** The display name: the table name unless set with {@link Builder#name(String)}. */
  @Override
  public String name() {
    return name;
  }

  /** The columns of the table that have a supported type and a valid name, in table order. */
  @Override
  public Schema schema() {
    return schema;
  }

  /**
   * The table (see {@link SqlTable}) and filter pushdown: a scan adds the request's filter to its
   * {@code WHERE} clause as far as SQL evaluates it like the engine or more loosely, so that it
   * returns every row the filter keeps and possibly more (the engine applies the filter again). In
   * short: comparisons of {@code NOT NULL} integer columns are pushed with any operator; equality
   * and {@code IN} on varying-length text columns (with non-empty values) and comparisons other
   * than "not equal" on {@code DOUBLE PRECISION} columns are pushed where no {@code NOT} applies to
   * them; the rest is left to the engine.
   *
   * <p>A source that {@linkplain Builder#skipMalformedRows(boolean) skips malformed rows} pushes no
   * filter: the database could fail on a malformed value, or judge it otherwise, where the engine
   * drops the row, and every scan of the same columns then runs the same statement, so its rows'
   * ordinals agree. It still declares its table, which identifies its data (sources over one table
   * share their budgets), but the engine runs no query over it as a statement in the database (see
   * {@link ReportsMalformedRows}): the database would aggregate the rows the source drops.
   */
  @Override
  public SourceCapabilities capabilities() {
    return skipMalformedRows
        ? new SourceCapabilities(false, false, Optional.of(this))
        : SourceCapabilities.sql(this);
  }

  /** Whether malformed rows are skipped, as set by {@link Builder#skipMalformedRows(boolean)}. */
  @Override
  public boolean skipsMalformedRows() {
    return skipMalformedRows;
  }

  /**
   * The report of the malformed rows skipped so far: their number and the first {@value
   * MalformedRows#MAX_ROWS} distinct ones, each with its 1-based ordinal in the result set of its
   * scan's statement ({@code SELECT <columns> FROM <table>}, without filter; a database returns the
   * rows of a statement without {@code ORDER BY} in an order of its choosing, in practice the same
   * one while the table does not change), the column and the reason, such as {@code "not a whole
   * number"}; never a value. {@link MalformedRows#NONE} unless the source skips malformed rows.
   */
  @Override
  public MalformedRows malformedRows() {
    return malformedRows.report();
  }

  /** Empty: the source cannot tell whether the table changed. */
  @Override
  public Optional<String> version() {
    return Optional.empty();
  }

  /**
   * Starts a scan of {@code request.columns()}, in that order, in batches of at most {@code
   * request.batchSize()} rows: takes a connection, runs the query and returns; rows are fetched as
   * the caller asks for batches. The caller closes the scan (which returns the connection); a scan
   * is used by one thread at a time.
   *
   * @throws NullPointerException if {@code request} is null
   * @throws IllegalArgumentException if a requested, non-empty or filtered column is not in the
   *     schema
   * @throws DataSourceException if no connection can be had or the query fails (with the SQL state)
   */
  @Override
  public Scan scan(ScanRequest request) {
    Objects.requireNonNull(request, "request");
    List<JdbcColumn> selected = new ArrayList<>();
    for (String c : request.columns()) {
      selected.add(jdbcColumn(c));
    }
    int requested = selected.size();
    for (String c : request.nonEmptyColumns()) {
      JdbcColumn col = jdbcColumn(c);
      if (!request.columns().contains(c)) {
        selected.add(col);
      }
    }
    List<JdbcColumn> nullChecked = new ArrayList<>();
    for (String c : request.columns()) {
      JdbcColumn col = jdbcColumn(c);
      boolean mayHoldNull =
          !request.nonEmptyColumns().contains(c)
              && col.nullable()
              && NullValues.malformed(col.type());
      boolean timeValues = !dialect.timeChecks(dialect.quote(c), col.type()).isEmpty();
      if (!skipMalformedRows && (mayHoldNull || timeValues) && !nullChecked.contains(col)) {
        nullChecked.add(col);
      }
    }
    JdbcFilters.Compiled filter = JdbcFilters.compile(request.filter(), dialect, this::jdbcColumn);
    if (skipMalformedRows) {
      // Compiled all the same, so that a filter on an unknown column is still a caller error.
      filter = new JdbcFilters.Compiled("", List.of(), request.filter().isEmpty());
    }
    List<String> quoted = new ArrayList<>(selected.size());
    for (JdbcColumn c : selected) {
      quoted.add(dialect.quote(c.name()));
    }
    String sql =
        "SELECT "
            + String.join(", ", quoted)
            + " FROM "
            + tableSql
            + (filter.isEmpty() ? "" : " WHERE " + filter.sql());
    if (logger.isDebugEnabled()) {
      String pushed;
      if (request.filter().isEmpty()) {
        pushed = "no filter";
      } else if (filter.isEmpty()) {
        pushed = "filter not pushed down";
      } else {
        pushed = filter.complete() ? "filter pushed down" : "filter partly pushed down";
      }
      logger.debug("scan of {}: {} ({})", name, sql, pushed);
    }
    return JdbcScan.open(
        this,
        sql,
        filter,
        selected,
        requested,
        request.nonEmptyColumns(),
        nullChecked,
        request.batchSize());
  }

  MalformedRowLog malformedRowLog() {
    return malformedRows;
  }

  /** The data source that connections come from, for the engine's SQL pushdown. */
  @Override
  public javax.sql.DataSource jdbc() {
    return jdbc;
  }

  /** The SQL dialect of the database: as set, or detected from its product name. */
  public SqlDialect dialect() {
    return dialect;
  }

  /** The name of {@link #dialect()}. */
  @Override
  public String dialectName() {
    return dialect.name();
  }

  /**
   * The table as SQL: its quoted name, qualified by its quoted schema (as the database reports
   * both), e.g. {@code "PUBLIC"."ORDERS"}, and by its quoted catalog where {@link
   * Builder#catalog(String)} says so, e.g. {@code "memory"."default"."orders"} in Trino.
   */
  @Override
  public String tableSql() {
    return tableSql;
  }

  /** The number of rows fetched from the database at a time. */
  @Override
  public int fetchSize() {
    return fetchSize;
  }

  /**
   * The quoted identifier of schema column {@code name}, for SQL.
   *
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if the column is not in the schema
   */
  @Override
  public String column(String name) {
    return dialect.quote(jdbcColumn(name).name());
  }

  /** The table, dialect and number of columns; nothing about the connection. */
  @Override
  public String toString() {
    return "JdbcSource[" + name + ", " + dialect + ", " + columns.size() + " columns]";
  }

  /**
   * A hash of the database's URL and user (as its driver reports them) and the table: two sources
   * over one table share their budgets, even through two {@code javax.sql.DataSource} objects.
   * Empty if the driver reports no URL; the room then tells tables apart by their data source
   * object.
   */
  @Override
  public Optional<String> dataIdentity() {
    return dataIdentity;
  }

  /**
   * Runs {@code SELECT <every column> FROM <table> WHERE 1 = 0}: the database can be reached and
   * the table still has every column of the schema.
   *
   * @throws DataSourceException with the SQL state if it cannot
   */
  @Override
  public void check() {
    List<String> cols = new ArrayList<>();
    for (String c : schema.names()) {
      cols.add(dialect.quote(c));
    }
    String sql = "SELECT " + String.join(", ", cols) + " FROM " + tableSql + " WHERE 1 = 0";
    try (Connection c = jdbc.getConnection();
        // Through the dialect, as every other statement: the Hive driver would read a '?' in a
        // quoted table name as a parameter of its own.
        java.sql.PreparedStatement ps = dialect.prepare(c, sql);
        java.sql.ResultSet rs = ps.executeQuery()) {
      rs.next();
    } catch (SQLException e) {
      throw JdbcErrors.failure(name, e);
    }
  }

  /**
   * Whether the database compares values of {@code column} as the engine does, so that a filter on
   * it may run in SQL unchanged: whole numbers, double-precision numbers and varying-length text;
   * DATE, TIMESTAMP without time zone and BOOLEAN (not BIT) values where the dialect computes the
   * whole numbers the engine holds for them ({@link SqlDialect#heldAsLong}). Fixed-length text
   * (compared ignoring trailing blanks), LOBs, REAL and DECIMAL values (rounded differently) are
   * not. A case-insensitive collation cannot be seen from metadata; such a database must be given a
   * case-sensitive (for example binary or "C") collation.
   *
   * @throws IllegalArgumentException if the column is not in the schema
   */
  /** False only for a column the database reports as {@code NOT NULL}. */
  @Override
  public boolean mayHoldNull(String column) {
    return jdbcColumn(column).nullable();
  }

  @Override
  public boolean comparesExactly(String column) {
    JdbcColumn c = jdbcColumn(column);
    return switch (c.column().type()) {
      case STRING -> c.isVaryingText();
      case LONG -> true;
      case DOUBLE -> c.jdbcType() == java.sql.Types.DOUBLE || c.jdbcType() == java.sql.Types.FLOAT;
      // Compared as the whole numbers the engine holds, where the dialect computes them.
      case DATE -> dialect.heldAsLong("x", ColumnType.DATE).isPresent();
      case TIMESTAMP ->
          c.jdbcType() == java.sql.Types.TIMESTAMP
              && dialect.heldAsLong("x", ColumnType.TIMESTAMP).isPresent();
      case BOOLEAN ->
          c.jdbcType() == java.sql.Types.BOOLEAN
              && dialect.heldAsLong("x", ColumnType.BOOLEAN).isPresent();
    };
  }

  JdbcColumn jdbcColumn(String name) {
    Objects.requireNonNull(name, "name");
    JdbcColumn c = columns.get(name);
    if (c == null) {
      throw new IllegalArgumentException(
          "column ["
              + name
              + "] not found in source "
              + this.name
              + "; its columns are: "
              + schema.names());
    }
    return c;
  }

  /**
   * A builder of a {@link JdbcSource}. Each option may be set once; {@link #build()} validates and
   * reads the table's columns. Not thread-safe.
   */
  public static final class Builder {
    private final javax.sql.DataSource dataSource;
    private final String table;
    private String catalog;
    private String schema;
    private SqlDialect dialect;
    private Integer fetchSize;
    private String name;
    private Boolean skipMalformedRows;

    private Builder(javax.sql.DataSource dataSource, String table) {
      this.dataSource = dataSource;
      this.table = table;
    }

    /**
     * The database schema holding the table, unquoted; by default the one schema that has a table
     * of that name, preferring the connection's current schema.
     *
     * @throws NullPointerException if {@code schema} is null
     * @throws IllegalStateException if already set
     */
    public Builder schema(String schema) {
      Objects.requireNonNull(schema, "schema");
      if (this.schema != null) {
        throw new IllegalStateException("schema was already set to [" + this.schema + "]");
      }
      this.schema = schema;
      return this;
    }

    /**
     * The catalog holding the table, unquoted, as the database's metadata names it (a Trino
     * catalog, a Snowflake database, a BigQuery project); by default the one catalog that has a
     * table of that name, preferring the connection's current catalog. The table's SQL names its
     * catalog wherever the database reports one and the dialect's tables are named {@code
     * catalog.schema.table} ({@link SqlDialect#TRINO}, {@link SqlDialect#SNOWFLAKE}, {@link
     * SqlDialect#BIGQUERY}), or the catalog is not the connection's own, so that the statements do
     * not depend on the session's current catalog.
     *
     * @throws NullPointerException if {@code catalog} is null
     * @throws IllegalStateException if already set
     */
    public Builder catalog(String catalog) {
      Objects.requireNonNull(catalog, "catalog");
      if (this.catalog != null) {
        throw new IllegalStateException("catalog was already set to [" + this.catalog + "]");
      }
      this.catalog = catalog;
      return this;
    }

    /**
     * The SQL dialect; by default detected from the database's product name with {@link
     * SqlDialect#fromProductName}.
     *
     * @throws NullPointerException if {@code dialect} is null
     * @throws IllegalStateException if already set
     */
    public Builder dialect(SqlDialect dialect) {
      Objects.requireNonNull(dialect, "dialect");
      if (this.dialect != null) {
        throw new IllegalStateException("dialect was already set to " + this.dialect);
      }
      this.dialect = dialect;
      return this;
    }

    /**
     * The number of rows fetched from the database at a time, a hint to the driver; {@value
     * JdbcSource#DEFAULT_FETCH_SIZE} by default. Checked by {@link #build()}.
     *
     * @throws IllegalStateException if already set
     */
    public Builder fetchSize(int fetchSize) {
      if (this.fetchSize != null) {
        throw new IllegalStateException("fetchSize was already set to " + this.fetchSize);
      }
      this.fetchSize = fetchSize;
      return this;
    }

    /**
     * The display name used in errors and the audit trail; the table name by default. Checked by
     * {@link #build()}.
     *
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalStateException if already set
     */
    public Builder name(String name) {
      Objects.requireNonNull(name, "name");
      if (this.name != null) {
        throw new IllegalStateException("name was already set to [" + this.name + "]");
      }
      this.name = name;
      return this;
    }

    /**
     * Whether to drop malformed rows instead of failing the scan; false by default. A row is
     * malformed if a value of a column the scan reads cannot be read as the column's type (see
     * {@link JdbcSource}). Skipped rows are counted in {@link JdbcSource#skippedRows()} and
     * reported with their ordinals in {@link JdbcSource#malformedRows()}, and each scan that skips
     * rows logs one warning with its count.
     *
     * <p>A source that skips malformed rows pushes no filter into its scans and no query down into
     * the database as one statement (see {@link JdbcSource#capabilities()}): every query over it
     * streams the table's rows through its scans, which costs time on large tables.
     *
     * @throws IllegalStateException if already set
     */
    public Builder skipMalformedRows(boolean skip) {
      if (skipMalformedRows != null) {
        throw new IllegalStateException(
            "skipMalformedRows was already set to " + skipMalformedRows);
      }
      skipMalformedRows = skip;
      return this;
    }

    /**
     * Validates the options, then opens one connection to detect the dialect (unless set) and read
     * the table's columns, and closes it.
     *
     * <p>The table is looked up by its name as given, then upper-case, then lower-case (H2 and most
     * databases fold unquoted names to upper case, PostgreSQL to lower case); the schema likewise.
     * The first match wins. If none matches, the one table of the schema whose name equals the
     * given one ignoring case is taken (DuckDB keeps names as written but matches them ignoring
     * case). Without {@link #schema(String)}, a table found in several schemas is taken from the
     * connection's current schema.
     *
     * @throws IllegalArgumentException if the fetch size is not positive, the name or schema is
     *     blank, the table is not found (the message lists the tables of the schema) or found in
     *     several schemas, or it has no column of a supported type with a valid name
     * @throws DataSourceException if the database cannot be reached or its metadata read
     */
    public JdbcSource build() {
      int fetch = fetchSize == null ? DEFAULT_FETCH_SIZE : fetchSize;
      if (fetch <= 0) {
        throw new IllegalArgumentException("fetchSize must be positive; provided value: " + fetch);
      }
      if (name != null && name.isBlank()) {
        throw new IllegalArgumentException(
            "name must not be blank; provided value: '" + name + "'");
      }
      if (schema != null && schema.isEmpty()) {
        throw new IllegalArgumentException("schema must not be empty");
      }
      if (catalog != null && catalog.isEmpty()) {
        throw new IllegalArgumentException("catalog must not be empty");
      }
      String display = name == null ? table : name;
      Connection connection = connect(display);
      JdbcSource source;
      try {
        source = read(connection, display, fetch);
      } catch (SQLException e) {
        DataSourceException failure = JdbcErrors.failure(display, e);
        JdbcErrors.closeAfterFailure(connection, failure);
        throw failure;
      } catch (RuntimeException | Error e) {
        JdbcErrors.closeAfterFailure(connection, e);
        throw e;
      }
      try {
        connection.close();
      } catch (SQLException e) {
        throw JdbcErrors.failure(display, e);
      }
      return source;
    }

    /** Detects the dialect unless set, reads the table's columns and makes the source. */
    private JdbcSource read(Connection connection, String display, int fetch) throws SQLException {
      SqlDialect d =
          dialect != null
              ? dialect
              : SqlDialect.fromProductName(connection.getMetaData().getDatabaseProductName());
      JdbcTables.Table t = JdbcTables.read(connection, catalog, schema, table);
      if (t.columns().isEmpty()) {
        throw new IllegalArgumentException(
            "table ["
                + t.name()
                + "] has no column of a supported type (text, integer, floating-point or"
                + " decimal) with a valid name; "
                + t.skipped()
                + " columns were left out");
      }
      String tableSql =
          catalogPrefix(connection, d, t)
              + (t.schema() == null || t.schema().isEmpty() ? "" : d.quote(t.schema()) + ".")
              + d.quote(t.name());
      logger.debug(
          "source {}: table {} with {} columns ({} left out), dialect {}",
          display,
          tableSql,
          t.columns().size(),
          t.skipped(),
          d);
      return new JdbcSource(
          dataSource,
          display,
          d,
          tableSql,
          database(connection),
          fetch,
          t.columns(),
          skipMalformedRows != null && skipMalformedRows);
    }

    /**
     * The quoted catalog and a dot, where the table's SQL names its catalog: in dialects whose
     * tables are named {@code catalog.schema.table}, and wherever the table's catalog is not the
     * connection's own (a query in Trino without a session catalog, or in another catalog, fails on
     * {@code schema.table}). Empty where the database reports no catalog.
     *
     * @throws IllegalArgumentException if the table is in another catalog than the connection's in
     *     PostgreSQL, whose statements cannot reach another database
     */
    private static String catalogPrefix(Connection connection, SqlDialect d, JdbcTables.Table t)
        throws SQLException {
      String cat = t.catalog();
      if (cat == null || cat.isEmpty()) {
        return "";
      }
      boolean threePartNames =
          d == SqlDialect.TRINO || d == SqlDialect.SNOWFLAKE || d == SqlDialect.BIGQUERY;
      if (threePartNames) {
        return d.quote(cat) + ".";
      }
      if (cat.equals(connection.getCatalog())) {
        return "";
      }
      if (d == SqlDialect.POSTGRESQL) {
        throw new IllegalArgumentException(
            "table ["
                + t.name()
                + "] is in catalog ["
                + cat
                + "], not in the connection's; a PostgreSQL statement cannot reach another"
                + " database: connect to that database");
      }
      return d.quote(cat) + ".";
    }

    /**
     * The database's URL and user as its driver reports them, if it does: with the table, what
     * identifies the data (hashed, since a URL may hold a password).
     */
    private static Optional<String> database(Connection connection) {
      try {
        DatabaseMetaData md = connection.getMetaData();
        String url = md.getURL();
        if (url == null || url.isBlank()) {
          return Optional.empty();
        }
        String user = md.getUserName();
        return Optional.of(url + "\u0000" + (user == null ? "" : user));
      } catch (SQLException | RuntimeException e) {
        return Optional.empty();
      }
    }

    private Connection connect(String display) {
      try {
        Connection c = dataSource.getConnection();
        if (c == null) {
          throw new DataSourceException(display, "the data source returned no connection", null);
        }
        return c;
      } catch (SQLException e) {
        throw JdbcErrors.failure(display, e);
      }
    }
  }
}
