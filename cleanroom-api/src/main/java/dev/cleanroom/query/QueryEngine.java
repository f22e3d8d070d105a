package dev.cleanroom.query;

/**
 * What runs a {@link QuerySpec}: implemented by the engine in {@code cleanroom-core}; the fluent
 * stages hand their finished description to it.
 */
public interface QueryEngine {
  /**
   * Plans, checks and runs the query.
   *
   * @param spec the query
   * @return the result
   * @throws dev.cleanroom.PolicyViolationException if a touched dataset's policy refuses it
   * @throws dev.cleanroom.InvalidQueryException if the query is malformed
   * @throws dev.cleanroom.DataSourceException if a source fails
   */
  Result run(QuerySpec spec);

  /**
   * Plans and checks the query without scanning any source.
   *
   * @param spec the query
   * @return the explanation
   * @throws dev.cleanroom.InvalidQueryException if the query is malformed
   */
  Explanation explain(QuerySpec spec);
}
