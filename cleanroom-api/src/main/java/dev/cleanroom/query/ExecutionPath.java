package dev.cleanroom.query;

import java.util.Objects;

/**
 * How a query runs, decided once from the plan and the sources' declared {@link
 * dev.cleanroom.spi.SourceCapabilities capabilities}: {@code explain()} shows this value and the
 * query runs exactly so. Every path computes the same thing: the same people (one normalization of
 * user ids), the same contribution bounding and the same release; they differ only in where the
 * work happens.
 *
 * @param kind where the rows are read, joined and bounded
 * @param reason why this path and not a faster one, in words (never data values)
 */
public record ExecutionPath(Kind kind, String reason) {
  /** Where a query's rows are read, joined and bounded. */
  public enum Kind {
    /** The engine streams every dataset's rows through its join and bounder. */
    STREAMED,
    /** The engine answers from in-memory columnar indexes of resident sources. */
    COLUMNAR,
    /**
     * The database that holds every touched table runs the join, bounding and aggregation as one
     * statement with bound parameters; ids never leave it, only one row per group comes back.
     */
    PUSHED_DOWN
  }

  /**
   * @param kind where the rows are read, joined and bounded
   * @param reason why this path, in words
   * @throws NullPointerException if an argument is null
   */
  public ExecutionPath {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(reason, "reason");
  }

  @Override
  public String toString() {
    return kind + " (" + reason + ")";
  }
}
