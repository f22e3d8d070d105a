package dev.cleanroom.query;

/** A complete query: {@link #run()} it or {@link #explain()} it. */
public final class FinalStage {
  private final QueryEngine engine;
  private final QuerySpec spec;

  FinalStage(QueryEngine engine, QuerySpec spec) {
    this.engine = engine;
    this.spec = spec;
  }

  /** The plain description of this query. */
  public QuerySpec spec() {
    return spec;
  }

  /**
   * Checks every touched dataset's policy, runs the query and returns the released rows.
   *
   * @throws dev.cleanroom.PolicyViolationException if a policy refuses the query; no source has
   *     been scanned then
   * @throws dev.cleanroom.InvalidQueryException if the query is malformed
   * @throws dev.cleanroom.DataSourceException if a source fails
   */
  public Result run() {
    return engine.run(spec);
  }

  /**
   * Shows the plan and every policy check with its outcome, without scanning any source.
   *
   * @throws dev.cleanroom.InvalidQueryException if the query is malformed
   */
  public Explanation explain() {
    return engine.explain(spec);
  }
}
