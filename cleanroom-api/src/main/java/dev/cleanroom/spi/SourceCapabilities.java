package dev.cleanroom.spi;

import java.util.Objects;
import java.util.Optional;

/**
 * What a source can do beyond a plain scan. The engine decides each query's execution path once,
 * from the plan and these declarations (never from a source's class), records it in the plan, shows
 * it in {@code explain()} and obeys it.
 *
 * @param filterPushdown whether the source applies {@link ScanRequest#filter()} itself
 * @param resident whether the source holds all its rows in memory, reports a {@link
 *     DataSource#version()} whenever it can be scanned and an exact {@link
 *     DataSource#estimatedRows()}, so that the engine may keep per-version columnar indexes of it
 *     (its pseudonymized people) and answer on its in-memory columnar path
 * @param sqlTable where the rows live, when they live in a SQL database, so that a query over
 *     tables of one database can run there as one statement
 */
public record SourceCapabilities(
    boolean filterPushdown, boolean resident, Optional<SqlTable> sqlTable) {
  /** A plain scan of the requested columns. */
  public static final SourceCapabilities NONE =
      new SourceCapabilities(false, false, Optional.empty());

  /** A source whose rows are held in memory: see {@link #resident()}. */
  public static final SourceCapabilities RESIDENT =
      new SourceCapabilities(false, true, Optional.empty());

  /**
   * @param filterPushdown whether the source applies {@link ScanRequest#filter()} itself
   * @param resident whether the source holds all its rows in memory
   * @param sqlTable where the rows live, when they live in a SQL database
   * @throws NullPointerException if {@code sqlTable} is null
   */
  public SourceCapabilities {
    Objects.requireNonNull(sqlTable, "sqlTable");
  }

  /**
   * A plain scan that may or may not apply the filter itself.
   *
   * @param filterPushdown whether the source applies {@link ScanRequest#filter()} itself
   */
  public SourceCapabilities(boolean filterPushdown) {
    this(filterPushdown, false, Optional.empty());
  }

  /**
   * A source over a table of a SQL database that also applies filters itself.
   *
   * @param table where the rows live
   * @return the capabilities
   * @throws NullPointerException if {@code table} is null
   */
  public static SourceCapabilities sql(SqlTable table) {
    return new SourceCapabilities(true, false, Optional.of(Objects.requireNonNull(table, "table")));
  }
}
