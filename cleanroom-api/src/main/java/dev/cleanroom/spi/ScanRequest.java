package dev.cleanroom.spi;

import dev.cleanroom.query.Condition;
import java.util.List;
import java.util.Set;

/**
 * What the engine asks of a source.
 *
 * @param columns the columns to return, in this order
 * @param nonEmptyColumns columns whose values must not be empty (the user id). A source that
 *     filters rows itself must skip a row with an empty value rather than fail (the engine drops
 *     such rows anyway: they belong to no person, and a failure would tell whether the rows behind
 *     the filter hold one); a source that reads every row may report it as malformed data, with its
 *     line
 * @param filter conditions on the requested columns that a source with {@link
 *     SourceCapabilities#filterPushdown()} may apply; the engine applies them again either way
 * @param batchSize the preferred number of rows per batch
 */
public record ScanRequest(
    List<String> columns, Set<String> nonEmptyColumns, List<Condition> filter, int batchSize) {
  /** The default number of rows per batch. */
  public static final int DEFAULT_BATCH_SIZE = 4096;

  /**
   * @param columns the columns to return, in this order
   * @param nonEmptyColumns columns whose values must not be empty (the user id): skipped by a
   *     source that filters, or reported as malformed by one that reads every row
   * @param filter conditions on the requested columns that a source with {@link
   *     SourceCapabilities#filterPushdown()} may apply; the engine applies them again either way
   * @param batchSize the preferred number of rows per batch
   * @throws NullPointerException if an argument or element is null
   * @throws IllegalArgumentException if no column is requested or the batch size is not positive
   */
  public ScanRequest {
    columns = List.copyOf(columns);
    nonEmptyColumns = Set.copyOf(nonEmptyColumns);
    filter = List.copyOf(filter);
    if (columns.isEmpty()) {
      throw new IllegalArgumentException("a scan needs at least one column");
    }
    if (batchSize <= 0) {
      throw new IllegalArgumentException(
          "batchSize must be positive; provided value: " + batchSize);
    }
  }

  /**
   * A request for {@code columns} with no filter and the default batch size.
   *
   * @param columns the columns to return, in this order
   * @return a request for {@code columns} with no filter and the default batch size
   */
  public static ScanRequest of(List<String> columns) {
    return new ScanRequest(columns, Set.of(), List.of(), DEFAULT_BATCH_SIZE);
  }
}
