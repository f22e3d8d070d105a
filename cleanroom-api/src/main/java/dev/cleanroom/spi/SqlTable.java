package dev.cleanroom.spi;

/**
 * Where a source's rows live when they live in a SQL database, declared through {@link
 * SourceCapabilities#sqlTable()}: enough for the engine to compile a whole query over several such
 * tables of one database into one statement (the join, the contribution bounding and the
 * aggregation run inside the database, and only one row per group comes back).
 *
 * <p>The engine pushes a query down only when every touched dataset declares a table of the same
 * {@link #jdbc() database}, in the same dialect, and the database provably computes what the engine
 * would: the same normalization of user ids, the same comparisons, values bound as parameters that
 * its driver cannot turn into SQL. Otherwise the query streams the rows into the engine, and {@code
 * explain()} says why. A host application's own JDBC adapter may declare a table to opt in.
 */
public interface SqlTable {
  /**
   * The database the table lives in. Two tables can be joined in one statement only when their
   * sources return the same object here.
   *
   * @return the database the table lives in
   */
  javax.sql.DataSource jdbc();

  /**
   * The SQL dialect of the database, by the name of one of the engine's dialects: {@code ANSI},
   * {@code POSTGRESQL}, {@code DUCKDB}, {@code H2}, {@code TRINO} or {@code SPARK}. A name the
   * engine does not know keeps every query on the table out of the database.
   *
   * @return the SQL dialect of the database
   */
  String dialectName();

  /**
   * The table as SQL for a {@code FROM} clause, quoted (and qualified) as the dialect needs.
   *
   * @return the table as SQL
   */
  String tableSql();

  /**
   * The quoted identifier of a column of the source's schema.
   *
   * @param column the column's name in the source's schema
   * @return the quoted identifier
   * @throws IllegalArgumentException if the column is not in the schema
   */
  String column(String column);

  /**
   * Whether the database compares and groups values of {@code column} exactly as the engine does
   * (for example, not for DECIMAL or fixed-length text), so that conditions and groups on it may
   * run in SQL.
   *
   * @param column the column's name in the source's schema
   * @return whether the database compares values of the column as the engine does
   * @throws IllegalArgumentException if the column is not in the schema
   */
  boolean comparesExactly(String column);

  /**
   * Whether {@code column} may hold NULL: false only where the database guarantees that it does not
   * (a {@code NOT NULL} column). A NULL whole number, date, timestamp or boolean is malformed data,
   * which fails every query that reads the column, whatever the query's filter; so before a
   * statement that reads such a column the engine counts its NULLs over the whole table, unless
   * this says there can be none.
   *
   * @param column the column's name in the source's schema
   * @return whether the column may hold NULL; true unless the database rules it out
   * @throws IllegalArgumentException if the column is not in the schema
   */
  default boolean mayHoldNull(String column) {
    return true;
  }

  /**
   * The number of result rows to fetch at a time.
   *
   * @return the number of result rows to fetch at a time, at least 1
   */
  int fetchSize();
}
