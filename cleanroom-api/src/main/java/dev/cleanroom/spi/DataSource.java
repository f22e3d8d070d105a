package dev.cleanroom.spi;

import dev.cleanroom.Schema;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A party's data, as the engine reads it: a schema and a columnar batch scan. Host applications
 * implement this to connect their own storage; the built-in sources are in {@code
 * dev.cleanroom.source}.
 *
 * <p>A source is used by one room and may be scanned by several queries at once, so {@link #scan}
 * must be safe to call concurrently. A source never logs or reports data values.
 */
public interface DataSource {
  /**
   * A short name for error messages and the audit trail, e.g. a file name; no secrets.
   *
   * @return the source's name
   */
  String name();

  /**
   * The columns this source provides.
   *
   * @return the columns this source provides
   */
  Schema schema();

  /**
   * A version of the data that changes whenever the data changes, if the source can tell; empty
   * otherwise. The engine answers an identical differentially private query on the same versions
   * with its stored answer, so repeating a query gains nothing and costs nothing; without a
   * version, a repeated query is charged and noised again.
   *
   * @return a version of the data that changes whenever the data changes, if the source can tell;
   *     empty otherwise
   */
  default Optional<String> version() {
    return Optional.empty();
  }

  /**
   * What identifies the data this source reads beyond this object, if the source can tell: sources
   * that return the same value read the same data (the same file, the same table of the same
   * database), and a room charges every dataset over them against one privacy budget and one query
   * limit, whatever name each is registered under. Empty (the default): this source object alone
   * identifies its data. The value is only compared, never shown or logged.
   *
   * @return what identifies the data this source reads, if the source can tell; empty otherwise
   */
  default Optional<String> dataIdentity() {
    return Optional.empty();
  }

  /**
   * A rough number of the rows a full scan returns, if the source can tell cheaply (without a
   * scan); empty otherwise. When the engine streams a join, it scans the dataset with the fewest
   * rows first and keeps only its people while it reads the others, so a good estimate saves
   * memory; a wrong one costs memory, never correctness.
   *
   * @return a rough number of rows, if the source can tell cheaply; empty otherwise
   */
  default OptionalLong estimatedRows() {
    return OptionalLong.empty();
  }

  /**
   * What this source can do beyond a plain scan.
   *
   * @return what this source can do beyond a plain scan
   */
  default SourceCapabilities capabilities() {
    return SourceCapabilities.NONE;
  }

  /**
   * Checks now, cheaply, that the source can be read as its schema declares: the file or table is
   * there and has every column of the schema (and, where the source can tell cheaply, that its
   * first row parses as the declared types). A room calls it when a dataset over the source is
   * registered, so that a broken source fails there, with a message naming the file or table and
   * column, rather than in a later query. The default checks nothing.
   *
   * @throws dev.cleanroom.DataSourceException if the source cannot be read as its schema declares;
   *     the message names the source and column, never a data value
   */
  default void check() {}

  /**
   * Starts a scan of the requested columns. The caller closes the scan.
   *
   * @param request the columns to read
   * @return the scan
   * @throws dev.cleanroom.DataSourceException if the data cannot be read
   */
  Scan scan(ScanRequest request);
}
