package dev.cleanroom.spi;

import dev.cleanroom.query.Result;

/**
 * Where a result receiver gets the results of queries submitted to it. Implementations must be safe
 * to call from several threads; an exception thrown here is logged by its type only and does not
 * stop delivery to other receivers.
 */
@FunctionalInterface
public interface ResultSink {
  /**
   * Receives one released result.
   *
   * @param result the released rows of one query
   */
  void receive(Result result);
}
