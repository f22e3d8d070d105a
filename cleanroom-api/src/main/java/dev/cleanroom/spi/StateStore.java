package dev.cleanroom.spi;

import java.util.List;

/**
 * Durable memory of a room's state beyond its budgets: registered templates and their approvals,
 * stored answers of differentially private queries, and the releases that difference checks compare
 * new results with. The engine appends records and reads them all back when a room starts, so that
 * a restarted room keeps its templates and approvals, answers an identical query identically and
 * keeps checking differences against releases made before the restart.
 *
 * <p>Records hold no raw data values, user ids or keys: released aggregates, query templates, and
 * keyed hashes of pseudonymized ids. Implementations must be safe under concurrent calls; an append
 * that returns is durable (where the store is durable).
 */
public interface StateStore extends AutoCloseable {
  /**
   * Appends one record.
   *
   * @param record the record
   */
  void append(StateRecord record);

  /**
   * Every record appended so far, in the order of appending.
   *
   * @return the records
   */
  List<StateRecord> records();

  /** Releases files and other resources; the store cannot be used afterwards. */
  @Override
  void close();
}
