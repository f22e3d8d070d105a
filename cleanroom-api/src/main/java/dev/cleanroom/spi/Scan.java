package dev.cleanroom.spi;

import java.util.Optional;

/** A running scan of a {@link DataSource}: batches of rows, then empty. */
public interface Scan extends AutoCloseable {
  /**
   * The next batch, or empty when the scan is done. A batch's arrays stay valid until the next
   * call.
   *
   * @return the next batch, or empty when the scan is done
   * @throws dev.cleanroom.DataSourceException if the data cannot be read or is malformed
   */
  Optional<ColumnBatch> next();

  /** Releases the scan's resources; safe to call more than once. */
  @Override
  void close();
}
