package dev.cleanroom.query;

/**
 * What runs a {@link QuerySpec}: implemented by the engine in {@code cleanroom-core}; the fluent
 * stages hand their finished description to it.
 */
public interface QueryEngine {
  /**
   * Plans, checks and runs the query.
   *
   * @throws dev.cleanroom.PolicyViolationException if a touched dataset's policy refuses it
   * @throws dev.cleanroom.InvalidQueryException if the query is malformed
   * @throws dev.cleanroom.DataSourceException if a source fails
   */
  Result run(QuerySpec spec);

  /**
   * Plans and checks the query without scanning any source.
   *
   * @throws dev.cleanroom.InvalidQueryException if the query is malformed
   */
  Explanation explain(QuerySpec spec);

  /**
   * Binds the parameter values of a registered query template, then plans, checks and runs its
   * query. Engines without templates keep this default, which refuses.
   *
   * @throws dev.cleanroom.InvalidQueryException if the template is unknown or a value is invalid
   * @throws dev.cleanroom.PolicyViolationException if the template lacks an approval or a policy
   *     refuses its query
   * @throws UnsupportedOperationException if the engine does not support templates
   */
  default Result run(TemplateCall call) {
    throw new UnsupportedOperationException("this engine does not run query templates");
  }

  /**
   * Binds the parameter values of a registered query template, then plans and checks its query
   * without scanning any source.
   *
   * @throws dev.cleanroom.InvalidQueryException if the template is unknown or a value is invalid
   * @throws UnsupportedOperationException if the engine does not support templates
   */
  default Explanation explain(TemplateCall call) {
    throw new UnsupportedOperationException("this engine does not run query templates");
  }
}
