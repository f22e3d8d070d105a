package dev.cleanroom.spi;

import java.util.List;
import java.util.function.Supplier;

/**
 * Durable memory of a room's state beyond its budgets: registered templates and their approvals,
 * stored answers of differentially private queries, the releases that difference checks compare new
 * results with, and each dataset's policy document and retirement. The engine appends records and
 * reads them all back when a room starts, so that a restarted room keeps its templates and
 * approvals, answers an identical query identically, keeps checking differences against releases
 * made before the restart and never registers a dataset under a looser policy than its owner last
 * set.
 *
 * <p>Records hold no raw data values, user ids or keys: released aggregates, query templates,
 * policy documents, and keyed hashes of pseudonymized ids. Implementations must be safe under
 * concurrent calls; an append that returns is durable (where the store is durable).
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

  /**
   * The records appended through other store objects (rooms in other processes or on other hosts
   * that share this store) since this object last returned records from {@link #records()} or from
   * this method, in the order of appending. The default returns none: a store that only this object
   * writes has nothing to add.
   *
   * @return the records appended elsewhere since the last call
   */
  default List<StateRecord> appendedElsewhere() {
    return List.of();
  }

  /**
   * Runs {@code body} while no other caller, in this or any process that shares this store, runs a
   * body through this method, and returns its result. Records that {@code body} appends are durable
   * when this method returns, and none of them is kept if it throws. The engine reads {@link
   * #appendedElsewhere()}, checks a threshold release against the rows remembered by every room and
   * remembers its rows in one such body, so that two hosts cannot both release rows that differ by
   * fewer than k people. The default runs {@code body} at once, which is enough for a store that
   * only this object writes (the engine already serializes its own checks).
   *
   * @param body what to run
   * @param <T> what {@code body} returns
   * @return what {@code body} returned
   */
  default <T> T exclusive(Supplier<T> body) {
    return body.get();
  }

  /** Releases files and other resources; the store cannot be used afterwards. */
  @Override
  void close();
}
